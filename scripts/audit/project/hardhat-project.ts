/**
 * The audited Hardhat project as the stages see it: any project, this repository included, with nothing
 * asked of its own config. `openProject`:
 *  1. finds the project's Hardhat config (`hardhat.config.{ts,js,cjs}`) and its own Hardhat install;
 *  2. writes a wrapper config into a scratch folder (never into the project): the project's config,
 *     with the audit's settings injected around it by ./inject.js (compiler outputs, offline compilers,
 *     JUnit, gas JSON) and `paths.root` pinned to the project;
 *  3. asks the project, through that wrapper, for its facts (`audit:project-facts`: paths, compiler
 *     versions, plugins);
 *  4. on the first run that may compile, finds a compiler for every version: Hardhat's cached native
 *     solc, else a pinned solcjs of the harness (../solcjs.ts), else solcjs provisioned from the npm
 *     registry into the harness's tools cache (../tools/solcjs.ts) - no compiler download site is
 *     needed, and a run that compiles nothing installs nothing.
 * Every stage then runs `hardhat` through `run()`: the project's binary, `--config <wrapper>`, and the
 * environment that turns the injected settings on.
 *
 * Errors (`ProjectError`, one line): not a Hardhat project, Hardhat not installed there, a config that
 * does not load (with Hardhat's first meaningful line), a compiler that cannot be had.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { runErrorLine, runTool, tail, type ToolRun } from "../exec";
import { holdDirectory } from "../interrupt";
import { solcJsBuild, type SolcJsBuild } from "../solcjs";
import { provisionSolcJs } from "../tools/solcjs";

/** The harness's own root (this repository): where its node_modules and tools cache live. */
export const HARNESS_ROOT = path.resolve(__dirname, "..", "..", "..");

/**
 * The harness's tools cache (Slither's venv, Medusa, solcjs builds, the fixture projects' packages):
 * `AUDIT_TOOLS_DIR` when set (a CI cache, a shared folder), else `.tools/` in the harness. Audits of
 * other projects reuse it; nothing is installed into the audited project.
 */
export function harnessToolsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.AUDIT_TOOLS_DIR ? path.resolve(env.AUDIT_TOOLS_DIR) : path.join(HARNESS_ROOT, ".tools");
}

/** The file names that make a directory a Hardhat project. */
export const HARDHAT_CONFIGS = ["hardhat.config.ts", "hardhat.config.js", "hardhat.config.cjs", "hardhat.config.mjs", "hardhat.config.cts", "hardhat.config.mts"];
/** HARDHAT_CONFIGS as a message names them: `hardhat.config.{ts,js,cjs,...}`. */
export const HARDHAT_CONFIG_NAMES = `hardhat.config.{${HARDHAT_CONFIGS.map((f) => f.slice("hardhat.config.".length)).join(",")}}`;

export class ProjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ProjectError";
  }
}

/** inject.js's task that prints the project's facts (compiles nothing). */
const FACTS_TASK = "audit:project-facts";

/** What the project's own config says (printed by inject.js's `audit:project-facts`). */
export interface ProjectFacts {
  hardhatVersion: string;
  paths: { root: string; sources: string; tests: string; artifacts: string; cache: string; configFile: string };
  compilers: string[];
  plugins: { coverage: boolean; gasReporter: boolean; typechain: boolean };
  /** Installed versions of the plugins whose output the stages read. */
  versions: { gasReporter?: string; solidityCoverage?: string };
}

/** Whether the project's hardhat-gas-reporter writes the JSON the gas stage reads (version 2 and later). */
export function gasJsonSupported(facts: ProjectFacts): boolean {
  return facts.plugins.gasReporter && Number((facts.versions.gasReporter ?? "0").split(".")[0]) >= 2;
}

export interface HardhatProject {
  root: string;
  /** The project's own config file. */
  configFile: string;
  /** The wrapper config the stages pass with `--config`. */
  wrapper: string;
  /** The project's Hardhat CLI entry (run with the current node). */
  hardhat: { entry: string; version: string };
  facts: ProjectFacts;
  /**
   * Which compiler serves each version: `native` (Hardhat's cache) or the solcjs build used. Filled by
   * the first `run()` that may compile (or `prepareCompilers()`); empty before.
   */
  compilers: Record<string, "native" | SolcJsBuild>;
  /** Finds a compiler for every version the config names, provisioning solcjs when needed (once). */
  prepareCompilers(): Promise<void>;
  /**
   * The environment for a tool that starts this project's `hardhat` by itself (crytic-compile's
   * `hardhat console`, under Slither and Medusa): `HARDHAT_CONFIG` names the wrapper (Hardhat 2 reads
   * each CLI parameter from `HARDHAT_<NAME>`), so the tool sees the config the stages use, and not
   * whichever `hardhat.config.ts` Hardhat's own search finds first in a parent folder (it looks for a
   * TypeScript config all the way up before a JavaScript one here); plus the compilers, as `run()`.
   */
  toolEnv(): Record<string, string>;
  /** Runs `hardhat --config <wrapper> ...args` in the project with the audit's environment. */
  run(args: string[], opts: { signal: AbortSignal; rawDir: string; logName: string; env?: Record<string, string | undefined> }): Promise<ToolRun>;
  /** Removes the scratch folder with the wrapper. */
  dispose(): void;
}

/** The project's Hardhat config file, or undefined. */
export function findConfig(root: string): string | undefined {
  return HARDHAT_CONFIGS.map((n) => path.join(root, n)).find((f) => existsSync(f));
}

function projectHardhat(root: string): { entry: string; version: string } | undefined {
  try {
    const pkg = require.resolve("hardhat/package.json", { paths: [root] });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const meta = require(pkg) as { version: string; bin: Record<string, string> };
    return { entry: path.join(path.dirname(pkg), meta.bin.hardhat ?? "internal/cli/bootstrap.js"), version: meta.version };
  } catch {
    return undefined;
  }
}

function wrapperSource(root: string, configFile: string): string {
  const j = JSON.stringify;
  return [
    `// Written by the audit for ${root}: the project's own Hardhat config, with the audit's settings`,
    "// injected around it (scripts/audit/project/inject.js). Not part of the project; removed after the run.",
    `const projectConfig = require(${j(configFile)});`,
    `const hardhatConfig = require(require.resolve("hardhat/config", { paths: [${j(root)}] }));`,
    `require(${j(path.join(__dirname, "inject.js"))})(hardhatConfig, { resolve: (m) => require.resolve(m, { paths: [${j(HARNESS_ROOT)}] }) });`,
    "const user = projectConfig.default ?? projectConfig;",
    `module.exports = { ...user, paths: { ...(user.paths ?? {}), root: ${j(root)} } };`,
    "",
  ].join("\n");
}

/** The first line of Hardhat's output that says what went wrong (exec.ts's reading of tool errors). */
export function hardhatErrorLine(run: Pick<ToolRun, "stdout" | "stderr" | "exitCode">): string {
  return runErrorLine(run) ?? `exit ${run.exitCode ?? "by a signal"}`;
}

/** Hardhat's own cache of native compilers (the compilers-v2 list for this platform). */
function nativeCached(version: string): boolean {
  const dir = path.join(os.homedir(), ".cache", "hardhat-nodejs", "compilers-v2");
  if (!existsSync(dir)) return false;
  for (const platform of ["linux-amd64", "macosx-amd64", "windows-amd64"]) {
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const list = require(path.join(dir, platform, "list.json")) as { builds: { version: string; path: string }[] };
      const build = list.builds.find((b) => b.version === version);
      if (build && existsSync(path.join(dir, platform, build.path))) return true;
    } catch {
      // not this platform
    }
  }
  return false;
}

export interface OpenOptions {
  signal: AbortSignal;
  /** Where raw logs of the fact-finding run go. */
  rawDir: string;
  log(line: string): void;
  /** The shared tools cache (default: the harness's .tools). */
  toolsDir?: string;
  /** Never install anything (AUDIT_TOOLS_OFFLINE). */
  offline?: boolean;
}

/** Opens `root` as a Hardhat project (see the module comment). Throws ProjectError. */
export async function openProject(root: string, opts: OpenOptions): Promise<HardhatProject> {
  const configFile = findConfig(root);
  if (!configFile) throw new ProjectError(`not a Hardhat project: ${root} (no ${HARDHAT_CONFIG_NAMES} in it)`);
  const hardhat = projectHardhat(root);
  if (!hardhat) throw new ProjectError(`hardhat is not installed in ${root}: install the project's dependencies there first (npm ci)`);
  const scratch = mkdtempSync(path.join(os.tmpdir(), "audit-hardhat-"));
  const release = holdDirectory(scratch); // removed at exit, also after an interrupt
  const wrapper = path.join(scratch, `hardhat.config.audit${path.extname(configFile)}`);
  writeFileSync(wrapper, wrapperSource(root, configFile));
  const compilers: HardhatProject["compilers"] = {};
  let facts: ProjectFacts | undefined;
  // Compilers are found (and provisioned) on the first run that may compile, never for the facts:
  // a run that compiles nothing (--skip compile, bad input) installs nothing.
  let ready: Promise<void> | undefined;
  const prepareCompilers = (): Promise<void> =>
    (ready ??= (async () => {
      for (const version of facts?.compilers ?? []) {
        if (nativeCached(version)) compilers[version] = "native";
        else compilers[version] = solcJsBuild(version) ?? (await provisionSolcJs(version, { toolsDir: opts.toolsDir ?? harnessToolsDir(), log: opts.log, signal: opts.signal, offline: opts.offline }));
      }
    })());
  const solcEnv = (): string => JSON.stringify(Object.fromEntries(Object.entries(compilers).filter((e): e is [string, SolcJsBuild] => e[1] !== "native")));
  const run: HardhatProject["run"] = async (args, o) => {
    if (args[0] !== FACTS_TASK) {
      try {
        await prepareCompilers();
      } catch (e) {
        // A compiler that cannot be had fails this Hardhat run with the one-line cause, as solc would.
        const message = (e as Error).message.split("\n")[0];
        return { exitCode: 1, stdout: "", stderr: `${message}\n`, cancelled: false, logs: [] };
      }
    }
    return runTool(process.execPath, [hardhat.entry, "--config", wrapper, ...args], {
      root,
      cwd: root,
      signal: o.signal,
      rawDir: o.rawDir,
      logName: o.logName,
      env: { AUDIT_SOLC_BUILDS: solcEnv(), ...o.env },
    });
  };
  const dispose = release;
  try {
    const factsRun = await run([FACTS_TASK], { signal: opts.signal, rawDir: opts.rawDir, logName: "hardhat-project-facts" });
    const line = factsRun.stdout.split("\n").find((l) => l.startsWith("AUDIT_PROJECT_FACTS "));
    if (factsRun.exitCode !== 0 || !line) {
      throw new ProjectError(`the project's Hardhat config does not load: ${hardhatErrorLine(factsRun)}`);
    }
    facts = JSON.parse(line.slice("AUDIT_PROJECT_FACTS ".length)) as ProjectFacts;
    const toolEnv = (): Record<string, string> => ({ HARDHAT_CONFIG: wrapper, AUDIT_SOLC_BUILDS: solcEnv() });
    return { root, configFile, wrapper, hardhat, facts, compilers, prepareCompilers, toolEnv, run, dispose };
  } catch (e) {
    dispose();
    if (e instanceof ProjectError) throw e;
    throw new ProjectError(`cannot open the Hardhat project ${root}: ${tail((e as Error).message, 1)}`);
  }
}

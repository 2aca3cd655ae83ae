/**
 * What the Slither stages need to know about the one build, read from
 * Hardhat's build-info files: every contract's source file, kind,
 * inheritance (linearized, by name) and number of declared storage variables.
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface BuildContract {
  name: string;
  /** Source unit name as compiled (repository-relative for project files, e.g. contracts/core/X.sol). */
  file: string;
  kind: "contract" | "interface" | "library";
  abstract: boolean;
  /** Linearized bases, most derived first (the contract itself included). */
  bases: string[];
  /** Entries of solc's storageLayout (declared state variables); undefined when the build has no storageLayout. */
  stateVars?: number;
}

interface AstNode {
  nodeType: string;
  name?: string;
  id?: number;
  contractKind?: BuildContract["kind"];
  abstract?: boolean;
  linearizedBaseContracts?: number[];
}

interface BuildInfo {
  output?: {
    sources?: Record<string, { ast?: { nodes?: AstNode[] } }>;
    contracts?: Record<string, Record<string, { storageLayout?: { storage?: unknown[] } }>>;
  };
}

/** Contracts of all build-info files (first definition wins when a name repeats). */
export function readBuildContracts(buildInfoFiles: readonly string[]): BuildContract[] {
  const out: BuildContract[] = [];
  for (const file of buildInfoFiles) {
    const info = JSON.parse(readFileSync(file, "utf8")) as BuildInfo;
    const names = new Map<number, string>();
    const defs: { node: AstNode; source: string }[] = [];
    for (const [source, unit] of Object.entries(info.output?.sources ?? {})) {
      for (const node of unit.ast?.nodes ?? []) {
        if (node.nodeType !== "ContractDefinition" || node.id === undefined || !node.name) continue;
        names.set(node.id, node.name);
        defs.push({ node, source });
      }
    }
    for (const { node, source } of defs) {
      const layout = info.output?.contracts?.[source]?.[node.name!]?.storageLayout;
      out.push({
        name: node.name!,
        file: source,
        kind: node.contractKind ?? "contract",
        abstract: node.abstract ?? false,
        bases: (node.linearizedBaseContracts ?? []).map((id) => names.get(id) ?? `#${id}`),
        ...(layout ? { stateVars: layout.storage?.length ?? 0 } : {}),
      });
    }
  }
  return out;
}

/* ------------------------------------------------------------------------ *
 * One build for Slither
 * ------------------------------------------------------------------------ */

interface BuildInfoJson {
  id?: string;
  _format?: string;
  solcVersion: string;
  solcLongVersion: string;
  input: { language: string; sources: Record<string, { content?: string }>; settings: Record<string, unknown> };
  output?: { errors?: { severity: string; formattedMessage?: string; message: string }[] };
}

/**
 * Source names compiled by more than one of `buildInfoFiles`. After an
 * incremental `hardhat compile`, artifacts point at several build-infos and
 * the older ones still hold old copies of the recompiled files: crytic-compile
 * loads each as a compilation unit, so Slither would analyze (and report)
 * stale code twice, and slither-check-upgradeability refuses a contract name
 * that exists in two units.
 */
export function overlappingSources(buildInfoFiles: readonly string[]): string[] {
  if (buildInfoFiles.length < 2) return [];
  const count = new Map<string, number>();
  for (const file of buildInfoFiles) {
    const info = JSON.parse(readFileSync(file, "utf8")) as BuildInfoJson;
    for (const source of Object.keys(info.input?.sources ?? {})) count.set(source, (count.get(source) ?? 0) + 1);
  }
  return [...count].filter(([, n]) => n > 1).map(([s]) => s).sort();
}

export class ConsolidationError extends Error {
  constructor(
    message: string,
    readonly detail = "",
  ) {
    super(message);
    this.name = "ConsolidationError";
  }
}

export interface ConsolidateOptions {
  /** Repository root: the pinned `solc` npm package is resolved from here. */
  root: string;
  /** Directory to write `<dir>/build-info/<id>.json` into. */
  outDir: string;
  signal?: AbortSignal;
  log?(msg: string): void;
}

/**
 * Recompiles the union of the build-infos' sources (each source from the
 * NEWEST build-info that has it, i.e. the copy the current artifacts were made
 * from) with the newest build-info's settings, using the project's pinned
 * solcjs, into ONE build-info under `outDir`. Returns the artifacts directory
 * to hand to crytic-compile (`outDir`). Reuses an earlier result for the
 * same inputs.
 */
export function consolidateBuild(buildInfoFiles: readonly string[], opts: ConsolidateOptions): Promise<string> {
  // Two stages of one run (slither, slither-upgradeability) share one recompilation.
  const key = [opts.outDir, ...[...buildInfoFiles].sort()].join("\u0000");
  const pending = consolidating.get(key);
  if (pending) return pending;
  const p = consolidate(buildInfoFiles, opts).finally(() => consolidating.delete(key));
  consolidating.set(key, p);
  return p;
}

const consolidating = new Map<string, Promise<string>>();

async function consolidate(buildInfoFiles: readonly string[], opts: ConsolidateOptions): Promise<string> {
  const newestFirst = [...buildInfoFiles].sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  const infos = newestFirst.map((f) => JSON.parse(readFileSync(f, "utf8")) as BuildInfoJson);
  const newest = infos[0];
  const longVersions = new Set(infos.map((i) => i.solcLongVersion));
  if (longVersions.size > 1) {
    throw new ConsolidationError(`the build mixes compilers (${[...longVersions].join(", ")}): run npx hardhat compile --force`);
  }
  const sources: Record<string, { content?: string }> = {};
  for (const info of infos) {
    for (const [name, src] of Object.entries(info.input.sources)) if (!(name in sources)) sources[name] = src;
  }
  const input = { language: newest.input.language, sources, settings: newest.input.settings };
  const inputText = JSON.stringify(input);
  const id = createHash("sha256").update(newest.solcLongVersion).update(inputText).digest("hex").slice(0, 32);
  const buildInfoDir = path.join(opts.outDir, "build-info");
  const target = path.join(buildInfoDir, `${id}.json`);
  if (existsSync(target)) return opts.outDir;

  let solcPkg: string;
  try {
    solcPkg = require.resolve("solc/package.json", { paths: [opts.root] });
  } catch {
    throw new ConsolidationError("the solc npm package is not installed (npm ci installs it)");
  }
  const solcVersion = (JSON.parse(readFileSync(solcPkg, "utf8")) as { version: string }).version;
  if (solcVersion !== newest.solcVersion) {
    throw new ConsolidationError(`the build used solc ${newest.solcVersion} but the solc npm package is ${solcVersion}: run npx hardhat compile --force`);
  }
  opts.log?.(`the build spans ${buildInfoFiles.length} incremental compiles: recompiling ${Object.keys(sources).length} sources into one build-info for Slither (solcjs ${solcVersion})`);
  // In a child process: solcjs is synchronous and would block the pipeline's event loop.
  const script = [
    "const solc = require(process.argv[1]);",
    "let data = ''; process.stdin.setEncoding('utf8');",
    "process.stdin.on('data', (c) => (data += c));",
    "process.stdin.on('end', () => process.stdout.write(solc.compile(data)));",
  ].join("\n");
  const { execa } = await import("execa");
  const run = await execa(process.execPath, ["-e", script, path.dirname(solcPkg)], {
    input: inputText,
    reject: false,
    cancelSignal: opts.signal,
    maxBuffer: 1024 * 1024 * 1024,
    cwd: opts.root,
  });
  const stdout = typeof run.stdout === "string" ? run.stdout : "";
  if (run.exitCode !== 0 || !stdout) {
    throw new ConsolidationError(`solcjs recompilation failed (exit ${run.exitCode ?? "signal"})`, typeof run.stderr === "string" ? run.stderr : "");
  }
  const output = JSON.parse(stdout) as NonNullable<BuildInfoJson["output"]>;
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) {
    throw new ConsolidationError(`solcjs recompilation reported ${errors.length} error(s): ${errors[0].message}`, errors.map((e) => e.formattedMessage ?? e.message).join("\n"));
  }
  // Only this build-info may be in the directory: crytic-compile loads every file there.
  rmSync(buildInfoDir, { recursive: true, force: true });
  mkdirSync(buildInfoDir, { recursive: true });
  const buildInfo = { id, _format: "hh-sol-build-info-1", solcVersion: newest.solcVersion, solcLongVersion: newest.solcLongVersion, input, output };
  writeFileSync(`${target}.tmp`, JSON.stringify(buildInfo));
  renameSync(`${target}.tmp`, target);
  return opts.outDir;
}

/** The build-info JSON files in a directory (absolute, sorted). */
export function listBuildInfoFiles(buildInfoDir: string): string[] {
  if (!existsSync(buildInfoDir)) return [];
  return readdirSync(buildInfoDir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => path.join(buildInfoDir, f))
    .sort();
}

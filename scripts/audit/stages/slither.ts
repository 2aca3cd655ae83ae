/**
 * slither: Slither's detectors over the pipeline's one build.
 *
 * - slither-analyzer is provisioned (pinned) into .tools/venv on first use
 *   (tools/provision.ts); registry unreachable -> `skipped` with the reason.
 * - It reads the compile stage's artifacts/build-info (--hardhat-ignore-compile,
 *   --hardhat-artifacts-directory): it never compiles, so no solc binary is
 *   needed (solcjs built the project; crytic-compile only parses build-info).
 * - Scope: results must touch contracts/ (`--include-paths` anchored at the
 *   repository's real path). We do not use `--filter-paths "node_modules|..."`:
 *   Slither drops a result if ANY of its elements matches a filter, so a
 *   reentrancy in our code whose external-call node sits in an OpenZeppelin
 *   library would vanish, and an unanchored `test/` would hide everything in
 *   a checkout under a directory named test/. The adapter then drops results
 *   whose first element is a test double (contracts/mocks/, test/, bench/) and
 *   places each finding at its first element inside contracts/.
 * - Slither exits 255 on findings and on failure alike: the verdict is the
 *   JSON's `success` field. --json / --sarif refuse to overwrite, so both go
 *   to a freshly emptied <outDir>/raw/slither/.
 * - Review state lives in audit/suppressions.json (the gate), not in Slither:
 *   --show-ignored-findings (inline `slither-disable` comments do not hide
 *   results), and the triage database / SARIF-triage inputs point at absent
 *   files in the raw dir so a stray slither.db.json cannot hide results.
 */
import { existsSync, mkdirSync, readFileSync, realpathSync, rmSync } from "node:fs";
import path from "node:path";
import { countBySeverity, parseSlitherJson, SLITHER_STAGE, slitherErrorLine, slitherFindings, SlitherOutputError } from "../adapters/slither";
import { errorLine } from "../exec";
import { buildStaleness } from "../build";
import { defaultScope, inSources } from "../scope";
import { listBuildInfoFiles } from "../tools/build-info";
import { ensureSlither, ToolInstallError, ToolUnavailableError, type ProvisionOptions, type SlitherTools } from "../tools/provision";
import { escapeRegex, outputTail, runProvisioned } from "../tools/run-provisioned";
import type { Stage, StageContext, StageResult } from "../types";
import { toolsOffline } from "./common";

export type StageOutcome = Omit<StageResult, "name" | "durationMs">;

export function outcome(status: StageOutcome["status"], rest: Partial<StageOutcome> = {}): StageOutcome {
  return { status, tools: [], findings: [], metrics: {}, artifacts: [], ...rest };
}

/** Repository-relative path with forward slashes. */
export function rel(root: string, file: string): string {
  const r = path.relative(root, file);
  return (r.startsWith("..") || path.isAbsolute(r) ? file : r).split(path.sep).join("/");
}

/** A fresh <rawDir>/<name>/ (Slither refuses to overwrite its outputs). */
export function freshDir(ctx: StageContext, name: string): string {
  const dir = path.join(ctx.rawDir, name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Options the tests use to run the stage on a fixture project. */
export interface SlitherStageOptions {
  /** Where the tools live (default <root>/.tools); tests point at the repository's. */
  toolsDir?: string;
  /** Replaces provisioning (tests). */
  provision?(opts: ProvisionOptions): Promise<SlitherTools>;
}

/** Why the build cannot be analyzed, or undefined when it can. */
export function missingBuild(ctx: StageContext): string | undefined {
  return listBuildInfoFiles(ctx.build.buildInfoDir).length === 0
    ? `no build to analyze: ${rel(ctx.root, ctx.build.buildInfoDir)} has no build-info files (run the compile stage)`
    : undefined;
}

/**
 * The artifacts directory crytic-compile reads. It loads every build-info file as a compilation
 * unit, so the build must be one (one build-info per compiler configuration): the compile stage
 * consolidates a stale build and `--skip compile` refuses one (scripts/audit/run.ts), so this only
 * guards against a build changed under the run - with build.ts's one staleness check.
 */
export function slitherArtifactsDir(ctx: StageContext): { dir: string } {
  const stale = buildStaleness(ctx.root, ctx.build, ctx.project?.scope);
  if (stale?.startsWith("spans") || stale?.startsWith("holds")) throw new BuildSpanError(stale);
  return { dir: ctx.build.artifactsDir };
}

class BuildSpanError extends Error {
  constructor(stale: string) {
    super(`the build ${stale}: run the compile stage or npx hardhat compile --force`);
  }
}

/** Provisions Slither; a StageOutcome (skipped / error) when that is impossible. */
export async function provisionSlither(ctx: StageContext, opts: SlitherStageOptions): Promise<SlitherTools | StageOutcome> {
  const toolsDir = opts.toolsDir ?? ctx.project?.toolsDir;
  const provisionOpts: ProvisionOptions = {
    root: ctx.root,
    log: ctx.log,
    signal: ctx.signal,
    offline: toolsOffline(process.env),
    ...(toolsDir ? { toolsDir } : {}),
  };
  try {
    return await (opts.provision ?? ensureSlither)(provisionOpts);
  } catch (e) {
    if (e instanceof ToolUnavailableError) return outcome("skipped", { reason: e.message });
    if (e instanceof ToolInstallError) return outcome("error", { reason: e.message, ...(e.stderrTail ? { stderrTail: e.stderrTail } : {}) });
    if (ctx.signal.aborted) return outcome("error", { reason: "cancelled while installing slither" });
    throw e;
  }
}

/** A stage error for a build that cannot be read (rethrows anything else). */
export function buildError(e: unknown, tools: StageOutcome["tools"]): StageOutcome {
  if (e instanceof BuildSpanError) return outcome("error", { reason: e.message, tools });
  if (e instanceof SyntaxError) return outcome("error", { reason: `unreadable build-info (run the compile stage again): ${e.message.split("\n")[0]}`, tools });
  throw e;
}

/** crytic-compile flags that make it read the existing Hardhat build instead of compiling. */
export function buildFlags(ctx: StageContext, artifactsDir: string): string[] {
  return [
    "--compile-force-framework",
    "hardhat",
    "--hardhat-ignore-compile",
    "--hardhat-artifacts-directory",
    rel(ctx.root, artifactsDir),
    // Run `hardhat` from PATH (node_modules/.bin, added to the env): npx could try to download it.
    "--npx-disable",
  ];
}

/** PATH additions for crytic-compile's `hardhat console` call (it reads the config's paths). */
export function buildEnv(ctx: StageContext, tools: { env?: Record<string, string> }): Record<string, string> {
  const basePath = tools.env?.PATH ?? process.env.PATH ?? "";
  return { PATH: [path.join(ctx.root, "node_modules", ".bin"), basePath].join(path.delimiter) };
}

/** `--include-paths` regex: files under <real root>/<sources>/ (slither matches absolute, resolved paths). */
export function includePathsRegex(root: string, sources = "contracts"): string {
  let real = root;
  try {
    real = realpathSync(root);
  } catch {
    // keep root as given
  }
  // `[/]` rather than a trailing `/`: slither strips trailing '/' and '.' from the pattern.
  return `^${escapeRegex(real.split(path.sep).join("/"))}/${escapeRegex(sources)}[/]`;
}

export async function runSlitherStage(ctx: StageContext, opts: SlitherStageOptions = {}): Promise<StageOutcome> {
  const noBuild = missingBuild(ctx);
  if (noBuild) return outcome("skipped", { reason: noBuild });
  const provisioned = await provisionSlither(ctx, opts);
  if (!("slither" in provisioned)) return provisioned;
  const { slither, cryticCompile } = provisioned;
  const tools = [
    { name: "slither", version: slither.version },
    { name: "crytic-compile", version: cryticCompile.version },
  ];

  let build;
  try {
    build = slitherArtifactsDir(ctx);
  } catch (e) {
    return buildError(e, tools);
  }
  const scope = ctx.project?.scope ?? defaultScope();
  const raw = freshDir(ctx, SLITHER_STAGE);
  const jsonFile = path.join(raw, "slither.json");
  const sarifFile = path.join(raw, "slither.sarif");
  const args = [
    ".",
    ...buildFlags(ctx, build.dir),
    "--include-paths",
    includePathsRegex(ctx.root, scope.sources),
    "--show-ignored-findings",
    "--triage-database",
    path.join(raw, "no-triage-database.json"),
    "--sarif-input",
    path.join(raw, "no-sarif-input.sarif"),
    "--sarif-triage",
    path.join(raw, "no-sarif-triage.sarifexplorer"),
    "--disable-color",
    "--json",
    jsonFile,
    "--json-types",
    "detectors,list-detectors",
    "--sarif",
    sarifFile,
  ];
  ctx.log(`slither ${slither.version}: analyzing ${rel(ctx.root, build.dir)}/build-info (scope ${scope.sources}/${scope.exclude.length ? `, without ${scope.exclude.join(", ")}` : ""})`);
  const run = await runProvisioned(slither, args, { cwd: ctx.root, signal: ctx.signal, rawDir: raw, logName: "slither", env: buildEnv(ctx, slither) });
  const artifacts = [...run.logs, ...[jsonFile, sarifFile].filter((f) => existsSync(f))].map((f) => rel(ctx.root, f));
  // The reason carries the first meaningful line of slither's own error output.
  const toolLine = errorLine(run.stderr) ?? errorLine(run.stdout);
  const failure = (reason: string): StageOutcome =>
    outcome("error", { reason: toolLine && !reason.includes(toolLine) ? `${reason}: ${toolLine}` : reason, tools, artifacts, stderrTail: outputTail(run) });

  if (run.cancelled) return failure("slither was stopped (timeout or interrupt)");
  if (run.spawnError) return failure(`slither could not start: ${run.spawnError}`);
  if (!existsSync(jsonFile)) return failure(`slither wrote no JSON report (exit ${run.exitCode ?? "signal"})`);
  let json;
  try {
    json = parseSlitherJson(readFileSync(jsonFile, "utf8"));
  } catch (e) {
    if (e instanceof SlitherOutputError) return failure(`slither's JSON report is unusable: ${e.message}`);
    throw e;
  }
  if (!json.success) return failure(`slither failed: ${errorLine(json.error ?? "") ?? slitherErrorLine(json)}`);

  const { findings, outOfScope } = slitherFindings(json, {
    root: ctx.root,
    toolVersion: slither.version,
    inScope: (file) => inSources(scope, file),
    // A result that starts in test code (test doubles, tests, benchmarks) is not ours; one that starts
    // in a package but reaches our code is (the adapter places it at its first in-scope element).
    excluded: (file) => !file.startsWith("node_modules/") && !inSources(scope, file),
  });
  const bySeverity = countBySeverity(findings);
  const byCheck: Record<string, number> = {};
  for (const f of findings) byCheck[f.rule] = (byCheck[f.rule] ?? 0) + 1;
  ctx.log(`slither: ${findings.length} finding(s) in scope (${outOfScope} outside ${scope.sources}/ dropped)`);
  // The stage reports; the gate judges (suppressions in audit/suppressions.json apply there).
  return outcome("passed", {
    tools,
    findings,
    metrics: {
      slitherVersion: slither.version,
      cryticCompileVersion: cryticCompile.version,
      detectorsRun: json.results["list-detectors"]?.length ?? null,
      results: json.results.detectors?.length ?? 0,
      findings: findings.length,
      outOfScope,
      bySeverity,
      byCheck,
      scope: `${scope.sources}/${scope.exclude.length ? ` without ${scope.exclude.join(", ")}` : ""} (results that start elsewhere - packages, tests, test doubles - are not reported)`,
      exitCode: run.exitCode ?? null,
    },
    artifacts,
  });
}

export function slitherKeyMetric(r: StageResult): string | undefined {
  const s = r.metrics.bySeverity as Record<string, number> | undefined;
  if (!s) return undefined;
  const parts = (["high", "medium", "low", "info"] as const).filter((k) => s[k]).map((k) => `${s[k]} ${k}`);
  return `slither ${String(r.metrics.slitherVersion)}: ${parts.length ? parts.join(", ") : "no findings"}`;
}

export const slitherStage: Stage = {
  name: SLITHER_STAGE,
  title: "Static analysis (Slither)",
  dependsOn: ["compile"],
  // One Python process parsing the whole build (about a core for ~15 s).
  heavy: true,
  // First use installs slither into .tools/venv (about a minute); later runs take ~15 s.
  timeoutMs: { quick: 10 * 60_000, ci: 15 * 60_000, deep: 20 * 60_000 },
  keyMetric: slitherKeyMetric,
  run: (ctx) => runSlitherStage(ctx),
};

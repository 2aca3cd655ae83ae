/**
 * What the two Slither stages (slither.ts, slither-upgradeability.ts) and their shared session
 * (slither-session.ts) have in common: the build they read, provisioning, crytic-compile's flags,
 * the scope regex, and the upgradeability plan. No stage logic here.
 */
import { realpathSync } from "node:fs";
import path from "node:path";
import type { UpgradeabilityRun } from "../adapters/slither-upgradeability";
import type { ResolvedDomain } from "../analyzers/domain";
import { buildStaleness } from "../build";
import { listBuildInfoFiles } from "../tools/build-info";
import { ensureSlither, ToolInstallError, ToolUnavailableError, type ProvisionOptions, type SlitherTools } from "../tools/provision";
import { escapeRegex } from "../tools/run-provisioned";
import type { StageContext } from "../types";
import { outcome, toolsOffline, type StageOutcome } from "./common";

export { outcome, type StageOutcome };

/** Repository-relative path with forward slashes. */
export function rel(root: string, file: string): string {
  const r = path.relative(root, file);
  return (r.startsWith("..") || path.isAbsolute(r) ? file : r).split(path.sep).join("/");
}

/** Options the tests use to run the stages on a fixture project. */
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

/**
 * The environment of crytic-compile's `hardhat console` call (it reads the config's paths): the
 * project's `hardhat` first on PATH, and the audit's wrapper config (HardhatProject.toolEnv).
 */
export function buildEnv(ctx: StageContext, tools: { env?: Record<string, string> }): Record<string, string> {
  const basePath = tools.env?.PATH ?? process.env.PATH ?? "";
  return { ...(ctx.project?.hardhat.toolEnv() ?? {}), PATH: [path.join(ctx.root, "node_modules", ".bin"), basePath].join(path.delimiter) };
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

export interface UpgradeabilityPlan {
  proxy: string;
  implementations: string[];
  pairs: { v1: string; v2: string }[];
  runs: UpgradeabilityRun[];
}

/**
 * What to check, from the storage domains the analyzers see (analyzers/domains.ts: audit/domains.json
 * completed with its undeclared members, or the domains inferred from the build - nothing of this
 * repository's design is assumed): every implementation and every upgrade target against its proxy,
 * and every V1 -> V2 pair (chains step by step). A domain without a proxy contract in the build (a
 * standard ERC-1967 proxy outside it) gets the V1 -> V2 runs only. slither-check-upgradeability takes
 * bare contract names.
 */
export function planUpgradeabilityRuns(domains: readonly ResolvedDomain[]): UpgradeabilityPlan {
  const runs: UpgradeabilityRun[] = [];
  const implementations = new Set<string>();
  const pairs: { v1: string; v2: string }[] = [];
  const proxies = new Set<string>();
  const push = (run: UpgradeabilityRun): void => {
    if (!runs.some((r) => r.kind === run.kind && r.contract === run.contract && r.against === run.against)) runs.push(run);
  };
  for (const d of domains) {
    const proxy = d.proxy?.contract.name;
    if (proxy) proxies.add(proxy);
    const members = d.implementations.map((m) => m.contract.name);
    for (const m of members) implementations.add(m);
    const targets = d.upgrades.map((u) => u.to.name).filter((n) => !members.includes(n));
    if (proxy) for (const c of [...members, ...targets]) push({ kind: "proxy", contract: c, against: proxy });
    for (const u of d.upgrades) {
      if (!pairs.some((p) => p.v1 === u.from.name && p.v2 === u.to.name)) pairs.push({ v1: u.from.name, v2: u.to.name });
      push({ kind: "update", contract: u.from.name, against: u.to.name });
    }
  }
  return { proxy: [...proxies].join(", ") || "(none: a standard ERC-1967 proxy outside the build)", implementations: [...implementations], pairs, runs };
}

/**
 * slither-upgradeability: slither-check-upgradeability for every
 * implementation behind the proxy and for every V1 -> V2 pair, on the
 * pipeline's build (same provisioning and build handling as the slither stage).
 *
 * What to check: audit/domains.json when it exists (the storage and selector
 * analyzers' config: proxy, implementations, upgrades), else discovered from
 * the build so new modules are picked up:
 *   proxy            the contract named PROXY (LoadBalancer)
 *   implementations  non-abstract contracts under contracts/ (not mocks) that
 *                    inherit MODULE_BASE (LoadBalancerModule): LoadBalancerAdmin,
 *                    Staking, Voting
 * and in both cases every contract named <Implementation>V<n> (n >= 2), mocks
 * included, adds a V1 -> V2 pair: StakingV2. Each V2 is also checked against
 * the proxy, since it is what would be registered next.
 *
 * The tool exits 0 whatever happens: each run is judged by its JSON
 * (`success`, `error`). Any failed run makes the stage `error`; the
 * comparison rows of that run say `not-run`.
 *
 * metrics.comparison (ComparisonRow[], adapters/slither-upgradeability.ts):
 * one row per check and pair, keyed `${category}:${contract}->${against}`
 * so the report can put our own storage-layout / selector verdicts beside
 * Slither's. Slither's storage checks compare declared state variables only;
 * with ERC-7201 namespaces there are none, so those rows say
 * `coverage: "vacuous"` - a clean result there proves nothing, and our own
 * namespaced-layout analysis is the one that counts.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { slitherErrorLine, SlitherOutputError, type DraftFinding } from "../adapters/slither";
import {
  comparisonRows,
  parseUpgradeabilityJson,
  UPGRADEABILITY_STAGE,
  UPGRADEABILITY_TOOL,
  upgradeabilityDrafts,
  upgradeabilityFindings,
  type UpgradeabilityCheckInfo,
  type UpgradeabilityRun,
} from "../adapters/slither-upgradeability";
import { errorLine } from "../exec";
import { loadDomainsFile } from "../analyzers/domain";
import { loadSolcBuild } from "../analyzers/build-info";
import { DOMAINS_FILE, type ResolvedDomain } from "../analyzers/domain";
import { projectDomains } from "../analyzers/domains";
import { AnalyzerInputError } from "../analyzers/errors";
import { analyzerScope } from "../analyzers/infer";
import { listBuildInfoFiles, readBuildContracts, type BuildContract } from "../tools/build-info";
import { outputTail, runProvisioned, type ProvisionedRun } from "../tools/run-provisioned";
import type { Stage, StageContext, StageResult } from "../types";
import { buildEnv, buildError, buildFlags, freshDir, missingBuild, outcome, provisionSlither, rel, slitherArtifactsDir, type SlitherStageOptions, type StageOutcome } from "./slither";

/** Runs at once (each is one Python process parsing the build). */
const PARALLEL_RUNS = 2;

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

/** Runs `tasks` with at most `limit` at once, results in input order. */
async function pool<T, R>(items: readonly T[], limit: number, task: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

interface RunOutcome {
  run: UpgradeabilityRun;
  ok: boolean;
  error?: string;
  drafts: DraftFinding[];
  process: ProvisionedRun;
  json?: string;
}

export async function runUpgradeabilityStage(ctx: StageContext, opts: SlitherStageOptions = {}): Promise<StageOutcome> {
  const noBuild = missingBuild(ctx);
  if (noBuild) return outcome("skipped", { reason: noBuild });
  let contracts: BuildContract[];
  let build: { dir: string };
  try {
    build = slitherArtifactsDir(ctx);
    contracts = readBuildContracts(ctx.build.buildInfoFiles.length ? ctx.build.buildInfoFiles : listBuildInfoFiles(ctx.build.buildInfoDir));
  } catch (e) {
    return buildError(e, []);
  }
  let domains: ResolvedDomain[];
  try {
    const scope = ctx.project ? analyzerScope(ctx.project.scope) : undefined;
    const solc = loadSolcBuild(ctx.build.artifactsDir, { root: ctx.root, ...(scope ? { preferredRoots: [scope.sources] } : {}) });
    const set = projectDomains(solc, ctx.root, scope ? { scope } : {});
    if (!set) return outcome("skipped", { reason: `no storage domain to check: no ${DOMAINS_FILE} and no proxy in the build to infer one from` });
    domains = set.domains;
  } catch (e) {
    if (e instanceof AnalyzerInputError) return outcome("error", { reason: e.message.split("\n")[0] });
    throw e;
  }
  const plan = planUpgradeabilityRuns(domains);
  if (plan.runs.length === 0) return outcome("skipped", { reason: "the storage domains have no proxy contract in the build and no upgrade pair: nothing for slither-check-upgradeability to compare" });
  const provisioned = await provisionSlither(ctx, opts);
  if (!("checkUpgradeability" in provisioned)) return provisioned;
  const tool = provisioned.checkUpgradeability;
  const tools = [{ name: UPGRADEABILITY_TOOL, version: tool.version }];
  const raw = freshDir(ctx, UPGRADEABILITY_STAGE);
  const env = buildEnv(ctx, tool);

  // The checks' titles, impacts and recommendations (fast: no analysis).
  const listRun = await runProvisioned(tool, ["--list-detectors-json"], { cwd: ctx.root, signal: ctx.signal, rawDir: raw, logName: "list-detectors" });
  let checks: UpgradeabilityCheckInfo[] | undefined;
  try {
    checks = JSON.parse(listRun.stdout) as UpgradeabilityCheckInfo[];
  } catch {
    ctx.log("slither-check-upgradeability --list-detectors-json gave no JSON: using the built-in check table");
  }

  const fileOf = (name: string): string | undefined => contracts.find((c) => c.name === name)?.file;
  ctx.log(`${plan.runs.length} runs: ${plan.implementations.join(", ")}${plan.pairs.length ? `, ${plan.pairs.map((p) => p.v2).join(", ")}` : ""} behind ${plan.proxy}; ${plan.pairs.map((p) => `${p.v1} -> ${p.v2}`).join(", ") || "no V2"}`);
  const outcomes = await pool(plan.runs, PARALLEL_RUNS, async (run): Promise<RunOutcome> => {
    const name = run.kind === "proxy" ? `${run.contract}-vs-${run.against}` : `${run.contract}-to-${run.against}`;
    const jsonFile = path.join(raw, `${name}.json`);
    const args = [".", run.contract, ...(run.kind === "proxy" ? ["--proxy-name", run.against] : ["--new-contract-name", run.against]), ...buildFlags(ctx, build.dir), "--json", jsonFile];
    const proc = await runProvisioned(tool, args, { cwd: ctx.root, signal: ctx.signal, rawDir: raw, logName: name, env });
    const base = { run, process: proc, drafts: [] as DraftFinding[], ...(existsSync(jsonFile) ? { json: jsonFile } : {}) };
    if (proc.cancelled) return { ...base, ok: false, error: "stopped (timeout or interrupt)" };
    if (proc.spawnError) return { ...base, ok: false, error: `could not start: ${proc.spawnError}` };
    if (!existsSync(jsonFile)) {
      const line = errorLine(proc.stderr) ?? errorLine(proc.stdout);
      return { ...base, ok: false, error: `no JSON report (exit ${proc.exitCode ?? "signal"})${line ? `: ${line}` : ""}` };
    }
    try {
      const json = parseUpgradeabilityJson(readFileSync(jsonFile, "utf8"));
      if (!json.success) return { ...base, ok: false, error: errorLine(json.error ?? "") ?? slitherErrorLine(json) };
      const drafts = upgradeabilityDrafts(json, run, { root: ctx.root, toolVersion: tool.version, contractFile: fileOf, ...(checks ? { checks } : {}) });
      return { ...base, ok: true, drafts };
    } catch (e) {
      if (e instanceof SlitherOutputError) return { ...base, ok: false, error: e.message };
      throw e;
    }
  });

  const findings = upgradeabilityFindings(outcomes.flatMap((o) => o.drafts));
  const stateVars = (name: string): number | undefined => contracts.find((c) => c.name === name)?.stateVars;
  const comparison = comparisonRows(outcomes, findings, stateVars);
  const artifacts = outcomes
    .flatMap((o) => [...o.process.logs, ...(o.json ? [o.json] : [])])
    .concat(listRun.logs)
    .map((f) => rel(ctx.root, f));
  const failed = outcomes.filter((o) => !o.ok);
  const metrics = {
    slitherVersion: tool.version,
    proxy: plan.proxy,
    implementations: plan.implementations,
    pairs: plan.pairs,
    runs: outcomes.map((o) => ({
      ...o.run,
      ok: o.ok,
      ...(o.error ? { error: o.error } : {}),
      findings: findings.filter((f) => f.data?.kind === o.run.kind && f.data?.contract === o.run.contract && f.data?.against === o.run.against).map((f) => f.id),
    })),
    comparison,
    comparisonKey: "`${category}:${contract}->${against}`; categories storage-layout | selectors | initialization",
    stateVariables: Object.fromEntries([plan.proxy, ...plan.implementations, ...plan.pairs.map((p) => p.v2)].map((n) => [n, stateVars(n) ?? null])),
  };
  if (failed.length > 0) {
    const first = failed[0];
    return outcome("error", {
      reason: `slither-check-upgradeability failed for ${failed.map((o) => `${o.run.contract} (${o.run.kind} ${o.run.against})`).join(", ")}: ${first.error}`,
      tools,
      findings,
      metrics,
      artifacts,
      stderrTail: outputTail(first.process),
    });
  }
  ctx.log(`${findings.length} finding(s) over ${outcomes.length} runs`);
  return outcome("passed", { tools, findings, metrics, artifacts });
}

export const slitherUpgradeabilityStage: Stage = {
  name: UPGRADEABILITY_STAGE,
  title: "Upgradeability checks (slither-check-upgradeability)",
  dependsOn: ["compile"],
  profiles: ["ci", "deep"],
  // PARALLEL_RUNS Python processes, each parsing the whole build.
  heavy: true,
  timeoutMs: { quick: 10 * 60_000, ci: 15 * 60_000, deep: 20 * 60_000 },
  keyMetric: (r: StageResult) => {
    const runs = r.metrics.runs as { ok: boolean }[] | undefined;
    if (!runs) return undefined;
    return `${runs.filter((x) => x.ok).length}/${runs.length} runs, ${r.findings.length} finding(s)`;
  },
  run: (ctx) => runUpgradeabilityStage(ctx),
};

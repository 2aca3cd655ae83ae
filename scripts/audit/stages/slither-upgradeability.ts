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
import { listBuildInfoFiles, readBuildContracts, type BuildContract } from "../tools/build-info";
import { outputTail, runProvisioned, type ProvisionedRun } from "../tools/run-provisioned";
import type { Stage, StageContext, StageResult } from "../types";
import { buildEnv, buildError, buildFlags, freshDir, missingBuild, outcome, provisionSlither, rel, slitherArtifactsDir, type SlitherStageOptions, type StageOutcome } from "./slither";

export const PROXY = "LoadBalancer";
export const MODULE_BASE = "LoadBalancerModule";
/** Runs at once (each is one Python process parsing the build). */
const PARALLEL_RUNS = 2;

export interface UpgradeabilityPlan {
  proxy: string;
  implementations: string[];
  pairs: { v1: string; v2: string }[];
  runs: UpgradeabilityRun[];
}

/** One proxy and what runs in its storage, from audit/domains.json (the storage/selector analyzers' config). */
export interface DomainSpec {
  proxy: string;
  implementations: string[];
  upgrades: { v1: string; v2: string }[];
}

export const DOMAINS_FILE = "audit/domains.json";

/** `path/File.sol:Name` or `Name` -> `Name`. */
const contractName = (ref: string): string => ref.slice(ref.lastIndexOf(":") + 1);

/**
 * The domains of audit/domains.json (undefined when the file does not exist), read with the
 * analyzers' validating loader (the run validated the file before any stage started; a file
 * changed under the run throws AnalyzerInputError). Only the fields this stage needs are kept.
 */
export function readDomains(root: string): DomainSpec[] | undefined {
  return loadDomainsFile(root)?.map((d) => ({
    proxy: d.proxy !== undefined ? contractName(d.proxy) : PROXY,
    implementations: d.implementations.map((i) => contractName(i.contract)),
    upgrades: d.upgrades.map((u) => ({ v1: contractName(u.from), v2: contractName(u.to) })),
  }));
}

/**
 * What to check, from the build's contracts: with a domain (audit/domains.json), its proxy,
 * implementations and upgrades; without, the contract named PROXY and every non-abstract contract
 * under contracts/ (not mocks) inheriting MODULE_BASE. Either way a contract named
 * `<Implementation>V<n>` (n >= 2) anywhere in the build adds a V1 -> V2 pair.
 */
export function planUpgradeabilityRuns(contracts: readonly BuildContract[], domain?: DomainSpec): UpgradeabilityPlan {
  const own = (c: BuildContract): boolean => c.file.startsWith("contracts/") && !c.file.startsWith("contracts/mocks/");
  const proxy = domain?.proxy ?? PROXY;
  const implementations = [
    ...new Set(
      domain
        ? domain.implementations
        : contracts.filter((c) => own(c) && c.kind === "contract" && !c.abstract && c.name !== MODULE_BASE && c.bases.includes(MODULE_BASE)).map((c) => c.name),
    ),
  ].sort();
  const pairs: { v1: string; v2: string }[] = [...(domain?.upgrades ?? [])];
  for (const c of contracts) {
    const m = /^(.+)V(\d+)$/.exec(c.name);
    if (!m || Number(m[2]) < 2 || !implementations.includes(m[1]) || c.kind !== "contract" || c.abstract) continue;
    if (!pairs.some((p) => p.v2 === c.name)) pairs.push({ v1: m[1], v2: c.name });
  }
  pairs.sort((a, b) => a.v2.localeCompare(b.v2));
  const v2s = [...new Set(pairs.map((p) => p.v2))].filter((n) => !implementations.includes(n));
  const runs: UpgradeabilityRun[] = [
    ...[...implementations, ...v2s].map((contract): UpgradeabilityRun => ({ kind: "proxy", contract, against: proxy })),
    ...pairs.map((p): UpgradeabilityRun => ({ kind: "update", contract: p.v1, against: p.v2 })),
  ];
  return { proxy, implementations, pairs, runs };
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
  let domains: DomainSpec[] | undefined;
  try {
    domains = readDomains(ctx.root);
  } catch (e) {
    return outcome("error", { reason: (e as Error).message.split("\n")[0] });
  }
  const plans = domains?.length ? domains.map((d) => planUpgradeabilityRuns(contracts, d)) : [planUpgradeabilityRuns(contracts)];
  for (const p of plans) {
    if (!contracts.some((c) => c.name === p.proxy)) return outcome("skipped", { reason: `the proxy contract ${p.proxy} is not in the build` });
    const missing = [...p.implementations, ...p.pairs.flatMap((x) => [x.v1, x.v2])].filter((n) => !contracts.some((c) => c.name === n));
    if (missing.length) return outcome("error", { reason: `${DOMAINS_FILE} names contract(s) not in the build: ${[...new Set(missing)].join(", ")}` });
  }
  const plan: UpgradeabilityPlan = {
    proxy: [...new Set(plans.map((p) => p.proxy))].join(", "),
    implementations: [...new Set(plans.flatMap((p) => p.implementations))],
    pairs: plans.flatMap((p) => p.pairs),
    runs: plans.flatMap((p) => p.runs),
  };
  if (!plan.implementations.length) return outcome("skipped", { reason: `no implementation to check (none in ${DOMAINS_FILE}, none inheriting ${MODULE_BASE} under contracts/)` });
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

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
 * The comparisons run in the Slither session this stage shares with the
 * slither stage (slither-session.ts): one Python process loads the build
 * once and runs each comparison through slither-check-upgradeability's own
 * main, on the command line the tool would get, with its own JSON and logs.
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
import { DOMAINS_FILE } from "../analyzers/domain";
import { errorLine } from "../exec";
import { HARDHAT_CONFIGS } from "../project/hardhat-project";
import type { SlitherTools } from "../tools/provision";
import { outputTail, type ProvisionedRun } from "../tools/run-provisioned";
import type { Stage, StageContext, StageResult } from "../types";
import { missingBuild, outcome, provisionSlither, rel, type SlitherStageOptions, type StageOutcome } from "./slither-common";
import { prepareUpgradeabilityPart, runInSession, upgradeabilityJobRun, type SessionPartName, type UpgradeabilityJob, type UpgradeabilityPart } from "./slither-session";

export { planUpgradeabilityRuns, type UpgradeabilityPlan } from "./slither-common";

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
  const prepared = prepareUpgradeabilityPart(ctx);
  if ("outcome" in prepared) return prepared.outcome;
  const { plan } = prepared.part;
  const provisioned = await provisionSlither(ctx, opts);
  if (!("checkUpgradeability" in provisioned)) return provisioned;
  ctx.log(`${plan.runs.length} runs: ${plan.implementations.join(", ")}${plan.pairs.length ? `, ${plan.pairs.map((p) => p.v2).join(", ")}` : ""} behind ${plan.proxy}; ${plan.pairs.map((p) => `${p.v1} -> ${p.v2}`).join(", ") || "no V2"}`);
  const session = await runInSession(ctx, provisioned, { upgradeability: prepared.part });
  const part = session.parts.upgradeability!;
  const runs = part.jobs.map((job) => ({ job, process: upgradeabilityJobRun(session.result, job) }));
  return upgradeabilityOutcome(ctx, session.result.tools, part, runs, { sessionFiles: session.result.files, servedStages: session.servedStages });
}

/**
 * The stage's result from each comparison's raw JSON and run: the session's, or
 * slither-check-upgradeability's own processes on the same command lines (the equivalence test and
 * the benchmark run both).
 */
export function upgradeabilityOutcome(
  ctx: StageContext,
  provisioned: SlitherTools,
  part: UpgradeabilityPart,
  runs: readonly { job: UpgradeabilityJob; process: ProvisionedRun }[],
  extra: { sessionFiles?: string[]; servedStages?: SessionPartName[] } = {},
): StageOutcome {
  const tool = provisioned.checkUpgradeability;
  const tools = [{ name: UPGRADEABILITY_TOOL, version: tool.version }];
  const { plan, contracts } = part;
  // The checks' titles, impacts and recommendations (--list-detectors-json).
  let checks: UpgradeabilityCheckInfo[] | undefined;
  try {
    checks = JSON.parse(readFileSync(part.checksFile, "utf8")) as UpgradeabilityCheckInfo[];
  } catch {
    ctx.log("slither-check-upgradeability --list-detectors-json gave no JSON: using the built-in check table");
  }
  const fileOf = (name: string): string | undefined => contracts.find((c) => c.name === name)?.file;
  const outcomes = runs.map(({ job, process: proc }): RunOutcome => {
    const { run, jsonFile } = job;
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
    .concat([part.checksFile, ...(extra.sessionFiles ?? [])].filter((f) => existsSync(f)))
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
    ...(extra.servedStages ? { sharedLoad: extra.servedStages } : {}),
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
  // Light: its comparisons run in the Slither session the slither stage (heavy) starts, on that
  // one load. Alone (--only slither-upgradeability, --skip slither) it starts the session itself.
  heavy: false,
  // As slither, plus the storage domains the comparisons are planned from.
  cache: { inputs: ["build", "sources", "tools", "lockfiles", { files: ["slither.config.json", DOMAINS_FILE, ...HARDHAT_CONFIGS] }] },
  timeoutMs: { quick: 10 * 60_000, ci: 15 * 60_000, deep: 20 * 60_000 },
  keyMetric: (r: StageResult) => {
    const runs = r.metrics.runs as { ok: boolean }[] | undefined;
    if (!runs) return undefined;
    return `${runs.filter((x) => x.ok).length}/${runs.length} runs, ${r.findings.length} finding(s)`;
  },
  run: (ctx) => runUpgradeabilityStage(ctx),
};

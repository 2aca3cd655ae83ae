/**
 * bench: the routing-cost benchmark (scripts/bench/, docs/BENCHMARK.md). Runs
 * `hardhat run --no-compile scripts/bench/gas.ts` once on the compile stage's build, which measures
 * our LoadBalancer and the reference proxies side by side in one Hardhat run and writes
 * <outDir>/gas/bench.json; then compares it with the committed baseline audit/baselines/bench.json.
 *
 * Findings (the gate judges them: at the default failOnSeverity "medium" they fail it). The tolerances
 * are the policy's (audit/policy.json, `ctx.policy`), never this stage's:
 *   - gas-regression (medium): a row's metric grew more than policy.gas.maxRegressionPercent over the
 *     baseline, or a baseline row was not measured;
 *   - routing-overhead-budget (medium): our cold execution overhead exceeds
 *     policy.bench.routingOverheadBudget (no budget in the policy: no such finding).
 * The stage is `passed` whenever the benchmark ran.
 * Metrics: the whole bench report (rows, batch, summary, floor, environment) plus the comparison, so
 * report.json keeps the raw numbers. Sections (report.md / report.html "Stage details", built by
 * scripts/bench/format.ts `benchSections`): the routing overhead of every proxy row with a bar chart of
 * the cold overhead against the floor, the batching table, and the comparison with the baseline.
 */
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { diffBench, describeRegression, type BenchDiff } from "../../bench/compare";
import { benchSections } from "../../bench/format";
import { loadBenchBaseline, loadMaxRegressionPct, parseBenchReport } from "../../bench/io";
import { BENCH_BASELINE_FILE, BENCH_SCHEMA_VERSION, OURS, type BenchReport } from "../../bench/types";
import { failureReason, outputTail } from "../exec";
import { finalizeFindings, type DraftFinding } from "../findings/fingerprint";
import { relPath } from "../paths";
import { DEFAULT_POLICY } from "../policy";
import type { Finding, Stage } from "../types";
import { freshRawDir, hardhatInfo, outcome, runHardhat, skip } from "./common";

export const BENCH_STAGE = "bench";
export const BENCH_SCRIPT = "scripts/bench/gas.ts";
const LOG_NAME = "hardhat-bench";
const TOOL = { name: "routing-bench", version: BENCH_SCHEMA_VERSION };

type BenchDraft = Omit<DraftFinding, "stage" | "tool">;

/** Where a row's cost comes from: our router, our batch, or a reference proxy built in bench/. */
function locationOf(row: string): { file: string; symbol: string } {
  if (row.startsWith("batch /")) return { file: "contracts/core/LoadBalancerAdmin.sol", symbol: "LoadBalancerAdmin.batch" };
  if (row.startsWith(`${OURS} /`)) return { file: "contracts/core/LoadBalancer.sol", symbol: "LoadBalancer.fallback" };
  return { file: "bench/contracts/BenchProxies.sol", symbol: row.split(" / ")[0] };
}

/** The findings of one comparison and of the budget check. */
export function benchFindings(report: BenchReport, diff: BenchDiff | undefined, maxRegressionPct: number, budget?: number): Finding[] {
  const severity = "medium" as const;
  const drafts: BenchDraft[] = [];
  for (const r of diff?.regressions ?? []) {
    drafts.push({
      rule: "gas-regression",
      severity,
      title: `Gas regression: ${r.row} ${r.metric} ${r.baseline} -> ${r.current}`,
      description: `${describeRegression(r, maxRegressionPct)}, measured by the routing-cost benchmark.`,
      location: locationOf(r.row),
      recommendation: `Find the change that made ${r.row} more expensive; if the increase is intended, re-baseline with npm run bench:gas -- --update-baseline and commit ${BENCH_BASELINE_FILE}.`,
      data: { ...r },
      anchor: `${r.row}.${r.metric}`,
    });
  }
  for (const row of diff?.missing ?? []) {
    drafts.push({
      rule: "gas-regression",
      severity,
      title: `Benchmark row ${row} was not measured`,
      description: `${row} is in ${BENCH_BASELINE_FILE} but not in this run: the benchmark no longer covers it.`,
      location: locationOf(row),
      recommendation: `Restore the row, or re-baseline with npm run bench:gas -- --update-baseline if it was removed on purpose.`,
      anchor: `${row}.missing`,
    });
  }
  const s = report.summary;
  if (budget !== undefined && s.coldOverhead > budget) {
    drafts.push({
      rule: "routing-overhead-budget",
      severity,
      title: `${OURS} cold routing overhead ${s.coldOverhead} exceeds the budget ${budget}`,
      description: `A small routed call costs ${s.coldOverhead} gas over a direct call, cold (${s.ratioToFloor} x the floor ${report.floor.coldExecOverhead}); the budget (bench.routingOverheadBudget of audit/policy.json) is ${budget}.`,
      location: locationOf(`${OURS} / small`),
      recommendation: "Trim the router's hot path (docs/BENCHMARK.md lists where its gas goes), or raise bench.routingOverheadBudget in audit/policy.json in a reviewed change.",
      data: { coldOverhead: s.coldOverhead, ratioToFloor: s.ratioToFloor, budget },
      anchor: "budget",
    });
  }
  return finalizeFindings(drafts.map((d) => ({ ...d, stage: BENCH_STAGE, tool: TOOL })));
}

export const benchStage: Stage = {
  name: BENCH_STAGE,
  title: "Routing cost benchmark (LoadBalancer vs standard proxies, vs baseline)",
  dependsOn: ["compile"],
  profiles: ["ci", "deep"],
  heavy: true,
  timeoutMs: { ci: 10 * 60_000, deep: 10 * 60_000 },
  // The benchmark script and what it loads (project code), the build, the committed baseline and the
  // policy's tolerances; gas/bench.json is kept with the result.
  cache: { inputs: ["build", "code", "lockfiles", { files: [BENCH_BASELINE_FILE] }, { policy: ["gas", "bench"] }], outputs: ["gas/bench.json"] },
  keyMetric: (r) => {
    const s = r.metrics.summary as BenchReport["summary"] | undefined;
    if (!s) return undefined;
    const regressions = (r.metrics.regressions as unknown[] | undefined)?.length ?? 0;
    const base = r.metrics.baseline === "absent" ? ", no baseline" : `, ${regressions} regression${regressions === 1 ? "" : "s"}`;
    return `${OURS} +${s.coldOverhead} cold (${s.ratioToFloor}x floor)${base}`;
  },
  async run(ctx) {
    if (!existsSync(path.join(ctx.root, BENCH_SCRIPT))) return skip(`no benchmark script ${BENCH_SCRIPT} in this project (the bench stage runs that script)`);
    const raw = freshRawDir(ctx, BENCH_STAGE);
    const out = path.join(ctx.outDir, "gas", "bench.json");
    rmSync(out, { force: true }); // never report a previous run's numbers
    mkdirSync(path.dirname(out), { recursive: true });

    ctx.log(`hardhat run --no-compile ${BENCH_SCRIPT}`);
    const run = await runHardhat(ctx, ["run", "--no-compile", BENCH_SCRIPT], {
      rawDir: raw,
      logName: LOG_NAME,
      env: { BENCH_OUT: out, BENCH_NO_COMPILE: "1" },
    });
    const tools = [TOOL, hardhatInfo(ctx)];
    const artifacts = [...run.logs];
    if (run.exitCode !== 0 || !existsSync(out)) {
      return outcome("error", {
        reason: failureReason("the benchmark", run, `the benchmark exited with ${run.exitCode ?? "a signal"}${existsSync(out) ? "" : " without writing bench.json"}`),
        tools,
        stderrTail: outputTail(run),
        artifacts,
      });
    }
    artifacts.unshift(relPath(ctx.root, out));

    let report: BenchReport;
    let baseline: BenchReport | undefined;
    let maxRegressionPct: number;
    try {
      report = parseBenchReport(readFileSync(out, "utf8"), relPath(ctx.root, out));
      baseline = loadBenchBaseline(ctx.root);
      maxRegressionPct = ctx.policy ? ctx.policy.gas.maxRegressionPercent : loadMaxRegressionPct(ctx.root);
    } catch (e) {
      return outcome("error", { reason: (e as Error).message, tools, artifacts });
    }
    const diff = baseline ? diffBench(report, baseline, maxRegressionPct) : undefined;
    const budget = (ctx.policy ?? DEFAULT_POLICY).bench?.routingOverheadBudget;
    const findings = benchFindings(report, diff, maxRegressionPct, budget);
    const s = report.summary;
    ctx.log(`${OURS} cold overhead ${s.coldOverhead} = ${s.ratioToFloor} x floor ${report.floor.coldExecOverhead}`);
    return outcome("passed", {
      tools: [TOOL, { name: "hardhat", version: report.environment.hardhat }],
      findings,
      metrics: {
        ...report,
        baseline: baseline ? "present" : "absent",
        baselineFile: BENCH_BASELINE_FILE,
        maxRegressionPercent: maxRegressionPct,
        routingOverheadBudget: budget ?? null,
        regressions: diff?.regressions ?? [],
        missingRows: diff?.missing ?? [],
        newRows: diff?.added ?? [],
      },
      sections: benchSections(report, { file: BENCH_BASELINE_FILE, maxRegressionPct, diff }),
      artifacts,
    });
  },
};

/**
 * bench: the routing-cost benchmark (scripts/bench/, docs/BENCHMARK.md). Runs
 * `hardhat run --no-compile scripts/bench/gas.ts` once on the compile stage's build, which measures
 * our LoadBalancer and the reference proxies side by side in one Hardhat run and writes
 * <outDir>/gas/bench.json; then compares it with the committed baseline audit/baselines/bench.json.
 *
 * Findings (the gate fails on them at the default failOnSeverity "medium"):
 *   - gas-regression (medium): a row's metric grew more than policy.gas.maxRegressionPercent over the
 *     baseline, or a baseline row was not measured;
 *   - routing-overhead-budget (medium): our cold execution overhead exceeds LOADBALANCER_BUDGET.
 * Metrics: the whole bench report (rows, batch, summary, floor, environment; the writers render
 * them with scripts/bench/format.ts `benchMarkdown` / `benchChart`) plus the comparison.
 *
 * Self-contained on purpose (node:child_process, a local fingerprint with the same recipe as
 * scripts/audit/fingerprint.ts), so it depends on nothing but ../types.
 */
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { diffBench, describeRegression, type BenchDiff } from "../../bench/compare";
import { loadBenchBaseline, loadMaxRegressionPct, parseBenchReport } from "../../bench/io";
import { BENCH_BASELINE_FILE, BENCH_SCHEMA_VERSION, LOADBALANCER_BUDGET, OURS, type BenchReport } from "../../bench/types";
import type { Finding, Severity, Stage, StageContext, StageResult } from "../types";

export const BENCH_STAGE = "bench";
export const BENCH_SCRIPT = "scripts/bench/gas.ts";
const LOG_NAME = "hardhat-bench.log";
const TOOL = { name: "routing-bench", version: BENCH_SCHEMA_VERSION };

type Outcome = Omit<StageResult, "name" | "durationMs">;

const outcome = (status: Outcome["status"], rest: Partial<Outcome> = {}): Outcome => ({
  status,
  tools: [],
  findings: [],
  metrics: {},
  artifacts: [],
  ...rest,
});

const rel = (root: string, file: string): string => path.relative(root, file).split(path.sep).join("/");

/** Same recipe as scripts/audit/fingerprint.ts: sha256 over stage, rule, file, anchor joined by NUL. */
function makeFinding(draft: Omit<Finding, "id" | "fingerprint" | "stage" | "tool"> & { anchor: string }): Finding {
  const { anchor, ...rest } = draft;
  const fp = createHash("sha256")
    .update([BENCH_STAGE, rest.rule, rest.location?.file ?? "", anchor.replace(/\s+/g, " ").trim()].join("\u0000"))
    .digest("hex");
  return { ...rest, stage: BENCH_STAGE, tool: TOOL, fingerprint: fp, id: `${BENCH_STAGE}:${rest.rule}:${fp.slice(0, 12)}` };
}

/** Where a row's cost comes from: our router, our batch, or a reference proxy built in bench/. */
function locationOf(row: string): { file: string; symbol: string } {
  if (row.startsWith("batch /")) return { file: "contracts/core/LoadBalancerAdmin.sol", symbol: "LoadBalancerAdmin.batch" };
  if (row.startsWith(`${OURS} /`)) return { file: "contracts/core/LoadBalancer.sol", symbol: "LoadBalancer.fallback" };
  return { file: "bench/contracts/BenchProxies.sol", symbol: row.split(" / ")[0] };
}

/** The findings of one comparison and of the budget check. */
export function benchFindings(report: BenchReport, diff: BenchDiff | undefined, maxRegressionPct: number): Finding[] {
  const severity: Severity = "medium";
  const findings: Finding[] = [];
  for (const r of diff?.regressions ?? []) {
    findings.push(
      makeFinding({
        rule: "gas-regression",
        severity,
        title: `Gas regression: ${r.row} ${r.metric} ${r.baseline} -> ${r.current}`,
        description: `${describeRegression(r, maxRegressionPct)}, measured by the routing-cost benchmark.`,
        location: locationOf(r.row),
        recommendation: `Find the change that made ${r.row} more expensive; if the increase is intended, re-baseline with npm run bench:gas -- --update-baseline and commit ${BENCH_BASELINE_FILE}.`,
        data: { ...r },
        anchor: `${r.row}.${r.metric}`,
      }),
    );
  }
  for (const row of diff?.missing ?? []) {
    findings.push(
      makeFinding({
        rule: "gas-regression",
        severity,
        title: `Benchmark row ${row} was not measured`,
        description: `${row} is in ${BENCH_BASELINE_FILE} but not in this run: the benchmark no longer covers it.`,
        location: locationOf(row),
        recommendation: `Restore the row, or re-baseline with npm run bench:gas -- --update-baseline if it was removed on purpose.`,
        anchor: `${row}.missing`,
      }),
    );
  }
  const s = report.summary;
  if (!s.withinBudget) {
    findings.push(
      makeFinding({
        rule: "routing-overhead-budget",
        severity,
        title: `${OURS} cold routing overhead ${s.coldOverhead} exceeds the budget ${LOADBALANCER_BUDGET}`,
        description: `A small routed call costs ${s.coldOverhead} gas over a direct call, cold (${s.ratioToFloor} x the floor ${report.floor.coldExecOverhead}); the budget is ${s.budget}.`,
        location: locationOf(`${OURS} / small`),
        recommendation: "Trim the router's hot path (docs/BENCHMARK.md lists where its gas goes).",
        data: { coldOverhead: s.coldOverhead, ratioToFloor: s.ratioToFloor, budget: s.budget },
        anchor: "budget",
      }),
    );
  }
  return findings;
}

/** Runs the benchmark script in a child Hardhat process; resolves with its exit code and stderr tail. */
function runBenchScript(ctx: StageContext, out: string, log: string): Promise<{ code: number | null; error?: string; tail: string }> {
  let bootstrap: string;
  try {
    bootstrap = require.resolve("hardhat/internal/cli/bootstrap.js", { paths: [ctx.root] });
  } catch {
    return Promise.resolve({ code: null, error: "hardhat is not installed (npm ci installs it)", tail: "" });
  }
  return new Promise((resolve) => {
    const logStream = createWriteStream(log);
    let tail = "";
    const child = spawn(process.execPath, [bootstrap, "run", "--no-compile", BENCH_SCRIPT], {
      cwd: ctx.root,
      env: { ...process.env, BENCH_OUT: out, BENCH_NO_COMPILE: "1", REPORT_GAS: "false" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const onAbort = (): void => void child.kill("SIGTERM");
    ctx.signal.addEventListener("abort", onAbort, { once: true });
    child.stdout.pipe(logStream, { end: false });
    child.stderr.on("data", (chunk: Buffer) => {
      logStream.write(chunk);
      tail = (tail + chunk.toString()).slice(-4000);
      for (const line of chunk.toString().split("\n")) if (line.startsWith("bench: ")) ctx.log(line.slice(7));
    });
    const done = (code: number | null, error?: string): void => {
      ctx.signal.removeEventListener("abort", onAbort);
      logStream.end(() => resolve({ code, error, tail }));
    };
    child.on("error", (e) => done(null, e.message));
    child.on("close", (code) => done(code));
  });
}

export const benchStage: Stage = {
  name: BENCH_STAGE,
  title: "Routing cost benchmark (LoadBalancer vs standard proxies, vs baseline)",
  dependsOn: ["compile"],
  profiles: ["ci", "deep"],
  heavy: true,
  timeoutMs: { ci: 10 * 60_000, deep: 10 * 60_000 },
  keyMetric: (r) => {
    const s = r.metrics.summary as BenchReport["summary"] | undefined;
    if (!s) return undefined;
    const regressions = (r.metrics.regressions as unknown[] | undefined)?.length ?? 0;
    const base = r.metrics.baseline === "absent" ? ", no baseline" : `, ${regressions} regression${regressions === 1 ? "" : "s"}`;
    return `${OURS} +${s.coldOverhead} cold (${s.ratioToFloor}x floor)${base}`;
  },
  async run(ctx) {
    const raw = path.join(ctx.rawDir, BENCH_STAGE);
    rmSync(raw, { recursive: true, force: true });
    mkdirSync(raw, { recursive: true });
    const out = path.join(ctx.outDir, "gas", "bench.json");
    rmSync(out, { force: true }); // never report a previous run's numbers
    mkdirSync(path.dirname(out), { recursive: true });
    const log = path.join(raw, LOG_NAME);

    ctx.log(`hardhat run --no-compile ${BENCH_SCRIPT}`);
    const run = await runBenchScript(ctx, out, log);
    const artifacts = [rel(ctx.root, log)];
    if (run.code !== 0 || !existsSync(out)) {
      return outcome("error", {
        reason: run.error ?? `the benchmark exited with ${run.code ?? "a signal"}${existsSync(out) ? "" : " without writing bench.json"}`,
        stderrTail: run.tail,
        artifacts,
      });
    }
    artifacts.unshift(rel(ctx.root, out));

    let report: BenchReport;
    let baseline: BenchReport | undefined;
    let maxRegressionPct: number;
    try {
      report = parseBenchReport(readFileSync(out, "utf8"), rel(ctx.root, out));
      baseline = loadBenchBaseline(ctx.root);
      maxRegressionPct = loadMaxRegressionPct(ctx.root);
    } catch (e) {
      return outcome("error", { reason: (e as Error).message, artifacts });
    }
    const diff = baseline ? diffBench(report, baseline, maxRegressionPct) : undefined;
    const findings = benchFindings(report, diff, maxRegressionPct);
    const s = report.summary;
    ctx.log(`${OURS} cold overhead ${s.coldOverhead} = ${s.ratioToFloor} x floor ${report.floor.coldExecOverhead}`);
    return outcome(findings.length ? "failed" : "passed", {
      tools: [TOOL, { name: "hardhat", version: report.environment.hardhat }],
      findings,
      metrics: {
        ...report,
        baseline: baseline ? "present" : "absent",
        baselineFile: BENCH_BASELINE_FILE,
        maxRegressionPercent: maxRegressionPct,
        regressions: diff?.regressions ?? [],
        missingRows: diff?.missing ?? [],
        newRows: diff?.added ?? [],
      },
      artifacts,
    });
  },
};

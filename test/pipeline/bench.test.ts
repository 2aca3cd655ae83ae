/**
 * The routing-cost benchmark: the regression comparison the gate uses (pure), the stage's findings,
 * the report schema and the committed baseline, and one real run of the benchmark driver on the
 * in-process Hardhat network with deterministic gas assertions.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { compareBench, diffBench } from "../../scripts/bench/compare";
import { parseBenchReport } from "../../scripts/bench/io";
import { runBench, summarize } from "../../scripts/bench/measure";
import { benchSections, formatTable } from "../../scripts/bench/format";
import { BENCH_BASELINE_FILE, FLOOR, LOADBALANCER_BUDGET, OURS, type BatchRow, type BenchReport, type BenchRow } from "../../scripts/bench/types";
import { validateReport } from "../../scripts/audit/reports";
import { benchFindings } from "../../scripts/audit/stages/bench";
import type { AuditReport } from "../../scripts/audit/types";

const REPO = path.resolve(__dirname, "..", "..");

function row(proxy: string, over: Partial<BenchRow> = {}): BenchRow {
  return {
    proxy,
    kind: proxy === OURS ? "id-router" : "storage-lookup",
    case: "small",
    calldataBytes: 36,
    returndataBytes: 32,
    routingBytes: 0,
    routingCalldataGas: 0,
    direct: { cold: 2858, warm: 358, tx: 21510, exec: 234 },
    proxied: { cold: 7700, warm: 700, tx: 26300, exec: 5090 },
    coldOverhead: 4800,
    warmOverhead: 300,
    txOverhead: 4800,
    txExecOverhead: 4800,
    txOverheadNoFloor: 4800,
    deploymentGas: 100_000,
    setupGas: 0,
    runtimeSize: 100,
    ...over,
  };
}

const batchRow = (over: Partial<BatchRow> = {}): BatchRow => ({
  name: "same id",
  description: "",
  extraCallGas: 1400,
  directCallGas: 358,
  overheadPerExtraCall: 1000,
  txGasPerExtraCall: 2000,
  extraCalls: 7,
  ...over,
});

const report = (rows: BenchRow[], batch: BatchRow[] = []): Pick<BenchReport, "rows" | "batch"> => ({ rows, batch });

function fullReport(rows: BenchRow[], batch: BatchRow[] = []): BenchReport {
  return {
    schemaVersion: "1.0.0",
    generatedAt: "2025-01-01T00:00:00.000Z",
    environment: { hardhat: "2.29.1", solc: "0.8.28", evmVersion: "cancun", optimizerRuns: 10000, hardfork: "osaka" },
    floor: FLOOR,
    rows,
    batch,
    summary: summarize(rows),
  };
}

describe("routing benchmark", function () {
  describe("compareBench (the regression gate)", function () {
    const base = report([row(OURS, { coldOverhead: 1000 }), row("Other")], [batchRow()]);

    it("reports a metric that grew by more than the limit", function () {
      const reasons = compareBench(report([row(OURS, { coldOverhead: 1051 }), row("Other")], [batchRow()]), base, 5);
      expect(reasons).to.have.length(1);
      expect(reasons[0]).to.contain("LoadBalancer / small coldOverhead 1051 is 5.1% above the baseline 1000 (limit 5%)");
    });

    it("accepts a growth exactly at the limit, one below it, and any improvement", function () {
      for (const cold of [1050, 1049, 900]) {
        expect(compareBench(report([row(OURS, { coldOverhead: cold }), row("Other")], [batchRow()]), base, 5)).to.deep.equal([]);
      }
    });

    it("checks every metric of rows and batch rows", function () {
      const current = report(
        [row(OURS, { coldOverhead: 1000, warmOverhead: 400, deploymentGas: 200_000 }), row("Other", { runtimeSize: 200, txOverheadNoFloor: 6000 })],
        [batchRow({ overheadPerExtraCall: 2000 })],
      );
      const { regressions } = diffBench(current, base, 5);
      expect(regressions.map((r) => `${r.row}.${r.metric}`)).to.have.members([
        "LoadBalancer / small.warmOverhead",
        "LoadBalancer / small.deploymentGas",
        "Other / small.txOverheadNoFloor",
        "Other / small.runtimeSize",
        "batch / same id.overheadPerExtraCall",
      ]);
    });

    it("treats any increase over a zero baseline as a regression", function () {
      const zero = report([row(OURS, { txOverhead: 0 })]);
      const reasons = compareBench(report([row(OURS, { txOverhead: 40 })]), zero, 5);
      expect(reasons).to.deep.equal(["gas LoadBalancer / small txOverhead 40 is above the baseline 0 (limit 5%)"]);
      expect(diffBench(report([row(OURS, { txOverhead: 40 })]), zero, 5).regressions[0].deltaPct).to.equal(null);
    });

    it("reports baseline rows that were not measured, and lists new rows without failing", function () {
      const current = report([row(OURS, { coldOverhead: 1000 }), row("New")], []);
      const reasons = compareBench(current, base, 5);
      expect(reasons).to.deep.equal([
        "gas benchmark row Other / small is in the baseline but was not measured",
        "gas benchmark row batch / same id is in the baseline but was not measured",
      ]);
      expect(diffBench(current, base, 5).added).to.deep.equal(["New / small"]);
    });

    it("tells cases apart", function () {
      const current = report([row(OURS, { coldOverhead: 1000 }), row(OURS, { case: "large", coldOverhead: 5000 }), row("Other")], [batchRow()]);
      expect(compareBench(current, base, 5)).to.deep.equal([]);
    });
  });

  describe("stage findings", function () {
    it("turns regressions and missing rows into medium gas-regression findings with stable ids", function () {
      const baseline = report([row(OURS, { coldOverhead: 1000 }), row("Other")], [batchRow()]);
      const current = fullReport([row(OURS, { coldOverhead: 1100 })], [batchRow({ overheadPerExtraCall: 1200 })]);
      const findings = benchFindings(current, diffBench(current, baseline, 5), 5);
      expect(findings.map((f) => [f.rule, f.severity, f.location?.file])).to.deep.equal([
        ["gas-regression", "medium", "contracts/core/LoadBalancer.sol"],
        ["gas-regression", "medium", "contracts/core/LoadBalancerAdmin.sol"],
        ["gas-regression", "medium", "bench/contracts/BenchProxies.sol"],
      ]);
      for (const f of findings) {
        expect(f.stage).to.equal("bench");
        expect(f.fingerprint).to.match(/^[0-9a-f]{64}$/);
        expect(f.id).to.equal(`bench:${f.rule}:${f.fingerprint.slice(0, 12)}`);
      }
      // Same regression, other numbers: same fingerprint (suppressions keep matching).
      const again = benchFindings(current, diffBench(fullReport([row(OURS, { coldOverhead: 1300 })]), baseline, 5), 5);
      expect(again[0].fingerprint).to.equal(findings[0].fingerprint);
    });

    it("flags our cold overhead above the budget", function () {
      const over = fullReport([row(OURS, { coldOverhead: LOADBALANCER_BUDGET + 1 })]);
      const findings = benchFindings(over, undefined, 5, LOADBALANCER_BUDGET);
      expect(findings.map((f) => [f.rule, f.severity])).to.deep.equal([["routing-overhead-budget", "medium"]]);
      expect(findings[0].title).to.contain(`exceeds the budget ${LOADBALANCER_BUDGET}`);
      expect(benchFindings(fullReport([row(OURS, { coldOverhead: LOADBALANCER_BUDGET })]), undefined, 5, LOADBALANCER_BUDGET)).to.deep.equal([]);
      // The budget is the policy's: a policy without one asks for no budget check.
      expect(benchFindings(over, undefined, 5)).to.deep.equal([]);
      expect(benchFindings(over, undefined, 5, LOADBALANCER_BUDGET + 1)).to.deep.equal([]);
    });
  });

  describe("report sections", function () {
    const sample = (): AuditReport => JSON.parse(readFileSync(path.join(__dirname, "fixtures", "report-sample.json"), "utf8")) as AuditReport;

    it("lists the regressions against the baseline in a table, and says when there is no baseline", function () {
      const baseline = report([row(OURS, { coldOverhead: 1000 }), row("Other")], [batchRow()]);
      const current = fullReport([row(OURS, { coldOverhead: 1100 }), row("New")], [batchRow()]);
      const sections = benchSections(current, { file: BENCH_BASELINE_FILE, maxRegressionPct: 5, diff: diffBench(current, baseline, 5) });
      expect(sections.map((s) => s.id)).to.deep.equal(["bench-routing-overhead", "bench-batching", "bench-baseline"]);
      const comparison = sections[2];
      expect(comparison.description).to.contain("1 metric(s) grew more than 5 %").and.contain("Not measured (in the baseline only): Other / small").and.contain("New rows, not in the baseline yet: New / small");
      expect(comparison.table!.rows).to.deep.equal([{ row: "LoadBalancer / small", metric: "coldOverhead", baseline: 1000, current: 1100, delta: 10 }]);
      const none = benchSections(fullReport([row(OURS)]), { file: BENCH_BASELINE_FILE, maxRegressionPct: 5 });
      expect(none.map((s) => s.id)).to.deep.equal(["bench-routing-overhead", "bench-baseline"]);
      expect(none[1].description).to.match(/^No baseline/);
    });

    it("produces sections that report.schema.json accepts", function () {
      const r = sample();
      const current = fullReport([row(OURS), row("Other"), row(OURS, { case: "large" })], [batchRow()]);
      r.stages.find((s) => s.name === "bench")!.sections = benchSections(current, {
        file: BENCH_BASELINE_FILE,
        maxRegressionPct: 5,
        diff: diffBench(current, report([row(OURS, { coldOverhead: 10 })]), 5),
      });
      expect(validateReport(r)).to.deep.equal({ valid: true, errors: [] });
      const chart = r.stages.find((s) => s.name === "bench")!.sections![0].chart!;
      expect(chart.categories).to.deep.equal([OURS, "Other"]);
      expect(chart.series[1].values).to.deep.equal([4800, null]); // Other has no large row
    });
  });

  describe("report files", function () {
    it("rejects a malformed report with the first problems named", function () {
      expect(() => parseBenchReport("{", "x.json")).to.throw(/malformed x.json/);
      const bad = { ...fullReport([row(OURS)]), rows: [{ proxy: OURS }] };
      expect(() => parseBenchReport(JSON.stringify(bad), "x.json")).to.throw(/malformed x.json: rows\.0\./);
    });

    it("the committed baseline is valid and has every proxy in both cases", function () {
      const baseline = parseBenchReport(readFileSync(path.join(REPO, BENCH_BASELINE_FILE), "utf8"), BENCH_BASELINE_FILE);
      expect(baseline.rows).to.have.length(12);
      expect(new Set(baseline.rows.map((r) => r.proxy)).size).to.equal(6);
      expect(baseline.batch.map((b) => b.name)).to.deep.equal(["same id", "another id"]);
    });
  });

  describe("one benchmark run (deterministic gas)", function () {
    let bench: BenchReport;
    let snapshot: string;

    before(async function () {
      this.timeout(120_000);
      // Leave the shared in-process network as we found it.
      snapshot = (await hre.network.provider.send("evm_snapshot")) as string;
      bench = await runBench(hre);
    });

    after(async function () {
      await hre.network.provider.send("evm_revert", [snapshot]);
    });

    it("measures every proxy, small and large, with nonzero figures", function () {
      const proxies = [
        OURS,
        "OZ ERC1967Proxy (UUPS)",
        "OZ TransparentUpgradeableProxy",
        "SolidState Diamond (EIP-2535)",
        "Solady ERC1967 (minimal)",
        "EIP-1167 clone (OZ Clones)",
      ];
      for (const which of ["small", "large"] as const) {
        expect(bench.rows.filter((r) => r.case === which).map((r) => r.proxy)).to.deep.equal(proxies);
      }
      for (const r of bench.rows) {
        for (const v of [r.coldOverhead, r.warmOverhead, r.txOverheadNoFloor, r.deploymentGas, r.runtimeSize, r.direct.cold, r.proxied.tx]) {
          expect(v, `${r.proxy} / ${r.case}`).to.be.greaterThan(0);
        }
        expect(r.coldOverhead).to.equal(r.proxied.cold - r.direct.cold);
        // Cross-check of the method: the transactions' traced execution overhead is the driver's cold one.
        expect(r.txExecOverhead, `${r.proxy} / ${r.case} traced`).to.equal(r.coldOverhead);
        expect(r.txOverheadNoFloor).to.equal(r.txExecOverhead + r.routingCalldataGas);
        // Our id byte is the only routing calldata: 1 byte, non-zero, 16 gas.
        expect(r.routingBytes).to.equal(r.proxy === OURS ? 1 : 0);
        expect(r.routingCalldataGas).to.equal(r.proxy === OURS ? 16 : 0);
      }
      expect(bench.rows.find((r) => r.case === "small")!.calldataBytes).to.equal(37);
      expect(bench.rows.find((r) => r.case === "large" && r.proxy !== OURS)!.calldataBytes).to.equal(1092);
      for (const b of bench.batch) expect(b.extraCallGas).to.be.greaterThan(b.directCallGas);
    });

    it("keeps our cold overhead within the budget (3% over the floor)", function () {
      const ours = bench.rows.find((r) => r.proxy === OURS && r.case === "small")!;
      expect(ours.coldOverhead).to.be.at.most(LOADBALANCER_BUDGET);
      expect(bench.summary.coldOverhead).to.equal(ours.coldOverhead);
      expect(bench.summary.ratioToFloor).to.be.at.most(LOADBALANCER_BUDGET / FLOOR.coldExecOverhead);
      expect(bench.summary.withinBudget).to.equal(true);
    });

    it("is cheaper than every Solidity storage-lookup proxy, and within 100 gas of Solady's bare 61-byte proxy", function () {
      for (const which of ["small", "large"] as const) {
        const rows = bench.rows.filter((r) => r.case === which);
        const ours = rows.find((r) => r.proxy === OURS)!;
        for (const r of rows.filter((x) => x.kind === "storage-lookup")) {
          if (r.proxy === "Solady ERC1967 (minimal)") {
            // Hand-written bytecode with no routing key and no check: the floor itself (docs/BENCHMARK.md).
            expect(r.coldOverhead).to.be.at.least(FLOOR.coldSload + FLOOR.coldDelegatecallTarget);
            expect(ours.coldOverhead - r.coldOverhead, `${which}: gap to Solady`).to.be.within(1, 100);
          } else {
            expect(ours.coldOverhead, `${which}: vs ${r.proxy} cold`).to.be.lessThan(r.coldOverhead);
            expect(ours.warmOverhead, `${which}: vs ${r.proxy} warm`).to.be.lessThan(r.warmOverhead);
          }
        }
      }
      expect(bench.summary.notBelow).to.deep.equal(["Solady ERC1967 (minimal)"]);
    });

    it("matches the committed baseline's execution figures (deterministic gas)", function () {
      const baseline = parseBenchReport(readFileSync(path.join(REPO, BENCH_BASELINE_FILE), "utf8"), BENCH_BASELINE_FILE);
      // Execution overheads do not depend on addresses or nonces, so they equal the baseline's exactly
      // unless the contracts changed; then the baseline must be refreshed (npm run bench:gas -- --update-baseline).
      const pick = (r: Pick<BenchReport, "rows">) => r.rows.map((x) => [x.proxy, x.case, x.coldOverhead, x.warmOverhead]);
      expect(pick(bench)).to.deep.equal(pick(baseline));
    });

    it("renders the terminal table and the report sections (every row, the cold chart with the floor, batching)", function () {
      const table = formatTable(bench);
      expect(table).to.contain(`LoadBalancer cold execution overhead (small call): ${bench.summary.coldOverhead.toLocaleString("en-US")} gas`);
      expect(table).to.contain("x the floor 4,760");
      const [overhead, batching, baseline] = benchSections(bench, { file: BENCH_BASELINE_FILE, maxRegressionPct: 5, diff: diffBench(bench, bench, 5) });
      expect(overhead.id).to.equal("bench-routing-overhead");
      expect(overhead.table!.rows).to.have.length(12);
      expect(overhead.table!.rows[0]).to.include({ proxy: "LoadBalancer (ours)", case: "small", cold: bench.rows[0].coldOverhead });
      const chart = overhead.chart!;
      expect(chart.categories).to.have.length(6);
      expect(chart.series.map((s) => s.values.length)).to.deep.equal([6, 6]);
      expect(chart.series[0].values[0]).to.equal(bench.summary.coldOverhead);
      expect(chart.marker).to.deep.equal({ label: "storage-lookup floor", value: FLOOR.coldExecOverhead });
      expect(batching.table!.rows).to.have.length(bench.batch.length);
      expect(baseline.description).to.match(/^No metric grew more than 5 %/);
      expect(baseline.table).to.equal(undefined);
    });
  });
});

/**
 * Human-readable forms of a bench report: the terminal table of `npm run bench:gas`, and the report
 * sections (tables + bar chart) that the audit's bench stage hands to report.md and report.html.
 */
import type { ReportSection } from "../audit/types";
import type { BenchDiff } from "./compare";
import { FLOOR, OURS, type BenchCase, type BenchReport, type BenchRow } from "./types";

const fmt = (n: number): string => n.toLocaleString("en-US");

function pad(cells: string[][], alignRight: boolean[]): string[] {
  const widths = cells[0].map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  return cells.map((r) => r.map((cell, c) => (alignRight[c] ? cell.padStart(widths[c]) : cell.padEnd(widths[c]))).join("  "));
}

const HEAD = ["proxy", "case", "cold", "warm", "tx", "tx no floor", "deploy", "setup", "size"];

function rowCells(r: BenchRow): string[] {
  return [
    r.proxy,
    r.case,
    fmt(r.coldOverhead),
    fmt(r.warmOverhead),
    fmt(r.txOverhead),
    fmt(r.txOverheadNoFloor),
    fmt(r.deploymentGas),
    fmt(r.setupGas),
    `${fmt(r.runtimeSize)} B`,
  ];
}

/** The ratio line every output prints: our cold overhead against the floor. */
export function summaryLine(report: BenchReport): string {
  const s = report.summary;
  const pct = ((s.ratioToFloor - 1) * 100).toFixed(1);
  return (
    `${OURS} cold execution overhead (small call): ${fmt(s.coldOverhead)} gas = ${s.ratioToFloor.toFixed(4)} x the floor ` +
    `${fmt(FLOOR.coldExecOverhead)} (+${pct}%), budget ${fmt(s.budget)}: ${s.withinBudget ? "within" : "OVER"}` +
    (s.notBelow.length ? `; not below: ${s.notBelow.join(", ")}` : "; below every other storage-lookup proxy")
  );
}

/** The terminal table. */
export function formatTable(report: BenchReport): string {
  const lines = [
    "Execution overhead = gas through the proxy - gas of the same call made directly (docs/BENCHMARK.md).",
    "cold: first call to the implementation in a tx; warm: second call in the same tx; tx: receipt gasUsed difference",
    "(EIP-7623 calldata floor applies); tx no floor: traced execution overhead + intrinsic cost of the routing bytes.",
    "",
    ...pad([HEAD, ...report.rows.map(rowCells)], [false, false, true, true, true, true, true, true, true]),
  ];
  if (report.batch.length) {
    lines.push("", "Batching (ILoadBalancer.batch), per extra call:");
    lines.push(
      ...pad(
        [
          ["batch", "extra call", "direct call", "overhead", "tx gas"],
          ...report.batch.map((b) => [b.name, fmt(b.extraCallGas), fmt(b.directCallGas), fmt(b.overheadPerExtraCall), fmt(b.txGasPerExtraCall)]),
        ],
        [false, true, true, true, true],
      ).map((l) => `  ${l}`),
    );
  }
  lines.push("", summaryLine(report), `hardfork ${report.environment.hardfork}, solc ${report.environment.solc}, optimizer runs ${report.environment.optimizerRuns}`);
  return lines.join("\n");
}

/** What the audit stage compared the run with (absent: no baseline). */
export interface BaselineComparison {
  file: string;
  maxRegressionPct: number;
  diff?: BenchDiff;
}

/**
 * The bench stage's report sections (StageResult.sections, rendered generically by the audit's
 * report writers into report.md and report.html): the routing overhead of every proxy row with a bar
 * chart of the cold overhead against the floor, the batching table, and the comparison with the baseline.
 */
export function benchSections(report: BenchReport, baseline?: BaselineComparison): ReportSection[] {
  const env = report.environment;
  const proxies = [...new Set(report.rows.map((r) => r.proxy))];
  const cold = (proxy: string, which: BenchCase): number | null =>
    report.rows.find((r) => r.proxy === proxy && r.case === which)?.coldOverhead ?? null;
  const sections: ReportSection[] = [
    {
      id: "bench-routing-overhead",
      title: "Routing overhead per proxy",
      description:
        `${summaryLine(report)}.\n` +
        `Gas over the same call made directly. Cold: first call to the implementation in a transaction; warm: a second, identical call; ` +
        `tx: receipt gasUsed difference (EIP-7623 calldata floor applies); tx, no floor: traced execution overhead + routing calldata. ` +
        `Small: echo(uint256); large: echoBytes with 1 KB.\n` +
        `Hardhat ${env.hardhat}, hardfork ${env.hardfork}, solc ${env.solc}, optimizer ${fmt(env.optimizerRuns)} runs. Definitions: docs/BENCHMARK.md.`,
      chart: {
        title: "Cold execution overhead per proxy",
        unit: "gas",
        categories: proxies,
        series: (["small", "large"] as const).map((which) => ({ name: which === "small" ? "small call" : "large call (1 KB)", values: proxies.map((p) => cold(p, which)) })),
        marker: { label: "storage-lookup floor", value: report.floor.coldExecOverhead },
      },
      table: {
        columns: [
          { key: "proxy", label: "Proxy" },
          { key: "case", label: "Case" },
          { key: "cold", label: "Cold overhead" },
          { key: "warm", label: "Warm overhead" },
          { key: "tx", label: "Tx overhead" },
          { key: "txNoFloor", label: "Tx overhead, no floor" },
          { key: "deploy", label: "Deployment gas" },
          { key: "setup", label: "Setup gas" },
          { key: "size", label: "Runtime size (bytes)" },
        ],
        rows: report.rows.map((r) => ({
          proxy: r.proxy === OURS ? `${r.proxy} (ours)` : r.proxy,
          case: r.case,
          cold: r.coldOverhead,
          warm: r.warmOverhead,
          tx: r.txOverhead,
          txNoFloor: r.txOverheadNoFloor,
          deploy: r.deploymentGas,
          setup: r.setupGas,
          size: r.runtimeSize,
        })),
      },
    },
  ];
  if (report.batch.length) {
    sections.push({
      id: "bench-batching",
      title: `Batching (${OURS} batch), per extra call`,
      description:
        "Gas one more call adds to a batch, against the same call made directly with the same warmth. " +
        "A separate transaction would cost at least 21,000 more per call.",
      table: {
        columns: [
          { key: "name", label: "Batch" },
          { key: "description", label: "Extra call" },
          { key: "extra", label: "Extra call gas" },
          { key: "direct", label: "Same call direct" },
          { key: "overhead", label: "Overhead per extra call" },
          { key: "tx", label: "Tx gas per extra call" },
          { key: "calls", label: "Averaged over" },
        ],
        rows: report.batch.map((b) => ({
          name: b.name,
          description: b.description,
          extra: b.extraCallGas,
          direct: b.directCallGas,
          overhead: b.overheadPerExtraCall,
          tx: b.txGasPerExtraCall,
          calls: b.extraCalls,
        })),
      },
    });
  }
  if (baseline) sections.push(baselineSection(baseline));
  return sections;
}

function baselineSection({ file, maxRegressionPct, diff }: BaselineComparison): ReportSection {
  const id = "bench-baseline";
  const title = "Comparison with the baseline";
  if (!diff) return { id, title, description: `No baseline (${file}): nothing compared. Create it with npm run bench:gas -- --update-baseline.` };
  const parts = [
    diff.regressions.length
      ? `${diff.regressions.length} metric(s) grew more than ${maxRegressionPct} % over ${file} (each is a gas-regression finding).`
      : `No metric grew more than ${maxRegressionPct} % over ${file}.`,
  ];
  if (diff.missing.length) parts.push(`Not measured (in the baseline only): ${diff.missing.join(", ")}.`);
  if (diff.added.length) parts.push(`New rows, not in the baseline yet: ${diff.added.join(", ")}.`);
  if (!diff.regressions.length) return { id, title, description: parts.join(" ") };
  return {
    id,
    title,
    description: parts.join(" "),
    table: {
      columns: [
        { key: "row", label: "Row" },
        { key: "metric", label: "Metric" },
        { key: "baseline", label: "Baseline" },
        { key: "current", label: "This run" },
        { key: "delta", label: "Change (%)", align: "right" },
      ],
      rows: diff.regressions.map((r) => ({ row: r.row, metric: r.metric, baseline: r.baseline, current: r.current, delta: r.deltaPct ?? "from 0" })),
    },
  };
}

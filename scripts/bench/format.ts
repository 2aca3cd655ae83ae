/**
 * Human-readable forms of a bench report: the terminal table of `npm run bench:gas`, a Markdown
 * section (table + bar chart) for report.md, and chart data for report.html's SVG bar charts
 * (scripts/audit/reports/charts.ts `ChartRow` shape: label + values per series).
 */
import { FLOOR, OURS, type BenchReport, type BenchRow } from "./types";

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

/** A text bar for Markdown: one block per `unit` gas. */
function bar(value: number, max: number, width = 40): string {
  const n = max > 0 ? Math.max(0, Math.round((value / max) * width)) : 0;
  return "█".repeat(n) || "▏";
}

/** The Markdown section for report.md: table, bar chart of cold overhead, batching, ratio line. */
export function benchMarkdown(report: BenchReport): string {
  const md: string[] = [
    "| proxy | case | cold overhead | warm overhead | tx overhead | tx overhead, no floor | deployment gas | setup gas | runtime size |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|",
    ...report.rows.map((r) => `| ${r.proxy === OURS ? `**${r.proxy}**` : r.proxy} | ${r.case} | ${rowCells(r).slice(2).join(" | ")} |`),
    "",
    `**${summaryLine(report)}**`,
    "",
    "Cold execution overhead, small call (gas; floor = " + fmt(FLOOR.coldExecOverhead) + "):",
    "",
    "```text",
  ];
  const small = report.rows.filter((r) => r.case === "small");
  const max = Math.max(...small.map((r) => r.coldOverhead));
  const labelWidth = Math.max(...small.map((r) => r.proxy.length));
  for (const r of small) md.push(`${r.proxy.padEnd(labelWidth)}  ${fmt(r.coldOverhead).padStart(6)}  ${bar(r.coldOverhead, max)}`);
  md.push("```");
  if (report.batch.length) {
    md.push("", "| batch (per extra call) | extra call gas | same call direct | overhead | tx gas |", "|---|--:|--:|--:|--:|");
    for (const b of report.batch) md.push(`| ${b.name} | ${fmt(b.extraCallGas)} | ${fmt(b.directCallGas)} | ${fmt(b.overheadPerExtraCall)} | ${fmt(b.txGasPerExtraCall)} |`);
  }
  return md.join("\n");
}

/** Chart data for report.html: one row per proxy and case, cold and warm execution overhead. */
export function benchChart(report: BenchReport) {
  return {
    id: "bench-overhead",
    title: "Routing execution overhead (gas over a direct call)",
    series: [
      { key: "cold", label: "cold (first call in the tx)" },
      { key: "warm", label: "warm (second call)" },
    ],
    /** The floor of any storage-lookup proxy, to draw as a marker on the cold bars. */
    marker: FLOOR.coldExecOverhead,
    markerLabel: `storage-lookup floor ${fmt(FLOOR.coldExecOverhead)}`,
    rows: report.rows.map((r) => ({ label: `${r.proxy} (${r.case})`, values: { cold: r.coldOverhead, warm: r.warmOverhead } })),
  };
}

/**
 * The benchmark's regression check: a pure comparison of a run against the committed baseline, used by
 * `npm run bench:gas` (prints it) and by the audit's bench stage (turns it into gas-regression findings).
 */
import { BATCH_METRICS, ROW_METRICS, batchKey, rowKey, type BenchReport } from "./types";

export interface BenchRegression {
  /** Row key: "LoadBalancer / small", "batch / same id"... */
  row: string;
  metric: string;
  current: number;
  baseline: number;
  /** (current - baseline) / baseline * 100, rounded to 2 decimals; null when the baseline is 0 (any increase regresses). */
  deltaPct: number | null;
}

export interface BenchDiff {
  /** Metrics that grew by more than the allowed percentage. */
  regressions: BenchRegression[];
  /** Baseline rows this run did not produce (a proxy or case disappeared from the table). */
  missing: string[];
  /** Rows of this run that the baseline does not have yet (not a failure: re-baseline to track them). */
  added: string[];
}

type Comparable = Pick<BenchReport, "rows" | "batch">;

function deltaPct(current: number, baseline: number): number | null {
  if (baseline === 0) return current === 0 ? 0 : null;
  return Math.round(((current - baseline) / baseline) * 10_000) / 100;
}

/** Whether `current` exceeds `baseline` by strictly more than `maxPct` percent (any increase from 0). */
function regressed(current: number, baseline: number, maxPct: number): boolean {
  if (baseline === 0) return current > 0;
  return ((current - baseline) / baseline) * 100 > maxPct;
}

function metricMap(report: Comparable): Map<string, Record<string, number>> {
  const out = new Map<string, Record<string, number>>();
  for (const r of report.rows) out.set(rowKey(r), Object.fromEntries(ROW_METRICS.map((m) => [m, r[m]])));
  for (const b of report.batch) out.set(batchKey(b), Object.fromEntries(BATCH_METRICS.map((m) => [m, b[m]])));
  return out;
}

/**
 * Every metric of every row present in both reports whose increase over the baseline is strictly more
 * than `maxRegressionPct` percent (all metrics are costs: lower is better), plus rows missing from
 * either side. A metric equal to the limit passes.
 */
export function diffBench(current: Comparable, baseline: Comparable, maxRegressionPct: number): BenchDiff {
  const cur = metricMap(current);
  const base = metricMap(baseline);
  const regressions: BenchRegression[] = [];
  for (const [row, baseMetrics] of base) {
    const curMetrics = cur.get(row);
    if (!curMetrics) continue;
    for (const [metric, b] of Object.entries(baseMetrics)) {
      const c = curMetrics[metric];
      if (typeof c !== "number" || typeof b !== "number") continue;
      if (regressed(c, b, maxRegressionPct)) regressions.push({ row, metric, current: c, baseline: b, deltaPct: deltaPct(c, b) });
    }
  }
  return {
    regressions,
    missing: [...base.keys()].filter((k) => !cur.has(k)),
    added: [...cur.keys()].filter((k) => !base.has(k)),
  };
}

export function describeRegression(r: BenchRegression, maxRegressionPct: number): string {
  const by = r.deltaPct === null ? "" : `${r.deltaPct}% `;
  return `gas ${r.row} ${r.metric} ${r.current} is ${by}above the baseline ${r.baseline} (limit ${maxRegressionPct}%)`;
}

/**
 * The gate's view: one human reason per regression above `maxRegressionPct` and per baseline row
 * missing from `current`. Empty means no regression.
 */
export function compareBench(current: Comparable, baseline: Comparable, maxRegressionPct: number): string[] {
  const diff = diffBench(current, baseline, maxRegressionPct);
  return [
    ...diff.regressions.map((r) => describeRegression(r, maxRegressionPct)),
    ...diff.missing.map((row) => `gas benchmark row ${row} is in the baseline but was not measured`),
  ];
}

/**
 * solidity-coverage adapter: istanbul's coverage/coverage-summary.json
 * (json-summary reporter, configured in .solcover.js) -> coverage metrics,
 * overall and per file.
 */
import { relPath } from "../paths";

export const COVERAGE_KEYS = ["lines", "branches", "functions", "statements"] as const;
export type CoverageKey = (typeof COVERAGE_KEYS)[number];

export interface CoverageCounter {
  total: number;
  covered: number;
  /** Percent covered; 100 when there is nothing to cover. */
  pct: number;
}
export type CoverageSummary = Record<CoverageKey, CoverageCounter>;

export interface CoverageMetrics {
  total: CoverageSummary;
  /** Repository-relative source file -> its summary. */
  files: Record<string, CoverageSummary>;
}

interface RawCounter {
  total?: number;
  covered?: number;
  pct?: number | string;
}

function counter(raw: RawCounter | undefined, what: string): CoverageCounter {
  if (!raw || typeof raw.total !== "number" || typeof raw.covered !== "number") {
    throw new Error(`coverage summary: missing ${what}`);
  }
  // istanbul writes "Unknown" (older versions) when total is 0.
  const pct = typeof raw.pct === "number" ? raw.pct : raw.total === 0 ? 100 : Math.round((raw.covered / raw.total) * 10_000) / 100;
  return { total: raw.total, covered: raw.covered, pct };
}

function summary(raw: Record<string, RawCounter> | undefined, what: string): CoverageSummary {
  if (!raw) throw new Error(`coverage summary: missing ${what}`);
  return Object.fromEntries(COVERAGE_KEYS.map((k) => [k, counter(raw[k], `${what}.${k}`)])) as CoverageSummary;
}

/** Parses coverage-summary.json; file keys are made repository-relative. */
export function parseCoverageSummary(text: string, root: string): CoverageMetrics {
  const json = JSON.parse(text) as Record<string, Record<string, RawCounter>>;
  const total = summary(json.total, "total");
  const files: Record<string, CoverageSummary> = {};
  for (const [file, raw] of Object.entries(json)) {
    if (file === "total") continue;
    files[relPath(root, file)] = summary(raw, file);
  }
  return { total, files };
}

/** "lines 78.57%, branches 50%, ..." one-liner for summaries. */
export function coverageLine(total: CoverageSummary): string {
  return COVERAGE_KEYS.map((k) => `${k} ${total[k].pct}%`).join(", ");
}

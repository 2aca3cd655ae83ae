/** Plain-text formatting shared by the human-readable writers (Markdown, HTML, JUnit). */
import type { Location } from "../types";

const integerFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

/** 1234567 -> "1,234,567" (fixed locale so reports do not depend on the machine). */
export function formatInteger(value: number): string {
  return integerFormat.format(value);
}

const numberFormat = new Intl.NumberFormat("en-US", { maximumFractionDigits: 4 });

/** 4856 -> "4,856", 1.02017 -> "1.0202": any finite number, fixed locale; "—" otherwise. */
export function formatNumber(value: number): string {
  return Number.isFinite(value) ? numberFormat.format(value) : NO_VALUE;
}

/** Chart axis ticks: compact from 1,000 on ("52.2k"), else as formatNumber ("0.25"). */
export function formatTick(value: number): string {
  return Math.abs(value) >= 1000 ? formatCompactInteger(value) : formatNumber(value);
}

/** 52210 -> "52.2k", 1287441 -> "1.29M": for chart axes. */
export function formatCompactInteger(value: number): string {
  if (value >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (value >= 1e3) return `${Number((value / 1e3).toPrecision(3))}k`;
  return formatInteger(value);
}

export function formatPercent(pct: number): string {
  return `${pct.toFixed(1)} %`;
}

/** Signed change: "+3.2 %", "-1.0 %", "±0.0 %". */
export function formatDelta(pct: number): string {
  if (Math.abs(pct) < 0.05) return "±0.0 %";
  return `${pct > 0 ? "+" : "-"}${Math.abs(pct).toFixed(1)} %`;
}

/** 850 -> "850 ms", 12300 -> "12.3 s", 125000 -> "2 min 05 s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, "0")} s`;
}

/** "contracts/A.sol:42", "contracts/A.sol:42-48", "contracts/A.sol", or "" without a location. */
export function formatLocation(location: Location | undefined): string {
  if (!location) return "";
  if (location.line === undefined) return location.file;
  const range = location.endLine !== undefined && location.endLine > location.line ? `-${location.endLine}` : "";
  return `${location.file}:${location.line}${range}`;
}

export const NO_VALUE = "—";

/** How a suppressions.json entry matches: its fingerprint, or rule @ file [@ symbol]. */
export function describeSuppressionEntry(entry: { fingerprint?: string; rule?: string; file?: string; symbol?: string }): string {
  return entry.fingerprint ?? ([entry.rule, entry.file, entry.symbol].filter(Boolean).join(" @ ") || "(matches nothing)");
}

/** "87.5 % (35/40)". */
export function formatCoverageCounter(counter: { pct: number; covered: number; total: number }): string {
  return `${formatPercent(counter.pct)} (${counter.covered}/${counter.total})`;
}

/** `format(value)`, or a dash when the value is absent (e.g. no baseline). */
export function formatOptional(value: number | undefined, format: (value: number) => string): string {
  return value === undefined ? NO_VALUE : format(value);
}

/** "1 finding", "2 findings". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

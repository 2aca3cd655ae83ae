/**
 * THE severity scale of the audit: its order, the threshold test every judge uses, the one sort of
 * findings, counts per severity, and the labels and meanings every report prints. The gate, the
 * writers, the analyzers and the stages' metrics all come here; nothing else ranks severities.
 */
import type { Finding } from "../types";

/** Most severe first. */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

export const SEVERITY_LABEL: Readonly<Record<Severity, string>> = {
  critical: "Critical",
  high: "High",
  medium: "Medium",
  low: "Low",
  info: "Info",
};

/** One line each; printed in the reports' "Severity definitions" section. */
export const SEVERITY_MEANING: Readonly<Record<Severity, string>> = {
  critical: "Directly exploitable: loss or lock of funds, or takeover of a contract or its administration.",
  high: "Likely exploitable, or breaks a core invariant (access control, storage layout, call dispatch).",
  medium: "Exploitable only under specific conditions, or weakens a security property.",
  low: "Minor issue or defense-in-depth improvement; no direct exploit path.",
  info: "Style, gas or informational note; no security impact.",
};

/** 0 for critical ... 4 for info. */
export function severityRank(severity: Severity): number {
  return SEVERITIES.indexOf(severity);
}

/** True when `severity` is `threshold` or more severe. */
export function isAtLeast(severity: Severity, threshold: Severity): boolean {
  return severityRank(severity) <= severityRank(threshold);
}

/** Most severe first, then by file, line, rule and id, so every output is deterministic. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    severityRank(a.severity) - severityRank(b.severity) ||
    (a.location?.file ?? "").localeCompare(b.location?.file ?? "") ||
    (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
    a.rule.localeCompare(b.rule) ||
    a.id.localeCompare(b.id)
  );
}

export function mostSevere(severities: Iterable<Severity>): Severity | undefined {
  let best: Severity | undefined;
  for (const s of severities) if (best === undefined || severityRank(s) < severityRank(best)) best = s;
  return best;
}

/** How many findings of each severity (every severity present, zeros included). */
export function countBySeverity(findings: Iterable<{ severity: Severity }>): Record<Severity, number> {
  const counts = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) counts[f.severity]++;
  return counts;
}

/** "1 high, 8 medium" (severities with none left out; "none" when there is nothing). */
export function describeCounts(counts: Readonly<Record<Severity, number>>): string {
  const parts = SEVERITIES.filter((s) => counts[s] > 0).map((s) => `${counts[s]} ${s}`);
  return parts.length ? parts.join(", ") : "none";
}

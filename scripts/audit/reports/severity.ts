/** Severity ordering, labels and meanings shared by every report writer. */
import { SEVERITIES } from "../types";
import type { Finding, Severity } from "../types";

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

/** Most severe first, then by file, line and rule so output is deterministic. */
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

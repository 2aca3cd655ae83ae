/**
 * A minimal stand-in for the pipeline gate's suppression logic, for the
 * Slither tests: the same matching rule as scripts/audit/gate.ts
 * (`suppressionMatches`: every field an entry sets must match; an entry needs
 * a fingerprint, or a rule and a file) and the same failure rule (an
 * unsuppressed finding at or above the threshold fails). When gate.ts is on
 * this branch, these tests can call evaluateGate directly instead.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { SEVERITIES, type Finding, type Severity, type SuppressionEntry } from "../../scripts/audit/types";

export const SUPPRESSIONS_FILE = "audit/suppressions.json";

export function loadSuppressionEntries(root: string): SuppressionEntry[] {
  const raw = JSON.parse(readFileSync(path.join(root, SUPPRESSIONS_FILE), "utf8")) as { suppressions?: SuppressionEntry[] };
  return raw.suppressions ?? [];
}

export function acceptedBy(entry: SuppressionEntry, finding: Finding): boolean {
  if (entry.fingerprint === undefined && (entry.rule === undefined || entry.file === undefined)) return false;
  if (entry.fingerprint !== undefined && entry.fingerprint !== finding.fingerprint) return false;
  if (entry.rule !== undefined && entry.rule !== finding.rule) return false;
  if (entry.file !== undefined && entry.file !== finding.location?.file) return false;
  if (entry.symbol !== undefined && entry.symbol !== finding.location?.symbol) return false;
  return true;
}

/** Findings at or above `threshold` that no entry accepts: what would fail the gate. */
export function unaccepted(findings: readonly Finding[], entries: readonly SuppressionEntry[], threshold: Severity = "medium"): Finding[] {
  const atOrAbove = (s: Severity): boolean => SEVERITIES.indexOf(s) <= SEVERITIES.indexOf(threshold);
  return findings.filter((f) => atOrAbove(f.severity) && !entries.some((e) => acceptedBy(e, f)));
}

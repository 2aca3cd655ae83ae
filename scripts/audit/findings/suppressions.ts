/**
 * How an entry of audit/suppressions.json matches findings: the one rule, used by the gate (which
 * findings an entry accepts), by `--accept` (is the finding already accepted) and by the rules
 * comparison (findings/rules-change.ts: which findings a new or widened entry now hides).
 *
 * An entry matches a finding when every matching field it sets - `stage`, `fingerprint`, `rule`,
 * `file`, `symbol` - equals the finding's; it needs a fingerprint, or a rule and a file. It accepts a
 * merged finding (findings/merge.ts) when it matches the finding or any other tool's sighting it stands
 * for. After `expires` (YYYY-MM-DD) it no longer applies.
 */
import type { Finding, FindingSighting, SuppressionEntry } from "../types";
import { constituents } from "./merge";

/** The fields of an entry that decide what it matches (the others - justification, reviewer, expires - say who and until when). */
export const MATCH_FIELDS = ["stage", "fingerprint", "rule", "file", "symbol"] as const;
export type MatchField = (typeof MATCH_FIELDS)[number];

/** Whether a suppression entry accepts one finding (or sighting): every field the entry sets must match. */
export function suppressionMatches(entry: SuppressionEntry, finding: Pick<Finding, "stage" | "rule" | "fingerprint" | "location">): boolean {
  if (entry.fingerprint === undefined && (entry.rule === undefined || entry.file === undefined)) return false;
  if (entry.stage !== undefined && entry.stage !== finding.stage) return false;
  if (entry.fingerprint !== undefined && entry.fingerprint !== finding.fingerprint) return false;
  if (entry.rule !== undefined && entry.rule !== finding.rule) return false;
  if (entry.file !== undefined && entry.file !== finding.location?.file) return false;
  if (entry.symbol !== undefined && entry.symbol !== finding.location?.symbol) return false;
  return true;
}

/** Whether an entry accepts a finding: it matches the finding or any finding of another tool it stands for. */
export function suppressionAccepts(entry: SuppressionEntry, finding: Finding): boolean {
  return constituents(finding).some((c: FindingSighting) => suppressionMatches(entry, c));
}

/** `fingerprint 3f0c9a1b2c4d`, or `solhint/x in contracts/A.sol (A.f)`. */
export function describeSuppression(entry: SuppressionEntry): string {
  if (entry.fingerprint) return `fingerprint ${entry.fingerprint.slice(0, 12)}`;
  return `${entry.rule} in ${entry.file}${entry.symbol ? ` (${entry.symbol})` : ""}`;
}

/** Whether the entry has expired by `today` (YYYY-MM-DD): after its `expires` day it no longer applies. */
export const isExpired = (entry: SuppressionEntry, today: string): boolean => entry.expires !== undefined && entry.expires < today;

/**
 * The words for rule changes (kept apart from the comparison in ./rules-change.ts, which only produces
 * typed operations). Every sentence names the entry or the setting, both values, and for a suppression
 * who signed it and the findings it now hides; the reports, the gate's reasons and report.json's
 * readers all take their text from here.
 */
import type { RulesChangeMode } from "../policy";
import type { SuppressionEntry } from "../types";
import { describeSuppression } from "./suppressions";
import { introducedBySameChange, type EntryFieldChange, type HiddenFinding, type PolicyValue, type RuleChange, type RuleChangeEffect, type RuleChangeKind } from "./rules-change";

/** A short heading per kind, for the reports' table. */
export const RULE_CHANGE_TITLE: Readonly<Record<RuleChangeKind, string>> = {
  "suppression-added": "Suppression added",
  "suppression-widened": "Suppression widened",
  "suppression-narrowed": "Suppression narrowed",
  "suppression-amended": "Suppression amended",
  "suppression-removed": "Suppression removed",
  "policy-changed": "Policy changed",
  "required-stage-dropped": "Required stage dropped",
  "required-stage-added": "Required stage added",
  "baseline-rewritten": "Baseline rewritten",
};

export const EFFECT_TEXT: Readonly<Record<RuleChangeEffect, string>> = {
  looser: "looser: can let through what the baseline's rules stopped",
  stricter: "stricter",
  neutral: "neither looser nor stricter",
};

/** What each mode does, one clause (audit/README.md "rulesChange"). */
export const MODE_TEXT: Readonly<Record<RulesChangeMode, string>> = {
  report: "rule changes are listed, none fails the gate",
  "require-reviewer": "a new or widened suppression without a reviewer fails the gate",
  fail: "every change that loosens the rules fails the gate",
};

/** `solhint/compiler-version in contracts/A.sol (A.f), stage lint`. */
export function entryText(e: SuppressionEntry): string {
  return `${describeSuppression(e)}${e.stage ? `, stage ${e.stage}` : ""}`;
}

/** `signed by alice, until 2027-06-30` / `no reviewer`. */
export function signatureText(e: SuppressionEntry): string {
  return `${e.reviewer?.trim() ? `signed by ${e.reviewer}` : "no reviewer"}${e.expires ? `, until ${e.expires}` : ""}`;
}

function valueText(v: PolicyValue | undefined): string {
  if (v === null || v === undefined) return "unset";
  if (Array.isArray(v)) return v.length ? v.join(", ") : "none";
  return String(v);
}

function fieldText(c: EntryFieldChange): string {
  if (c.to === undefined) return `${c.field} ${c.from} removed`;
  if (c.from === undefined) return `${c.field} ${c.to} added`;
  return `${c.field} ${c.from} → ${c.to}`;
}

/** `lint:solhint/compiler-version:3f0c9a1b2c4d (medium, new in this change)`. */
export function hiddenFindingText(h: HiddenFinding): string {
  const state = h.baselineState === "new" ? ", new in this change" : h.baselineState === "updated" ? ", changed by this change" : "";
  return `${h.id} (${h.severity}${state})`;
}

/** `hides 2 findings, 1 of them introduced by this change: ...` / `hides no finding of this run`. */
export function hidesText(hides: readonly HiddenFinding[], max = 3): string {
  if (hides.length === 0) return "hides no finding of this run";
  const introduced = introducedBySameChange(hides).length;
  const listed = hides.slice(0, max).map(hiddenFindingText).join(", ");
  const more = hides.length > max ? ` and ${hides.length - max} more` : "";
  return `hides ${hides.length} finding${hides.length === 1 ? "" : "s"}${introduced ? `, ${introduced} introduced by this change` : ""}: ${listed}${more}`;
}

/** The reports' heading for a change: its kind's, except that the lint config is a rule set, not a baseline. */
export function ruleChangeTitle(c: RuleChange): string {
  return c.kind === "baseline-rewritten" && c.baseline === "lint" ? "Lint rules changed" : RULE_CHANGE_TITLE[c.kind];
}

const LINT_LEVEL = ["off", "warn", "error"];

/** `rule no-unused-vars error → off`, `extends solhint:recommended removed`, `rule reentrancy added (warn)`. */
function lintValuesText(c: Extract<RuleChange, { kind: "baseline-rewritten" }>, max = 4): string {
  if (c.values.length === 0) return c.from === null || c.to === null ? "the same rules as before" : "no rule's level changed (options or layout only)";
  const level = (n: number): string => LINT_LEVEL[n] ?? String(n);
  const one = (v: (typeof c.values)[number]): string => {
    if (v.key.startsWith("extends ")) return `${v.key} ${v.to === undefined ? "removed" : "added"}`;
    if (v.from === undefined) return `${v.key} set to ${level(v.to!)}`;
    if (v.to === undefined) return `${v.key} (${level(v.from)}) no longer set`;
    return `${v.key} ${level(v.from)} → ${level(v.to)}`;
  };
  return `${c.values.slice(0, max).map(one).join(", ")}${c.values.length > max ? ` and ${c.values.length - max} more` : ""}`;
}

function baselineValuesText(c: Extract<RuleChange, { kind: "baseline-rewritten" }>, max = 4): string {
  if (c.to === null) return "the file was removed: the stage has nothing to compare with";
  if (c.from === null) return `the file was added (${c.values.length} judged values)`;
  if (c.values.length === 0) return "no judged value changed";
  const one = (v: (typeof c.values)[number]): string =>
    v.from === undefined ? `${v.key} added (${v.to})` : v.to === undefined ? `${v.key} removed (was ${v.from})` : `${v.key} ${v.from} → ${v.to}`;
  return `${c.values.slice(0, max).map(one).join(", ")}${c.values.length > max ? ` and ${c.values.length - max} more` : ""}`;
}

/** The change as one sentence (without its effect), e.g. `policy failOnSeverity: medium → high`. */
export function describeRuleChange(c: RuleChange): string {
  switch (c.kind) {
    case "suppression-added":
      return `suppression added for ${entryText(c.entry)} (${signatureText(c.entry)}); it ${hidesText(c.hides)}`;
    case "suppression-widened":
      return `suppression widened for ${entryText(c.before)}: ${c.fields.map(fieldText).join(", ")} (${signatureText(c.entry)}); it now ${hidesText(c.hides)}`;
    case "suppression-narrowed":
      return `suppression narrowed for ${entryText(c.before)}: ${c.fields.map(fieldText).join(", ")}`;
    case "suppression-amended":
      return `suppression for ${entryText(c.entry)} amended: ${c.fields.map((f) => (f === "reviewer" ? `reviewer ${c.before.reviewer ?? "none"} → ${c.entry.reviewer ?? "none"}` : "justification rewritten")).join(", ")}`;
    case "suppression-removed":
      return `suppression removed for ${entryText(c.entry)}`;
    case "policy-changed":
      return `policy ${c.setting}${c.profile ? ` (profile ${c.profile})` : ""}: ${valueText(c.from)} → ${valueText(c.to)}`;
    case "required-stage-dropped":
      return `required stage ${c.stage} dropped from profile ${c.profile}: the gate no longer fails when it is skipped`;
    case "required-stage-added":
      return `required stage ${c.stage} added to profile ${c.profile}`;
    case "baseline-rewritten":
      if (c.baseline === "lint") {
        const which = c.from === null ? `${c.file} added (before: the harness's default lint rules)` : c.to === null ? `${c.file} removed (now: the harness's default lint rules)` : `${c.file} changed`;
        return `lint rules: ${which}: ${lintValuesText(c)}`;
      }
      return `${c.baseline} baseline ${c.file} rewritten (${c.from?.slice(0, 12) ?? "none"} → ${c.to?.slice(0, 12) ?? "none"}): ${baselineValuesText(c)}`;
  }
}

/** Why the gate fails on a blocking change under `mode`, one line for GateResult.reasons. */
export function blockingReason(c: RuleChange, mode: RulesChangeMode): string {
  const why =
    mode === "require-reviewer"
      ? (() => {
          const hides = "hides" in c ? introducedBySameChange(c.hides) : [];
          return hides.length > 0
            ? `it hides ${hides.map(hiddenFindingText).join(", ")}, introduced by the same change, and names no reviewer`
            : "it names no reviewer";
        })()
      : "it loosens the rules";
  return `rules changed: ${describeRuleChange(c)} - ${why} (policy rulesChange: ${mode})`;
}

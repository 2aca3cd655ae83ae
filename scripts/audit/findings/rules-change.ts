/**
 * Rules changed by this change: the rules a run was judged by, compared with the rules its baseline
 * report was judged by, as typed operations (the wording is in ./rules-wording.ts).
 *
 * A CI gate reads its rules from the repository the change under review edits. Every report.json
 * therefore records the rules in force for its run (`report.rules`, RulesInForce: the effective policy
 * with defaults applied, the suppression entries, and the sha256 and content of the gas and bench
 * baselines), and a run with a baseline (--baseline, --baseline-ref) compares its own with the
 * baseline's:
 *
 *   suppression-added     an entry the baseline's rules did not have, with the findings it hides: those of
 *                         this run it accepts that no entry of the baseline's rules accepted, each with its
 *                         baselineState (`new`: the same change introduced it);
 *   suppression-widened   an entry that matches more than before: a matching field (stage, fingerprint,
 *                         rule, file, symbol) removed, or its expiry removed or moved later, with the
 *                         findings it hides in the same sense;
 *   suppression-narrowed  the opposite: a matching field added, an expiry added or moved earlier;
 *   suppression-amended   same matching fields and expiry, another justification or reviewer;
 *   suppression-removed   an entry the baseline had and this run has not;
 *   policy-changed        a setting of audit/policy.json (effective values, so an omitted field is its
 *                         default): failOnSeverity, failOn, rulesChange, coverage.*, gas.*, bench.*,
 *                         disputes, scope.* - per profile where the setting is;
 *   required-stage-dropped / required-stage-added   a stage of policy.requiredStages[profile];
 *   baseline-rewritten    audit/baselines/gas.json or bench.json has other bytes (added, removed or
 *                         rewritten), with every judged value that changed (gas per method and deployment;
 *                         the bench metrics per row).
 *
 * Entries are paired before they are compared (audit/suppressions.json has no ids): first the same
 * matching fields, then an entry whose matching fields are a strict subset of an old one's (widened),
 * then a strict superset (narrowed); what is left is added or removed (an entry whose symbol was
 * renamed is a new entry).
 *
 * Each change has an `effect`: `looser` when it can let through what the baseline's rules stopped (a
 * suppression added or widened, a threshold loosened, a required stage dropped, a baseline value raised
 * or removed), `stricter` when it can only stop more, `neutral` otherwise. The policy's `rulesChange`
 * (policy.ts) decides which changes block: `judgeRuleChanges`.
 */
import { ROW_METRICS, BATCH_METRICS, batchKey, rowKey } from "../../bench/types";
import { failOnFor, PolicySchema, RULES_CHANGE, rulesChangeFor, type Policy, type RulesChangeMode } from "../policy";
import type { AuditReport, BaselineState, Finding, Location, Profile, Severity, SuppressionEntry } from "../types";
import { compareFindings, SEVERITIES, severityRank } from "./severity";
import { isExpired, MATCH_FIELDS, suppressionAccepts, type MatchField } from "./suppressions";

const PROFILES: readonly Profile[] = ["quick", "ci", "deep"];

/** A committed baseline file a stage judges numbers against, as it was when the run was judged. */
export interface RecordedBaselineFile {
  /**
   * Which baseline: `gas` (audit/baselines/gas.json, the gas stage), `bench` (audit/baselines/bench.json,
   * the bench stage), `lint` (the project's solhint config, the rules the lint stage applies).
   */
  kind: "gas" | "bench" | "lint";
  /** Project-relative path. */
  file: string;
  /** sha256 (hex) of the file's bytes; null when there was no such file. */
  sha256: string | null;
  /** The parsed file; absent when there was none or it was not JSON. */
  content?: unknown;
}

/** report.json `rules` (since schema 1.3.0): the inputs the gate judged this run by. */
export interface RulesInForce {
  /** audit/policy.json as the gate applied it: every default filled in, `$comment` left out. */
  policy: Policy;
  /** The entries of audit/suppressions.json, as written (expired ones included). */
  suppressions: SuppressionEntry[];
  /** The gas and bench baselines. */
  baselines: RecordedBaselineFile[];
}

export type RuleChangeEffect = "looser" | "stricter" | "neutral";

/** A finding of this run that a new or widened suppression hides, as the rules report lists it. */
export interface HiddenFinding {
  id: string;
  stage: string;
  rule: string;
  severity: Severity;
  title: string;
  location?: Location;
  /** Against the run's baseline: `new` or `updated` means the same change introduced it. */
  baselineState?: BaselineState;
}

/** One field of a suppression entry that changed between the baseline's entry and this run's. */
export interface EntryFieldChange {
  field: MatchField | "expires";
  /** Absent: the field was not set. */
  from?: string;
  to?: string;
}

/** One judged value of a baseline file: `Staking.stake` (gas method), `deployment Staking`, `LoadBalancer / small coldOverhead`. */
export interface BaselineValueChange {
  key: string;
  /** Absent: not in that baseline. */
  from?: number;
  to?: number;
}

/** A value of a policy setting: a severity, a number, a mode, a list of paths; null when unset. */
export type PolicyValue = string | number | string[] | null;

export type RuleChangeOp =
  | { kind: "suppression-added"; entry: SuppressionEntry; hides: HiddenFinding[] }
  | { kind: "suppression-widened"; before: SuppressionEntry; entry: SuppressionEntry; fields: EntryFieldChange[]; hides: HiddenFinding[] }
  | { kind: "suppression-narrowed"; before: SuppressionEntry; entry: SuppressionEntry; fields: EntryFieldChange[] }
  | { kind: "suppression-amended"; before: SuppressionEntry; entry: SuppressionEntry; fields: ("justification" | "reviewer")[] }
  | { kind: "suppression-removed"; entry: SuppressionEntry }
  | { kind: "policy-changed"; setting: string; profile?: Profile; from: PolicyValue; to: PolicyValue }
  | { kind: "required-stage-dropped"; profile: Profile; stage: string }
  | { kind: "required-stage-added"; profile: Profile; stage: string }
  | { kind: "baseline-rewritten"; baseline: RecordedBaselineFile["kind"]; file: string; from: string | null; to: string | null; values: BaselineValueChange[] };

/** One change of the rules, with its effect, and `blocking` when the gate fails on it (judgeRuleChanges). */
export type RuleChange = RuleChangeOp & { effect: RuleChangeEffect; blocking?: boolean };

export type RuleChangeKind = RuleChange["kind"];

/** report.json `rulesChanged` (with a baseline): the comparison, or why there is none. */
export type RulesComparison =
  | {
      compared: true;
      /** The rulesChange mode that judged the changes: the stricter of the baseline's and this run's. */
      mode: RulesChangeMode;
      changes: RuleChange[];
      /** One line when part of the baseline's rules could not be read (a recorded policy this harness no longer validates). */
      note?: string;
    }
  | {
      compared: false;
      /** One line: why the rules could not be compared (a baseline report older than schema 1.3.0). */
      reason: string;
    };

/* ------------------------------------------------------------------------------------------------ *
 * Suppressions
 * ------------------------------------------------------------------------------------------------ */

const matchKey = (e: SuppressionEntry): string => MATCH_FIELDS.map((f) => e[f] ?? "\u0001").join("\u0000");

/** Whether every matching field `general` sets, `specific` sets to the same value, and `specific` sets more. */
function strictlyMoreGeneral(general: SuppressionEntry, specific: SuppressionEntry): boolean {
  const set = (e: SuppressionEntry): MatchField[] => MATCH_FIELDS.filter((f) => e[f] !== undefined);
  const g = set(general);
  return g.length < set(specific).length && g.every((f) => specific[f] === general[f]);
}

/** -1: `to` expires earlier (or newly expires), 1: later (or no longer expires), 0: the same. */
function expiryDirection(from: string | undefined, to: string | undefined): -1 | 0 | 1 {
  if (from === to) return 0;
  if (from === undefined) return -1;
  if (to === undefined) return 1;
  return to > from ? 1 : -1;
}

function fieldChanges(before: SuppressionEntry, after: SuppressionEntry): EntryFieldChange[] {
  const out: EntryFieldChange[] = [];
  for (const field of [...MATCH_FIELDS, "expires"] as const) {
    if (before[field] === after[field]) continue;
    out.push({ field, ...(before[field] !== undefined ? { from: before[field] } : {}), ...(after[field] !== undefined ? { to: after[field] } : {}) });
  }
  return out;
}

function hidden(f: Finding): HiddenFinding {
  return {
    id: f.id,
    stage: f.stage,
    rule: f.rule,
    severity: f.severity,
    title: f.title,
    ...(f.location ? { location: f.location } : {}),
    ...(f.baselineState ? { baselineState: f.baselineState } : {}),
  };
}

/**
 * The findings of this run that `entry` accepts today and that no entry of the baseline's rules
 * accepted (today): what this change newly hides through it, most severe first.
 */
function hiddenBy(entry: SuppressionEntry, findings: readonly Finding[], hiddenBefore: ReadonlySet<string>, today: string): HiddenFinding[] {
  if (isExpired(entry, today)) return [];
  return findings
    .filter((f) => !hiddenBefore.has(f.id) && suppressionAccepts(entry, f))
    .sort(compareFindings)
    .map(hidden);
}

/**
 * The suppression entries' changes (see the header). `findings` are this run's, one per bug, with their
 * baseline states; `today` (YYYY-MM-DD) decides which entries apply.
 */
export function compareSuppressions(before: readonly SuppressionEntry[], after: readonly SuppressionEntry[], findings: readonly Finding[], today: string): RuleChange[] {
  const oldLeft = [...before];
  const take = (i: number): SuppressionEntry => oldLeft.splice(i, 1)[0];
  const pairs: { before?: SuppressionEntry; after: SuppressionEntry }[] = after.map((a) => ({ after: a }));
  // 1. The same matching fields (identical entries first, so a duplicate pairs with its twin).
  for (const exact of [true, false]) {
    for (const p of pairs) {
      if (p.before) continue;
      const i = oldLeft.findIndex((o) => matchKey(o) === matchKey(p.after) && (!exact || JSON.stringify(o) === JSON.stringify(p.after)));
      if (i >= 0) p.before = take(i);
    }
  }
  // 2. Widened: fewer matching fields, the others equal. 3. Narrowed: more.
  for (const widened of [true, false]) {
    for (const p of pairs) {
      if (p.before) continue;
      const i = oldLeft.findIndex((o) => (widened ? strictlyMoreGeneral(p.after, o) : strictlyMoreGeneral(o, p.after)));
      if (i >= 0) p.before = take(i);
    }
  }

  const activeBefore = before.filter((e) => !isExpired(e, today));
  const hiddenBefore = new Set(findings.filter((f) => activeBefore.some((e) => suppressionAccepts(e, f))).map((f) => f.id));
  const changes: RuleChange[] = [];
  for (const { before: b, after: a } of pairs) {
    if (!b) {
      changes.push({ kind: "suppression-added", entry: a, hides: hiddenBy(a, findings, hiddenBefore, today), effect: "looser" });
      continue;
    }
    const fields = fieldChanges(b, a);
    const sameMatch = matchKey(a) === matchKey(b);
    const expiry = expiryDirection(b.expires, a.expires);
    if ((sameMatch && expiry > 0) || strictlyMoreGeneral(a, b)) {
      changes.push({ kind: "suppression-widened", before: b, entry: a, fields, hides: hiddenBy(a, findings, hiddenBefore, today), effect: "looser" });
    } else if ((sameMatch && expiry < 0) || strictlyMoreGeneral(b, a)) {
      changes.push({ kind: "suppression-narrowed", before: b, entry: a, fields, effect: "stricter" });
    } else {
      const amended = (["justification", "reviewer"] as const).filter((f) => a[f] !== b[f]);
      if (amended.length > 0) changes.push({ kind: "suppression-amended", before: b, entry: a, fields: amended, effect: "neutral" });
    }
  }
  for (const o of oldLeft) changes.push({ kind: "suppression-removed", entry: o, effect: "stricter" });
  return changes;
}

/* ------------------------------------------------------------------------------------------------ *
 * Policy
 * ------------------------------------------------------------------------------------------------ */

const MODE_RANK: Record<RulesChangeMode, number> = { report: 0, "require-reviewer": 1, fail: 2 };

/** The stricter of two rulesChange modes. */
export function stricterMode(a: RulesChangeMode, b: RulesChangeMode): RulesChangeMode {
  return MODE_RANK[a] >= MODE_RANK[b] ? a : b;
}

const isSeverity = (v: PolicyValue): v is Severity => typeof v === "string" && (SEVERITIES as readonly string[]).includes(v);
/** `looser` when `to` is above `from` (a higher number lets more through), `stricter` below. */
const higherIsLooser = (from: PolicyValue, to: PolicyValue): RuleChangeEffect =>
  typeof from === "number" && typeof to === "number" ? (to > from ? "looser" : "stricter") : from === null ? "stricter" : to === null ? "looser" : "neutral";
const lowerIsLooser = (from: PolicyValue, to: PolicyValue): RuleChangeEffect =>
  typeof from === "number" && typeof to === "number" ? (to < from ? "looser" : "stricter") : "neutral";
/** A list where a removed item lets more through (tests run) or an added one does (folders excluded). */
function listEffect(from: PolicyValue, to: PolicyValue, removedIsLooser: boolean): RuleChangeEffect {
  if (!Array.isArray(from) || !Array.isArray(to)) return "neutral"; // the project's default on one side
  const removed = from.some((x) => !to.includes(x));
  const added = to.some((x) => !from.includes(x));
  if ((removedIsLooser && removed) || (!removedIsLooser && added)) return "looser";
  return removed || added ? "stricter" : "neutral";
}

interface Setting {
  setting: string;
  profile?: Profile;
  get(p: Policy): PolicyValue;
  effect(from: PolicyValue, to: PolicyValue): RuleChangeEffect;
}

const perProfile = (setting: string, get: (p: Policy, profile: Profile) => PolicyValue, effect: Setting["effect"]): Setting[] =>
  PROFILES.map((profile) => ({ setting, profile, get: (p: Policy) => get(p, profile), effect }));

/** Every judged setting of the policy (requiredStages are compared stage by stage). */
const SETTINGS: readonly Setting[] = [
  {
    setting: "failOnSeverity",
    get: (p) => p.failOnSeverity,
    // A more severe threshold lets the findings below it through.
    effect: (from, to) => (isSeverity(from) && isSeverity(to) ? (severityRank(to) < severityRank(from) ? "looser" : "stricter") : "neutral"),
  },
  ...perProfile("failOn", (p, profile) => failOnFor(p, profile), (from, to) => (to === "new" && from === "all" ? "looser" : "stricter")),
  ...perProfile("rulesChange", (p, profile) => rulesChangeFor(p, profile), (from, to) => (MODE_RANK[to as RulesChangeMode] < MODE_RANK[from as RulesChangeMode] ? "looser" : "stricter")),
  ...(["lines", "branches", "functions", "statements"] as const).map((key): Setting => ({ setting: `coverage.${key}`, get: (p) => p.coverage[key], effect: lowerIsLooser })),
  { setting: "gas.maxRegressionPercent", get: (p) => p.gas.maxRegressionPercent, effect: higherIsLooser },
  { setting: "bench.routingOverheadBudget", get: (p) => p.bench?.routingOverheadBudget ?? null, effect: higherIsLooser },
  { setting: "disputes", get: (p) => p.disputes, effect: (_from, to) => (to === "prefer-proof" ? "looser" : "stricter") },
  { setting: "scope.tests", get: (p) => p.scope?.tests ?? null, effect: (from, to) => listEffect(from, to, true) },
  { setting: "scope.exclude", get: (p) => p.scope?.exclude ?? null, effect: (from, to) => listEffect(from, to, false) },
];

const sameValue = (a: PolicyValue, b: PolicyValue): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The policy's changes (see the header): settings, then required stages per profile. */
export function comparePolicies(before: Policy, after: Policy): RuleChange[] {
  const changes: RuleChange[] = [];
  for (const s of SETTINGS) {
    const from = s.get(before);
    const to = s.get(after);
    if (sameValue(from, to)) continue;
    changes.push({ kind: "policy-changed", setting: s.setting, ...(s.profile ? { profile: s.profile } : {}), from, to, effect: s.effect(from, to) });
  }
  for (const profile of PROFILES) {
    const was = before.requiredStages[profile];
    const is = after.requiredStages[profile];
    for (const stage of was.filter((x) => !is.includes(x))) changes.push({ kind: "required-stage-dropped", profile, stage, effect: "looser" });
    for (const stage of is.filter((x) => !was.includes(x))) changes.push({ kind: "required-stage-added", profile, stage, effect: "stricter" });
  }
  return changes;
}

/* ------------------------------------------------------------------------------------------------ *
 * Baselines
 * ------------------------------------------------------------------------------------------------ */

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A solhint rule setting's level: 0 off, 1 warn, 2 error (a string, a number, or `[level, options...]`). */
export function lintLevel(setting: unknown): number | undefined {
  const v = Array.isArray(setting) ? setting[0] : setting;
  if (v === "off" || v === 0) return 0;
  if (v === "warn" || v === 1) return 1;
  if (v === "error" || v === 2) return 2;
  return undefined;
}

/**
 * The values a baseline's stage judges against, by key. For gas and bench, every one is a cost the
 * stage allows up to a percentage above it: a higher value lets more through. For lint, `rule <id>` is
 * the rule's level (0 off, 1 warn, 2 error) and `extends <name>` is 1 for each shared config extended:
 * a lower value lets more through.
 */
export function judgedValues(kind: RecordedBaselineFile["kind"], content: unknown): Map<string, number> {
  const out = new Map<string, number>();
  if (!isRecord(content)) return out;
  const put = (key: string, v: unknown): void => void (typeof v === "number" && Number.isFinite(v) ? out.set(key, v) : undefined);
  if (kind === "lint") {
    const ext = content.extends;
    for (const name of typeof ext === "string" ? [ext] : Array.isArray(ext) ? ext : []) if (typeof name === "string") out.set(`extends ${name}`, 1);
    for (const [rule, setting] of Object.entries(isRecord(content.rules) ? content.rules : {})) put(`rule ${rule}`, lintLevel(setting));
    return out;
  }
  if (kind === "gas") {
    for (const [k, v] of Object.entries(isRecord(content.methods) ? content.methods : {})) put(k, v);
    for (const [k, v] of Object.entries(isRecord(content.deployments) ? content.deployments : {})) put(`deployment ${k}`, v);
    return out;
  }
  for (const r of Array.isArray(content.rows) ? content.rows : []) {
    if (!isRecord(r) || typeof r.proxy !== "string" || typeof r.case !== "string") continue;
    for (const m of ROW_METRICS) put(`${rowKey({ proxy: r.proxy, case: r.case as "small" })} ${m}`, r[m]);
  }
  for (const b of Array.isArray(content.batch) ? content.batch : []) {
    if (!isRecord(b) || typeof b.name !== "string") continue;
    for (const m of BATCH_METRICS) put(`${batchKey({ name: b.name })} ${m}`, b[m]);
  }
  return out;
}

/** The baselines' changes: one per file whose bytes differ, with each judged value that changed. */
export function compareBaselines(before: readonly RecordedBaselineFile[], after: readonly RecordedBaselineFile[]): RuleChange[] {
  const changes: RuleChange[] = [];
  for (const now of after) {
    const was = before.find((b) => b.kind === now.kind);
    if (!was || was.sha256 === now.sha256) continue;
    const a = judgedValues(was.kind, was.content);
    const b = judgedValues(now.kind, now.content);
    const values: BaselineValueChange[] = [];
    for (const key of [...new Set([...a.keys(), ...b.keys()])].sort()) {
      const from = a.get(key);
      const to = b.get(key);
      if (from !== to) values.push({ key, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) });
    }
    let looser: boolean;
    let stricter: boolean;
    if (now.kind === "lint") {
      // Levels: lowered, a rule turned off where it was not set, or a setting or shared config dropped
      // (back to what the extended config says, or to nothing) can let more through. A config that is
      // not JSON is judged by its bytes alone: any change may loosen it.
      const unreadable = was.content === undefined || now.content === undefined;
      looser = unreadable || values.some((v) => (v.to === undefined ? (v.from ?? 0) > 0 : v.from === undefined ? v.to === 0 : v.to < v.from));
      stricter = values.some((v) => (v.to === undefined ? v.from === 0 : v.from === undefined ? v.to > 0 : v.to > v.from));
    } else {
      // No file at all: the stage has nothing to compare with (a missing gas baseline is only a warning).
      looser = now.sha256 === null || values.some((v) => v.to === undefined || (v.from !== undefined && v.to > v.from));
      stricter = was.sha256 === null || values.some((v) => v.from === undefined || (v.to !== undefined && v.to < v.from));
    }
    changes.push({ kind: "baseline-rewritten", baseline: now.kind, file: now.file, from: was.sha256, to: now.sha256, values, effect: looser ? "looser" : stricter ? "stricter" : "neutral" });
  }
  return changes;
}

/* ------------------------------------------------------------------------------------------------ *
 * The comparison and its verdict
 * ------------------------------------------------------------------------------------------------ */

/**
 * The baseline report's recorded policy as this version reads it (a later harness may have added
 * settings: their defaults apply); undefined when it no longer validates.
 */
export function recordedPolicy(raw: unknown): Policy | undefined {
  const parsed = PolicySchema.safeParse(raw);
  return parsed.success ? parsed.data : undefined;
}

export interface RulesComparisonInput {
  /** The baseline report's `rules`, absent in a report older than schema 1.3.0. */
  before: RulesInForce | undefined;
  /** The baseline report's schemaVersion, for the one line when it records no rules. */
  beforeSchemaVersion: string;
  now: RulesInForce;
  /** This run's findings, one per bug, with their baseline states. */
  findings: readonly Finding[];
  profile: Profile;
  today: string;
}

/** Every change of the rules (suppressions, policy, baselines, in that order), judged by the stricter mode. */
export function compareRules(input: RulesComparisonInput): RulesComparison {
  const { before, now, profile } = input;
  if (!before) {
    return { compared: false, reason: `the baseline report (schema ${input.beforeSchemaVersion}) records no rules in force: suppressions, policy and gas/bench baselines were not compared` };
  }
  const policyBefore = recordedPolicy(before.policy);
  const changes = [
    ...compareSuppressions(before.suppressions, now.suppressions, input.findings, input.today),
    ...(policyBefore ? comparePolicies(policyBefore, now.policy) : []),
    ...compareBaselines(before.baselines, now.baselines),
  ];
  const mode = policyBefore ? stricterMode(rulesChangeFor(policyBefore, profile), rulesChangeFor(now.policy, profile)) : rulesChangeFor(now.policy, profile);
  return {
    compared: true,
    mode,
    changes: judgeRuleChanges(changes, mode, profile),
    ...(policyBefore ? {} : { note: "the baseline report's recorded policy does not validate against this harness's policy schema: the policy was not compared, and this run's rulesChange applies" }),
  };
}

/**
 * The rules' changes between two reports - what a run of `after` against `before` as its baseline
 * records in `rulesChanged` (the gate calls compareRules with the same inputs). `after`'s findings carry
 * their baseline states when it was run against `before`.
 */
export function compareReportRules(before: AuditReport, after: AuditReport, today: string): RulesComparison {
  if (!after.rules) return { compared: false, reason: `the later report (schema ${after.schemaVersion}) records no rules in force: nothing to compare` };
  return compareRules({ before: before.rules, beforeSchemaVersion: before.schemaVersion, now: after.rules, findings: after.findings, profile: after.profile, today });
}

/** Whether the gate fails on a change under `mode` (see policy.ts RULES_CHANGE). */
export function blocksUnder(change: RuleChange, mode: RulesChangeMode, profile: Profile): boolean {
  switch (mode) {
    case "report":
      return false;
    case "require-reviewer":
      return (change.kind === "suppression-added" || change.kind === "suppression-widened") && !change.entry.reviewer?.trim();
    case "fail":
      return change.effect === "looser" && (!("profile" in change) || change.profile === undefined || change.profile === profile);
  }
}

/** The changes, `blocking` set on those the gate fails on under `mode`. */
export function judgeRuleChanges(changes: readonly RuleChange[], mode: RulesChangeMode, profile: Profile): RuleChange[] {
  return changes.map(({ blocking: _b, ...c }) => (blocksUnder(c as RuleChange, mode, profile) ? { ...c, blocking: true } : c) as RuleChange);
}

/** The hidden findings the same change introduced (baselineState `new` or `updated`). */
export const introducedBySameChange = (hides: readonly HiddenFinding[]): HiddenFinding[] => hides.filter((h) => h.baselineState === "new" || h.baselineState === "updated");

export { RULES_CHANGE };

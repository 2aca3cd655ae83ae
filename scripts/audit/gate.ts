/**
 * The gate: a pure function from the stage results, the policy, the suppressions and (optionally) a
 * baseline report to the verdict - the only judge of the run. It
 *   1. joins the findings of all stages into one per bug (findings/merge.ts);
 *   2. marks each suppressed when an entry of audit/suppressions.json matches it or any finding it
 *      stands for (whichever tool's rule the entry names);
 *   3. with a baseline, marks each new / unchanged / updated and lists the baseline's fixed findings
 *      (findings/baseline.ts);
 *   4. fails on
 *      - any stage that errored;
 *      - a stage of policy.requiredStages[profile] that was skipped or not run;
 *      - any unsuppressed finding at or above policy.failOnSeverity - with policy failOn `new` for the
 *        profile and a baseline, only the `new` and `updated` ones - unless policy.disputes is
 *        `prefer-proof` and another stage's proof disputes it; those findings are marked `blocking`;
 *      - overall coverage below a policy.coverage threshold (when coverage ran);
 *      - a method's or deployment's average gas more than policy.gas.maxRegressionPercent above the
 *        baseline (when gas ran). The metric checks apply whatever failOn says.
 *      - with a baseline whose report records its rules, a change of the rules themselves that
 *        policy.rulesChange (the stricter of the baseline's and this run's mode) blocks: with
 *        `require-reviewer` a new or widened suppression without a reviewer, with `fail` every change
 *        that loosens them (findings/rules-change.ts); every change is listed in `rulesChanged`.
 * Suppressed findings stay in the report (marked `suppressed`) and never fail it. Unused and expired
 * suppressions, rule changes that do not block, and a baseline that records no rules are reported as
 * warnings ("warning: ..." reasons) that do not fail the gate.
 */
import type { CoverageMetrics } from "./adapters/solidity-coverage";
import { COVERAGE_KEYS } from "./adapters/solidity-coverage";
import type { GasMetrics } from "./adapters/gas-reporter";
import { baselineInfo, compareWithBaseline, type Baseline, type BaselineInfo } from "./findings/baseline";
import { mergeAcrossTools } from "./findings/merge";
import { compareRules, type RecordedBaselineFile, type RulesComparison, type RulesInForce } from "./findings/rules-change";
import { blockingReason, MODE_TEXT } from "./findings/rules-wording";
import { describeSuppression, isExpired, suppressionAccepts } from "./findings/suppressions";
import { isAtLeast } from "./findings/severity";
import { failOnFor, type FailOn, type Policy } from "./policy";
import type { Finding, GateResult, Profile, StageResult, SuppressionEntry } from "./types";

export interface GateInput {
  profile: Profile;
  policy: Policy;
  stages: readonly StageResult[];
  suppressions: readonly SuppressionEntry[];
  /** Today's date (YYYY-MM-DD) for suppression expiry; injected to keep the gate pure. */
  today: string;
  /** A previous run's report to compare with (--baseline / --baseline-ref). */
  baseline?: Baseline;
  /** The gas and bench baselines as they were read for this run (recorded in report.rules; inputs.ts readRecordedBaselines). */
  baselineFiles?: readonly RecordedBaselineFile[];
  /** The command that writes the audited project's gas baseline, as a warning names it (default `npm run audit:baseline`). */
  baselineCommand?: string;
}

export interface GateOutput {
  gate: GateResult;
  /** The stages with their findings marked (suppressed, mergedInto). */
  stages: StageResult[];
  /** One finding per bug, marked (suppressed, baselineState, blocking), in stage order. */
  findings: Finding[];
  /** With a baseline: what report.json says of it, its fixed findings included. */
  baseline?: BaselineInfo;
  /** The failOn mode that applied. */
  failOn: FailOn;
  /** The rules this run was judged by (report.json `rules`). */
  rules: RulesInForce;
  /** With a baseline: the rules' changes against the baseline's, or why they could not be compared. */
  rulesChanged?: RulesComparison;
}

export const WARNING_PREFIX = "warning: ";

// Suppression matching lives in the findings core; re-exported for the gate's callers.
export { describeSuppression, suppressionAccepts, suppressionMatches } from "./findings/suppressions";
const MAX_LISTED_FINDINGS = 20;


function ran(stage: StageResult | undefined): stage is StageResult {
  return stage !== undefined && (stage.status === "passed" || stage.status === "failed");
}

const where = (f: Finding): string => (f.location ? ` at ${f.location.file}${f.location.line ? `:${f.location.line}` : ""}` : "");

export function evaluateGate(input: GateInput): GateOutput {
  const { policy, today } = input;
  const failures: string[] = [];
  const warnings: string[] = [];
  const failOn = failOnFor(policy, input.profile);

  // 1. One finding per bug.
  const raw = input.stages.flatMap((s) => s.findings.map(({ suppressed: _s, mergedInto: _m, blocking: _b, baselineState: _bs, ...f }) => f));
  const merged = mergeAcrossTools(raw);

  // 2. Suppressions.
  const active = input.suppressions.filter((e) => !isExpired(e, today));
  for (const e of input.suppressions.filter((s) => isExpired(s, today))) {
    warnings.push(`suppression for ${describeSuppression(e)} expired on ${e.expires} and no longer applies`);
  }
  const used = new Set<SuppressionEntry>();
  let findings = merged.findings.map((finding): Finding => {
    const entry = active.find((e) => suppressionAccepts(e, finding));
    if (!entry) return finding;
    used.add(entry);
    return { ...finding, suppressed: { justification: entry.justification, ...(entry.reviewer ? { reviewer: entry.reviewer } : {}) } };
  });
  const byId = new Map(findings.map((f) => [f.id, f]));
  const stages = input.stages.map((stage) => ({
    ...stage,
    findings: stage.findings.map((own): Finding => {
      const { suppressed: _s, mergedInto: _m, blocking: _b, baselineState: _bs, ...f } = own;
      const into = merged.mergedInto.get(f.id);
      const group = byId.get(into ?? f.id);
      return { ...f, ...(into ? { mergedInto: into } : {}), ...(group?.suppressed ? { suppressed: group.suppressed } : {}) };
    }),
  }));
  const ranStages = new Set(input.stages.filter(ran).map((s) => s.name));
  const unusedSuppressions = active.filter((e) => !used.has(e) && (e.stage === undefined || ranStages.has(e.stage)));
  for (const e of unusedSuppressions) warnings.push(`unused suppression: ${describeSuppression(e)} matched no finding`);

  // 3. Baseline.
  let baseline: BaselineInfo | undefined;
  if (input.baseline) {
    const comparison = compareWithBaseline(findings, input.stages, input.baseline.report);
    findings = findings.map((f) => ({ ...f, baselineState: comparison.states.get(f.id) ?? "new" }));
    baseline = baselineInfo(input.baseline, comparison.fixed);
  } else if (failOn === "new") {
    warnings.push(`policy failOn is "new" for profile ${input.profile}, but no baseline was given (--baseline, --baseline-ref): every finding counts as new`);
  }

  // Rules in force, and with a baseline their changes.
  const { $comment: _comment, ...policyInForce } = policy;
  const rules: RulesInForce = { policy: policyInForce, suppressions: [...input.suppressions], baselines: [...(input.baselineFiles ?? [])] };
  const rulesChanged = input.baseline
    ? compareRules({
        before: input.baseline.report.rules,
        beforeSchemaVersion: input.baseline.report.schemaVersion,
        now: rules,
        findings,
        profile: input.profile,
        today,
      })
    : undefined;

  // 4. Stage errors and required stages.
  for (const s of input.stages) {
    if (s.status === "error") failures.push(`stage ${s.name} errored: ${s.reason ?? "no reason given"}`);
  }
  const byName = new Map(input.stages.map((s) => [s.name, s]));
  for (const name of policy.requiredStages[input.profile]) {
    const s = byName.get(name);
    if (!s) failures.push(`required stage ${name} did not run`);
    else if (s.status === "skipped") failures.push(`required stage ${name} was skipped: ${s.reason ?? "no reason given"}`);
  }

  // Findings.
  const preferProof = policy.disputes === "prefer-proof";
  const atThreshold = (f: Finding): boolean => !f.suppressed && isAtLeast(f.severity, policy.failOnSeverity);
  const disputed = findings.filter((f) => atThreshold(f) && f.disputed);
  if (preferProof && disputed.length > 0) {
    warnings.push(`${disputed.length} finding(s) disputed by another stage's proof do not block (policy disputes: prefer-proof): ${disputed.map((f) => f.id).join(", ")}`);
  }
  const judged = (f: Finding): boolean => failOn === "all" || f.baselineState === undefined || f.baselineState === "new" || f.baselineState === "updated";
  const candidates = findings.filter((f) => atThreshold(f) && !(preferProof && f.disputed));
  const known = candidates.filter((f) => !judged(f));
  if (known.length > 0) {
    warnings.push(`${known.length} finding(s) at or above ${policy.failOnSeverity} already in the baseline do not block (policy failOn: new)`);
  }
  const blockingIds = new Set(candidates.filter(judged).map((f) => f.id));
  findings = findings.map((f) => (blockingIds.has(f.id) ? { ...f, blocking: true } : f));
  const blocking = findings.filter((f) => f.blocking);
  for (const f of blocking.slice(0, MAX_LISTED_FINDINGS)) {
    const state = f.baselineState && failOn === "new" ? `${f.baselineState} ` : "";
    failures.push(`${state}${f.severity} finding ${f.id}${where(f)}: ${f.title}`);
  }
  if (blocking.length > MAX_LISTED_FINDINGS) {
    failures.push(`...and ${blocking.length - MAX_LISTED_FINDINGS} more findings at or above ${policy.failOnSeverity}`);
  }

  // Changes of the rules themselves.
  if (rulesChanged && !rulesChanged.compared) warnings.push(rulesChanged.reason);
  if (rulesChanged?.compared && rulesChanged.note) warnings.push(rulesChanged.note);
  if (rulesChanged?.compared) {
    for (const c of rulesChanged.changes.filter((x) => x.blocking)) failures.push(blockingReason(c, rulesChanged.mode));
    const listed = rulesChanged.changes.filter((x) => !x.blocking);
    if (listed.length > 0) {
      const looser = listed.filter((x) => x.effect === "looser").length;
      warnings.push(
        `${listed.length} rule change(s) by this change${looser ? ` (${looser} looser)` : ""} do not fail the gate (policy rulesChange: ${rulesChanged.mode}: ${MODE_TEXT[rulesChanged.mode]}); listed under "Rules changed by this change"`,
      );
    }
  }

  // Coverage thresholds.
  const coverage = byName.get("coverage");
  if (ran(coverage)) {
    const total = (coverage.metrics as Partial<CoverageMetrics>).total;
    if (!total) failures.push("coverage ran but reported no summary");
    else {
      for (const key of COVERAGE_KEYS) {
        const pct = total[key]?.pct;
        const min = policy.coverage[key];
        if (typeof pct !== "number") failures.push(`coverage ${key}: no percentage reported`);
        else if (pct < min) failures.push(`coverage ${key} ${pct}% is below the required ${min}%`);
      }
    }
  }

  // Gas regressions.
  const gas = byName.get("gas");
  if (ran(gas)) {
    const metrics = gas.metrics as Partial<GasMetrics>;
    const limit = policy.gas.maxRegressionPercent;
    for (const m of metrics.methods ?? []) {
      if (m.deltaPct !== undefined && m.deltaPct > limit) {
        failures.push(`gas ${m.contract}.${m.method} avg ${m.avg} is ${m.deltaPct}% above the baseline ${m.baselineAvg} (limit ${limit}%)`);
      }
    }
    for (const d of metrics.deployments ?? []) {
      if (d.deltaPct !== undefined && d.deltaPct > limit) {
        failures.push(`gas deployment of ${d.contract} ${d.gas} is ${d.deltaPct}% above the baseline ${d.baseline} (limit ${limit}%)`);
      }
    }
    if (metrics.baseline === "absent") warnings.push(`no gas baseline committed (audit/baselines/gas.json): run ${input.baselineCommand ?? "npm run audit:baseline"}`);
  }

  return {
    gate: {
      passed: failures.length === 0,
      reasons: [...failures, ...warnings.map((w) => WARNING_PREFIX + w)],
      unusedSuppressions,
    },
    stages,
    findings,
    ...(baseline ? { baseline } : {}),
    failOn,
    rules,
    ...(rulesChanged ? { rulesChanged } : {}),
  };
}

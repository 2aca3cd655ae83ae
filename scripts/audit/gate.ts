/**
 * The gate: a pure function from the stage results, the policy and the
 * suppressions to the verdict. It fails on
 *   - any stage that errored;
 *   - a stage of policy.requiredStages[profile] that was skipped or not run;
 *   - any unsuppressed finding at or above policy.failOnSeverity;
 *   - overall coverage below a policy.coverage threshold (when coverage ran);
 *   - a method's or deployment's average gas more than
 *     policy.gas.maxRegressionPercent above the baseline (when gas ran).
 * Suppressed findings stay in the report (marked `suppressed`) and never
 * fail it. Unused and expired suppressions are reported as warnings
 * ("warning: ..." reasons) that do not fail the gate.
 */
import type { CoverageMetrics } from "./adapters/solidity-coverage";
import { COVERAGE_KEYS } from "./adapters/solidity-coverage";
import type { GasMetrics } from "./adapters/gas-reporter";
import type { Policy } from "./policy";
import { isAtLeast } from "./findings/severity";
import type { Finding, GateResult, Profile, StageResult, SuppressionEntry } from "./types";

export interface GateInput {
  profile: Profile;
  policy: Policy;
  stages: readonly StageResult[];
  suppressions: readonly SuppressionEntry[];
  /** Today's date (YYYY-MM-DD) for suppression expiry; injected to keep the gate pure. */
  today: string;
}

export interface GateOutput {
  gate: GateResult;
  /** The stages with suppressed findings marked. */
  stages: StageResult[];
  /** All findings of all stages (marked), in stage order. */
  findings: Finding[];
}

export const WARNING_PREFIX = "warning: ";
const MAX_LISTED_FINDINGS = 20;

/** Whether a suppression entry accepts a finding: every field the entry sets must match. */
export function suppressionMatches(entry: SuppressionEntry, finding: Finding): boolean {
  if (entry.fingerprint === undefined && (entry.rule === undefined || entry.file === undefined)) return false;
  if (entry.stage !== undefined && entry.stage !== finding.stage) return false;
  if (entry.fingerprint !== undefined && entry.fingerprint !== finding.fingerprint) return false;
  if (entry.rule !== undefined && entry.rule !== finding.rule) return false;
  if (entry.file !== undefined && entry.file !== finding.location?.file) return false;
  if (entry.symbol !== undefined && entry.symbol !== finding.location?.symbol) return false;
  return true;
}

export function describeSuppression(entry: SuppressionEntry): string {
  if (entry.fingerprint) return `fingerprint ${entry.fingerprint.slice(0, 12)}`;
  return `${entry.rule} in ${entry.file}${entry.symbol ? ` (${entry.symbol})` : ""}`;
}

const isExpired = (entry: SuppressionEntry, today: string): boolean => entry.expires !== undefined && entry.expires < today;

function ran(stage: StageResult | undefined): stage is StageResult {
  return stage !== undefined && (stage.status === "passed" || stage.status === "failed");
}

export function evaluateGate(input: GateInput): GateOutput {
  const { policy, today } = input;
  const failures: string[] = [];
  const warnings: string[] = [];

  // Suppressions.
  const active = input.suppressions.filter((e) => !isExpired(e, today));
  for (const e of input.suppressions.filter((s) => isExpired(s, today))) {
    warnings.push(`suppression for ${describeSuppression(e)} expired on ${e.expires} and no longer applies`);
  }
  const used = new Set<SuppressionEntry>();
  const stages = input.stages.map((stage) => ({
    ...stage,
    findings: stage.findings.map((f): Finding => {
      const { suppressed: _old, ...finding } = f;
      const entry = active.find((e) => suppressionMatches(e, finding));
      if (!entry) return finding;
      used.add(entry);
      return { ...finding, suppressed: { justification: entry.justification, ...(entry.reviewer ? { reviewer: entry.reviewer } : {}) } };
    }),
  }));
  const findings = stages.flatMap((s) => s.findings);
  const ranStages = new Set(input.stages.filter(ran).map((s) => s.name));
  const unusedSuppressions = active.filter((e) => !used.has(e) && (e.stage === undefined || ranStages.has(e.stage)));
  for (const e of unusedSuppressions) warnings.push(`unused suppression: ${describeSuppression(e)} matched no finding`);

  // Stage errors and required stages.
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
  const disputed = findings.filter((f) => !f.suppressed && f.disputed && isAtLeast(f.severity, policy.failOnSeverity));
  if (preferProof && disputed.length > 0) {
    warnings.push(`${disputed.length} finding(s) disputed by another stage's proof do not block (policy disputes: prefer-proof): ${disputed.map((f) => f.id).join(", ")}`);
  }
  const blocking = findings.filter((f) => !f.suppressed && !(preferProof && f.disputed) && isAtLeast(f.severity, policy.failOnSeverity));
  for (const f of blocking.slice(0, MAX_LISTED_FINDINGS)) {
    const where = f.location ? ` at ${f.location.file}${f.location.line ? `:${f.location.line}` : ""}` : "";
    failures.push(`${f.severity} finding ${f.id}${where}: ${f.title}`);
  }
  if (blocking.length > MAX_LISTED_FINDINGS) {
    failures.push(`...and ${blocking.length - MAX_LISTED_FINDINGS} more findings at or above ${policy.failOnSeverity}`);
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
    if (metrics.baseline === "absent") warnings.push("no gas baseline committed (audit/baselines/gas.json): run npm run audit:baseline");
  }

  return {
    gate: {
      passed: failures.length === 0,
      reasons: [...failures, ...warnings.map((w) => WARNING_PREFIX + w)],
      unusedSuppressions,
    },
    stages,
    findings,
  };
}

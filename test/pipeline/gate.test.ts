/** Every gate decision (scripts/audit/gate.ts is a pure function). */
import { expect } from "chai";
import { isAtLeast as severityAtLeast } from "../../scripts/audit/findings/severity";
import { evaluateGate, suppressionMatches, WARNING_PREFIX, type GateInput } from "../../scripts/audit/gate";
import { DEFAULT_POLICY, PolicySchema, type Policy } from "../../scripts/audit/policy";
import type { StageResult } from "../../scripts/audit/types";
import { finding, stage } from "./helpers";

const cov = (pct: Partial<Record<"lines" | "branches" | "functions" | "statements", number>> = {}) => {
  const c = (p: number) => ({ total: 100, covered: p, pct: p });
  const v = { lines: 100, branches: 100, functions: 100, statements: 100, ...pct };
  return { total: { lines: c(v.lines), branches: c(v.branches), functions: c(v.functions), statements: c(v.statements) }, files: {} };
};

/** All required stages of the quick profile passed, nothing found. */
function allGood(over: Partial<GateInput> = {}): GateInput {
  return {
    profile: "quick",
    policy: DEFAULT_POLICY,
    stages: [stage("compile"), stage("lint"), stage("test")],
    suppressions: [],
    today: "2025-06-01",
    ...over,
  };
}

const policy = (p: unknown): Policy => PolicySchema.parse(p);
const failures = (reasons: string[]) => reasons.filter((r) => !r.startsWith(WARNING_PREFIX));
const warnings = (reasons: string[]) => reasons.filter((r) => r.startsWith(WARNING_PREFIX));

describe("audit gate", function () {
  it("passes when every required stage passed with no findings", function () {
    const out = evaluateGate(allGood());
    expect(out.gate).to.deep.equal({ passed: true, reasons: [], unusedSuppressions: [] });
  });

  describe("severity threshold", function () {
    it("fails on a finding at the threshold (default medium)", function () {
      const f = finding({ severity: "medium", id: "lint:r:1" });
      const out = evaluateGate(allGood({ stages: [stage("compile"), stage("lint", { findings: [f] }), stage("test")] }));
      expect(out.gate.passed).to.equal(false);
      expect(out.gate.reasons[0]).to.contain("lint:r:1").and.contain("medium");
    });

    it("fails on a finding above the threshold", function () {
      const out = evaluateGate(allGood({ stages: [stage("compile"), stage("lint"), stage("test", { findings: [finding({ severity: "high" })] })] }));
      expect(out.gate.passed).to.equal(false);
    });

    it("passes with findings below the threshold", function () {
      const fs = [finding({ severity: "low" }), finding({ severity: "info", fingerprint: "b".repeat(64) })];
      const out = evaluateGate(allGood({ stages: [stage("compile"), stage("lint", { findings: fs }), stage("test")] }));
      expect(out.gate.passed).to.equal(true);
      expect(out.findings).to.have.length(2);
    });

    it("follows a stricter policy threshold", function () {
      const out = evaluateGate(
        allGood({ policy: policy({ failOnSeverity: "low" }), stages: [stage("compile"), stage("lint", { findings: [finding({ severity: "low" })] }), stage("test")] }),
      );
      expect(out.gate.passed).to.equal(false);
    });

    it("orders severities critical > high > medium > low > info", function () {
      expect(severityAtLeast("critical", "medium")).to.equal(true);
      expect(severityAtLeast("medium", "medium")).to.equal(true);
      expect(severityAtLeast("low", "medium")).to.equal(false);
      expect(severityAtLeast("info", "low")).to.equal(false);
    });
  });

  describe("suppressions", function () {
    const high = finding({ severity: "high", rule: "test-failure", stage: "test", fingerprint: "c".repeat(64), location: { file: "test/unit/A.test.ts", symbol: "A works" } });
    const withHigh = (): StageResult[] => [stage("compile"), stage("lint"), stage("test", { findings: [high] })];

    it("a suppressed finding (by fingerprint) stays in the report, marked, and does not fail the gate", function () {
      const out = evaluateGate(allGood({ stages: withHigh(), suppressions: [{ fingerprint: "c".repeat(64), justification: "accepted: known flaky oracle", reviewer: "alice" }] }));
      expect(out.gate.passed).to.equal(true);
      expect(out.findings).to.have.length(1);
      expect(out.findings[0].suppressed).to.deep.equal({ justification: "accepted: known flaky oracle", reviewer: "alice" });
      expect(out.stages[2].findings[0].suppressed).to.not.equal(undefined);
      expect(out.gate.unusedSuppressions).to.deep.equal([]);
    });

    it("matches by rule + file (+ symbol), surviving a changed fingerprint", function () {
      const entry = { rule: "test-failure", file: "test/unit/A.test.ts", symbol: "A works", justification: "ok" };
      expect(evaluateGate(allGood({ stages: withHigh(), suppressions: [entry] })).gate.passed).to.equal(true);
      const otherSymbol = { ...entry, symbol: "A other" };
      expect(evaluateGate(allGood({ stages: withHigh(), suppressions: [otherSymbol] })).gate.passed).to.equal(false);
      const otherFile = { rule: "test-failure", file: "test/unit/B.test.ts", justification: "ok" };
      expect(evaluateGate(allGood({ stages: withHigh(), suppressions: [otherFile] })).gate.passed).to.equal(false);
    });

    it("needs every field an entry sets to match", function () {
      expect(suppressionMatches({ fingerprint: "c".repeat(64), rule: "other", justification: "x" }, high)).to.equal(false);
      expect(suppressionMatches({ rule: "test-failure", justification: "x" }, high)).to.equal(false); // rule alone is not enough
    });

    it("reports an unused suppression as a warning without failing", function () {
      const unused = { rule: "solhint/no-empty-blocks", file: "contracts/A.sol", justification: "was needed once" };
      const out = evaluateGate(allGood({ suppressions: [unused] }));
      expect(out.gate.passed).to.equal(true);
      expect(out.gate.unusedSuppressions).to.deep.equal([unused]);
      expect(warnings(out.gate.reasons)).to.have.length(1);
      expect(warnings(out.gate.reasons)[0]).to.contain("unused suppression").and.contain("solhint/no-empty-blocks");
    });

    it("scopes an entry to its stage: it matches only that stage's findings", function () {
      const f = finding({ severity: "high", id: "lint:r:1", stage: "lint", rule: "r", location: { file: "contracts/A.sol" } });
      const base = { rule: "r", file: "contracts/A.sol", justification: "reviewed" };
      expect(suppressionMatches({ ...base, stage: "lint" }, f)).to.equal(true);
      expect(suppressionMatches({ ...base, stage: "slither" }, f)).to.equal(false);
    });

    it("does not call an entry unused when its stage did not run, and does when it ran", function () {
      const entry = { stage: "slither", rule: "reentrancy-eth", file: "contracts/A.sol", justification: "reviewed" };
      const notRun = evaluateGate(allGood({ suppressions: [entry] }));
      expect(notRun.gate.unusedSuppressions).to.deep.equal([]);
      expect(warnings(notRun.gate.reasons)).to.deep.equal([]);
      const skipped = evaluateGate(allGood({ stages: [stage("compile"), stage("lint"), stage("test"), stage("slither", { status: "skipped" })], suppressions: [entry] }));
      expect(skipped.gate.unusedSuppressions).to.deep.equal([]);
      const ran = evaluateGate(allGood({ stages: [stage("compile"), stage("lint"), stage("test"), stage("slither")], suppressions: [entry] }));
      expect(ran.gate.unusedSuppressions).to.deep.equal([entry]);
    });

    it("ignores an expired suppression and says so", function () {
      const expired = { fingerprint: "c".repeat(64), justification: "temporary", expires: "2025-01-31" };
      const out = evaluateGate(allGood({ stages: withHigh(), suppressions: [expired] }));
      expect(out.gate.passed).to.equal(false);
      expect(out.findings[0].suppressed).to.equal(undefined);
      expect(warnings(out.gate.reasons).join()).to.contain("expired on 2025-01-31");
    });
  });

  describe("coverage thresholds", function () {
    const withCoverage = (metrics: object): GateInput =>
      allGood({ profile: "ci", policy: policy({ requiredStages: { ci: ["coverage"] } }), stages: [stage("coverage", { metrics: metrics as Record<string, unknown> })] });

    it("fails when a percentage is below its threshold", function () {
      const out = evaluateGate(withCoverage(cov({ branches: 94.9 })));
      expect(out.gate.passed).to.equal(false);
      expect(failures(out.gate.reasons)).to.deep.equal(["coverage branches 94.9% is below the required 95%"]);
    });

    it("requires 100% functions by default", function () {
      expect(evaluateGate(withCoverage(cov({ functions: 99 }))).gate.passed).to.equal(false);
    });

    it("passes at exactly the thresholds", function () {
      expect(evaluateGate(withCoverage(cov({ lines: 95, branches: 95, statements: 95, functions: 100 }))).gate.passed).to.equal(true);
    });

    it("fails when coverage ran without a summary", function () {
      expect(evaluateGate(withCoverage({})).gate.reasons[0]).to.contain("no summary");
    });

    it("does not judge coverage numbers of a stage that did not run", function () {
      const out = evaluateGate(allGood({ stages: [stage("compile"), stage("lint"), stage("test"), stage("coverage", { status: "skipped", metrics: cov({ lines: 1 }) })] }));
      expect(out.gate.passed).to.equal(true);
    });
  });

  describe("gas regression", function () {
    const gasStage = (deltaPct: number): StageResult =>
      stage("gas", {
        metrics: {
          baseline: "compared",
          methods: [{ contract: "Staking", method: "stake", min: 1, max: 1, avg: 110, calls: 1, baselineAvg: 100, deltaPct }],
          deployments: [],
        },
      });
    const input = (deltaPct: number, max = 5) =>
      allGood({ policy: policy({ gas: { maxRegressionPercent: max } }), stages: [stage("compile"), stage("lint"), stage("test"), gasStage(deltaPct)] });

    it("fails above the allowed percent", function () {
      const out = evaluateGate(input(5.01));
      expect(out.gate.passed).to.equal(false);
      expect(out.gate.reasons[0]).to.contain("Staking.stake").and.contain("5.01%").and.contain("limit 5%");
    });

    it("passes within the allowed percent (and on improvements)", function () {
      expect(evaluateGate(input(5)).gate.passed).to.equal(true);
      expect(evaluateGate(input(-30)).gate.passed).to.equal(true);
    });

    it("fails on a deployment regression", function () {
      const s = stage("gas", { metrics: { baseline: "compared", methods: [], deployments: [{ contract: "Staking", gas: 200, baseline: 100, deltaPct: 100 }] } });
      const out = evaluateGate(allGood({ stages: [stage("compile"), stage("lint"), stage("test"), s] }));
      expect(out.gate.passed).to.equal(false);
      expect(out.gate.reasons[0]).to.contain("deployment of Staking");
    });

    it("warns without failing when no baseline is committed", function () {
      const s = stage("gas", { metrics: { baseline: "absent", methods: [], deployments: [] } });
      const out = evaluateGate(allGood({ stages: [stage("compile"), stage("lint"), stage("test"), s] }));
      expect(out.gate.passed).to.equal(true);
      expect(warnings(out.gate.reasons)[0]).to.contain("no gas baseline").and.match(/run npm run audit:baseline$/);
      // Another project's: the command that writes its baseline, not the harness's.
      const other = evaluateGate(allGood({ stages: [stage("compile"), stage("lint"), stage("test"), s], baselineCommand: "npm run audit:baseline -- --root /p" }));
      expect(warnings(other.gate.reasons)[0]).to.match(/run npm run audit:baseline -- --root \/p$/);
    });
  });

  describe("stage outcomes", function () {
    it("fails when any stage errored, required or not", function () {
      const out = evaluateGate(allGood({ stages: [stage("compile"), stage("lint"), stage("test"), stage("gas", { status: "error", reason: "timed out after 60s" })] }));
      expect(out.gate.passed).to.equal(false);
      expect(out.gate.reasons).to.deep.equal(["stage gas errored: timed out after 60s"]);
    });

    it("fails when a required stage was skipped", function () {
      const out = evaluateGate(allGood({ stages: [stage("compile"), stage("lint", { status: "skipped", reason: "solhint is not installed" }), stage("test")] }));
      expect(out.gate.passed).to.equal(false);
      expect(out.gate.reasons).to.deep.equal(["required stage lint was skipped: solhint is not installed"]);
    });

    it("fails when a required stage is missing from the run", function () {
      const out = evaluateGate(allGood({ stages: [stage("compile"), stage("lint")] }));
      expect(out.gate.reasons).to.deep.equal(["required stage test did not run"]);
    });

    it("accepts a skipped stage that the profile does not require", function () {
      const out = evaluateGate(allGood({ stages: [stage("compile"), stage("lint"), stage("test"), stage("coverage", { status: "skipped", reason: "excluded by --skip" })] }));
      expect(out.gate.passed).to.equal(true);
    });

    it("uses the requiredStages of the run's profile", function () {
      const stages = [stage("compile"), stage("lint"), stage("test")];
      expect(evaluateGate(allGood({ profile: "ci", stages })).gate.passed).to.equal(false); // ci requires gas + coverage
      expect(evaluateGate(allGood({ profile: "quick", stages })).gate.passed).to.equal(true);
    });
  });
});

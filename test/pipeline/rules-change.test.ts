/**
 * Rules changed by this change (scripts/audit/findings/rules-change.ts, rules-wording.ts, the gate's
 * policy rulesChange): every kind of change between two reports' recorded rules, its effect, what each
 * mode blocks, the stricter-mode rule, a baseline that records no rules, the gate's reasons and the
 * reports' section. Pure functions on report objects: no CLI (test/pipeline/rules-change-e2e.test.ts runs it).
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import {
  compareBaselines,
  comparePolicies,
  compareReportRules,
  compareSuppressions,
  judgedValues,
  stricterMode,
  type RecordedBaselineFile,
  type RuleChange,
  type RulesInForce,
} from "../../scripts/audit/findings/rules-change";
import { describeRuleChange, ruleChangeTitle } from "../../scripts/audit/findings/rules-wording";
import { DEFAULT_SOLHINT_CONFIG } from "../../scripts/audit/stages/lint";
import { evaluateGate, WARNING_PREFIX, type GateInput } from "../../scripts/audit/gate";
import { readRecordedBaselines } from "../../scripts/audit/inputs";
import { DEFAULT_RULES_CHANGE, PolicySchema, rulesChangeFor, type Policy } from "../../scripts/audit/policy";
import { validateReport } from "../../scripts/audit/reports";
import { renderHtml } from "../../scripts/audit/reports/html";
import { renderMarkdown } from "../../scripts/audit/reports/markdown";
import { buildReportView } from "../../scripts/audit/reports/model";
import { renderSummary } from "../../scripts/audit/reports/summary-md";
import type { AuditReport, Finding, Profile, SuppressionEntry } from "../../scripts/audit/types";
import { finding, FIXTURES, REPO, stage } from "./helpers";

const TODAY = "2026-06-01";
const NO_STAGES = { quick: [], ci: [], deep: [] };
const policy = (over: Record<string, unknown> = {}): Policy => PolicySchema.parse({ requiredStages: NO_STAGES, ...over });
const lint = (id: string, over: Partial<Finding> = {}): Finding =>
  finding({ id: `lint:solhint/compiler-version:${id}`, rule: "solhint/compiler-version", severity: "medium", fingerprint: id.padEnd(64, "0"), location: { file: "contracts/A.sol", line: 1, symbol: "A" }, ...over });
const gasFile = (sha: string | null, content?: unknown): RecordedBaselineFile => ({ kind: "gas", file: "audit/baselines/gas.json", sha256: sha, ...(content !== undefined ? { content } : {}) });
const rules = (over: Partial<RulesInForce> = {}): RulesInForce => ({ policy: policy(), suppressions: [], baselines: [gasFile("1".repeat(64), { methods: {}, deployments: {} })], ...over });

/** A report as the pipeline writes it: its rules, its findings (with baseline states when it had a baseline), its profile. */
function report(r: RulesInForce | undefined, findings: Finding[] = [], profile: Profile = "ci", schemaVersion = "1.3.0"): AuditReport {
  return {
    schemaVersion,
    generatedAt: "2026-06-01T00:00:00Z",
    commit: "a".repeat(40),
    dirty: false,
    profile,
    scope: [],
    stages: [stage("lint", { findings })],
    findings,
    gate: { passed: true, reasons: [], unusedSuppressions: [] },
    ...(r ? { rules: r } : {}),
  };
}

/** The changes of `after` against `before` (two reports), or a failed assertion when they were not compared. */
function changesBetween(before: AuditReport, after: AuditReport): RuleChange[] {
  const out = compareReportRules(before, after, TODAY);
  if (!out.compared) throw new Error(out.reason);
  return out.changes;
}
const kinds = (changes: readonly RuleChange[]): [string, string, boolean][] => changes.map((c) => [c.kind, c.effect, c.blocking === true]);

const ENTRY: SuppressionEntry = { stage: "lint", rule: "solhint/compiler-version", file: "contracts/A.sol", symbol: "A", justification: "pinned elsewhere" };

describe("rules changed by this change", function () {
  describe("suppressions", function () {
    const planted = lint("a1", { baselineState: "new" });
    const old = lint("b1", { baselineState: "unchanged", location: { file: "contracts/A.sol", line: 9, symbol: "A.g" } });

    it("nothing changed: no change, even with the entries reordered", function () {
      const other: SuppressionEntry = { rule: "x", file: "contracts/B.sol", justification: "j" };
      expect(changesBetween(report(rules({ suppressions: [ENTRY, other] })), report(rules({ suppressions: [other, ENTRY] }), [planted]))).to.deep.equal([]);
    });

    it("added: lists the entry, who signed it (nobody) and the findings it hides, the new one marked; ci's default blocks it", function () {
      const changes = changesBetween(report(rules()), report(rules({ suppressions: [ENTRY] }), [planted, old]));
      expect(kinds(changes)).to.deep.equal([["suppression-added", "looser", true]]);
      const added = changes[0] as Extract<RuleChange, { kind: "suppression-added" }>;
      expect(added.entry).to.deep.equal(ENTRY);
      expect(added.hides.map((h) => [h.id, h.baselineState])).to.deep.equal([[planted.id, "new"]]); // symbol A: not A.g
      expect(describeRuleChange(added)).to.equal(
        `suppression added for solhint/compiler-version in contracts/A.sol (A), stage lint (no reviewer); it hides 1 finding, 1 introduced by this change: ${planted.id} (medium, new in this change)`,
      );
    });

    it("added and signed: does not block under require-reviewer; an expired one hides nothing", function () {
      const signed = { ...ENTRY, reviewer: "alice" };
      expect(kinds(changesBetween(report(rules()), report(rules({ suppressions: [signed] }), [planted])))).to.deep.equal([["suppression-added", "looser", false]]);
      const expired = changesBetween(report(rules()), report(rules({ suppressions: [{ ...ENTRY, expires: "2026-01-01" }] }), [planted]));
      expect((expired[0] as Extract<RuleChange, { kind: "suppression-added" }>).hides).to.deep.equal([]);
    });

    it("widened: a symbol removed - it now hides the other findings of that rule in the file, not the ones it hid before", function () {
      const wide = { ...ENTRY, symbol: undefined };
      delete wide.symbol;
      const changes = changesBetween(report(rules({ suppressions: [ENTRY] })), report(rules({ suppressions: [wide] }), [planted, old]));
      expect(kinds(changes)).to.deep.equal([["suppression-widened", "looser", true]]);
      const c = changes[0] as Extract<RuleChange, { kind: "suppression-widened" }>;
      expect(c.fields).to.deep.equal([{ field: "symbol", from: "A" }]);
      expect(c.hides.map((h) => h.id)).to.deep.equal([old.id]);
      expect(describeRuleChange(c)).to.match(/^suppression widened for solhint\/compiler-version in contracts\/A.sol \(A\), stage lint: symbol A removed \(no reviewer\); it now hides 1 finding: /);
    });

    it("widened: a stage or a file removed (the rule alone kept with a fingerprint) matches more", function () {
      const fp = "f".repeat(64);
      const before: SuppressionEntry = { fingerprint: fp, rule: "r", file: "contracts/A.sol", justification: "j" };
      const after: SuppressionEntry = { fingerprint: fp, justification: "j", reviewer: "bob" };
      const changes = changesBetween(report(rules({ suppressions: [before] })), report(rules({ suppressions: [after] })));
      expect(kinds(changes)).to.deep.equal([["suppression-widened", "looser", false]]); // signed
      expect((changes[0] as Extract<RuleChange, { kind: "suppression-widened" }>).fields).to.deep.equal([
        { field: "rule", from: "r" },
        { field: "file", from: "contracts/A.sol" },
      ]);
      const noStage = { ...ENTRY };
      delete noStage.stage;
      expect(kinds(changesBetween(report(rules({ suppressions: [ENTRY] })), report(rules({ suppressions: [noStage] }))))).to.deep.equal([["suppression-widened", "looser", true]]);
    });

    it("widened: an expiry removed or moved later; an expired entry renewed hides its findings again", function () {
      const expired = { ...ENTRY, expires: "2026-01-01" };
      const renewed = { ...ENTRY, expires: "2027-01-01" };
      const changes = changesBetween(report(rules({ suppressions: [expired] })), report(rules({ suppressions: [renewed] }), [planted]));
      expect(kinds(changes)).to.deep.equal([["suppression-widened", "looser", true]]);
      const c = changes[0] as Extract<RuleChange, { kind: "suppression-widened" }>;
      expect(c.fields).to.deep.equal([{ field: "expires", from: "2026-01-01", to: "2027-01-01" }]);
      expect(c.hides.map((h) => h.id)).to.deep.equal([planted.id]);
      const forever = { ...ENTRY };
      const unexpired = changesBetween(report(rules({ suppressions: [{ ...ENTRY, expires: "2027-01-01" }] })), report(rules({ suppressions: [forever] }), [planted]));
      expect(kinds(unexpired)).to.deep.equal([["suppression-widened", "looser", true]]);
      expect((unexpired[0] as Extract<RuleChange, { kind: "suppression-widened" }>).hides).to.deep.equal([]); // it hid that already
    });

    it("narrowed: a symbol or an expiry added; amended: only the reviewer or the justification", function () {
      const wide = { ...ENTRY };
      delete wide.symbol;
      expect(kinds(changesBetween(report(rules({ suppressions: [wide] })), report(rules({ suppressions: [ENTRY] }))))).to.deep.equal([["suppression-narrowed", "stricter", false]]);
      expect(kinds(changesBetween(report(rules({ suppressions: [ENTRY] })), report(rules({ suppressions: [{ ...ENTRY, expires: "2026-12-31" }] }))))).to.deep.equal([["suppression-narrowed", "stricter", false]]);
      const amended = changesBetween(report(rules({ suppressions: [ENTRY] })), report(rules({ suppressions: [{ ...ENTRY, reviewer: "carol", justification: "reviewed again" }] })));
      expect(kinds(amended)).to.deep.equal([["suppression-amended", "neutral", false]]);
      expect(describeRuleChange(amended[0])).to.equal("suppression for solhint/compiler-version in contracts/A.sol (A), stage lint amended: justification rewritten, reviewer none → carol");
    });

    it("removed; an entry whose symbol was renamed is one removed and one added (a new entry)", function () {
      expect(kinds(changesBetween(report(rules({ suppressions: [ENTRY] })), report(rules())))).to.deep.equal([["suppression-removed", "stricter", false]]);
      const renamed = { ...ENTRY, symbol: "A2" };
      expect(kinds(changesBetween(report(rules({ suppressions: [ENTRY] })), report(rules({ suppressions: [renamed] }))))).to.deep.equal([
        ["suppression-added", "looser", true],
        ["suppression-removed", "stricter", false],
      ]);
    });

    it("pairs duplicates one to one: a second copy of an entry is an added entry, which hides nothing the first did not", function () {
      const out = compareSuppressions([ENTRY], [ENTRY, { ...ENTRY }], [planted], TODAY);
      expect(out.map((c) => [c.kind, "hides" in c ? c.hides : undefined])).to.deep.equal([["suppression-added", []]]);
    });

    it("hides counts what no entry of the baseline's rules hid: a wide entry that replaces two narrow ones hides only the third finding", function () {
      const third = lint("c1", { location: { file: "contracts/A.sol", line: 20, symbol: "A.h" } });
      const g = { ...ENTRY, symbol: "A.g" };
      const wide = { ...ENTRY };
      delete wide.symbol;
      const out = compareSuppressions([ENTRY, g], [wide], [planted, old, third], TODAY);
      expect(out.map((c) => [c.kind, "hides" in c ? c.hides.map((h) => h.id) : undefined])).to.deep.equal([
        ["suppression-widened", [third.id]],
        ["suppression-removed", undefined],
      ]);
    });
  });

  describe("policy", function () {
    const change = (before: Record<string, unknown>, after: Record<string, unknown>): [string, string | undefined, unknown, unknown, string][] =>
      comparePolicies(policy(before), policy(after)).map((c) => {
        if (c.kind === "policy-changed") return [c.setting, c.profile, c.from, c.to, c.effect];
        if (c.kind === "required-stage-dropped" || c.kind === "required-stage-added") return [c.kind, c.profile, c.stage, null, c.effect];
        throw new Error(`not a policy change: ${c.kind}`);
      });

    it("failOnSeverity: a more severe threshold is looser, a less severe one stricter", function () {
      expect(change({}, { failOnSeverity: "high" })).to.deep.equal([["failOnSeverity", undefined, "medium", "high", "looser"]]);
      expect(change({}, { failOnSeverity: "low" })).to.deep.equal([["failOnSeverity", undefined, "medium", "low", "stricter"]]);
    });

    it("failOn and rulesChange per profile (effective values: an omitted field is its default)", function () {
      expect(change({ failOn: "all" }, { failOn: { ci: "new" } })).to.deep.equal([["failOn", "ci", "all", "new", "looser"]]);
      expect(change({}, { rulesChange: "report" })).to.deep.equal([
        ["rulesChange", "ci", "require-reviewer", "report", "looser"],
        ["rulesChange", "deep", "require-reviewer", "report", "looser"],
      ]);
      expect(change({}, { rulesChange: { quick: "fail" } })).to.deep.equal([["rulesChange", "quick", "report", "fail", "stricter"]]);
      expect(change({}, { rulesChange: { ci: "require-reviewer" } })).to.deep.equal([]); // the default, written out
    });

    it("coverage, gas, bench budget, disputes and scope", function () {
      expect(change({}, { coverage: { branches: 90, lines: 96 } })).to.deep.equal([
        ["coverage.lines", undefined, 95, 96, "stricter"],
        ["coverage.branches", undefined, 95, 90, "looser"],
      ]);
      expect(change({}, { gas: { maxRegressionPercent: 10 } })).to.deep.equal([["gas.maxRegressionPercent", undefined, 5, 10, "looser"]]);
      expect(change({ bench: { routingOverheadBudget: 4900 } }, {})).to.deep.equal([["bench.routingOverheadBudget", undefined, 4900, null, "looser"]]);
      expect(change({}, { bench: { routingOverheadBudget: 4900 } })).to.deep.equal([["bench.routingOverheadBudget", undefined, null, 4900, "stricter"]]);
      expect(change({ disputes: "report" }, {})).to.deep.equal([["disputes", undefined, "report", "prefer-proof", "looser"]]);
      expect(change({ scope: { exclude: ["contracts/mocks"] } }, { scope: { exclude: ["contracts/mocks", "contracts/core"] } })).to.deep.equal([
        ["scope.exclude", undefined, ["contracts/mocks"], ["contracts/mocks", "contracts/core"], "looser"],
      ]);
      expect(change({ scope: { tests: ["test/unit", "test/e2e"] } }, { scope: { tests: ["test/unit"] } })).to.deep.equal([["scope.tests", undefined, ["test/unit", "test/e2e"], ["test/unit"], "looser"]]);
      expect(change({}, { scope: { tests: ["test/unit"] } })).to.deep.equal([["scope.tests", undefined, null, ["test/unit"], "neutral"]]);
    });

    it("required stages dropped and added, per profile", function () {
      expect(change({ requiredStages: { ...NO_STAGES, ci: ["compile", "slither"] } }, { requiredStages: { ...NO_STAGES, ci: ["compile", "coverage"] } })).to.deep.equal([
        ["required-stage-dropped", "ci", "slither", null, "looser"],
        ["required-stage-added", "ci", "coverage", null, "stricter"],
      ]);
    });

    it("reads the failOnSeverity change of two reports in words", function () {
      const changes = changesBetween(report(rules()), report(rules({ policy: policy({ failOnSeverity: "high" }) })));
      expect(changes.map(describeRuleChange)).to.deep.equal(["policy failOnSeverity: medium → high"]);
      expect(kinds(changes)).to.deep.equal([["policy-changed", "looser", false]]); // ci's default lists it
    });
  });

  describe("gas and bench baselines", function () {
    const gas = (methods: Record<string, number>, deployments: Record<string, number> = {}): unknown => ({ methods, deployments });

    it("a value raised or removed is looser, lowered or added stricter, each judged value listed", function () {
      const [raised] = compareBaselines([gasFile("1".repeat(64), gas({ "Staking.stake": 100 }, { Staking: 5 }))], [gasFile("2".repeat(64), gas({ "Staking.stake": 120 }, { Staking: 5 }))]);
      expect(raised).to.deep.include({ kind: "baseline-rewritten", baseline: "gas", effect: "looser", values: [{ key: "Staking.stake", from: 100, to: 120 }] });
      const [lowered] = compareBaselines([gasFile("1".repeat(64), gas({ a: 100 }))], [gasFile("2".repeat(64), gas({ a: 90, b: 7 }))]);
      expect(lowered).to.deep.include({ effect: "stricter", values: [{ key: "a", from: 100, to: 90 }, { key: "b", to: 7 }] });
      const [dropped] = compareBaselines([gasFile("1".repeat(64), gas({ a: 100 }, { D: 1 }))], [gasFile("2".repeat(64), gas({ a: 100 }))]);
      expect(dropped).to.deep.include({ effect: "looser", values: [{ key: "deployment D", from: 1 }] });
      expect(describeRuleChange(dropped)).to.equal("gas baseline audit/baselines/gas.json rewritten (111111111111 → 222222222222): deployment D removed (was 1)");
    });

    it("other bytes and no judged value changed: neutral; same bytes: no change; the file removed: looser", function () {
      expect(compareBaselines([gasFile("1".repeat(64), gas({ a: 1 }))], [gasFile("2".repeat(64), { $comment: "x", ...(gas({ a: 1 }) as object) })])[0]).to.deep.include({ effect: "neutral", values: [] });
      expect(compareBaselines([gasFile("1".repeat(64), gas({ a: 1 }))], [gasFile("1".repeat(64), gas({ a: 1 }))])).to.deep.equal([]);
      const [removed] = compareBaselines([gasFile("1".repeat(64), gas({ a: 1 }))], [gasFile(null)]);
      expect(removed).to.deep.include({ effect: "looser", from: "1".repeat(64), to: null });
      expect(compareBaselines([gasFile(null)], [gasFile("1".repeat(64), gas({ a: 1 }))])[0]).to.deep.include({ effect: "stricter" });
    });

    it("bench: the metrics per row and per batch case; this repository's committed baselines read as recorded", function () {
      const bench = JSON.parse(readFileSync(path.join(REPO, "audit", "baselines", "bench.json"), "utf8")) as { rows: Record<string, unknown>[] };
      const values = judgedValues("bench", bench);
      expect(values.get("LoadBalancer / small coldOverhead")).to.equal(bench.rows[0].coldOverhead);
      expect([...values.keys()].some((k) => k.startsWith("batch / "))).to.equal(true);
      const raised = structuredClone(bench);
      raised.rows[0].coldOverhead = (bench.rows[0].coldOverhead as number) + 100;
      const [c] = compareBaselines([{ kind: "bench", file: "audit/baselines/bench.json", sha256: "1".repeat(64), content: bench }], [{ kind: "bench", file: "audit/baselines/bench.json", sha256: "2".repeat(64), content: raised }]);
      expect(c).to.deep.include({ effect: "looser", values: [{ key: "LoadBalancer / small coldOverhead", from: bench.rows[0].coldOverhead, to: (bench.rows[0].coldOverhead as number) + 100 }] });
      const recorded = readRecordedBaselines(REPO);
      expect(recorded.map((r) => [r.kind, r.file, /^[0-9a-f]{64}$/.test(r.sha256 ?? "")])).to.deep.equal([
        ["gas", "audit/baselines/gas.json", true],
        ["bench", "audit/baselines/bench.json", true],
        ["lint", ".solhint.json", true],
      ]);
      const none = readRecordedBaselines(FIXTURES);
      expect(none.filter((r) => r.kind !== "lint").every((r) => r.sha256 === null && r.content === undefined)).to.equal(true);
      // Without a solhint config of its own, the project is linted by the harness's default: that is what is recorded.
      expect(none.find((r) => r.kind === "lint")).to.deep.equal({ kind: "lint", file: ".solhint.json", sha256: null, content: DEFAULT_SOLHINT_CONFIG });
    });

    it("lint: a rule turned off, lowered or no longer set, or a shared config dropped, loosens; raised or added, stricter", function () {
      const rec = (content: unknown, sha: string | null = "1".repeat(64)): RecordedBaselineFile => ({ kind: "lint", file: ".solhint.json", sha256: sha, ...(content === undefined ? {} : { content }) });
      const base = { extends: "solhint:recommended", rules: { "no-unused-vars": "error", reentrancy: ["warn", { x: 1 }], "max-line-length": "off" } };
      const one = (after: unknown, before: unknown = base, sha: string | null = "2".repeat(64)): RuleChange => {
        const changes = compareBaselines([rec(before)], [rec(after, sha)]);
        expect(changes, JSON.stringify(after)).to.have.length(1);
        return changes[0];
      };
      const off = one({ ...base, rules: { ...base.rules, "no-unused-vars": "off" } });
      expect(off).to.deep.include({ baseline: "lint", effect: "looser", values: [{ key: "rule no-unused-vars", from: 2, to: 0 }] });
      expect(describeRuleChange(off)).to.equal("lint rules: .solhint.json changed: rule no-unused-vars error → off");
      expect(one({ ...base, rules: { ...base.rules, reentrancy: "error" } }).effect).to.equal("stricter");
      expect(one({ rules: base.rules }).effect, "extends dropped").to.equal("looser");
      expect(one({ ...base, rules: { reentrancy: base.rules.reentrancy, "max-line-length": "off" } }).effect, "error setting removed").to.equal("looser");
      expect(one({ ...base, rules: { ...base.rules, "avoid-tx-origin": "off" } }).effect, "a rule newly turned off").to.equal("looser");
      expect(one({ ...base, rules: { ...base.rules, "avoid-tx-origin": "warn" } }).effect, "a rule newly set").to.equal("stricter");
      expect(one({ ...base, rules: { "no-unused-vars": "error", reentrancy: "warn" } }).effect, "an off setting removed").to.equal("stricter");
      const opts = one({ ...base, rules: { ...base.rules, reentrancy: ["warn", { x: 2 }] } });
      expect(opts).to.deep.include({ effect: "neutral", values: [] });
      expect(describeRuleChange(opts)).to.equal("lint rules: .solhint.json changed: no rule's level changed (options or layout only)");
      // A config that is not JSON (.solhintrc.js) is compared by its bytes: any change may loosen it.
      expect(compareBaselines([rec(undefined)], [rec(undefined, "2".repeat(64))])[0].effect).to.equal("looser");
      // Adding a config where the default ran: compared with the default.
      const added = compareBaselines([rec(DEFAULT_SOLHINT_CONFIG, null)], [rec({ ...DEFAULT_SOLHINT_CONFIG, rules: { ...DEFAULT_SOLHINT_CONFIG.rules, "avoid-tx-origin": "off" } })]);
      expect(added[0]).to.deep.include({ effect: "looser", values: [{ key: "rule avoid-tx-origin", to: 0 }] });
      expect(describeRuleChange(added[0])).to.equal("lint rules: .solhint.json added (before: the harness's default lint rules): rule avoid-tx-origin set to off");
      expect(ruleChangeTitle(added[0])).to.equal("Lint rules changed");
      // Same bytes: no change.
      expect(compareBaselines([rec(base)], [rec(base)])).to.deep.equal([]);
    });
  });

  describe("the verdict", function () {
    const planted = lint("a1", { baselineState: "new" });
    const looserAll = (): RulesInForce =>
      rules({
        suppressions: [ENTRY],
        policy: policy({ failOnSeverity: "high", requiredStages: { ...NO_STAGES, quick: ["lint"] } }),
        baselines: [gasFile("2".repeat(64), { methods: { a: 2 }, deployments: {} })],
      });
    const before = (): RulesInForce => rules({ policy: policy({ requiredStages: { ...NO_STAGES, quick: ["lint", "compile"] } }), baselines: [gasFile("1".repeat(64), { methods: { a: 1 }, deployments: {} })] });

    it("defaults: report for quick, require-reviewer for ci and deep", function () {
      expect(DEFAULT_RULES_CHANGE).to.deep.equal({ quick: "report", ci: "require-reviewer", deep: "require-reviewer" });
      expect((["quick", "ci", "deep"] as const).map((p) => rulesChangeFor(policy(), p))).to.deep.equal(["report", "require-reviewer", "require-reviewer"]);
      expect(rulesChangeFor(policy({ rulesChange: "fail" }), "quick")).to.equal("fail");
      expect(() => PolicySchema.parse({ rulesChange: "sometimes" })).to.throw(/rulesChange/);
      expect(() => PolicySchema.parse({ rulesChange: { nightly: "fail" } })).to.throw();
    });

    it("report: every change listed, none blocks", function () {
      const out = compareReportRules(report(before(), [], "quick"), report(looserAll(), [planted], "quick"), TODAY);
      expect(out).to.deep.include({ compared: true, mode: "report" });
      expect(out.compared && out.changes.every((c) => !c.blocking)).to.equal(true);
      expect(out.compared && out.changes.map((c) => c.kind)).to.deep.equal(["suppression-added", "policy-changed", "required-stage-dropped", "baseline-rewritten"]);
    });

    it("fail: every looser change blocks, signed or not; stricter ones and other profiles' settings do not", function () {
      const after = looserAll();
      after.policy = { ...after.policy, rulesChange: "fail" };
      after.suppressions = [{ ...ENTRY, reviewer: "alice" }];
      after.policy.requiredStages = { ...after.policy.requiredStages, quick: ["lint", "compile", "test"], ci: [] };
      const out = compareReportRules(report({ ...before(), policy: policy({ rulesChange: "fail", requiredStages: { ...NO_STAGES, quick: ["lint", "compile"], ci: ["lint"] } }) }), report(after, [planted], "quick"), TODAY);
      expect(out.compared && out.mode).to.equal("fail");
      expect(out.compared && kinds(out.changes)).to.deep.equal([
        ["suppression-added", "looser", true],
        ["policy-changed", "looser", true], // failOnSeverity
        ["required-stage-added", "stricter", false], // quick gains test
        ["required-stage-dropped", "looser", false], // ci's, not this quick run's
        ["baseline-rewritten", "looser", true],
      ]);
    });

    it("the stricter of the baseline's mode and this run's: a change cannot loosen the mode that judges it", function () {
      expect(stricterMode("report", "fail")).to.equal("fail");
      const out = compareReportRules(report(rules({ policy: policy({ rulesChange: "fail" }) })), report(rules({ policy: policy({ rulesChange: "report" }), suppressions: [{ ...ENTRY, reviewer: "a" }] }), [planted]), TODAY);
      expect(out.compared && out.mode).to.equal("fail");
      expect(out.compared && kinds(out.changes)).to.deep.equal([
        ["suppression-added", "looser", true],
        ["policy-changed", "looser", false], // rulesChange quick: fail -> report (not this ci run's)
        ["policy-changed", "looser", true], // rulesChange ci
        ["policy-changed", "looser", false], // rulesChange deep
      ]);
    });

    it("a recorded policy this harness cannot read: the rest is compared, the policy is not, and one line says so", function () {
      const before = rules({ suppressions: [] });
      (before.policy as unknown as Record<string, unknown>).failOnSeverity = "severe"; // e.g. a later harness's value
      const out = compareReportRules(report(before), report(rules({ suppressions: [ENTRY], policy: policy({ rulesChange: "report" }) }), [lint("a1", { baselineState: "new" })]), TODAY);
      expect(out).to.deep.include({
        compared: true,
        mode: "report",
        note: "the baseline report's recorded policy does not validate against this harness's policy schema: the policy was not compared, and this run's rulesChange applies",
      });
      expect(out.compared && kinds(out.changes)).to.deep.equal([["suppression-added", "looser", false]]);
    });

    it("a baseline report that records no rules: one line, nothing guessed", function () {
      const out = compareReportRules(report(undefined, [], "ci", "1.2.0"), report(rules({ suppressions: [ENTRY] }), [planted]), TODAY);
      expect(out).to.deep.equal({
        compared: false,
        reason: "the baseline report (schema 1.2.0) records no rules in force: suppressions, policy and gas/bench baselines were not compared",
      });
    });
  });

  describe("in the gate and the reports", function () {
    const planted = lint("a1");
    const gateInput = (over: Partial<GateInput> = {}): GateInput => ({
      profile: "ci",
      policy: policy({ failOnSeverity: "high", failOn: "new", $comment: "not a rule" }),
      stages: [stage("lint", { findings: [planted] })],
      suppressions: [ENTRY],
      today: TODAY,
      baselineFiles: [gasFile("1".repeat(64), { methods: {}, deployments: {} })],
      baseline: { report: report(rules({ policy: policy({ failOn: "new" }) }), []), source: { ref: "HEAD", file: "audit/history/x.json" } },
      ...over,
    });
    const failures = (reasons: string[]): string[] => reasons.filter((r) => !r.startsWith(WARNING_PREFIX));

    it("ci's default fails on an unsigned suppression hiding a finding the same change introduced, naming both; lists the threshold change", function () {
      const out = evaluateGate(gateInput());
      expect(out.rules.policy).to.not.have.property("$comment");
      expect(out.rules.suppressions).to.deep.equal([ENTRY]);
      expect(out.findings.map((f) => [f.id, f.baselineState, Boolean(f.suppressed), Boolean(f.blocking)])).to.deep.equal([[planted.id, "new", true, false]]);
      expect(out.gate.passed).to.equal(false);
      expect(failures(out.gate.reasons)).to.deep.equal([
        `rules changed: suppression added for solhint/compiler-version in contracts/A.sol (A), stage lint (no reviewer); it hides 1 finding, 1 introduced by this change: ${planted.id} (medium, new in this change) - it hides ${planted.id} (medium, new in this change), introduced by the same change, and names no reviewer (policy rulesChange: require-reviewer)`,
      ]);
      expect(out.gate.reasons).to.include(
        `${WARNING_PREFIX}1 rule change(s) by this change (1 looser) do not fail the gate (policy rulesChange: require-reviewer: a new or widened suppression without a reviewer fails the gate); listed under "Rules changed by this change"`,
      );
      expect(out.rulesChanged?.compared && out.rulesChanged.changes.map(describeRuleChange)).to.include("policy failOnSeverity: medium → high");
    });

    it("signed, it passes, and every report names who accepted what and what it hides", function () {
      const out = evaluateGate(gateInput({ suppressions: [{ ...ENTRY, reviewer: "alice" }] }));
      expect(failures(out.gate.reasons)).to.deep.equal([]);
      const written: AuditReport = { ...report(out.rules, out.findings), stages: out.stages, gate: out.gate, baseline: out.baseline, rulesChanged: out.rulesChanged };
      expect(validateReport(written)).to.deep.equal({ valid: true, errors: [] });
      const md = renderMarkdown(buildReportView(written));
      const section = md.slice(md.indexOf("## Rules changed by this change"), md.indexOf("## Scope"));
      expect(section).to.contain("| Suppression added | looser |").and.contain("| alice | pinned elsewhere |").and.contain(`\`${planted.id}\` (Medium, **new** at \`contracts/A.sol:1\`)`);
      expect(section).to.contain("| Policy changed | looser | policy failOnSeverity: medium → high |");
      const html = renderHtml(buildReportView(written));
      expect(html).to.contain('<section id="rules" data-testid="rules"><h2>Rules changed by this change</h2>').and.contain('data-testid="rules-table"').and.contain("<td>alice</td>");
      const summary = renderSummary(written);
      expect(summary).to.contain("**Rules changed by this change (2, 0 failing the gate; policy rulesChange `require-reviewer`):**");
      expect(summary).to.contain("- **looser** policy failOnSeverity: medium → high");
    });

    it("without a baseline nothing is compared; with one that records none, one line in the gate and in every report", function () {
      const none = evaluateGate(gateInput({ baseline: undefined }));
      expect(none.rulesChanged).to.equal(undefined);
      const old = evaluateGate(gateInput({ baseline: { report: report(undefined, [], "ci", "1.2.0"), source: { file: "old.json" } } }));
      const line = "the baseline report (schema 1.2.0) records no rules in force: suppressions, policy and gas/bench baselines were not compared";
      expect(old.gate.reasons).to.include(`${WARNING_PREFIX}${line}`);
      expect(failures(old.gate.reasons)).to.deep.equal([]);
      const written: AuditReport = { ...report(old.rules, old.findings), gate: old.gate, baseline: old.baseline, rulesChanged: old.rulesChanged };
      expect(validateReport(written)).to.deep.equal({ valid: true, errors: [] });
      expect(renderMarkdown(buildReportView(written))).to.contain(`## Rules changed by this change\n\n${line}`);
      expect(renderSummary(written)).to.contain(`**Rules:** ${line}`);
    });

    it("report.schema.json rejects a rule change of an unknown kind or with a wrong field", function () {
      const sample = JSON.parse(readFileSync(path.join(FIXTURES, "report-sample.json"), "utf8")) as AuditReport;
      expect(validateReport(sample)).to.deep.equal({ valid: true, errors: [] });
      const bad = (mutate: (c: Record<string, unknown>) => void): boolean => {
        const r = structuredClone(sample);
        if (!r.rulesChanged?.compared) throw new Error("the sample compares rules");
        mutate(r.rulesChanged.changes[0] as unknown as Record<string, unknown>);
        return validateReport(r).valid;
      };
      expect(bad(() => undefined)).to.equal(true);
      expect(bad((c) => (c.kind = "suppression-vanished"))).to.equal(false);
      expect(bad((c) => (c.effect = "worse"))).to.equal(false);
      expect(bad((c) => delete c.entry)).to.equal(false);
    });
  });
});

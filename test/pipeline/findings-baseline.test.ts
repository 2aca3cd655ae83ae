/**
 * Baselines (scripts/audit/findings/baseline.ts) and the gate's failOn (gate.ts): every state, what a
 * baseline run that did not run a stage means, the report and ref loaders' one-line errors.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { PassThrough } from "node:stream";
import path from "node:path";
import { InputError } from "../../scripts/audit/errors";
import { cachedReportPath, compareWithBaseline, loadBaselineReport, resolveBaselineRef, type Baseline } from "../../scripts/audit/findings/baseline";
import { evaluateGate, WARNING_PREFIX, type GateInput } from "../../scripts/audit/gate";
import { DEFAULT_POLICY, PolicySchema, failOnFor } from "../../scripts/audit/policy";
import type { AuditReport, Finding, StageResult } from "../../scripts/audit/types";
import { main } from "../../scripts/audit/run";
import { finding, FIXTURES, REPO, stage, tempDir } from "./helpers";

const fp = (c: string): string => c.repeat(64);
const f = (id: string, over: Partial<Finding> = {}): Finding =>
  finding({ id: `slither:${id}`, stage: "slither", rule: id.split("#")[0], fingerprint: fp(id.slice(0, 1)), severity: "medium", tool: { name: "slither", version: "0.11.6" }, ...over });

function baselineOf(findings: Finding[], stages: StageResult[] = [stage("slither")]): AuditReport {
  return {
    schemaVersion: "1.2.0",
    generatedAt: "2026-01-01T00:00:00Z",
    commit: "a".repeat(40),
    dirty: false,
    profile: "ci",
    scope: [],
    stages,
    findings,
    gate: { passed: true, reasons: [], unusedSuppressions: [] },
  };
}

const asBaseline = (report: AuditReport): Baseline => ({ report, source: { file: "base/report.json" } });
const failures = (reasons: string[]) => reasons.filter((r) => !r.startsWith(WARNING_PREFIX));
const warnings = (reasons: string[]) => reasons.filter((r) => r.startsWith(WARNING_PREFIX));

describe("findings core: baselines", function () {
  describe("compareWithBaseline", function () {
    it("unchanged: same fingerprint, wherever the line moved", function () {
      const before = f("a", { location: { file: "contracts/A.sol", line: 10, symbol: "A.f" } });
      const now = f("a", { location: { file: "contracts/A.sol", line: 42, symbol: "A.f" } });
      const { states, fixed } = compareWithBaseline([now], [stage("slither")], baselineOf([before]));
      expect(states.get(now.id)).to.equal("unchanged");
      expect(fixed).to.deep.equal([]);
    });

    it("new, and absent (fixed) for what the baseline had and this run has not", function () {
      const gone = f("g", { suppressed: { justification: "x" }, blocking: true });
      const added = f("n", { location: { file: "contracts/B.sol", line: 5, symbol: "B.g" } });
      const { states, fixed } = compareWithBaseline([added], [stage("slither")], baselineOf([gone]));
      expect(states.get(added.id)).to.equal("new");
      expect(fixed).to.have.length(1);
      expect(fixed[0]).to.deep.include({ id: gone.id, baselineState: "absent" });
      // The baseline's gate marks are the baseline's: not carried over.
      expect(fixed[0]).to.not.have.any.keys("suppressed", "blocking");
    });

    it("updated: another fingerprint at the same stage, rule, file and symbol (an edited statement), paired one to one", function () {
      const before = [f("u1"), f("u2", { location: { file: "contracts/A.sol", line: 3, symbol: "A.g" } })];
      const edited = f("x1", { rule: "u1" }); // same rule/file/symbol as u1, new anchor
      const twice = f("y1", { rule: "u1", id: "slither:u1:other" }); // a second one there: new
      const { states, fixed } = compareWithBaseline([edited, twice], [stage("slither")], baselineOf(before));
      expect([states.get(edited.id), states.get(twice.id)]).to.deep.equal(["updated", "new"]);
      expect(fixed.map((x) => x.id)).to.deep.equal([before[1].id]);
    });

    it("updated: a finding another tool now reports too; unchanged when the baseline had both", function () {
      const sighting = { id: "lint:solhint/avoid-tx-origin:1", stage: "lint", rule: "solhint/avoid-tx-origin", tool: { name: "solhint", version: "6.2.4" }, severity: "low" as const, title: "t", fingerprint: fp("s") };
      const now = f("t", { alsoReportedBy: [sighting] });
      const stages = [stage("slither"), stage("lint")];
      expect(compareWithBaseline([now], stages, baselineOf([f("t")], stages)).states.get(now.id)).to.equal("updated");
      expect(compareWithBaseline([now], stages, baselineOf([f("t", { alsoReportedBy: [sighting] })], stages)).states.get(now.id)).to.equal("unchanged");
      // A baseline that saw the bug under solhint's finding alone: the merged finding is not new.
      const solhintOnly = finding({ id: sighting.id, rule: sighting.rule, fingerprint: sighting.fingerprint });
      const out = compareWithBaseline([now], stages, baselineOf([solhintOnly], stages));
      expect(out.states.get(now.id)).to.equal("updated");
      expect(out.fixed).to.deep.equal([]);
    });

    it("a stage the baseline did not run: its findings are new; a stage this run did not run: nothing fixed", function () {
      const now = f("a");
      expect(compareWithBaseline([now], [stage("slither")], baselineOf([], [stage("slither", { status: "skipped" })])).states.get(now.id)).to.equal("new");
      const before = f("b");
      expect(compareWithBaseline([], [stage("slither", { status: "skipped" })], baselineOf([before])).fixed).to.deep.equal([]);
      expect(compareWithBaseline([], [stage("slither", { status: "error" })], baselineOf([before])).fixed).to.deep.equal([]);
    });
  });

  describe("the gate with a baseline (policy failOn)", function () {
    const base = (over: Partial<GateInput>): GateInput => ({
      profile: "ci",
      policy: PolicySchema.parse({ requiredStages: { quick: [], ci: [], deep: [] } }),
      stages: [],
      suppressions: [],
      today: "2026-01-01",
      ...over,
    });
    const old = f("o", { severity: "high" });
    const added = f("n", { severity: "medium", location: { file: "contracts/B.sol", line: 7, symbol: "B.h" } });
    const stages = [stage("slither", { findings: [old, added] })];
    const baseline = asBaseline(baselineOf([old, f("g", { severity: "low" })]));

    it("failOn new: only new and updated findings fail it, listed with their state; the rest is a warning", function () {
      const out = evaluateGate(base({ policy: PolicySchema.parse({ failOn: "new", requiredStages: { quick: [], ci: [], deep: [] } }), stages, baseline }));
      expect(out.failOn).to.equal("new");
      expect(out.gate.passed).to.equal(false);
      expect(failures(out.gate.reasons)).to.deep.equal([`new medium finding ${added.id} at contracts/B.sol:7: t`]);
      expect(warnings(out.gate.reasons)).to.deep.equal([
        `${WARNING_PREFIX}1 finding(s) at or above medium already in the baseline do not block (policy failOn: new)`,
        // A 1.2.0 baseline predates the rules record: said in one line, nothing guessed.
        `${WARNING_PREFIX}the baseline report (schema 1.2.0) records no rules in force: suppressions, policy and gas/bench baselines were not compared`,
      ]);
      expect(out.findings.map((x) => [x.id, x.baselineState, x.blocking ?? false])).to.deep.equal([
        [old.id, "unchanged", false],
        [added.id, "new", true],
      ]);
      expect(out.baseline).to.deep.include({ commit: "a".repeat(40), source: { file: "base/report.json" } });
      expect(out.baseline!.fixed.map((x) => [x.id, x.baselineState])).to.deep.equal([["slither:g", "absent"]]);
      // Without the new finding the gate passes, though the old high one is still open.
      const clean = evaluateGate(base({ policy: PolicySchema.parse({ failOn: "new", requiredStages: { quick: [], ci: [], deep: [] } }), stages: [stage("slither", { findings: [old] })], baseline }));
      expect(clean.gate.passed).to.equal(true);
    });

    it("failOn all (the default): every finding judges, states are still marked", function () {
      const out = evaluateGate(base({ stages, baseline }));
      expect(out.failOn).to.equal("all");
      expect(failures(out.gate.reasons)).to.have.length(2);
      expect(out.findings.every((x) => x.blocking && x.baselineState)).to.equal(true);
    });

    it("failOn per profile; new without a baseline judges everything and says so", function () {
      const policy = PolicySchema.parse({ failOn: { ci: "new" }, requiredStages: { quick: [], ci: [], deep: [] } });
      expect([failOnFor(policy, "ci"), failOnFor(policy, "quick"), failOnFor(policy, "deep"), failOnFor(DEFAULT_POLICY, "ci")]).to.deep.equal(["new", "all", "all", "all"]);
      const out = evaluateGate(base({ policy, stages }));
      expect(failures(out.gate.reasons)).to.have.length(2);
      expect(warnings(out.gate.reasons)[0]).to.contain('policy failOn is "new" for profile ci, but no baseline was given');
      expect(out.findings.every((x) => x.baselineState === undefined)).to.equal(true);
      expect(() => PolicySchema.parse({ failOn: "changed" })).to.throw();
      expect(() => PolicySchema.parse({ failOn: { nightly: "new" } })).to.throw();
    });

    it("the metric checks apply whatever failOn says", function () {
      const policy = PolicySchema.parse({ failOn: "new", requiredStages: { quick: [], ci: ["coverage"], deep: [] } });
      const out = evaluateGate(base({ policy, stages: [stage("slither", { findings: [old] })], baseline }));
      expect(failures(out.gate.reasons)).to.deep.equal(["required stage coverage did not run"]);
    });
  });

  describe("loading a baseline", function () {
    it("reads a report.json of any 1.x layout, and refuses anything else in one line naming the file", function () {
      const dir = tempDir();
      const sample = readFileSync(path.join(FIXTURES, "report-sample.json"), "utf8");
      writeFileSync(path.join(dir, "ok.json"), sample);
      expect(loadBaselineReport(dir, "ok.json").findings.length).to.be.greaterThan(0);
      const old = JSON.parse(sample) as AuditReport;
      old.schemaVersion = "1.1.0";
      delete old.baseline;
      for (const x of [...old.findings, ...old.stages.flatMap((s) => s.findings)]) for (const k of ["alsoReportedBy", "mergedInto", "baselineState", "blocking"] as const) delete x[k];
      writeFileSync(path.join(dir, "old.json"), JSON.stringify(old));
      expect(loadBaselineReport(dir, "old.json").schemaVersion).to.equal("1.1.0");

      const cases: [string, string, RegExp][] = [
        ["missing.json", "", /^baseline report missing\.json does not exist$/],
        ["bad.json", "{ nope", /^malformed baseline report bad\.json: not valid JSON \(line 1, column 3\)/],
        ["other.json", '{"version":"2.1.0"}', /^malformed baseline report other\.json: not a report\.json of this audit \(schemaVersion null, expected 1\.x\)$/],
        ["broken.json", JSON.stringify({ ...JSON.parse(sample), findings: [{ id: "x" }] }), /^malformed baseline report broken\.json: \/findings\/0 /],
      ];
      for (const [name, content, message] of cases) {
        if (content) writeFileSync(path.join(dir, name), content);
        let error: unknown;
        try {
          loadBaselineReport(dir, name);
        } catch (e) {
          error = e;
        }
        expect(error, name).to.be.instanceOf(InputError);
        expect((error as Error).message.split("\n"), name).to.have.length(1);
        expect((error as Error).message, name).to.match(message);
      }
    });

    it("the CLI refuses a bad baseline before anything runs: one line, exit 2, nothing written", async function () {
      const out = tempDir("audit-baseline-out-");
      const bad = path.join(tempDir(), "report.json");
      writeFileSync(bad, '{"schemaVersion":"9.0.0"}');
      for (const [argv, message] of [
        [["--baseline", bad], /^audit: malformed baseline report .*report\.json: not a report\.json of this audit \(schemaVersion "9\.0\.0", expected 1\.x\)$/],
        [["--baseline", path.join(out, "none.json")], /^audit: baseline report .*none\.json does not exist$/],
        [["--baseline-ref", "no-such-ref-anywhere"], /^audit: --baseline-ref no-such-ref-anywhere: no such commit in /],
      ] as const) {
        const [stdout, stderr] = [new PassThrough(), new PassThrough()];
        let err = "";
        stderr.on("data", (d: Buffer) => (err += d.toString()));
        const code = await main([...argv, "--only", "lint", "--out", out], { stdout, stderr, cwd: REPO, env: {} });
        expect(code, argv.join(" ")).to.equal(2);
        expect(err.trim().split("\n"), argv.join(" ")).to.have.length(1);
        expect(err.trim(), argv.join(" ")).to.match(message);
      }
      expect(readdirSync(out)).to.deep.equal([]);
    });

    it("--baseline-ref: the cached report of the ref's commit, else one line saying how to get one", async function () {
      const root = tempDir();
      const git = (...args: string[]): string => execFileSync("git", args, { cwd: root, encoding: "utf8" }).trim();
      git("init", "-q");
      writeFileSync(path.join(root, "a.txt"), "a\n");
      git("add", ".");
      git("-c", "user.email=a@b.c", "-c", "user.name=t", "commit", "-qm", "one");
      git("branch", "-M", "main");
      const sha = git("rev-parse", "HEAD");
      const out = path.join(root, "audit");
      let error: unknown;
      try {
        await resolveBaselineRef(root, out, "main");
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).to.equal(
        `--baseline-ref main: no cached report for ${sha.slice(0, 12)} (audit/history/${sha}.json): run the audit on a clean checkout of that commit (it keeps its report there), or pass --baseline <report.json> (e.g. that commit's CI artifact)`,
      );
      error = undefined;
      try {
        await resolveBaselineRef(root, out, "no-such-branch");
      } catch (e) {
        error = e;
      }
      expect((error as Error).message).to.match(/^--baseline-ref no-such-branch: no such commit in /);
      mkdirSync(path.join(out, "history"), { recursive: true });
      writeFileSync(cachedReportPath(out, sha), "{}");
      expect(await resolveBaselineRef(root, out, "main")).to.deep.equal({ commit: sha, file: path.join(out, "history", `${sha}.json`) });
    });
  });
});

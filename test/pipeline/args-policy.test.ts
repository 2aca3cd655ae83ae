/** Flag parsing, stage planning and the committed input files' validation. */
import { expect } from "chai";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseAuditArgs, planStages } from "../../scripts/audit/args";
import { InputError } from "../../scripts/audit/errors";
import { DEFAULT_POLICY, loadGasBaseline, loadPolicy, loadSuppressions } from "../../scripts/audit/policy";
import { STAGES } from "../../scripts/audit/stages";
import { tempDir } from "./helpers";

const NAMES = STAGES.map((s) => s.name);

function rootWith(files: Record<string, string>): string {
  const root = tempDir();
  for (const [f, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), content);
  }
  return root;
}

describe("audit flags and inputs", function () {
  describe("flags", function () {
    it("parses the documented flags", function () {
      const o = parseAuditArgs(["--only", "lint, test", "--skip", "gas", "--profile", "deep", "--out", "x", "--json", "--update-gas-baseline"]);
      expect(o).to.deep.include({ only: ["lint", "test"], skip: ["gas"], profile: "deep", out: "x", json: true, updateGasBaseline: true, help: false });
    });

    it("defaults to the ci profile", function () {
      expect(parseAuditArgs([]).profile).to.equal("ci");
    });

    it("rejects an unknown profile, flag or positional with an InputError", function () {
      expect(() => parseAuditArgs(["--profile", "fast"])).to.throw(InputError, 'unknown profile "fast" (valid: quick, ci, deep)');
      expect(() => parseAuditArgs(["--fast"])).to.throw(InputError, /Unknown option '--fast'/);
      expect(() => parseAuditArgs(["lint"])).to.throw(InputError);
      expect(() => parseAuditArgs(["--only", ","])).to.throw(InputError, /--only needs/);
    });
  });

  describe("stage plan", function () {
    it("quick = compile, storage, selectors, lint, slither, test; ci and deep add the slower stages", function () {
      expect(planStages(STAGES, { profile: "quick", skip: [] }).selected).to.deep.equal([
        "compile",
        "storage",
        "selectors",
        "lint",
        "slither",
        "test",
      ]);
      expect(planStages(STAGES, { profile: "ci", skip: [] }).selected).to.deep.equal([
        "compile",
        "storage",
        "selectors",
        "lint",
        "slither",
        "slither-upgradeability",
        "test",
        "gas",
        "bench",
        "coverage",
        "invariants",
      ]);
      expect(planStages(STAGES, { profile: "deep", skip: [] }).selected).to.deep.equal(NAMES);
    });

    it("--skip removes stages and reports them as excluded", function () {
      const p = planStages(STAGES, { profile: "ci", skip: ["coverage"] });
      expect(p.selected).to.not.include("coverage");
      expect(p.excluded).to.deep.equal([{ name: "coverage", reason: "excluded by --skip" }]);
    });

    it("--only selects exactly the named stages, even outside the profile", function () {
      const p = planStages(STAGES, { profile: "quick", only: ["lint", "coverage"], skip: [] });
      expect(p.selected).to.deep.equal(["lint", "coverage"]);
      expect(p.excluded.map((e) => e.name)).to.deep.equal(["compile", "storage", "selectors", "slither", "test"]);
    });

    it("rejects unknown stage names, listing the valid ones", function () {
      expect(() => planStages(STAGES, { profile: "ci", only: ["lnt"], skip: [] })).to.throw(InputError, `unknown stage "lnt" in --only (valid: ${NAMES.join(", ")})`);
      expect(() => planStages(STAGES, { profile: "ci", skip: ["x", "y"] })).to.throw(InputError, /unknown stages "x", "y" in --skip/);
    });
  });

  describe("audit/policy.json", function () {
    it("uses the documented defaults when the file is absent", function () {
      expect(loadPolicy(tempDir(), NAMES)).to.deep.equal(DEFAULT_POLICY);
      expect(DEFAULT_POLICY.failOnSeverity).to.equal("medium");
      expect(DEFAULT_POLICY.coverage).to.deep.equal({ lines: 95, branches: 95, functions: 100, statements: 95 });
      expect(DEFAULT_POLICY.gas.maxRegressionPercent).to.equal(5);
    });

    it("fills unspecified fields with defaults", function () {
      const p = loadPolicy(rootWith({ "audit/policy.json": '{"failOnSeverity": "high", "coverage": {"lines": 80}}' }), NAMES);
      expect(p.failOnSeverity).to.equal("high");
      expect(p.coverage).to.deep.equal({ lines: 80, branches: 95, functions: 100, statements: 95 });
    });

    it("rejects invalid JSON, unknown keys, bad values and unknown stages in one line", function () {
      const bad = (json: string) => () => loadPolicy(rootWith({ "audit/policy.json": json }), NAMES);
      expect(bad("{not json")).to.throw(InputError, /^malformed policy audit\/policy\.json: /);
      expect(bad('{"failOnSeverty": "high"}')).to.throw(InputError, /Unrecognized key.*failOnSeverty/);
      expect(bad('{"failOnSeverity": "severe"}')).to.throw(InputError, /failOnSeverity/);
      expect(bad('{"coverage": {"lines": 101}}')).to.throw(InputError, /coverage\.lines/);
      expect(bad('{"requiredStages": {"ci": ["slyther"]}}')).to.throw(InputError, /unknown stage\(s\) slyther/);
      try {
        bad('{"coverage": {"lines": "x", "branches": -1}}')();
        expect.fail("should throw");
      } catch (e) {
        expect((e as Error).message).to.not.contain("\n");
      }
    });
  });

  describe("audit/suppressions.json", function () {
    const load = (json: string) => loadSuppressions(rootWith({ "audit/suppressions.json": json }));

    it("is empty when absent and reads valid entries", function () {
      expect(loadSuppressions(tempDir())).to.deep.equal([]);
      const entries = load(JSON.stringify({ suppressions: [{ rule: "solhint/no-inline-assembly", file: "contracts/A.sol", justification: " reviewed: slot access " }] }));
      expect(entries).to.deep.equal([{ rule: "solhint/no-inline-assembly", file: "contracts/A.sol", justification: "reviewed: slot access" }]);
    });

    it("requires a non-empty justification", function () {
      expect(() => load('{"suppressions": [{"fingerprint": "' + "a".repeat(64) + '", "justification": "   "}]}')).to.throw(InputError, /suppressions\.0\.justification/);
      expect(() => load('{"suppressions": [{"fingerprint": "' + "a".repeat(64) + '"}]}')).to.throw(InputError, /justification/);
    });

    it("requires a fingerprint or a rule and a file", function () {
      expect(() => load('{"suppressions": [{"rule": "x", "justification": "why"}]}')).to.throw(InputError, /fingerprint, or a rule and a file/);
      expect(() => load('{"suppressions": [{"fingerprint": "abc", "justification": "why"}]}')).to.throw(InputError, /sha256/);
      expect(() => load('{"suppressions": [{"rule": "x", "file": "f", "justification": "why", "expires": "soon"}]}')).to.throw(InputError, /expires/);
    });
  });

  describe("audit/baselines/gas.json", function () {
    it("is optional and validated", function () {
      expect(loadGasBaseline(tempDir())).to.equal(undefined);
      const root = rootWith({ "audit/baselines/gas.json": '{"methods": {"A.f": 100}, "deployments": {}}' });
      expect(loadGasBaseline(root)?.methods).to.deep.equal({ "A.f": 100 });
      expect(() => loadGasBaseline(rootWith({ "audit/baselines/gas.json": '{"methods": {"A.f": "lots"}}' }))).to.throw(InputError, /malformed gas baseline/);
    });
  });
});

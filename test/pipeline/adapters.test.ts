/**
 * Adapters on RECORDED real tool outputs (test/pipeline/fixtures/recorded/,
 * made by `npm run audit:record-fixtures` on fixtures/project/).
 */
import { expect } from "chai";
import path from "node:path";
import { baselineFrom, gasMetrics, parseGasReporterJson } from "../../scripts/audit/adapters/gas-reporter";
import { junitFindings, lineFromStack, parseJunitXml } from "../../scripts/audit/adapters/mocha-junit";
import { parseSolhintJson, solhintFindings } from "../../scripts/audit/adapters/solhint";
import { parseCoverageSummary } from "../../scripts/audit/adapters/solidity-coverage";
import { fixtureSources, recorded, recordedRoot, RECORDED } from "./helpers";

describe("audit adapters (recorded tool outputs)", function () {
  describe("solhint", function () {
    const root = recordedRoot();
    const reports = parseSolhintJson(recorded("solhint.json"));
    const findings = solhintFindings(reports, { root, sources: fixtureSources(), toolVersion: "6.2.4" });

    it("drops solhint's trailing conclusion entry and keeps every report", function () {
      const raw = JSON.parse(recorded("solhint.json")) as object[];
      expect(raw.at(-1)).to.have.property("conclusion");
      expect(reports).to.have.length(raw.length - 1);
      expect(findings).to.have.length(reports.length);
    });

    it("maps errors to medium and warnings to low, rule solhint/<ruleId>", function () {
      const error = findings.find((f) => f.rule === "solhint/compiler-version");
      expect(error, "compiler-version error on Legacy.sol").to.not.equal(undefined);
      expect(error!.severity).to.equal("medium");
      expect(error!.location).to.deep.include({ file: "contracts/Legacy.sol", line: 2 });
      const txOrigin = findings.find((f) => f.rule === "solhint/avoid-tx-origin")!;
      expect(txOrigin.severity).to.equal("low");
      expect(findings.filter((f) => f.severity === "medium")).to.have.length(1);
      expect(findings.every((f) => f.stage === "lint" && f.tool.name === "solhint")).to.equal(true);
    });

    it("locates findings with repository-relative files and the enclosing symbol", function () {
      const unused = findings.find((f) => f.rule === "solhint/no-unused-vars")!;
      expect(unused.location).to.deep.equal({ file: "contracts/Vault.sol", line: 35, symbol: "Vault.withdraw" });
      const txOrigin = findings.find((f) => f.rule === "solhint/avoid-tx-origin")!;
      expect(txOrigin.location?.symbol).to.equal("Vault.sweep");
      const stateVar = findings.find((f) => f.title.includes("'balances'"))!;
      expect(stateVar.location?.symbol).to.equal("Vault.balances");
    });

    it("gives every finding a unique id and fingerprint, even for one rule firing twice on a line", function () {
      expect(new Set(findings.map((f) => f.id)).size).to.equal(findings.length);
      expect(new Set(findings.map((f) => f.fingerprint)).size).to.equal(findings.length);
      const line15 = findings.filter((f) => f.location?.line === 15 && f.rule === "solhint/use-natspec");
      expect(line15).to.have.length(2);
    });

    it("keeps every fingerprint when lines are inserted above the findings (real re-lint)", function () {
      const moved = solhintFindings(parseSolhintJson(recorded("moved/solhint.json")), {
        root,
        sources: fixtureSources(path.join(RECORDED, "moved")),
        toolVersion: "6.2.4",
      });
      const before = findings.filter((f) => f.location?.file === "contracts/Vault.sol");
      expect(moved).to.have.length(before.length);
      // The lines really moved...
      expect(moved.map((f) => f.location?.line)).to.not.deep.equal(before.map((f) => f.location?.line));
      // ...and the fingerprints did not.
      expect(moved.map((f) => f.fingerprint).sort()).to.deep.equal(before.map((f) => f.fingerprint).sort());
    });

    it("rejects output that is not solhint JSON", function () {
      expect(() => parseSolhintJson("Failed to load a solhint's config file.")).to.throw(/no JSON array/);
    });
  });

  describe("mocha JUnit (mocha-junit-reporter)", function () {
    const root = recordedRoot();
    const results = parseJunitXml(recorded("mocha-junit.xml"), root);

    it("counts passes, failures and pending tests", function () {
      expect({ tests: results.tests, passes: results.passes, failures: results.failures, pending: results.pending }).to.deep.equal({
        tests: 5,
        passes: 3,
        failures: 1,
        pending: 1,
      });
    });

    it("turns a failed test into a high test-failure finding located in its test file", function () {
      const findings = junitFindings(results, { toolVersion: "11.8.0" });
      expect(findings).to.have.length(1);
      const [f] = findings;
      expect(f.rule).to.equal("test-failure");
      expect(f.severity).to.equal("high");
      expect(f.stage).to.equal("test");
      expect(f.location?.file).to.equal("test/unit/Vault.test.ts");
      expect(f.location?.line).to.be.a("number").and.greaterThan(1);
      expect(f.location?.symbol).to.equal("Vault withdraw keeps totals after a withdrawal (deliberately failing)");
      expect(f.description).to.match(/AssertionError: expected 0 to equal 100/);
    });

    it("keeps a failing test's fingerprint when the test moves in its file", function () {
      const xml = recorded("mocha-junit.xml");
      const movedXml = xml.replace(/(test\/unit\/Vault\.test\.ts:)(\d+)(:\d+)/, (_m, a: string, n: string, b: string) => `${a}${Number(n) + 20}${b}`);
      expect(movedXml).to.not.equal(xml);
      const [before] = junitFindings(results, { toolVersion: "x" });
      const [after] = junitFindings(parseJunitXml(movedXml, root), { toolVersion: "x" });
      expect(after.location?.line).to.equal(before.location!.line! + 20);
      expect(after.fingerprint).to.equal(before.fingerprint);
    });

    it("reads the stack line of the test file only", function () {
      expect(lineFromStack("at Context.<anonymous> (test/unit/A.test.ts:37:46)", "test/unit/A.test.ts")).to.equal(37);
      expect(lineFromStack("at x (node_modules/chai/index.js:1:1)", "test/unit/A.test.ts")).to.equal(undefined);
    });

    it("rejects XML that is not JUnit", function () {
      expect(() => parseJunitXml("<html></html>", root)).to.throw(/not a JUnit/);
    });
  });

  describe("hardhat-gas-reporter JSON", function () {
    const report = parseGasReporterJson(recorded("gas-reporter.json"));

    it("reports called methods with min/max/avg/calls and deployments", function () {
      const m = gasMetrics(report);
      expect(m.methods.map((x) => x.key)).to.deep.equal(["Vault.deposit", "Vault.withdraw"]);
      const deposit = m.methods[0];
      expect(deposit.calls).to.equal(4);
      expect(deposit.min).to.be.at.most(deposit.avg);
      expect(deposit.max).to.be.at.least(deposit.avg);
      expect(deposit.min).to.be.lessThan(deposit.max, "first deposit writes fresh slots, the second is cheaper");
      expect(m.deployments.map((d) => d.contract)).to.deep.equal(["Vault"]);
      expect(m.deployments[0].gas).to.be.greaterThan(100_000);
      expect(m.baseline).to.equal("absent");
      expect(m.methods.every((x) => x.deltaPct === undefined)).to.equal(true);
    });

    it("computes the regression percent per method against a baseline", function () {
      const current = gasMetrics(report);
      const avg = current.methods[0].avg;
      const baseline = { methods: { "Vault.deposit": avg / 1.1, "Vault.gone": 1 }, deployments: { Vault: current.deployments[0].gas } };
      const m = gasMetrics(report, baseline);
      expect(m.methods[0].deltaPct).to.be.closeTo(10, 0.01);
      expect(m.methods[0].baselineAvg).to.equal(avg / 1.1);
      expect(m.methods[1].deltaPct).to.equal(undefined); // withdraw: not in the baseline
      expect(m.deployments[0].deltaPct).to.equal(0);
      expect(m.missingFromRun).to.deep.equal(["Vault.gone"]);
      expect(m.newSinceBaseline).to.deep.equal(["Vault.withdraw"]);
    });

    it("round-trips through baselineFrom with zero deltas", function () {
      const m = gasMetrics(report);
      const again = gasMetrics(report, baselineFrom(m));
      expect(again.methods.map((x) => x.deltaPct)).to.deep.equal([0, 0]);
      expect(again.newSinceBaseline).to.deep.equal([]);
    });

    it("names overloaded methods by signature", function () {
      const json = JSON.parse(recorded("gas-reporter.json")) as { data: { methods: Record<string, Record<string, unknown>> } };
      const dep = Object.values(json.data.methods).find((x) => x.method === "deposit")!;
      json.data.methods.Vault_overload = { ...dep, fnSig: "deposit(uint256)", key: "overload" };
      const m = gasMetrics(parseGasReporterJson(JSON.stringify(json)));
      expect(m.methods.map((x) => x.key)).to.include.members(["Vault.deposit()", "Vault.deposit(uint256)"]);
    });

    it("rejects JSON that is not the gas reporter's", function () {
      expect(() => parseGasReporterJson('{"data": {}}')).to.throw(/HardhatGasReporter/);
    });
  });

  describe("solidity-coverage summary", function () {
    const m = parseCoverageSummary(recorded("coverage-summary.json"), recordedRoot());

    it("reads overall percentages", function () {
      expect(m.total.lines).to.deep.equal({ total: 14, covered: 11, pct: 78.57 });
      expect(m.total.branches.pct).to.equal(50);
      expect(m.total.functions.pct).to.equal(60);
      expect(m.total.statements.pct).to.equal(66.67);
    });

    it("reads per-file percentages with repository-relative keys, mocks excluded by .solcover.js", function () {
      expect(Object.keys(m.files).sort()).to.deep.equal(["contracts/Legacy.sol", "contracts/Vault.sol"]);
      expect(m.files["contracts/Vault.sol"].functions.pct).to.equal(75);
      // Nothing to cover counts as covered.
      expect(m.files["contracts/Legacy.sol"].branches).to.deep.equal({ total: 0, covered: 0, pct: 100 });
    });

    it("derives a percentage when istanbul wrote none", function () {
      const text = JSON.stringify({
        total: { lines: { total: 0, covered: 0, pct: "Unknown" }, branches: { total: 4, covered: 1, pct: "Unknown" }, functions: { total: 1, covered: 1, pct: 100 }, statements: { total: 1, covered: 1, pct: 100 } },
      });
      const s = parseCoverageSummary(text, "/r");
      expect(s.total.lines.pct).to.equal(100);
      expect(s.total.branches.pct).to.equal(25);
    });

    it("rejects a summary without totals", function () {
      expect(() => parseCoverageSummary("{}", "/r")).to.throw(/missing total/);
    });
  });
});

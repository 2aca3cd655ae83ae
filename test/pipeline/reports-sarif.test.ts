import { expect } from "chai";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { validateSarif, writeReports } from "../../scripts/audit/reports";
import { buildSarif, FINGERPRINT_KEY } from "../../scripts/audit/reports/sarif";
import type { SarifLog } from "../../scripts/audit/reports/sarif";
import { SARIF_SCHEMA_PATH } from "../../scripts/audit/schema";
import { ruleCatalog } from "../../scripts/audit/findings/catalog";
import type { AuditReport, Finding } from "../../scripts/audit/types";

const SAMPLE = path.join(__dirname, "fixtures", "report-sample.json");
const loadSample = (): AuditReport => JSON.parse(readFileSync(SAMPLE, "utf8")) as AuditReport;
const ROOT = path.resolve(__dirname, "..", "..");

type SarifResult = SarifLog["runs"][number]["results"][number];

function resultFor(log: SarifLog, finding: Finding): SarifResult {
  const run = log.runs.find((r) => r.tool.driver.name === finding.tool.name);
  const result = run?.results.find((r) => r.partialFingerprints[FINGERPRINT_KEY] === finding.fingerprint);
  if (!result) throw new Error(`no SARIF result for ${finding.id}`);
  return result;
}

describe("pipeline reports: report.sarif", function () {
  let outDir: string;
  let report: AuditReport;
  let log: SarifLog;

  before(async function () {
    outDir = mkdtempSync(path.join(os.tmpdir(), "audit-sarif-"));
    report = loadSample();
    await writeReports(report, outDir, { root: ROOT, repositoryUri: "https://github.com/example/load-balancer-proxy" });
    log = JSON.parse(readFileSync(path.join(outDir, "report.sarif"), "utf8")) as SarifLog;
  });

  after(function () {
    rmSync(outDir, { recursive: true, force: true });
  });

  it("uses the vendored SARIF 2.1.0 schema named in its README", function () {
    const digest = createHash("sha256").update(readFileSync(SARIF_SCHEMA_PATH)).digest("hex");
    const readme = readFileSync(path.join(path.dirname(SARIF_SCHEMA_PATH), "README.md"), "utf8");
    expect(readme).to.include(digest);
    const schema = JSON.parse(readFileSync(SARIF_SCHEMA_PATH, "utf8")) as { properties: { version: { enum: string[] } } };
    expect(schema.properties.version.enum).to.deep.equal(["2.1.0"]);
  });

  it("validates against the SARIF 2.1.0 schema, which rejects broken logs", function () {
    expect(validateSarif(log)).to.deep.equal({ valid: true, errors: [] });
    expect(log.version).to.equal("2.1.0");
    expect(log.$schema).to.match(/^https:\/\/.*sarif-2\.1\.0.*\.json$/);

    const broken = JSON.parse(JSON.stringify(log)) as { runs: { results: { level: string }[] }[] };
    broken.runs.find((r) => r.results.length > 0)!.results[0].level = "fatal";
    expect(validateSarif(broken).valid).to.equal(false);
    expect(validateSarif({ version: "2.1.0" }).valid).to.equal(false);
  });

  it("takes the rules from the catalog: the tool's documentation, or our own docs at the commit", function () {
    const rule = (sarif: SarifLog, id: string) => sarif.runs.flatMap((r) => r.tool.driver.rules).find((x) => x.id === id)!;
    // A finding's own data cannot change the rule's documentation: the catalog (Slither's list) decides.
    const withHelp = JSON.parse(JSON.stringify(report)) as AuditReport;
    withHelp.findings[1].data = { ...withHelp.findings[1].data, helpUri: "javascript:alert(1)" };
    const sarif = buildSarif(withHelp, { root: ROOT });
    expect(rule(sarif, "reentrancy-no-eth").helpUri).to.equal("https://github.com/crytic/slither/wiki/Detector-Documentation#reentrancy-vulnerabilities-2");
    expect(rule(sarif, "reentrancy-no-eth").shortDescription.text).to.equal("Reentrancy vulnerabilities (no theft of ethers)");
    expect(rule(sarif, "reentrancy-no-eth").properties.catalogued).to.equal(true);
    // One entry per rule the run's results carry (the baseline's fixed one included), none other.
    const slitherRun = log.runs.find((r) => r.tool.driver.name === "slither")!;
    expect(slitherRun.tool.driver.rules.map((r) => r.id)).to.deep.equal([...new Set(slitherRun.results.map((r) => r.ruleId))].sort());
    // A rule the catalog cannot list is described from its findings and says so.
    expect(rule(sarif, "storage-collision").properties.catalogued).to.equal(false);
    // Our analyzers' rules link to docs/ANALYZERS.md at the report's commit when the repository URL is http(s).
    const analyzer: AuditReport = JSON.parse(JSON.stringify(report)) as AuditReport;
    analyzer.findings[2] = { ...analyzer.findings[2], stage: "storage", rule: "storage-overlap", tool: { name: "storage-analyzer", version: "1.0.0" } };
    const linked = buildSarif(analyzer, { root: ROOT, repositoryUri: "https://github.com/example/load-balancer-proxy" });
    expect(rule(linked, "storage-overlap").helpUri).to.equal(`https://github.com/example/load-balancer-proxy/blob/${report.commit}/docs/ANALYZERS.md#rules`);
    expect(rule(buildSarif(analyzer, { root: ROOT }), "storage-overlap").helpUri).to.equal(undefined);
    for (const s of [sarif, linked]) expect(validateSarif(s)).to.deep.equal({ valid: true, errors: [] });
  });

  it("has one run per tool that ran or reported findings, never for a tool that did not run", function () {
    const names = log.runs.map((r) => r.tool.driver.name);
    expect(new Set(names).size).to.equal(names.length);
    for (const f of report.findings) expect(names).to.include(f.tool.name);
    // mythril's stage errored and reported nothing: an empty run would read as "clean".
    expect(names).to.not.include("mythril");
    const slither = log.runs.find((r) => r.tool.driver.name === "slither")!;
    expect(slither.results.filter((r) => r.baselineState !== "absent")).to.have.length(report.findings.filter((f) => f.tool.name === "slither").length);
    // The baseline's fixed finding of that tool is a result too, absent (see "baseline states").
    expect(slither.results.filter((r) => r.baselineState === "absent")).to.have.length(report.baseline!.fixed.length);
    expect(slither.tool.driver.version).to.equal("0.11.3");
    expect(slither.tool.driver.semanticVersion).to.equal("0.11.3");
  });

  it("maps severities to levels and security-severity, and rule indexes to the right rules", function () {
    const expectedLevel = { critical: "error", high: "error", medium: "warning", low: "note", info: "note" };
    const expectedScore = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0", info: "0.0" };
    for (const finding of report.findings) {
      const result = resultFor(log, finding);
      expect(result.level, finding.id).to.equal(expectedLevel[finding.severity]);
      const rules = log.runs.find((r) => r.tool.driver.name === finding.tool.name)!.tool.driver.rules;
      const rule = rules[result.ruleIndex];
      expect(rule.id).to.equal(finding.rule);
      expect(result.ruleId).to.equal(finding.rule);
      expect(rule.properties.tags).to.include("security");
      expect(Number.isFinite(Number(rule.properties["security-severity"]))).to.equal(true);
      // The rule carries its catalog default severity (the finding its own, in the result's level).
      const entry = ruleCatalog().describe(finding.rule, report.findings);
      expect(rule.properties["security-severity"]).to.equal(expectedScore[entry.severity]);
      expect(rule.defaultConfiguration.level).to.equal(expectedLevel[entry.severity]);
      expect(rule.help.text.length).to.be.greaterThan(0);
    }
  });

  it("carries our fingerprint, repo-relative locations with startLine, and suppressions", function () {
    for (const finding of report.findings) {
      const result = resultFor(log, finding);
      expect(result.partialFingerprints).to.deep.equal({ [FINGERPRINT_KEY]: finding.fingerprint });
      if (!finding.location) {
        expect(result.locations, finding.id).to.equal(undefined);
      } else {
        const physical = result.locations![0].physicalLocation;
        expect(physical.artifactLocation).to.deep.equal({ uri: finding.location.file, uriBaseId: "%SRCROOT%" });
        expect(physical.region?.startLine).to.equal(finding.location.line);
        expect(physical.region!.startLine).to.be.at.least(1);
      }
      if (finding.suppressed) {
        expect(result.suppressions).to.deep.equal([
          {
            kind: "external",
            status: "accepted",
            justification: finding.suppressed.justification,
            properties: { reviewer: finding.suppressed.reviewer },
          },
        ]);
      } else {
        expect(result.suppressions).to.equal(undefined);
      }
    }
    expect(report.findings.some((f) => !f.location)).to.equal(true);
    expect(report.findings.some((f) => f.suppressed)).to.equal(true);
  });

  it("pins the commit in versionControlProvenance, and omits it without a commit", function () {
    for (const run of log.runs) {
      expect(run.versionControlProvenance).to.deep.equal([
        { repositoryUri: "https://github.com/example/load-balancer-proxy", revisionId: report.commit, properties: { dirty: true } },
      ]);
    }
    const noCommit = buildSarif({ ...report, commit: "" }, { root: ROOT });
    expect(noCommit.runs.every((r) => r.versionControlProvenance === undefined)).to.equal(true);
    expect(validateSarif(noCommit).valid).to.equal(true);
  });

  it("encodes odd paths as URI references and never emits a region without startLine", function () {
    const odd = loadSample();
    const [withSpace, absolute, noLine] = odd.findings;
    withSpace.location = { file: "contracts/my dir/A#1.sol", line: 3 };
    absolute.location = { file: path.join(ROOT, "contracts/core/LoadBalancer.sol"), line: 7 };
    noLine.location = { file: "contracts/core/LoadBalancer.sol" };
    const sarif = buildSarif(odd, { root: ROOT });
    expect(validateSarif(sarif).valid).to.equal(true);
    const uri = (f: Finding) => resultFor(sarif, f).locations![0].physicalLocation;
    expect(uri(withSpace).artifactLocation.uri).to.equal("contracts/my%20dir/A%231.sol");
    expect(uri(absolute).artifactLocation).to.deep.equal({ uri: "contracts/core/LoadBalancer.sol", uriBaseId: "%SRCROOT%" });
    expect(uri(noLine).region).to.equal(undefined);
  });
});

/**
 * One finding per bug (scripts/audit/findings/merge.ts), on real outputs recorded by
 * scripts/audit/dev/record-cross-tool-fixtures.ts (test/pipeline/fixtures/cross-tool/): Slither and
 * solhint on test/fixtures/findings/CrossToolVault.sol; slither-check-upgradeability and this
 * repository's storage and selector analyzers on test/fixtures/findings/PlainProxyUpgrade.sol. The
 * merged findings show once in every report format, count once, and a suppression naming either
 * tool's rule accepts them.
 */
import { expect } from "chai";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseSolhintJson, solhintFindings } from "../../scripts/audit/adapters/solhint";
import { parseSlitherJson, slitherFindings } from "../../scripts/audit/adapters/slither";
import { parseUpgradeabilityJson, upgradeabilityDrafts, upgradeabilityFindings, type UpgradeabilityRun } from "../../scripts/audit/adapters/slither-upgradeability";
import { SolcBuild } from "../../scripts/audit/analyzers/build-info";
import { domainFromCli, resolveDomain } from "../../scripts/audit/analyzers/domain";
import { analyzeSelectors } from "../../scripts/audit/analyzers/selectors/analyze";
import { analyzeStorage } from "../../scripts/audit/analyzers/storage/analyze";
import { compileSources } from "../../scripts/audit/dev/compile-sources";
import { ruleCatalog } from "../../scripts/audit/findings/catalog";
import { mergeAcrossTools, SAME_PROBLEM } from "../../scripts/audit/findings/merge";
import { evaluateGate, type GateInput } from "../../scripts/audit/gate";
import { DEFAULT_POLICY } from "../../scripts/audit/policy";
import { renderReports, validateReport, validateSarif } from "../../scripts/audit/reports";
import type { SarifLog } from "../../scripts/audit/reports/sarif";
import { SourceIndex } from "../../scripts/audit/solidity";
import { REPORT_SCHEMA_VERSION, type AuditReport, type Finding, type StageResult } from "../../scripts/audit/types";
import { REPO, stage } from "./helpers";

const RECORDED = path.join(REPO, "test", "pipeline", "fixtures", "cross-tool");
const META = JSON.parse(readFileSync(path.join(RECORDED, "meta.json"), "utf8")) as { vaultRoot: string; upgradeRoot: string; slither: string; solhint: string };
const VAULT_SOURCE = path.join(REPO, "test", "fixtures", "findings", "CrossToolVault.sol");
const UPGRADE_SOURCE = path.join(REPO, "test", "fixtures", "findings", "PlainProxyUpgrade.sol");

/** The slither and lint stages' findings on the vault, from the recorded outputs (the stages' adapters). */
function vaultFindings(): { slither: Finding[]; lint: Finding[] } {
  const slither = slitherFindings(parseSlitherJson(readFileSync(path.join(RECORDED, "slither.json"), "utf8")), { root: META.vaultRoot, toolVersion: META.slither }).findings;
  const sources = new SourceIndex((file) => (file === "contracts/CrossToolVault.sol" ? readFileSync(VAULT_SOURCE, "utf8") : undefined));
  const lint = solhintFindings(parseSolhintJson(readFileSync(path.join(RECORDED, "solhint.json"), "utf8")), { root: META.vaultRoot, sources, toolVersion: META.solhint });
  return { slither, lint };
}

/** The storage, selectors and slither-upgradeability stages' findings on the plain proxy and its upgrade. */
function upgradeFindings(): { storage: Finding[]; selectors: Finding[]; upgradeability: Finding[] } {
  const file = "contracts/PlainProxyUpgrade.sol"; // the path the recorded tool saw
  const build = new SolcBuild([compileSources({ [file]: readFileSync(UPGRADE_SOURCE, "utf8") })], { root: REPO, preferredRoots: ["contracts"] });
  const domain = resolveDomain(build, domainFromCli({ proxy: "NaiveProxy", impl: "CounterV1", dispatch: "transparent", upgrade: "CounterV1:CounterV2" }));
  const runs: Record<string, UpgradeabilityRun> = {
    "CounterV1-vs-NaiveProxy": { kind: "proxy", contract: "CounterV1", against: "NaiveProxy" },
    "CounterV2-vs-NaiveProxy": { kind: "proxy", contract: "CounterV2", against: "NaiveProxy" },
    "CounterV1-to-CounterV2": { kind: "update", contract: "CounterV1", against: "CounterV2" },
  };
  const drafts = readdirSync(path.join(RECORDED, "upgradeability")).flatMap((f) =>
    upgradeabilityDrafts(parseUpgradeabilityJson(readFileSync(path.join(RECORDED, "upgradeability", f), "utf8")), runs[f.replace(/\.json$/, "")], {
      root: META.upgradeRoot,
      toolVersion: META.slither,
      contractFile: () => file,
    }),
  );
  return { storage: analyzeStorage(build, [domain]).findings, selectors: analyzeSelectors(build, [domain]).findings, upgradeability: upgradeabilityFindings(drafts) };
}

const pairs = (merged: Finding[]): string[][] =>
  merged
    .filter((f) => f.alsoReportedBy)
    .map((f) => [`${f.rule}@${f.location?.line ?? "-"}`, ...f.alsoReportedBy!.map((o) => `${o.rule}@${o.location?.line ?? "-"}`)])
    .sort((a, b) => a[0].localeCompare(b[0]));

function gateInput(stages: StageResult[], over: Partial<GateInput> = {}): GateInput {
  return { profile: "quick", policy: { ...DEFAULT_POLICY, requiredStages: { quick: [], ci: [], deep: [] } }, stages, suppressions: [], today: "2026-01-01", ...over };
}

describe("findings core: one finding per bug across tools", function () {
  this.timeout(60_000);

  it("every rule of the matching table is in the rule catalog, in one row only", function () {
    const rules = SAME_PROBLEM.flatMap((r) => r.rules);
    expect(new Set(rules).size).to.equal(rules.length);
    for (const rule of rules) expect(ruleCatalog().has(rule), rule).to.equal(true);
  });

  it("Slither and solhint on one statement are one finding, Slither's, naming solhint (recorded outputs)", function () {
    const { slither, lint } = vaultFindings();
    const { findings, mergedInto } = mergeAcrossTools([...slither, ...lint]);
    expect(pairs(findings)).to.deep.equal([
      ["assembly@46", "solhint/no-inline-assembly@47"],
      ["timestamp@39", "solhint/not-rely-on-time@40"],
      ["tx-origin@34", "solhint/avoid-tx-origin@35"],
      ["unchecked-lowlevel@23", "solhint/no-unchecked-calls@25"],
    ]);
    expect(findings).to.have.length(slither.length + lint.length - 4);
    expect(mergedInto.size).to.equal(4);
    // Same line, different problems: not joined (missing-zero-check and the unchecked call share line 25;
    // gas-custom-errors sits on the tx.origin line).
    const zeroCheck = findings.filter((f) => f.rule === "missing-zero-check");
    expect(zeroCheck).to.have.length(3);
    expect(zeroCheck.every((f) => !f.alsoReportedBy)).to.equal(true);
    expect(findings.filter((f) => f.rule === "solhint/gas-custom-errors")).to.have.length(lint.filter((f) => f.rule === "solhint/gas-custom-errors").length);
    // The merged finding is Slither's, at the group's highest severity, with solhint's place and id.
    const txOrigin = findings.find((f) => f.rule === "tx-origin")!;
    const original = slither.find((f) => f.rule === "tx-origin")!;
    expect([txOrigin.id, txOrigin.fingerprint, txOrigin.severity]).to.deep.equal([original.id, original.fingerprint, "medium"]);
    const solhintOne = lint.find((f) => f.rule === "solhint/avoid-tx-origin")!;
    expect(txOrigin.alsoReportedBy).to.deep.equal([
      { id: solhintOne.id, stage: "lint", rule: "solhint/avoid-tx-origin", tool: { name: "solhint", version: "6.2.4" }, severity: "low", title: solhintOne.title, fingerprint: solhintOne.fingerprint, location: solhintOne.location },
    ]);
  });

  it("does not join one tool's findings, nor a solhint warning two lines off", function () {
    const { slither, lint } = vaultFindings();
    // The checked call in checkedPay has Slither's low-level-calls only (solhint allows value transfers).
    const { findings } = mergeAcrossTools([...slither, ...lint]);
    expect(findings.filter((f) => f.rule === "low-level-calls").every((f) => !f.alsoReportedBy)).to.equal(true);
    // Moved two lines away from the statement, solhint's tx.origin warning is another place.
    const moved = lint.map((f) => (f.rule === "solhint/avoid-tx-origin" ? { ...f, location: { ...f.location!, line: f.location!.line! + 2 } } : f));
    expect(pairs(mergeAcrossTools([...slither, ...moved]).findings).map((p) => p[0])).to.not.include("tx-origin@34");
    // Two solhint findings never join each other; a second sighting of one tool starts its own group.
    const twice = [...lint, { ...lint.find((f) => f.rule === "solhint/avoid-tx-origin")!, id: "lint:solhint/avoid-tx-origin:second", fingerprint: "f".repeat(64) }];
    const again = mergeAcrossTools([...slither, ...twice]).findings;
    expect(again.find((f) => f.rule === "tx-origin")!.alsoReportedBy).to.have.length(1);
    expect(again.filter((f) => f.rule === "solhint/avoid-tx-origin")).to.have.length(1);
  });

  it("the storage and selector analyzers and slither-check-upgradeability on one variable or function are one finding (recorded outputs)", function () {
    const { storage, selectors, upgradeability } = upgradeFindings();
    const { findings } = mergeAcrossTools([...storage, ...selectors, ...upgradeability]);
    const joined = findings
      .filter((f) => f.alsoReportedBy)
      .map((f) => [f.rule, f.title, f.alsoReportedBy!.map((o) => o.rule).join(",")])
      .sort((a, b) => a[1].localeCompare(b[1]));
    expect(joined).to.deep.equal([
      ["upgrade-incompatible-layout", "CounterV1 -> CounterV2: the plain state variables are not append-only (insertion)", "upgradeability/order-vars-contracts"],
      ["proxy-selector-clash", selectors.find((f) => f.rule === "proxy-selector-clash")!.title, "upgradeability/function-id-collision"],
      ["storage-overlap", "storage overlap: CounterV1.count and NaiveProxy.implementation", "upgradeability/order-vars-proxy"],
      ["storage-overlap", "storage overlap: CounterV1.owner and NaiveProxy.admin", "upgradeability/order-vars-proxy"],
      ["storage-overlap", "storage overlap: CounterV2.step and NaiveProxy.admin", "upgradeability/order-vars-proxy"],
    ].sort((a, b) => a[1].localeCompare(b[1])));
    // What the analyzer reports once (CounterV2.count over the proxy's implementation is CounterV1.count's
    // slot) Slither reports per contract: that one, and the checks with no analyzer counterpart, stay apart.
    const alone = findings.filter((f) => f.stage === "slither-upgradeability").map((f) => `${f.rule} ${(f.data?.members as string[]).join(" ")}`).sort();
    expect(alone).to.include.members(["upgradeability/order-vars-proxy CounterV2.count NaiveProxy.implementation", "upgradeability/extra-vars-v2 CounterV2.owner"]);
  });

  it("the gate counts a merged finding once, and a suppression naming either tool's rule accepts it", function () {
    const { slither, lint } = vaultFindings();
    const stages = [stage("slither", { findings: slither }), stage("lint", { findings: lint })];
    const plain = evaluateGate(gateInput(stages));
    expect(plain.findings).to.have.length(slither.length + lint.length - 4);
    const blocking = plain.findings.filter((f) => f.blocking).map((f) => f.rule).sort();
    expect(blocking).to.deep.equal(["tx-origin", "unchecked-lowlevel", "uninitialized-state"]);
    // The stages keep each tool's own findings; solhint's points at the finding that stands for it.
    const solhintOwn = plain.stages.find((s) => s.name === "lint")!.findings.find((f) => f.rule === "solhint/avoid-tx-origin")!;
    expect(solhintOwn.mergedInto).to.equal(plain.findings.find((f) => f.rule === "tx-origin")!.id);

    for (const entry of [
      { rule: "solhint/avoid-tx-origin", file: "contracts/CrossToolVault.sol", justification: "solhint's rule" },
      { stage: "slither", rule: "tx-origin", file: "contracts/CrossToolVault.sol", symbol: "CrossToolVault.setOwner(address)", justification: "Slither's rule" },
      { fingerprint: solhintOwn.fingerprint, justification: "solhint's fingerprint" },
    ]) {
      const out = evaluateGate(gateInput(stages, { suppressions: [entry] }));
      const txOrigin = out.findings.find((f) => f.rule === "tx-origin")!;
      expect(txOrigin.suppressed?.justification, entry.justification).to.equal(entry.justification);
      expect(txOrigin.blocking).to.equal(undefined);
      expect(out.gate.unusedSuppressions).to.deep.equal([]);
      // Both tools' own findings are marked too.
      expect(out.stages.find((s) => s.name === "lint")!.findings.find((f) => f.rule === "solhint/avoid-tx-origin")!.suppressed?.justification).to.equal(entry.justification);
    }
  });

  it("shows a merged finding once in every report format; SARIF validates, with relatedLocations and a rule for every result", function () {
    const { slither, lint } = vaultFindings();
    const verdict = evaluateGate(gateInput([stage("slither", { findings: slither, tools: [{ name: "slither", version: META.slither }] }), stage("lint", { findings: lint, tools: [{ name: "solhint", version: "6.2.4" }] })]));
    const report: AuditReport = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      generatedAt: "2026-01-01T00:00:00Z",
      commit: "unknown",
      dirty: true,
      profile: "quick",
      scope: [],
      stages: verdict.stages,
      findings: verdict.findings,
      gate: verdict.gate,
    };
    expect(validateReport(report)).to.deep.equal({ valid: true, errors: [] });
    const files = Object.fromEntries(renderReports(report, { root: META.vaultRoot }).map((f) => [f.name, String(f.data)]));
    const txOrigin = verdict.findings.find((f) => f.rule === "tx-origin")!;
    const solhintId = txOrigin.alsoReportedBy![0].id;

    // report.json: once at the top level; solhint's own finding only in its stage, pointing at it.
    const json = JSON.parse(files["report.json"]) as AuditReport;
    expect(json.findings.filter((f) => f.id === solhintId)).to.have.length(0);
    expect(json.findings.filter((f) => f.id === txOrigin.id)).to.have.length(1);

    // report.md / report.html: one finding block, naming solhint; counted once.
    const md = files["report.md"];
    expect(md.match(/Authorization through tx\.origin|Dangerous usage of `tx\.origin`|tx\\?\.origin/g)?.length).to.be.greaterThan(0);
    expect(md.split(`\`${txOrigin.id}\``).length - 1).to.equal(1);
    expect(md).to.contain("**Also reported by:** solhint 6.2.4 as `solhint/avoid-tx-origin`");
    expect(md).to.match(new RegExp(`\\| Medium \\| ${verdict.findings.filter((f) => f.severity === "medium" && !f.suppressed).length} \\|`));
    const html = files["report.html"];
    expect(html.split(`<code>${txOrigin.id}</code>`).length - 1).to.equal(1);
    expect(html.match(/data-testid="also-reported-by"/g)).to.have.length(4);
    expect(html.match(/data-testid="finding"/g)).to.have.length(verdict.findings.filter((f) => !f.suppressed).length);

    // SARIF: one result, in Slither's run, with solhint's line as a related location.
    const sarif = JSON.parse(files["report.sarif"]) as SarifLog;
    expect(validateSarif(sarif)).to.deep.equal({ valid: true, errors: [] });
    const results = sarif.runs.flatMap((r) => r.results);
    expect(results.filter((r) => r.ruleId === "solhint/avoid-tx-origin")).to.have.length(0);
    const result = results.find((r) => r.properties.findingId === txOrigin.id)!;
    expect(result.relatedLocations).to.deep.equal([
      {
        id: 1,
        physicalLocation: { artifactLocation: { uri: "contracts/CrossToolVault.sol", uriBaseId: "%SRCROOT%" }, region: { startLine: 35 } },
        message: { text: `also reported by solhint 6.2.4 as solhint/avoid-tx-origin (${solhintId})` },
      },
    ]);
    expect(result.properties.alsoReportedBy).to.deep.equal([{ tool: "solhint", rule: "solhint/avoid-tx-origin", stage: "lint", id: solhintId, fingerprint: txOrigin.alsoReportedBy![0].fingerprint }]);
    for (const run of sarif.runs) for (const r of run.results) expect(run.tool.driver.rules[r.ruleIndex].id).to.equal(r.ruleId);

    // junit.xml: one testcase; summary.md: one line.
    expect(files["junit.xml"].split(`Id: ${txOrigin.id}`).length - 1).to.equal(1);
    expect(files["junit.xml"]).to.not.contain(`Id: ${solhintId}`);
    expect(files["summary.md"].match(/`tx-origin`/g)).to.have.length(1);
    expect(files["summary.md"]).to.contain("slither, solhint");
  });
});

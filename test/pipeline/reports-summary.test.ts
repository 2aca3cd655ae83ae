/** summary.md (scripts/audit/reports/summary-md.ts): what a pull request shows, at most 40 lines. */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { renderSummary, SUMMARY_MAX_LINES } from "../../scripts/audit/reports/summary-md";
import type { AuditReport, Finding } from "../../scripts/audit/types";
import { FIXTURES } from "./helpers";

const sample = (): AuditReport => JSON.parse(readFileSync(path.join(FIXTURES, "report-sample.json"), "utf8")) as AuditReport;
const lines = (text: string): string[] => text.trimEnd().split("\n");

describe("pipeline reports: summary.md", function () {
  it("gives the verdict, new and fixed counts by severity, the new findings with file:line, and links to the full report", function () {
    const text = renderSummary(sample());
    expect(lines(text)[0]).to.equal("## Audit: gate FAILED ❌");
    expect(text).to.contain("compared with `1d2c3b4` (`--baseline-ref main`)");
    expect(text).to.contain("| New | 1 | 1 | 1 | 0 | 1 |").and.contain("| Fixed | 0 | 0 | 1 | 0 | 0 |").and.contain("| Open | 1 | 2 | 1 | 2 | 2 |");
    expect(text).to.contain("**New in this change (4):**").and.contain("- **Critical** `contracts/implementations/Staking.sol:142-150` Staking.recoverERC20");
    expect(text).to.contain("(`divide-before-multiply`, slither; changed)");
    expect(text).to.contain("**Fixed by this change (1):**").and.contain("`contracts/core/LoadBalancerAdmin.sol:77` Unchecked low-level calls");
    expect(text).to.contain("**Why the gate failed** (4):");
    expect(lines(text).at(-1)).to.equal("Full report: [report.md](report.md) · [report.html](report.html) · [report.json](report.json) · [report.sarif](report.sarif)");
  });

  it("stays within 40 lines however many findings there are, pointing at report.md for the rest", function () {
    const report = sample();
    const many = (n: number, state: Finding["baselineState"]): Finding[] =>
      Array.from({ length: n }, (_, i) => ({ ...report.findings[0], id: `static:x:${state}${i}`, fingerprint: String(i % 10).repeat(64), baselineState: state, location: { file: `contracts/F${i}.sol`, line: i + 1 } }));
    report.findings = many(120, "new");
    report.baseline!.fixed = many(60, "absent");
    report.gate.reasons = Array.from({ length: 30 }, (_, i) => `reason ${i}`);
    const text = renderSummary(report);
    expect(lines(text).length).to.be.at.most(SUMMARY_MAX_LINES);
    expect(SUMMARY_MAX_LINES).to.equal(40);
    expect(text).to.match(/- \.\.\.and \d+ more in \[report\.md\]\(report\.md\)/);
    expect(text).to.contain("- ...and 25 more in [report.md](report.md#gate)");
  });

  it("without a baseline: says so and lists what fails the gate; a passing run says PASSED", function () {
    const report = sample();
    delete report.baseline;
    const text = renderSummary(report);
    expect(text).to.contain("no baseline: every finding counts as new").and.contain(`**Findings that fail the gate (${report.findings.filter((f) => f.blocking).length}):**`);
    expect(text).to.not.contain("| New |");
    report.gate = { passed: true, reasons: [], unusedSuppressions: [] };
    for (const f of report.findings) delete f.blocking;
    const passing = renderSummary(report);
    expect(lines(passing)[0]).to.equal("## Audit: gate PASSED ✅");
    expect(passing).to.not.contain("Why the gate failed");
  });

  it("escapes what tools wrote", function () {
    const report = sample();
    report.findings[0].title = "a | b <script> `x` [link](http://evil)";
    const text = renderSummary(report);
    expect(text).to.not.contain("<script>").and.not.contain("[link](http://evil)");
  });
});

/**
 * New-only gating end to end, with the real CLI and the real Slither on a scratch copy of this
 * repository (a git repository of its own): the clean system's run is cached for its commit; a new
 * unchecked low-level call planted in Staking (above an existing finding, whose lines move) is exactly
 * what is `new` against `--baseline-ref HEAD` (its two Slither detectors, unchecked-lowlevel and the
 * informational low-level-calls, both at the planted statement), and the gate (policy failOn "new")
 * fails listing only the unchecked call;
 * with the call removed again, it is `fixed` against `--baseline` of the run that had it. About three
 * minutes on two cores (three compiles, three Slither runs); skipped, with the reason, when Slither is
 * not provisioned in .tools/.
 */
import { expect } from "chai";
import { copyFileSync, existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { validateReport, validateSarif } from "../../scripts/audit/reports";
import type { SarifLog } from "../../scripts/audit/reports/sarif";
import { WARNING_PREFIX } from "../../scripts/audit/gate";
import type { AuditReport, Finding } from "../../scripts/audit/types";
import { commitScratch, runCli, scratchRepository } from "./faults/harness";
import { REPO, tempDir } from "./helpers";

const STAKING = "contracts/implementations/Staking.sol";
const ANCHOR = "    function exit() external onlyDelegateCall nonReentrant {";
const PLANTED = [
  "    /// @notice Planted by the audit's baseline test: sends ether to the owner without checking that it arrived.",
  "    /// @param amount Wei to send.",
  "    function refund(uint256 amount) external onlyDelegateCall onlyOwner {",
  '        payable(msg.sender).call{value: amount}("");',
  "    }",
  "",
  "",
].join("\n");

describe("baselines end to end: one planted bug is new, then fixed (real CLI and Slither, scratch repository)", function () {
  this.timeout(15 * 60_000);
  let scratch: string;
  let original: string;
  const failures = (r: AuditReport): string[] => r.gate.reasons.filter((x) => !x.startsWith(WARNING_PREFIX));
  const read = (file: string): AuditReport => JSON.parse(readFileSync(file, "utf8")) as AuditReport;
  const audit = (...args: string[]) => runCli(["--root", scratch, "--profile", "ci", "--only", "compile,slither", ...args]);

  before(function () {
    // Why skipped: this is Slither's finding; without the provisioned tool there is nothing to compare.
    if (!existsSync(path.join(REPO, ".tools", "venv", "bin", "slither"))) this.skip();
    scratch = scratchRepository();
    const policy = JSON.parse(readFileSync(path.join(scratch, "audit", "policy.json"), "utf8")) as Record<string, unknown>;
    policy.failOn = { ci: "new" };
    policy.requiredStages = { quick: ["compile"], ci: ["compile", "slither"], deep: ["compile", "slither"] };
    writeFileSync(path.join(scratch, "audit", "policy.json"), `${JSON.stringify(policy, null, 2)}\n`);
    original = readFileSync(path.join(scratch, STAKING), "utf8");
    expect(original).to.contain(ANCHOR);
    commitScratch(scratch, "clean system");
  });

  after(function () {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("the clean system passes, and its run is kept for its commit", async function () {
    const r = await audit();
    expect(r.code, r.stderr).to.equal(0);
    const report = read(path.join(scratch, "audit", "report.json"));
    expect(report.dirty).to.equal(false);
    expect(existsSync(path.join(scratch, "audit", "history", `${report.commit}.json`))).to.equal(true);
    expect(report.findings.length).to.be.greaterThan(10); // the accepted ones (audit/suppressions.json)
    expect(report.findings.every((f) => f.suppressed)).to.equal(true);
  });

  it("a new unchecked low-level call is exactly what is new against --baseline-ref HEAD, and the gate lists only it", async function () {
    writeFileSync(path.join(scratch, STAKING), original.replace(ANCHOR, `${PLANTED}${ANCHOR}`));
    const r = await audit("--baseline-ref", "HEAD");
    expect(r.code, r.stderr).to.equal(1);
    const report = read(path.join(scratch, "audit", "report.json"));
    expect(validateReport(report).errors).to.deep.equal([]);
    expect(report.baseline?.source).to.deep.include({ ref: "HEAD" });

    const fresh = report.findings.filter((f) => f.baselineState !== "unchanged");
    // The planted statement, and nothing else: one call, two Slither detectors (the unchecked call,
    // and Slither's informational note on any low-level call), both at it.
    expect(fresh.map((f) => [f.baselineState, f.rule, f.location?.symbol]).sort()).to.deep.equal([
      ["new", "low-level-calls", "Staking.refund(uint256)"],
      ["new", "unchecked-lowlevel", "Staking.refund(uint256)"],
    ]);
    const unchecked = fresh.find((f) => f.rule === "unchecked-lowlevel")!;
    const line = original.slice(0, original.indexOf(ANCHOR)).split("\n").length + 3; // the call's line
    const elements = unchecked.data?.elements as { type: string; lines?: number[] }[];
    expect(elements.find((e) => e.type === "node")?.lines).to.deep.equal([line, line]);
    // The finding below it moved 7 lines and is still itself.
    const exit = report.findings.find((f) => f.rule === "unused-return" && f.location?.symbol === "Staking.exit()")!;
    expect(exit.baselineState).to.equal("unchanged");
    expect(report.baseline!.fixed).to.deep.equal([]);

    // The gate (failOn new) fails on the new medium finding alone; the informational one does not block.
    expect(failures(report)).to.deep.equal([`new medium finding ${unchecked.id} at ${STAKING}:${unchecked.location!.line}: ${unchecked.title}`]);
    expect(report.findings.filter((f) => f.blocking).map((f) => f.id)).to.deep.equal([unchecked.id]);

    // Every report says so: SARIF (valid, a baselineState and a rule for every result), summary.md, report.md.
    const out = path.join(scratch, "audit");
    const sarif = JSON.parse(readFileSync(path.join(out, "report.sarif"), "utf8")) as SarifLog;
    expect(validateSarif(sarif)).to.deep.equal({ valid: true, errors: [] });
    for (const run of sarif.runs) {
      for (const result of run.results) {
        expect(result.baselineState, result.ruleId).to.be.oneOf(["new", "unchanged", "updated"]);
        expect(run.tool.driver.rules[result.ruleIndex].id).to.equal(result.ruleId);
      }
    }
    expect(sarif.runs.flatMap((x) => x.results).filter((x) => x.baselineState === "new").map((x) => x.ruleId).sort()).to.deep.equal(["low-level-calls", "unchecked-lowlevel"]);
    const summary = readFileSync(path.join(out, "summary.md"), "utf8");
    expect(summary.split("\n").length).to.be.at.most(41);
    expect(summary).to.contain("## Audit: gate FAILED").and.contain("**New in this change (2):**").and.contain(`\`${STAKING}:${unchecked.location!.line}`);
    expect(readFileSync(path.join(out, "report.md"), "utf8")).to.contain("## New in this change");
  });

  it("removed again, it is fixed against a baseline that had it, and the gate passes", async function () {
    const planted = path.join(tempDir(), "planted-report.json");
    copyFileSync(path.join(scratch, "audit", "report.json"), planted);
    const had: Finding[] = read(planted).findings.filter((f) => f.baselineState === "new");
    expect(had).to.have.length(2);
    writeFileSync(path.join(scratch, STAKING), original);
    const r = await audit("--baseline", planted);
    expect(r.code, r.stderr).to.equal(0);
    const report = read(path.join(scratch, "audit", "report.json"));
    expect(report.baseline?.source).to.deep.equal({ file: planted });
    expect(report.findings.filter((f) => f.baselineState !== "unchanged")).to.deep.equal([]);
    expect(report.baseline!.fixed.map((f) => [f.id, f.baselineState])).to.have.deep.members(had.map((f) => [f.id, "absent"]));
    expect(readFileSync(path.join(scratch, "audit", "report.md"), "utf8")).to.contain("## Fixed by this change").and.contain(had.find((f) => f.rule === "unchecked-lowlevel")!.id);
    const sarif = JSON.parse(readFileSync(path.join(scratch, "audit", "report.sarif"), "utf8")) as SarifLog;
    expect(validateSarif(sarif)).to.deep.equal({ valid: true, errors: [] });
    expect(sarif.runs.flatMap((x) => x.results).filter((x) => x.baselineState === "absent").map((x) => x.ruleId).sort()).to.deep.equal(["low-level-calls", "unchecked-lowlevel"]);
  });
});

/**
 * The gate cannot be switched off by the change it judges, end to end with the real CLI and solhint
 * on a scratch git copy of this repository (the lint stage alone: no compile, no Slither; about 45 s):
 * the clean system's run is cached for its commit with the rules in force; one change loosens
 * Staking's pragma (a new medium solhint/compiler-version finding), accepts that finding with
 * `--accept` (no reviewer) and raises failOnSeverity to high. Against `--baseline-ref HEAD` the audit
 * lists the new suppression with the finding it hides and the threshold change, and fails (ci's default
 * rulesChange, require-reviewer) on the unsigned suppression alone; signed, it passes and every report
 * names the reviewer.
 */
import { expect } from "chai";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { RuleChange } from "../../scripts/audit/findings/rules-change";
import { WARNING_PREFIX } from "../../scripts/audit/gate";
import { validateReport } from "../../scripts/audit/reports";
import type { AuditReport, SuppressionEntry } from "../../scripts/audit/types";
import { commitScratch, runCli, scratchRepository } from "./faults/harness";

const STAKING = "contracts/implementations/Staking.sol";
const PINNED = "pragma solidity 0.8.28;";
const LOOSENED = "pragma solidity ^0.8.20;";

describe("rules changed by this change, end to end: a change that plants a finding and suppresses it (real CLI and solhint, scratch repository)", function () {
  this.timeout(5 * 60_000);
  let scratch: string;
  const out = (...p: string[]): string => path.join(scratch, "audit", ...p);
  const read = (): AuditReport => JSON.parse(readFileSync(out("report.json"), "utf8")) as AuditReport;
  const failures = (r: AuditReport): string[] => r.gate.reasons.filter((x) => !x.startsWith(WARNING_PREFIX));
  const audit = (...args: string[]) => runCli(["--root", scratch, "--profile", "ci", "--only", "lint", ...args]);
  const editJson = (file: string, edit: (value: Record<string, unknown>) => void): void => {
    const value = JSON.parse(readFileSync(path.join(scratch, file), "utf8")) as Record<string, unknown>;
    edit(value);
    writeFileSync(path.join(scratch, file), `${JSON.stringify(value, null, 2)}\n`);
  };

  before(function () {
    scratch = scratchRepository();
    // The lint stage is the one this test runs; the repository's ci policy (failOn new, require-reviewer by default) otherwise.
    editJson("audit/policy.json", (p) => (p.requiredStages = { quick: ["lint"], ci: ["lint"], deep: ["lint"] }));
    expect(readFileSync(path.join(scratch, STAKING), "utf8")).to.contain(PINNED);
    commitScratch(scratch, "clean system");
  });

  after(function () {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("the clean system passes and its cached report records the rules in force", async function () {
    const r = await audit();
    expect(r.code, r.stderr).to.equal(0);
    const report = read();
    expect(report.dirty).to.equal(false);
    const cached = JSON.parse(readFileSync(out("history", `${report.commit}.json`), "utf8")) as AuditReport;
    expect(cached.rules?.policy).to.deep.include({ failOnSeverity: "medium", failOn: { quick: "all", ci: "new", deep: "all" } });
    const committed = JSON.parse(readFileSync(out("suppressions.json"), "utf8")) as { suppressions: SuppressionEntry[] };
    expect(cached.rules?.suppressions).to.deep.equal(committed.suppressions);
    expect(cached.rules?.baselines.map((b) => [b.kind, b.file, b.sha256?.length])).to.deep.equal([
      ["gas", "audit/baselines/gas.json", 64],
      ["bench", "audit/baselines/bench.json", 64],
      ["lint", ".solhint.json", 64],
    ]);
  });

  it("the change's own finding, accepted unsigned with a lowered bar: listed with the finding it hides, and the gate fails on it alone", async function () {
    const source = readFileSync(path.join(scratch, STAKING), "utf8");
    writeFileSync(path.join(scratch, STAKING), source.replace(PINNED, LOOSENED));
    // Unaccepted, it is a new medium finding that fails the gate; the rules are the baseline's.
    const first = await audit("--baseline-ref", "HEAD");
    expect(first.code, first.stderr).to.equal(1);
    const planted = read().findings.filter((f) => f.baselineState === "new");
    expect(planted.map((f) => [f.rule, f.location?.file, f.severity, f.blocking])).to.deep.equal([["solhint/compiler-version", STAKING, "medium", true]]);
    expect(read().rulesChanged).to.deep.equal({ compared: true, mode: "require-reviewer", changes: [] });

    // The same change accepts it, as a developer would, and raises the threshold.
    const accept = await runCli(["--root", scratch, "--accept", planted[0].id, "--why", "the range is fine"]);
    expect(accept.code, accept.stderr).to.equal(0);
    editJson("audit/policy.json", (p) => (p.failOnSeverity = "high"));

    const r = await audit("--baseline-ref", "HEAD");
    expect(r.code, r.stderr).to.equal(1);
    const report = read();
    expect(validateReport(report)).to.deep.equal({ valid: true, errors: [] });
    const hidden = report.findings.find((f) => f.id === planted[0].id)!;
    expect([hidden.baselineState, hidden.suppressed?.justification, hidden.blocking]).to.deep.equal(["new", "the range is fine", undefined]);

    const rc = report.rulesChanged!;
    expect(rc.compared && rc.mode).to.equal("require-reviewer");
    const changes = rc.compared ? rc.changes : [];
    expect(changes.map((c) => [c.kind, c.effect, c.blocking === true])).to.deep.equal([
      ["suppression-added", "looser", true],
      ["policy-changed", "looser", false],
    ]);
    const added = changes[0] as Extract<RuleChange, { kind: "suppression-added" }>;
    expect(added.entry).to.deep.include({ stage: "lint", rule: "solhint/compiler-version", file: STAKING, justification: "the range is fine" });
    expect(added.entry.reviewer).to.equal(undefined);
    expect(added.hides.map((h) => [h.id, h.baselineState])).to.deep.equal([[planted[0].id, "new"]]);
    expect(changes[1]).to.deep.include({ kind: "policy-changed", setting: "failOnSeverity", from: "medium", to: "high" });

    // The gate fails on the unsigned suppression of the change's own finding, and on nothing else.
    expect(failures(report)).to.have.length(1);
    expect(failures(report)[0]).to.match(/^rules changed: suppression added for solhint\/compiler-version in contracts\/implementations\/Staking\.sol/).and.contain(
      `it hides ${planted[0].id} (medium, new in this change), introduced by the same change, and names no reviewer (policy rulesChange: require-reviewer)`,
    );
    expect(report.gate.reasons).to.include(`${WARNING_PREFIX}1 rule change(s) by this change (1 looser) do not fail the gate (policy rulesChange: require-reviewer: a new or widened suppression without a reviewer fails the gate); listed under "Rules changed by this change"`);

    // Every report says so.
    const md = readFileSync(out("report.md"), "utf8");
    const section = md.slice(md.indexOf("## Rules changed by this change"), md.indexOf("## Scope"));
    expect(section).to.contain("| ❌ Suppression added | looser |").and.contain("| **unsigned** | the range is fine |").and.contain(`\`${planted[0].id}\` (Medium, **new**`);
    expect(section).to.contain("| Policy changed | looser | policy failOnSeverity: medium → high |");
    const html = readFileSync(out("report.html"), "utf8");
    expect(html).to.contain('data-testid="rules-table"').and.contain(planted[0].id).and.contain("policy failOnSeverity: medium → high");
    const summary = readFileSync(out("summary.md"), "utf8");
    expect(summary).to.contain("**Rules changed by this change (2, 1 failing the gate; policy rulesChange `require-reviewer`):**");
    expect(summary).to.contain("- **looser** policy failOnSeverity: medium → high").and.contain(`- ❌ **looser** suppression added for solhint/compiler-version in ${STAKING}`);
  });

  it("signed by a reviewer, it passes, and the reports name who accepted what", async function () {
    editJson("audit/suppressions.json", (s) => {
      const entries = s.suppressions as SuppressionEntry[];
      entries[entries.length - 1].reviewer = "alice";
    });
    const r = await audit("--baseline-ref", "HEAD");
    expect(r.code, r.stderr).to.equal(0);
    const report = read();
    expect(failures(report)).to.deep.equal([]);
    const changes = report.rulesChanged?.compared ? report.rulesChanged.changes : [];
    expect(changes.map((c) => [c.kind, c.blocking === true])).to.deep.equal([
      ["suppression-added", false],
      ["policy-changed", false],
    ]);
    expect(readFileSync(out("report.md"), "utf8")).to.contain("| Suppression added | looser |").and.contain("| alice | the range is fine |");
    expect(readFileSync(out("summary.md"), "utf8")).to.contain("stage lint (signed by alice)");
  });
});

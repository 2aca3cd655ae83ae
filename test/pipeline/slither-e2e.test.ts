/**
 * The slither stages with the REAL pinned Slither. Provisions it into .tools/
 * first (about a minute on a fresh machine, a stamp check afterwards); then
 * about 10 s for the fixture, 15 s for the repository and 40 s for the
 * upgradeability runs on a 2-core machine. Run alone with:
 *
 *   npx hardhat test test/pipeline/slither-e2e.test.ts
 *
 * The repository tests read the build `hardhat test` compiles before running.
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeFixtureProject, stageContext, type FixtureProject } from "../../scripts/audit/dev/slither-fixture";
import { runSlitherStage } from "../../scripts/audit/stages/slither";
import { runUpgradeabilityStage } from "../../scripts/audit/stages/slither-upgradeability";
import { listBuildInfoFiles } from "../../scripts/audit/tools/build-info";
import { ensureSlither, PYTHON_PINS } from "../../scripts/audit/tools/provision";
import { acceptedBy, loadSuppressionEntries, unaccepted } from "./slither-gate";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const TOOLS_DIR = path.join(REPO_ROOT, ".tools");
const SLITHER_VERSION = PYTHON_PINS["slither-analyzer"];

describe("slither stages with the real slither (slow: provisions .tools/ on first use)", function () {
  this.timeout(15 * 60_000);
  let out: string;
  const logs: string[] = [];

  before(async function () {
    await ensureSlither({ root: REPO_ROOT, log: (m) => console.log(`      [tools] ${m}`) });
    out = mkdtempSync(path.join(tmpdir(), "slither-e2e-"));
  });
  after(function () {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  describe("fixture with a reentrancy bug (test/fixtures/slither/ReentrantVault.sol)", function () {
    let fixture: FixtureProject;
    before(function () {
      fixture = makeFixtureProject(path.join(REPO_ROOT, "test", "fixtures", "slither", "ReentrantVault.sol"), REPO_ROOT);
    });
    after(function () {
      rmSync(fixture.root, { recursive: true, force: true });
    });

    it("reports reentrancy-eth as high at withdraw(), and the gate fails on it", async function () {
      const ctx = stageContext(fixture.root, fixture.build, path.join(out, "fixture"), (m) => logs.push(m));
      const result = await runSlitherStage(ctx, { toolsDir: TOOLS_DIR });
      expect(result.status, result.reason).to.equal("passed");
      expect(result.tools).to.deep.include({ name: "slither", version: SLITHER_VERSION });
      const reentrancy = result.findings.find((f) => f.rule === "reentrancy-eth");
      expect(reentrancy, JSON.stringify(result.findings.map((f) => f.rule))).to.not.equal(undefined);
      expect(reentrancy!.severity).to.equal("high");
      expect(reentrancy!.location).to.deep.include({ file: "contracts/ReentrantVault.sol", line: 17, symbol: "ReentrantVault.withdraw()" });
      // The gate: an unaccepted high finding fails it (the committed suppressions know nothing of this contract).
      const blocking = unaccepted(result.findings, loadSuppressionEntries(REPO_ROOT), "medium");
      expect(blocking.map((f) => f.rule)).to.include("reentrancy-eth");
      // Raw outputs kept, in a fresh directory.
      for (const f of ["raw/slither/slither.json", "raw/slither/slither.sarif"]) expect(existsSync(path.join(ctx.outDir, f)), f).to.equal(true);
      // A second run into the same directory works: --json/--sarif would refuse to overwrite.
      const again = await runSlitherStage(ctx, { toolsDir: TOOLS_DIR });
      expect(again.findings.map((f) => f.fingerprint)).to.deep.equal(result.findings.map((f) => f.fingerprint));
    });

    it("a broken build is a stage error with the tool's first error line and stderr tail, not a crash or a pass", async function () {
      writeFileSync(fixture.build.buildInfoFiles[0], "{}");
      const ctx = stageContext(fixture.root, fixture.build, path.join(out, "broken"));
      const result = await runSlitherStage(ctx, { toolsDir: TOOLS_DIR });
      expect(result.status).to.equal("error");
      // The cause, from Slither's own output (a Python exception), not only "exit 1".
      expect(result.reason).to.match(/^slither wrote no JSON report \(exit \d+\): \w+(Error|Exception|Compilation)?: \S/);
      expect(result.stderrTail).to.match(/\S/);
    });
  });

  describe("this repository (the clean system)", function () {
    const build = (): Parameters<typeof stageContext>[1] => {
      const artifactsDir = path.join(REPO_ROOT, "artifacts");
      const buildInfoDir = path.join(artifactsDir, "build-info");
      return { artifactsDir, buildInfoDir, buildInfoFiles: listBuildInfoFiles(buildInfoDir), solcVersion: "0.8.28" };
    };

    it("slither: every finding is accepted in audit/suppressions.json, so the gate passes", async function () {
      const ctx = stageContext(REPO_ROOT, build(), path.join(out, "repo"), (m) => logs.push(m));
      const result = await runSlitherStage(ctx);
      expect(result.status, `${result.reason} ${result.stderrTail ?? ""}`).to.equal("passed");
      expect(result.metrics.slitherVersion).to.equal(SLITHER_VERSION);
      const entries = loadSuppressionEntries(REPO_ROOT);
      expect(unaccepted(result.findings, entries, "medium").map((f) => `${f.rule} ${f.location?.file}:${f.location?.line}`), "unaccepted high/medium").to.deep.equal([]);
      expect(unaccepted(result.findings, entries, "info").map((f) => `${f.rule} ${f.location?.symbol}`), "every low/info finding is justified").to.deep.equal([]);
      for (const e of entries.filter((x) => !x.rule?.startsWith("upgradeability/"))) {
        expect(result.findings.some((f) => acceptedBy(e, f)), `stale suppression ${e.rule} ${e.symbol}`).to.equal(true);
      }
      for (const f of result.findings) expect(f.location?.line, f.id).to.be.a("number");
    });

    it("slither-check-upgradeability: every implementation of the declared domain vs the proxy (no upgrade pair is declared), all findings accepted", async function () {
      const ctx = stageContext(REPO_ROOT, build(), path.join(out, "repo"), (m) => logs.push(m));
      const result = await runUpgradeabilityStage(ctx);
      expect(result.status, `${result.reason} ${result.stderrTail ?? ""}`).to.equal("passed");
      const runs = result.metrics.runs as { kind: string; contract: string; against: string; ok: boolean }[];
      expect(runs.map((r) => `${r.kind} ${r.contract} ${r.against} ${r.ok}`)).to.deep.equal([
        "proxy LoadBalancerAdmin LoadBalancer true",
        "proxy Staking LoadBalancer true",
        "proxy Voting LoadBalancer true",
      ]);
      const entries = loadSuppressionEntries(REPO_ROOT);
      expect(unaccepted(result.findings, entries, "info").map((f) => `${f.rule} ${f.location?.symbol}`)).to.deep.equal([]);
      const comparison = result.metrics.comparison as { key: string; slither: { verdict: string; coverage: string } }[];
      expect(comparison.find((r) => r.key === "storage-layout:Staking->LoadBalancer")?.slither.coverage).to.equal("vacuous");
    });
  });
});

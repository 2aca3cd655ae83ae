/**
 * The audit on code nobody here wrote (issue 13): each foreign-style fixture project
 * (test/fixtures/projects/, README there) - its own Hardhat config, tests and dependencies, no
 * knowledge of the harness - audited end to end with the real CLI and `--root`, quick profile. The
 * gate must fail on the project's one planted bug and on nothing else, and nothing of this repository's
 * own design may appear in its reports. Also: `init` prepares a project, and a module added to this
 * repository with Staking's namespace fails the gate without anyone touching audit/domains.json.
 */
import { expect } from "chai";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { copyFixtureProject, ensureFixtureDeps } from "../../scripts/audit/dev/fixture-projects";
import { WARNING_PREFIX } from "../../scripts/audit/gate";
import type { AuditReport, Finding } from "../../scripts/audit/types";
import { moduleOnStakingNamespace } from "./analyzers/helpers";
import { runCli, scratchRepository } from "./faults/harness";

const REPORT_FILES = ["report.json", "report.md", "report.html", "report.sarif", "junit.xml", "summary.md"];
/** Words of this repository's own design that must never reach another project's report. */
const OURS = /LoadBalancer|loadbalancer|\bStaking\b|\bVoting\b|id-routed|Id routing|routing proof|routing-proof/;

interface Case {
  project: string;
  /** The planted bug: rule and a title fragment. */
  planted: { rule: string; title: string }[];
}

const CASES: Case[] = [
  { project: "uups-vault", planted: [{ rule: "upgrade-incompatible-layout", title: "VaultV2 -> VaultV3: erc7201:gemvault.storage.Vault is not append-only" }] },
  {
    project: "gem-diamond",
    planted: [
      { rule: "storage-overlap", title: "storage overlap: MarketFacet.treasury and GemFacet.s" },
      { rule: "plain-state-in-implementation", title: "MarketFacet keeps state in 1 plain variable(s)" },
    ],
  },
  { project: "dual-registry", planted: [{ rule: "upgrade-incompatible-layout", title: "Registry -> RegistryV2: the plain state variables are not append-only" }] },
];

describe("the audit on foreign-style projects (real CLI, --root)", function () {
  this.timeout(900_000);

  before(async function () {
    await ensureFixtureDeps();
  });

  for (const c of CASES) {
    it(`${c.project}: compiles, tests, analyzes; the gate fails on the planted bug only; nothing of this repository in the reports`, async function () {
      const root = copyFixtureProject(c.project);
      const out = mkdtempSync(path.join(os.tmpdir(), `audit-${c.project}-`));
      const run = await runCli(["--root", root, "--profile", "quick", "--out", out]);
      expect(run.code, run.stderr).to.equal(1);
      const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as AuditReport;
      const status = Object.fromEntries(report.stages.map((s) => [s.name, s.status]));
      // Every stage ran; the planted bug is a finding, judged by the gate alone.
      for (const s of ["compile", "lint", "test", "slither", "selectors", "storage"]) expect(status[s], `${s}: ${report.stages.find((x) => x.name === s)?.reason}`).to.equal("passed");
      const failures = report.gate.reasons.filter((r) => !r.startsWith(WARNING_PREFIX));
      const findings: Finding[] = report.stages.flatMap((s) => s.findings);
      for (const p of c.planted) {
        const hit = findings.find((f) => f.rule === p.rule && f.title.startsWith(p.title));
        expect(hit, `${p.rule}: ${p.title}\n${failures.join("\n")}`).to.not.equal(undefined);
        expect(hit!.severity).to.equal("high");
      }
      expect(failures.length, failures.join("\n")).to.equal(c.planted.length);
      for (const reason of failures) expect(c.planted.some((p) => reason.includes(p.title)), reason).to.equal(true);
      // The test stage ran the project's own tests, and the domains were inferred from its build.
      const test = report.stages.find((s) => s.name === "test")!;
      expect(test.metrics.failures).to.equal(0);
      expect(Number(test.metrics.passes)).to.be.greaterThan(0);
      const storage = report.stages.find((s) => s.name === "storage")!;
      expect((storage.metrics.domains as { origin: string }[]).every((d) => d.origin === "inferred")).to.equal(true);
      for (const file of REPORT_FILES) {
        const text = readFileSync(path.join(out, file), "utf8");
        expect(OURS.exec(text)?.[0], `${file} mentions this repository's design`).to.equal(undefined);
      }
    });
  }

  it("uups-vault: slither-check-upgradeability compares each step of the inferred upgrade chain", async function () {
    const root = copyFixtureProject("uups-vault");
    const out = mkdtempSync(path.join(os.tmpdir(), "audit-uups-upg-"));
    await runCli(["--root", root, "--profile", "ci", "--only", "compile,slither-upgradeability", "--out", out]);
    const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as AuditReport;
    const stage = report.stages.find((s) => s.name === "slither-upgradeability")!;
    expect(stage.status, stage.reason).to.equal("passed");
    const runs = stage.metrics.runs as { kind: string; contract: string; against: string; ok: boolean }[];
    expect(runs.map((r) => `${r.kind} ${r.contract} ${r.against} ${r.ok}`)).to.deep.equal(["update VaultV1 VaultV2 true", "update VaultV2 VaultV3 true"]);
  });

  it("init writes the inferred domains, a starter policy and a lint config, never overwriting; the audit then reads the file", async function () {
    const root = copyFixtureProject("gem-diamond");
    const first = await runCli(["init", "--root", root]);
    expect(first.code, first.stderr).to.equal(0);
    expect(first.stdout).to.include("wrote audit/domains.json").and.include("wrote audit/policy.json").and.include("wrote .solhint.json");
    expect(first.stdout).to.include("missing: solidity-coverage is not loaded");
    const domains = JSON.parse(readFileSync(path.join(root, "audit", "domains.json"), "utf8")) as { domains: { dispatch: string; initializers?: string[] }[] };
    expect(domains.domains.map((d) => d.dispatch)).to.deep.equal(["diamond"]);
    expect(domains.domains[0].initializers).to.deep.equal(["contracts/upgradeInitializers/DiamondInit.sol:DiamondInit"]);
    const policy = JSON.parse(readFileSync(path.join(root, "audit", "policy.json"), "utf8")) as { requiredStages: Record<string, string[]> };
    expect(policy.requiredStages.ci).to.not.include("coverage").and.not.include("gas");
    writeFileSync(path.join(root, ".solhint.json"), '{"extends": "solhint:recommended", "rules": {"no-empty-blocks": "off"}}\n');
    const again = await runCli(["init", "--root", root]);
    expect(again.stdout).to.include("kept audit/domains.json (it exists)").and.include("kept audit/policy.json (it exists)");
    expect(readFileSync(path.join(root, ".solhint.json"), "utf8")).to.include("no-empty-blocks");
    const out = mkdtempSync(path.join(os.tmpdir(), "audit-init-"));
    const audit = await runCli(["--root", root, "--profile", "quick", "--only", "compile,storage", "--out", out]);
    expect(audit.code).to.equal(1);
    const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as AuditReport;
    const storage = report.stages.find((s) => s.name === "storage")!;
    expect((storage.metrics.domains as { origin: string }[]).map((d) => d.origin)).to.deep.equal(["declared"]);
  });

  it("a directory that is not a Hardhat project, and a project without its dependencies, are one line and exit 2", async function () {
    const empty = mkdtempSync(path.join(os.tmpdir(), "audit-empty-"));
    const notProject = await runCli(["--root", empty, "--profile", "quick"]);
    expect(notProject.code).to.equal(2);
    expect(notProject.stderr.trim().split("\n").pop()).to.match(/^audit: not a Hardhat project: .*audit-empty-/);
    writeFileSync(path.join(empty, "hardhat.config.js"), "module.exports = {};\n");
    const noDeps = await runCli(["--root", empty, "--profile", "quick"]);
    expect(noDeps.code).to.equal(2);
    expect(noDeps.stderr.trim().split("\n").pop()).to.match(/^audit: hardhat is not installed in .*: install the project's dependencies there first \(npm ci\)$/);
    expect(existsSync(path.join(empty, "audit"))).to.equal(false);
  });
});

describe("a new module in this repository (issue 13)", function () {
  this.timeout(600_000);

  it("reusing Staking's ERC-7201 namespace with another struct fails the gate, audit/domains.json untouched", async function () {
    const scratch = scratchRepository();
    const domainsBefore = readFileSync(path.join(scratch, "audit", "domains.json"), "utf8");
    writeFileSync(
      path.join(scratch, "contracts", "implementations", "Rewards.sol"),
      moduleOnStakingNamespace(),
    );
    const out = mkdtempSync(path.join(os.tmpdir(), "audit-new-module-"));
    const run = await runCli(["--root", scratch, "--profile", "quick", "--only", "compile,storage", "--out", out]);
    expect(run.code, run.stderr).to.equal(1);
    const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as AuditReport;
    const storage = report.stages.find((s) => s.name === "storage")!;
    const rules = storage.findings.map((f) => `${f.severity} ${f.rule}`);
    expect(rules).to.include("high storage-namespace-reuse");
    expect(rules).to.include("low undeclared-domain-member");
    expect(report.gate.passed).to.equal(false);
    expect(readFileSync(path.join(scratch, "audit", "domains.json"), "utf8")).to.equal(domainsBefore);
  });
});

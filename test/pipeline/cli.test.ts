/**
 * The real CLI as a process: bad input exits 2 with one line on stderr (no
 * stack trace) before running anything; and one end-to-end run of the whole
 * pipeline on the fixture project (~10 s).
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createFixtureProject } from "../../scripts/audit/dev/fixture-project";
import { validateReport } from "../../scripts/audit/schema";
import { STAGES } from "../../scripts/audit/stages";
import type { AuditReport } from "../../scripts/audit/types";
import { REPO, tempDir } from "./helpers";

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cliAsync(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(REPO, "scripts/audit/cli.ts"), ...args], {
      cwd: REPO,
      env: { ...process.env, CI: "true", TS_NODE_PROJECT: path.join(REPO, "tsconfig.json"), ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

function expectBadInput(r: Run, message: RegExp): void {
  expect(r.code, r.stderr).to.equal(2);
  const lines = r.stderr.trim().split("\n");
  expect(lines, r.stderr).to.have.length(1);
  expect(lines[0]).to.match(/^audit: /).and.match(message);
  expect(r.stderr).to.not.match(/\n\s+at /); // no stack trace
  expect(r.stdout).to.equal("");
}

/**
 * A Hardhat project root with only the given files and an empty config (no build). With `installed`,
 * its node_modules is this repository's (Hardhat and the plugins), as after `npm ci`.
 */
function root(files: Record<string, string> = {}, installed = false): string {
  const dir = tempDir();
  for (const [f, content] of Object.entries({ "hardhat.config.js": "module.exports = {};\n", ...files })) {
    mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
    writeFileSync(path.join(dir, f), content);
  }
  if (installed) symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

describe("audit CLI", function () {
  this.timeout(120_000);
  const valid = STAGES.map((s) => s.name).join(", ");

  describe("bad input exits 2 with one line, before running anything", function () {
    // The CLI processes start together (each takes ~1 s to boot ts-node); the tests read their results.
    const noBuild = root({ "contracts/A.sol": "pragma solidity 0.8.28;\ncontract A {}\n" }, true);
    const badPolicy = root({ "audit/policy.json": '{"failOnSeverity": "catastrophic"}' });
    const badSuppressions = root({
      "audit/suppressions.json": '{"suppressions": [{"rule": "test-failure", "file": "test/unit/A.test.ts", "justification": ""}]}',
    });
    const noSlither = root(
      {
        "contracts/A.sol": "pragma solidity 0.8.28;\ncontract A {}\n",
        "hardhat.config.js": 'module.exports = { solidity: "0.8.28" };\n',
        "audit/policy.json": JSON.stringify({ requiredStages: { quick: ["compile", "slither"], ci: [], deep: [] } }),
      },
      true,
    );
    const emptyTools = tempDir();
    const splitBuild = root(
      {
        "artifacts/build-info/a.json": '{"solcVersion": "0.8.28"}',
        "artifacts/build-info/b.json": '{"solcVersion": "0.8.28"}',
      },
      true,
    );
    const cases = {
      unknownOnly: ["--only", "lint,slyther"],
      unknownSkip: ["--skip", "nope"],
      unknownProfile: ["--profile", "fast"],
      unknownFlag: ["--frobnicate"],
      badPolicy: ["--root", badPolicy, "--out", path.join(badPolicy, "out")],
      badSuppressions: ["--root", badSuppressions, "--out", path.join(badSuppressions, "out")],
      noBuild: ["--root", noBuild, "--skip", "compile", "--out", path.join(noBuild, "out")],
      splitBuild: ["--root", splitBuild, "--skip", "compile", "--only", "storage", "--out", path.join(splitBuild, "out")],
      baselineWithoutGas: ["--profile", "quick", "--update-gas-baseline", "--root", root()],
      help: ["--help"],
      noSlither: ["--root", noSlither, "--only", "compile,slither", "--profile", "quick", "--json", "--out", path.join(noSlither, "out")],
    };
    // The tools cache is an empty folder and installing is forbidden: Slither is not there.
    const env: Partial<Record<keyof typeof cases, NodeJS.ProcessEnv>> = { noSlither: { AUDIT_TOOLS_DIR: emptyTools, AUDIT_TOOLS_OFFLINE: "1" } };
    const runs = {} as Record<keyof typeof cases, Run>;
    before(async function () {
      const entries = Object.entries(cases) as [keyof typeof cases, string[]][];
      const results = await Promise.all(entries.map(([name, args]) => cliAsync(args, env[name])));
      entries.forEach(([name], i) => (runs[name] = results[i]));
    });

    it("unknown stage", function () {
      expectBadInput(runs.unknownOnly, new RegExp(`unknown stage "slyther" in --only \\(valid: ${valid}\\)`));
      expectBadInput(runs.unknownSkip, /unknown stage "nope" in --skip/);
    });

    it("unknown profile", function () {
      expectBadInput(runs.unknownProfile, /unknown profile "fast" \(valid: quick, ci, deep\)/);
    });

    it("unknown flag", function () {
      expectBadInput(runs.unknownFlag, /Unknown option '--frobnicate'/);
    });

    it("malformed policy", function () {
      expectBadInput(runs.badPolicy, /malformed policy audit\/policy\.json: failOnSeverity/);
      expect(existsSync(path.join(badPolicy, "out")), "nothing ran").to.equal(false);
    });

    it("malformed suppressions", function () {
      expectBadInput(runs.badSuppressions, /malformed suppressions file audit\/suppressions\.json: suppressions\.0\.justification/);
    });

    it("missing build when compile is skipped", function () {
      expectBadInput(runs.noBuild, /no build found: artifacts\/build-info does not exist/);
    });

    it("an incremental build (several build-info files) when compile is skipped", function () {
      expectBadInput(runs.splitBuild, /the existing build spans 2 build-info files \(an incremental compile\)/);
    });

    it("--update-gas-baseline without the gas stage", function () {
      expectBadInput(runs.baselineWithoutGas, /needs the test and gas stages/);
    });

    it("--help exits 0 with the usage", function () {
      expect(runs.help.code).to.equal(0);
      expect(runs.help.stdout).to.contain("Usage: npm run audit").and.contain("--profile quick|ci|deep");
    });

    it("a stage whose tool is missing is skipped, and the gate fails when it is required", function () {
      const r = runs.noSlither;
      expect(r.code, r.stderr).to.equal(1);
      const summary = JSON.parse(r.stdout) as { stages: { stage: string; status: string; reason?: string }[]; gate: { reasons: string[] } };
      expect(summary.stages.find((s) => s.stage === "compile")?.status).to.equal("passed");
      const slither = summary.stages.find((s) => s.stage === "slither")!;
      expect(slither.status).to.equal("skipped");
      expect(slither.reason).to.match(/^slither-analyzer is unavailable: offline and .* has no slither-analyzer==/);
      expect(summary.gate.reasons).to.include(`required stage slither was skipped: ${slither.reason}`);
    });
  });

  describe("end to end on the fixture project", function () {
    let project: string;
    before(function () {
      project = createFixtureProject();
    });
    after(function () {
      rmSync(project, { recursive: true, force: true });
    });

    const readReport = (out: string) => JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as AuditReport;
    // Slither's stages have their own end-to-end test (slither-e2e.test.ts); here they would only add
    // a minute and the fixture Vault's deliberate bugs to every assertion.
    const SKIP_SLITHER = ["--skip", "slither,slither-upgradeability"];

    it("runs every ci stage once, writes raw outputs and reports, and fails the gate on the known problems", async function () {
      const out = path.join(project, "out1");
      const r = await cliAsync(["--root", project, "--profile", "ci", ...SKIP_SLITHER, "--json", "--out", out]);
      expect(r.code, r.stderr).to.equal(1);
      const report = readReport(out);
      expect(validateReport(report).errors).to.deep.equal([]);
      expect(report.stages.map((s) => [s.name, s.status])).to.deep.equal([
        ["compile", "passed"],
        ["storage", "skipped"], // the fixture project declares no storage domain (audit/domains.json)
        ["selectors", "skipped"],
        ["lint", "passed"], // solhint ran; its error is a finding the gate judges
        ["slither", "skipped"],
        ["slither-upgradeability", "skipped"],
        ["test", "failed"],
        ["gas", "passed"],
        ["bench", "skipped"], // ...and has no routing benchmark
        ["coverage", "failed"],
        ["invariants", "skipped"], // ...and no invariant campaign (test/invariant/campaign.json)
      ]);
      expect(report.scope.map((s) => s.file)).to.deep.equal(["contracts/Legacy.sol", "contracts/Vault.sol"]); // mocks out of scope
      expect(report.scope[1].contracts).to.deep.equal(["Vault"]);
      expect(report.findings.map((f) => f.rule)).to.include.members(["solhint/compiler-version", "test-failure"]);
      expect(report.gate.reasons.join("\n")).to.contain("coverage lines 78.57% is below the required 95%");
      for (const f of [
        "raw/compile/hardhat-compile.stdout.log",
        "raw/lint/solhint.json",
        "raw/test/mocha-junit.xml",
        "raw/test/gas-reporter.json",
        "raw/gas/gas-comparison.json",
        "raw/coverage/coverage-summary.json",
        "coverage/lcov.info",
        "coverage/index.html",
        "report.json",
        "report.md",
        "report.html",
        "report.sarif",
        "junit.xml",
        "summary.md",
      ]) {
        expect(existsSync(path.join(out, f)), f).to.equal(true);
      }
      // The stderr progress is plain lines under CI=true.
      expect(r.stderr).to.match(/^\[audit\] compile: started$/m);
    });

    it("reuses the build with --skip compile, honours suppressions and policy, keeps fingerprints, and passes", async function () {
      const first = readReport(path.join(project, "out1"));
      const failing = first.findings.find((f) => f.rule === "test-failure")!;
      mkdirSync(path.join(project, "audit"), { recursive: true });
      writeFileSync(
        path.join(project, "audit", "suppressions.json"),
        JSON.stringify({
          suppressions: [
            { fingerprint: failing.fingerprint, justification: "fixture test fails on purpose" },
            { rule: "solhint/compiler-version", file: "contracts/Legacy.sol", justification: "fixture floating pragma on purpose" },
            { rule: "solhint/no-empty-blocks", file: "contracts/Vault.sol", justification: "no longer needed" },
          ],
        }),
      );
      writeFileSync(
        path.join(project, "audit", "policy.json"),
        JSON.stringify({ coverage: { lines: 70, branches: 50, functions: 60, statements: 60 }, requiredStages: { ci: ["lint", "test", "gas", "coverage"] } }),
      );
      const out = path.join(project, "out2");
      const r = await cliAsync(["--root", project, "--profile", "ci", "--skip", "compile,slither,slither-upgradeability", "--json", "--out", out]);
      const report = readReport(out);
      expect(r.code, report.gate.reasons.join("\n")).to.equal(0);
      expect(report.stages[0]).to.deep.include({ name: "compile", status: "skipped", reason: "excluded by --skip" });
      expect(report.findings.filter((f) => f.suppressed).map((f) => f.rule).sort()).to.deep.equal(["solhint/compiler-version", "test-failure"]);
      expect(report.gate.unusedSuppressions.map((s) => s.rule)).to.deep.equal(["solhint/no-empty-blocks"]);
      expect(report.gate.reasons.some((x) => x.startsWith("warning: unused suppression"))).to.equal(true);
      // Same code, same findings, same fingerprints.
      expect(report.findings.map((f) => f.fingerprint).sort()).to.deep.equal(first.findings.map((f) => f.fingerprint).sort());
    });
  });
});

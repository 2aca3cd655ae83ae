/**
 * The standalone Hardhat tasks: audit:storage and audit:selectors over audit/domains.json or flags,
 * --json output in the pipeline's finding schema, --live, and the exit codes (0 clean, 1 findings at
 * or above the policy's failOnSeverity, 2 bad input with a one-line message).
 */
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import hre from "hardhat";
import type { AnalyzerTaskResult } from "../../../scripts/audit/analyzers/run-task";
import { REPO } from "./helpers";

const run = (task: string, args: Record<string, unknown>) =>
  hre.run(task, { quiet: true, noCompile: true, live: false, ...args }) as Promise<AnalyzerTaskResult | undefined>;

describe("analyzer Hardhat tasks", function () {
  this.timeout(120_000);
  let savedExitCode: typeof process.exitCode;
  let errors: string[];
  let originalError: typeof console.error;
  let originalLog: typeof console.log;

  before(async function () {
    await hre.run("compile", { quiet: true });
  });

  beforeEach(function () {
    savedExitCode = process.exitCode;
    errors = [];
    originalError = console.error;
    originalLog = console.log;
    console.error = (...parts: unknown[]) => void errors.push(parts.join(" "));
    console.log = () => undefined;
  });

  afterEach(function () {
    console.error = originalError;
    console.log = originalLog;
    process.exitCode = savedExitCode;
  });

  it("audit:storage on audit/domains.json: clean, exit 0, --json in the finding schema", async function () {
    const out = path.join(mkdtempSync(path.join(os.tmpdir(), "analyzer-task-")), "storage.json");
    const result = await run("audit:storage", { json: out });
    expect(process.exitCode).to.equal(0);
    expect(result?.status).to.equal("passed");
    const written = JSON.parse(readFileSync(out, "utf8")) as AnalyzerTaskResult;
    expect(written).to.include.keys("name", "status", "tools", "findings", "metrics");
    expect(written.name).to.equal("storage");
    expect((written.metrics as { storageMap: unknown[] }).storageMap).to.have.length(5);
  });

  it("audit:selectors with flags (the issue's example form)", async function () {
    const result = await run("audit:selectors", { proxy: "LoadBalancer", impl: "Staking,Voting" });
    expect(process.exitCode).to.equal(0);
    expect(result?.findings).to.deep.equal([]);
    expect((result?.metrics as { routingProofs: { holds: boolean }[] }).routingProofs[0].holds).to.equal(true);
  });

  it("exit 1 on findings at or above the policy's failOnSeverity (audit/policy.json: medium)", async function () {
    const result = await run("audit:storage", { proxy: "LoadBalancer", impl: "MockERC20" });
    expect(process.exitCode).to.equal(1);
    expect(result?.status).to.equal("passed"); // the analysis ran; the exit code is the policy's verdict
    expect(result?.findings[0]).to.deep.include({ stage: "storage", rule: "plain-state-in-implementation", severity: "high" });
    expect(result?.findings[0].fingerprint).to.match(/^[0-9a-f]{64}$/);
  });

  it("exit 2 with one line on bad input", async function () {
    for (const [task, args, message] of [
      ["audit:storage", { proxy: "Nope", impl: "Staking" }, "audit:storage: domain cli: unknown contract Nope (not in the build)"],
      ["audit:selectors", { impl: "Staking" }, "audit:selectors: --proxy is required with --impl (--upgrade V1:V2 alone compares V1 and V2)"],
      ["audit:storage", { domain: "missing" }, "audit:storage: no domain named missing"],
      ["audit:storage", { domains: "audit/none.json" }, "audit:storage: no domains: audit/none.json does not exist; pass --proxy and --impl (and --dispatch)"],
    ] as const) {
      errors = [];
      expect(await run(task, args)).to.equal(undefined);
      expect(process.exitCode, message).to.equal(2);
      expect(errors).to.deep.equal([message]);
    }
  });

  it("--upgrade V1:V2 alone checks the upgrade inside V1's declared domain (docs/ANALYZERS.md's example)", async function () {
    const result = await run("audit:storage", { upgrade: "Staking:StakingV2" });
    expect(process.exitCode, errors.join("\n")).to.equal(0);
    const domains = (result?.metrics as { domains: { name: string; proxy: string; upgrades: string[] }[] }).domains;
    expect(domains.map((d) => d.name)).to.deep.equal(["load-balancer"]);
    expect(domains[0].upgrades).to.deep.equal(["contracts/implementations/Staking.sol:Staking -> contracts/mocks/StakingV2.sol:StakingV2"]);
  });

  it("--upgrade V1:V2 alone, V1 in no domain: compares V1 and V2 without a proxy", async function () {
    const result = await run("audit:storage", { upgrade: "MockERC20:FeeOnTransferERC20" });
    expect(errors).to.deep.equal([]);
    const domains = (result?.metrics as { domains: { name: string; proxy: string; upgrades: string[] }[] }).domains;
    expect(domains).to.have.length(1);
    expect(domains[0]).to.deep.include({ name: "upgrade-MockERC20", proxy: "(none: a standard ERC-1967 proxy outside the build)" });
    expect(result?.findings.every((f) => f.rule.startsWith("upgrade-") || f.severity === "info"), JSON.stringify(result?.findings.map((f) => f.title))).to.equal(true);
  });

  it("--live deploys scripts/deploy.ts in-process and analyzes the registered set", async function () {
    const result = await run("audit:selectors", { live: true });
    expect(process.exitCode).to.equal(0);
    expect(result?.live?.[0].modules.map((m) => m.contract?.split(":")[1])).to.deep.equal(["LoadBalancer", "LoadBalancerAdmin", "Staking", "Voting"]);
  });

  it("from the command line: exit code 2 and a one-line error, no stack trace", async function () {
    const hardhat = path.join(REPO, "node_modules", ".bin", "hardhat");
    const error = await promisify(execFile)(hardhat, ["audit:storage", "--no-compile", "--proxy", "Nope", "--impl", "Staking"], { cwd: REPO }).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(error?.code).to.equal(2);
    expect(error?.stderr.trim()).to.equal("audit:storage: domain cli: unknown contract Nope (not in the build)");
  });
});

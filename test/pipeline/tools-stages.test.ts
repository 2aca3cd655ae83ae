/**
 * Tool running and stage behaviour with fake tools: a tool that crashes
 * gives a stage error with the tail of its stderr; one that hangs is killed
 * at the stage's time limit; a missing tool skips the stage.
 */
import { expect } from "chai";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pendingBuild } from "../../scripts/audit/build";
import { runStages } from "../../scripts/audit/scheduler";
import { compileStage } from "../../scripts/audit/stages/compile";
import { coverageStage } from "../../scripts/audit/stages/coverage";
import { gasStage } from "../../scripts/audit/stages/gas";
import { lintStage } from "../../scripts/audit/stages/lint";
import { testStage } from "../../scripts/audit/stages/test";
import { outputTail, resolveNodeTool, runTool, tail } from "../../scripts/audit/exec";
import type { Stage, StageContext, StageResult } from "../../scripts/audit/types";
import { stage as stageResult, tempDir } from "./helpers";

/** A root whose node_modules/hardhat "CLI" runs `script`. */
function rootWithFakeHardhat(script: string): string {
  const root = tempDir();
  const pkg = path.join(root, "node_modules", "hardhat");
  mkdirSync(pkg, { recursive: true });
  writeFileSync(path.join(pkg, "package.json"), JSON.stringify({ name: "hardhat", version: "0.0.0-fake", bin: { hardhat: "cli.js" } }));
  writeFileSync(path.join(pkg, "cli.js"), script);
  return root;
}

function ctx(root: string, over: Partial<StageContext> = {}): StageContext {
  return {
    root,
    outDir: path.join(root, "out"),
    rawDir: path.join(root, "out", "raw"),
    profile: "quick",
    build: pendingBuild(root),
    upstream: new Map(),
    plan: [],
    log: () => undefined,
    signal: new AbortController().signal,
    ...over,
  };
}

async function runStage(stage: Stage, root: string, timeoutMs?: number, upstream = new Map<string, StageResult>()): Promise<StageResult> {
  const [r] = await runStages({
    stages: [stage],
    profile: "quick",
    maxHeavy: 1,
    timeoutMs: timeoutMs ? () => timeoutMs : undefined,
    context: (_s, _u, signal) => ctx(root, { signal, upstream }),
  });
  return r;
}

describe("audit tools and stages (fake tools)", function () {
  this.timeout(30_000);

  it("runTool returns the exit code and output of a failing process and saves raw logs", async function () {
    const root = tempDir();
    const run = await runTool(process.execPath, ["-e", "console.log('out'); console.error('first\\nboom'); process.exit(3)"], {
      root,
      signal: new AbortController().signal,
      rawDir: path.join(root, "raw"),
      logName: "tool",
    });
    expect(run.exitCode).to.equal(3);
    expect(run.cancelled).to.equal(false);
    expect(outputTail(run)).to.equal("first\nboom");
    expect(run.logs).to.deep.equal(["raw/tool.stdout.log", "raw/tool.stderr.log"]);
    expect(readFileSync(path.join(root, "raw/tool.stdout.log"), "utf8")).to.equal("out\n");
  });

  it("runTool stops the process when the signal fires", async function () {
    const root = tempDir();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const run = await runTool(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { root, signal: controller.signal, rawDir: root, logName: "t" });
    expect(run.cancelled).to.equal(true);
    expect(Date.now() - started).to.be.lessThan(10_000);
  });

  it("tail keeps the last lines within a size limit", function () {
    const text = Array.from({ length: 100 }, (_, i) => `line ${i}`).join("\n") + "\n\n";
    expect(tail(text, 2)).to.equal("line 98\nline 99");
    expect(tail("x".repeat(50), 5, 10)).to.equal("x".repeat(10));
    expect(outputTail({ stdout: "only stdout", stderr: "  " })).to.equal("only stdout");
  });

  it("resolves installed tools with their version, and not missing ones", function () {
    expect(resolveNodeTool(tempDir(), "solhint")).to.equal(undefined);
    const root = rootWithFakeHardhat("");
    expect(resolveNodeTool(root, "hardhat")).to.deep.include({ name: "hardhat", version: "0.0.0-fake" });
  });

  it("a crashing tool makes the stage an error with its stderr tail", async function () {
    const root = rootWithFakeHardhat("console.error('Error HH701: There are multiple artifacts'); process.exit(1);");
    const r = await runStage(compileStage, root);
    expect(r.status).to.equal("error");
    expect(r.reason).to.equal("hardhat compile exited with 1");
    expect(r.stderrTail).to.equal("Error HH701: There are multiple artifacts");
    expect(r.tools).to.deep.equal([{ name: "hardhat", version: "0.0.0-fake" }]);
    expect(existsSync(path.join(root, "out/raw/compile/hardhat-compile.stderr.log"))).to.equal(true);
  });

  it("a hanging tool is killed at the stage's time limit and the stage errors", async function () {
    const root = rootWithFakeHardhat("console.error('compiling...'); setTimeout(() => {}, 600000);");
    const started = Date.now();
    const r = await runStage(compileStage, root, 1_000);
    expect(r.status).to.equal("error");
    expect(r.reason).to.equal("timed out after 1s");
    expect(r.stderrTail).to.equal("compiling...");
    expect(Date.now() - started).to.be.lessThan(15_000);
  });

  it("a compile that succeeds without build-info files is an error", async function () {
    const r = await runStage(compileStage, rootWithFakeHardhat("process.exit(0)"));
    expect(r.status).to.equal("error");
    expect(r.reason).to.match(/^no build found/);
  });

  it("stages whose tools are missing are skipped with the reason", async function () {
    const root = tempDir();
    mkdirSync(path.join(root, "contracts"));
    writeFileSync(path.join(root, "contracts", "A.sol"), "contract A {}");
    expect((await runStage(lintStage, root)).reason).to.equal("solhint is not installed (npm ci installs it)");
    expect((await runStage(compileStage, root)).reason).to.equal("hardhat is not installed (npm ci installs it)");
    expect((await runStage(testStage, root)).reason).to.equal("hardhat is not installed (npm ci installs it)");
    const withHardhat = rootWithFakeHardhat("");
    expect((await runStage(coverageStage, withHardhat)).reason).to.equal("solidity-coverage is not installed (npm ci installs it)");
  });

  it("the gas stage needs the test stage's gas report", async function () {
    const root = tempDir();
    expect((await runStage(gasStage, root)).reason).to.match(/needs the test stage/);
    const noGas = new Map([["test", stageResult("test", { metrics: { tests: 1 } })]]);
    expect((await runStage(gasStage, root, undefined, noGas)).reason).to.equal("the test stage produced no gas report");
  });
});

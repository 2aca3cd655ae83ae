/**
 * Tool running and stage behaviour with fake tools: a tool that crashes
 * gives a stage error with the tail of its stderr; one that hangs is killed
 * at the stage's time limit; a missing tool skips the stage.
 */
import { expect } from "chai";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { pendingBuild } from "../../scripts/audit/build";
import { runStages } from "../../scripts/audit/scheduler";
import { compileStage } from "../../scripts/audit/stages/compile";
import { coverageStage } from "../../scripts/audit/stages/coverage";
import { gasStage } from "../../scripts/audit/stages/gas";
import { lintStage } from "../../scripts/audit/stages/lint";
import { testStage } from "../../scripts/audit/stages/test";
import { errorLine, failureReason, outputTail, resolveNodeTool, runTool, tail } from "../../scripts/audit/exec";
import type { HardhatProject } from "../../scripts/audit/project/hardhat-project";
import { defaultScope } from "../../scripts/audit/scope";
import type { AuditProject, Stage, StageContext, StageResult } from "../../scripts/audit/types";
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

/**
 * The audited project as run.ts hands it to stages, with the fake hardhat of `root` (when there is
 * one) behind `run()` instead of the wrapper config, and the plugins the test says the config loads.
 */
function fakeProject(root: string, plugins: Partial<HardhatProject["facts"]["plugins"]> = {}): AuditProject {
  const cli = path.join(root, "node_modules", "hardhat", "cli.js");
  const facts: HardhatProject["facts"] = {
    hardhatVersion: "0.0.0-fake",
    paths: { root, sources: path.join(root, "contracts"), tests: path.join(root, "test"), artifacts: path.join(root, "artifacts"), cache: path.join(root, "cache"), configFile: "" },
    compilers: ["0.8.28"],
    plugins: { coverage: false, gasReporter: false, typechain: false, ...plugins },
    versions: {},
  };
  return {
    hardhat: {
      root,
      configFile: path.join(root, "hardhat.config.js"),
      wrapper: path.join(root, "hardhat.config.js"),
      hardhat: { entry: cli, version: "0.0.0-fake" },
      facts,
      compilers: {},
      prepareCompilers: () => Promise.resolve(),
      toolEnv: () => ({ HARDHAT_CONFIG: path.join(root, "hardhat.config.js") }),
      run: (args, o) => runTool(process.execPath, [cli, ...args], { root, cwd: root, signal: o.signal, rawDir: o.rawDir, logName: o.logName, env: o.env }),
      dispose: () => undefined,
    },
    scope: defaultScope(),
    toolsDir: path.join(root, ".tools"),
  };
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
    project: fakeProject(root),
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

  it("runTool stops the tool's whole process group, grandchildren included, and nothing outlives the tool", async function () {
    const root = tempDir();
    const pids = path.join(root, "pids");
    // A tool that starts a grandchild which ignores SIGTERM, then waits forever.
    const grandchild = "process.on('SIGTERM', () => {}); setInterval(() => {}, 1000);";
    const tool = `const { spawn } = require('child_process'); const g = spawn(process.execPath, ['-e', ${JSON.stringify(grandchild)}], { stdio: 'ignore' }); require('fs').writeFileSync(${JSON.stringify(pids)}, String(g.pid)); setInterval(() => {}, 1000);`;
    const alive = (pid: number): boolean => {
      try {
        process.kill(pid, 0);
        return !readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].startsWith("Z");
      } catch {
        return false;
      }
    };
    const controller = new AbortController();
    const started = runTool(process.execPath, ["-e", tool], { root, signal: controller.signal, rawDir: root, logName: "group" });
    for (let i = 0; i < 100 && !existsSync(pids); i++) await new Promise((r) => setTimeout(r, 50));
    const pid = Number(readFileSync(pids, "utf8"));
    expect(alive(pid)).to.equal(true);
    controller.abort();
    const run = await started;
    expect(run.cancelled).to.equal(true);
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(pid), "the grandchild ignored SIGTERM and got SIGKILL").to.equal(false);

    // A tool that exits and leaves a child behind: the child is stopped with it.
    rmSync(pids);
    const leaves = `const { spawn } = require('child_process'); const g = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' }); require('fs').writeFileSync(${JSON.stringify(pids)}, String(g.pid)); process.exit(0);`;
    const done = await runTool(process.execPath, ["-e", leaves], { root, signal: new AbortController().signal, rawDir: root, logName: "leaves" });
    expect(done.exitCode).to.equal(0);
    const left = Number(readFileSync(pids, "utf8"));
    for (let i = 0; i < 20 && alive(left); i++) await new Promise((r) => setTimeout(r, 100));
    expect(alive(left), "the tool's leftover child").to.equal(false);
  });

  it("errorLine finds the first meaningful line of a tool's error output", function () {
    // hardhat compile on a syntax error: solc's diagnostic, then Hardhat's own error and stack.
    const solc = [
      "ParserError: Expected '(' but got identifier",
      "  --> contracts/implementations/Voting.sol:22:14:",
      "   |",
      "22 |     function broken( { uint x = ; }",
      "   |              ^^^^^^",
      "",
      "Error HH600: Compilation failed",
      "HardhatError: HH600: Compilation failed",
      "    at SimpleTaskDefinition.action (node_modules/hardhat/src/builtin-tasks/compile.ts:504:15)",
    ].join("\n");
    expect(errorLine(solc)).to.equal("contracts/implementations/Voting.sol:22:14: ParserError: Expected '(' but got identifier");
    // Slither / crytic-compile: a Python traceback's exception line, without the module path.
    const traceback = [
      "Traceback (most recent call last):",
      '  File ".tools/venv/bin/slither", line 8, in <module>',
      "    sys.exit(main())",
      "             ^^^^^^",
      '  File ".tools/venv/lib/python3.11/site-packages/crytic_compile/utils/naming.py", line 121, in _verify_filename_existence',
      "    raise InvalidCompilation(_unknown_file_message(filename, cwd))",
      "crytic_compile.platform.exceptions.InvalidCompilation: Unknown file: contracts/Extra.sol",
      "  - Verify the path exists (e.g. `ls contracts/Extra.sol`).",
    ].join("\n");
    expect(errorLine(traceback)).to.equal("InvalidCompilation: Unknown file: contracts/Extra.sol");
    // A header line ending in ":" is joined with the line it announces; log prefixes go.
    expect(errorLine("ERROR:Slither:Invalid compilation: \nUnknown file: contracts/Extra.sol\n  - Verify the path exists")).to.equal(
      "Invalid compilation: Unknown file: contracts/Extra.sol",
    );
    expect(errorLine("solhint 6.2.4\nTypeError: Cannot read properties of null (reading 'accept')\n    at ASTBuilder.visit (x.js:1:1)")).to.equal(
      "TypeError: Cannot read properties of null (reading 'accept')",
    );
    expect(errorLine("\u001b[31mError HH8: There's one or more errors in your config file:\u001b[39m\n\n  * Invalid value {} for HardhatConfig.networks")).to.equal(
      "Error HH8: There's one or more errors in your config file: * Invalid value {} for HardhatConfig.networks",
    );
    expect(errorLine("compiling...\nall good\n")).to.equal(undefined);
    expect(failureReason("hardhat test", { exitCode: 1, stdout: "  1 passing\nTSError: Unable to compile TypeScript", stderr: "", spawnError: undefined })).to.equal(
      "hardhat test exited with 1: TSError: Unable to compile TypeScript",
    );
    expect(failureReason("x", { exitCode: undefined, stdout: "", stderr: "", spawnError: "spawn x ENOENT" })).to.equal("x could not start: spawn x ENOENT");
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

  it("a crashing tool makes the stage an error with its first error line in the reason and its stderr tail", async function () {
    const root = rootWithFakeHardhat("console.error('Error HH701: There are multiple artifacts'); process.exit(1);");
    const r = await runStage(compileStage, root);
    expect(r.status).to.equal("error");
    expect(r.reason).to.equal("hardhat compile exited with 1: Error HH701: There are multiple artifacts");
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

  it("a compile that succeeds without build-info files is retried once with --force, then an error", async function () {
    const r = await runStage(compileStage, rootWithFakeHardhat("process.exit(0)"));
    expect(r.status).to.equal("error");
    expect(r.reason).to.match(/^after hardhat compile --force: no build found/);
    expect(r.artifacts).to.deep.equal([
      "out/raw/compile/hardhat-compile.stdout.log",
      "out/raw/compile/hardhat-compile.stderr.log",
      "out/raw/compile/hardhat-compile-force.stdout.log",
      "out/raw/compile/hardhat-compile-force.stderr.log",
    ]);
  });

  it("stages the project cannot feed are skipped with the reason; solhint comes from the harness when the project lacks it", async function () {
    const root = tempDir();
    mkdirSync(path.join(root, "contracts"));
    writeFileSync(path.join(root, "contracts", "A.sol"), "pragma solidity 0.8.28;\ncontract A {}\n");
    const lint = await runStage(lintStage, root);
    expect(lint.status, lint.reason).to.equal("passed");
    expect(lint.tools[0].name).to.equal("solhint");
    expect(existsSync(path.join(root, "out/raw/lint/solhint.recommended.json")), "the project has no solhint config: solhint:recommended").to.equal(true);
    expect((await runStage(testStage, root)).reason).to.equal("no test files in test (audit/policy.json scope.tests selects them)");
    expect((await runStage(coverageStage, rootWithFakeHardhat(""))).reason).to.equal("the project's Hardhat config does not load solidity-coverage (no coverage task)");
  });

  it("the gas stage needs the test stage's gas report", async function () {
    const root = tempDir();
    expect((await runStage(gasStage, root)).reason).to.match(/needs the test stage/);
    const noGas = new Map([["test", stageResult("test", { metrics: { tests: 1 } })]]);
    expect((await runStage(gasStage, root, undefined, noGas)).reason).to.equal("the project's Hardhat config does not load hardhat-gas-reporter");
    const withReporter = (version: string): StageContext["project"] => {
      const p = fakeProject(root, { gasReporter: true });
      return { ...p, hardhat: { ...p.hardhat, facts: { ...p.hardhat.facts, versions: { gasReporter: version } } } };
    };
    const gas = async (project: StageContext["project"]): Promise<StageResult> => {
      const [r] = await runStages({ stages: [gasStage], profile: "quick", maxHeavy: 1, context: (_s, _u, signal) => ctx(root, { signal, upstream: noGas, project }) });
      return r;
    };
    expect((await gas(withReporter("1.0.8"))).reason).to.equal("hardhat-gas-reporter 1.0.8 writes no JSON report (version 2 does): gas not measured");
    expect((await gas(withReporter("2.3.0"))).reason).to.equal("the test stage produced no gas report");
  });
});

/**
 * test: the unit tests (test/unit/**) in ONE mocha run,
 * `hardhat test --no-compile <files>`, reporting spec output plus JUnit XML
 * (AUDIT_JUNIT_FILE, see hardhat.config.ts). When the gas stage is part of
 * the run, the same run also measures gas (REPORT_GAS + GAS_REPORT_JSON) and
 * the gas stage reads that file: the suite runs once for both.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { junitFindings, parseJunitXml } from "../adapters/mocha-junit";
import { failureReason, outputTail, packageVersion, runNodeTool } from "../exec";
import { relPath, walkFiles } from "../paths";
import type { Stage, StageContext } from "../types";
import { freshRawDir, hardhatTool, NOT_INSTALLED, outcome, skip } from "./common";

export const UNIT_TEST_DIR = "test/unit";
export const TEST_FILE = /\.(ts|js|cjs|mjs)$/;
/** File names inside <outDir>/raw/test/; the gas stage finds the gas JSON through metrics.gasReport. */
export const GAS_JSON = "gas-reporter.json";
export const JUNIT_XML = "mocha-junit.xml";

export function unitTestFiles(root: string): string[] {
  return walkFiles(path.join(root, UNIT_TEST_DIR), (f) => TEST_FILE.test(f));
}

export async function runMochaWithJunit(
  ctx: StageContext,
  opts: { hardhatArgs: string[]; junitFile: string; env?: Record<string, string>; logName: string; cwd?: string },
) {
  const hardhat = hardhatTool(ctx.root)!;
  const run = await runNodeTool(hardhat, opts.hardhatArgs, {
    root: ctx.root,
    cwd: opts.cwd,
    signal: ctx.signal,
    rawDir: path.dirname(opts.junitFile),
    logName: opts.logName,
    env: { AUDIT_JUNIT_FILE: opts.junitFile, ...opts.env },
  });
  const results = existsSync(opts.junitFile) ? parseJunitXml(readFileSync(opts.junitFile, "utf8"), ctx.root) : undefined;
  return { run, results };
}

export const testStage: Stage = {
  name: "test",
  title: "Unit tests (mocha)",
  dependsOn: ["compile"],
  heavy: true,
  keyMetric: (r) =>
    r.metrics.tests === undefined
      ? undefined
      : `${String(r.metrics.passes)} passed, ${String(r.metrics.failures)} failed, ${String(r.metrics.pending)} pending`,
  async run(ctx) {
    const hardhat = hardhatTool(ctx.root);
    if (!hardhat) return skip(NOT_INSTALLED("hardhat"));
    if (!packageVersion(ctx.root, "mocha-junit-reporter") || !packageVersion(ctx.root, "mocha-multi-reporters")) {
      return skip(NOT_INSTALLED("mocha-junit-reporter / mocha-multi-reporters"));
    }
    const files = unitTestFiles(ctx.root);
    if (files.length === 0) return skip(`no unit tests under ${UNIT_TEST_DIR}/`);
    const raw = freshRawDir(ctx, "test");
    const junitFile = path.join(raw, JUNIT_XML);
    const gasFile = path.join(raw, GAS_JSON);
    const withGas = ctx.plan.includes("gas") && packageVersion(ctx.root, "hardhat-gas-reporter") !== undefined;
    ctx.log(`hardhat test --no-compile (${files.length} files${withGas ? ", gas reporting on" : ""})`);
    const { run, results } = await runMochaWithJunit(ctx, {
      hardhatArgs: ["test", "--no-compile", ...files.map((f) => relPath(ctx.root, f))],
      junitFile,
      logName: "hardhat-test",
      env: withGas ? { REPORT_GAS: "true", GAS_REPORT_JSON: gasFile } : { REPORT_GAS: "false" },
    });
    const mochaVersion = packageVersion(ctx.root, "mocha") ?? "unknown";
    const tools = [
      { name: "hardhat", version: hardhat.version },
      { name: "mocha", version: mochaVersion },
      ...(withGas ? [{ name: "hardhat-gas-reporter", version: packageVersion(ctx.root, "hardhat-gas-reporter") ?? "unknown" }] : []),
    ];
    const artifacts = [...run.logs, ...[junitFile, gasFile].filter((f) => existsSync(f)).map((f) => relPath(ctx.root, f))];
    if (!results || (run.exitCode !== 0 && results.failures === 0)) {
      return outcome("error", {
        reason: failureReason(
          "hardhat test",
          run,
          results ? `hardhat test exited with ${run.exitCode ?? "a signal"} without a failing test` : "mocha wrote no JUnit report (the suite did not run)",
        ),
        tools,
        artifacts,
        stderrTail: outputTail(run),
        ...(results ? { metrics: { tests: results.tests, passes: results.passes, failures: results.failures, pending: results.pending } } : {}),
      });
    }
    const findings = junitFindings(results, { toolVersion: mochaVersion });
    return outcome(results.failures > 0 ? "failed" : "passed", {
      ...(results.failures > 0 ? { reason: `${results.failures} test(s) failed` } : {}),
      tools,
      findings,
      metrics: {
        tests: results.tests,
        passes: results.passes,
        failures: results.failures,
        pending: results.pending,
        timeS: results.timeS,
        ...(withGas && existsSync(gasFile) ? { gasReport: relPath(ctx.root, gasFile) } : {}),
      },
      artifacts,
    });
  },
};

/**
 * test: the project's tests in ONE mocha run, `hardhat test --no-compile <files>` through the audit's
 * wrapper config, which adds spec output plus JUnit XML (AUDIT_JUNIT_FILE; the reporters come from the
 * harness, project/inject.js). The files are the scope's test selection (scope.ts: the project's
 * Hardhat `paths.tests`, or audit/policy.json `scope.tests` - here test/unit). When the gas stage is
 * part of the run and the project uses hardhat-gas-reporter, the same run also writes the gas JSON
 * (AUDIT_GAS_JSON) the gas stage reads: the suite runs once for both.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { junitFindings, parseJunitXml } from "../adapters/mocha-junit";
import { failureReason, outputTail, packageVersion } from "../exec";
import { relPath } from "../paths";
import { gasJsonSupported } from "../project/hardhat-project";
import { testFiles } from "../scope";
import type { Stage, StageContext } from "../types";
import { freshRawDir, hardhatInfo, outcome, projectOf, runHardhat, skip } from "./common";

/** File names inside <outDir>/raw/test/; the gas stage finds the gas JSON through metrics.gasReport. */
export const GAS_JSON = "gas-reporter.json";
export const JUNIT_XML = "mocha-junit.xml";

/** The tests the run selects (absolute paths). */
export function selectedTestFiles(ctx: StageContext): string[] {
  return testFiles(ctx.root, projectOf(ctx).scope);
}

export async function runMochaWithJunit(
  ctx: StageContext,
  opts: { hardhatArgs: string[]; junitFile: string; env?: Record<string, string | undefined>; logName: string; run?: typeof runHardhat },
) {
  const run = await (opts.run ?? runHardhat)(ctx, opts.hardhatArgs, {
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
  // Everything the suite may load: the tests and the project's code (helpers, scripts, config, contracts),
  // the build (typechain-types are made from it), the npm lock; and whether the run measures gas.
  cache: {
    inputs: ["build", "tests", "code", "lockfiles", { value: "gas reporting", of: (c) => c.plan.includes("gas") && gasJsonSupported(c.project.hardhat.facts) }],
  },
  keyMetric: (r) =>
    r.metrics.tests === undefined
      ? undefined
      : `${String(r.metrics.passes)} passed, ${String(r.metrics.failures)} failed, ${String(r.metrics.pending)} pending`,
  async run(ctx) {
    const project = projectOf(ctx);
    const files = selectedTestFiles(ctx);
    if (files.length === 0) return skip(`no test files in ${project.scope.tests.join(", ")} (audit/policy.json scope.tests selects them)`);
    const raw = freshRawDir(ctx, "test");
    const junitFile = path.join(raw, JUNIT_XML);
    const gasFile = path.join(raw, GAS_JSON);
    const withGas = ctx.plan.includes("gas") && gasJsonSupported(project.hardhat.facts);
    ctx.log(`hardhat test --no-compile (${files.length} files${withGas ? ", gas reporting on" : ""})`);
    const { run, results } = await runMochaWithJunit(ctx, {
      hardhatArgs: ["test", "--no-compile", ...files.map((f) => relPath(ctx.root, f))],
      junitFile,
      logName: "hardhat-test",
      env: withGas ? { AUDIT_GAS_JSON: gasFile } : {},
    });
    const mochaVersion = packageVersion(ctx.root, "mocha") ?? "unknown";
    const tools = [
      hardhatInfo(ctx),
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

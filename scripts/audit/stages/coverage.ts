/**
 * coverage: `hardhat coverage` (solidity-coverage, when the project's Hardhat config loads it) over
 * the scope's tests, with a coverage config the audit passes explicitly (`--solcoverjs`): the
 * project's own .solcover.js, if any, plus the scope's out-of-scope folders as skipFiles and the
 * reporters the stage reads (json-summary, lcov, html, text).
 *
 * It runs in a scratch copy of the repository (node_modules symlinked):
 * solidity-coverage compiles an instrumented copy of the contracts and
 * typechain then regenerates typechain-types with the instrumented bytecode
 * (the unit tests deploy through typechain factories, so they must see it).
 * In the copy, neither touches the real build, typechain-types or the test
 * stage running beside it. Paths in the outputs are rewritten to the real
 * root. Metrics come from coverage/coverage-summary.json; the coverage/
 * folder is published as <outDir>/coverage/. Thresholds are the gate's.
 */
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { coverageLine, parseCoverageSummary, type CoverageMetrics } from "../adapters/solidity-coverage";
import { failureReason, outputTail, packageVersion } from "../exec";
import { GENERATED_TOP_LEVEL, relPath, walkFiles } from "../paths";
import type { Stage } from "../types";
import { holdDirectory } from "../interrupt";
import { openProject, ProjectError, type HardhatProject } from "../project/hardhat-project";
import type { ProjectScope } from "../scope";
import { freshRawDir, hardhatInfo, outcome, projectOf, skip } from "./common";
import { runMochaWithJunit, selectedTestFiles } from "./test";

/** The coverage config the stage writes into the scratch copy and passes with --solcoverjs. */
export const SOLCOVER_FILE = ".solcover.audit.js";

/**
 * The coverage config: the project's .solcover.js (when it has one) with the scope's out-of-scope
 * folders added to skipFiles (paths relative to the sources, as solidity-coverage wants them) and the
 * reporters the stage reads added to istanbulReporter.
 */
export function solcoverConfig(scope: ProjectScope, projectHasOwn: boolean): string {
  const skip = scope.exclude.filter((d) => d.startsWith(`${scope.sources}/`)).map((d) => d.slice(scope.sources.length + 1));
  return [
    "// Written by the audit's coverage stage; the project's own .solcover.js (if any) plus what the stage reads.",
    `const own = ${projectHasOwn ? 'require("./.solcover.js")' : "{}"};`,
    `const skip = ${JSON.stringify(skip)};`,
    "module.exports = {",
    "  ...own,",
    "  skipFiles: [...new Set([...(own.skipFiles || []), ...skip])],",
    '  istanbulReporter: [...new Set([...(own.istanbulReporter || []), "json-summary", "lcov", "html", "text"])],',
    "};",
    "",
  ].join("\n");
}


/** Prefix of the scratch copies under the OS temp folder. */
export const SCRATCH_PREFIX = "audit-coverage-";

/**
 * A copy of the project's sources (no generated dirs, no hidden dirs) with node_modules linked, and
 * the function that removes it. The copy is registered with interrupt.ts from the moment it exists,
 * so it is removed even when the audit exits before the stage's own clean-up runs.
 */
export function scratchCopy(root: string, outDir: string): { dir: string; remove: () => void } {
  const scratch = mkdtempSync(path.join(os.tmpdir(), SCRATCH_PREFIX));
  const remove = holdDirectory(scratch);
  try {
    copyInto(scratch, root, outDir);
  } catch (e) {
    remove();
    throw e;
  }
  return { dir: scratch, remove };
}

function copyInto(scratch: string, root: string, outDir: string): void {
  const outTop = path.relative(root, outDir).split(path.sep)[0];
  for (const name of readdirSync(root)) {
    if (GENERATED_TOP_LEVEL.has(name) || name === outTop) continue;
    const full = path.join(root, name);
    const st = statSync(full, { throwIfNoEntry: false });
    if (!st || (name.startsWith(".") && st.isDirectory())) continue;
    cpSync(full, path.join(scratch, name), { recursive: true });
  }
  if (existsSync(path.join(root, "node_modules"))) symlinkSync(path.join(root, "node_modules"), path.join(scratch, "node_modules"), "dir");
}

/** Replaces the scratch root with the real root in the text outputs (lcov SF: lines, html, json). */
function rewritePaths(dir: string, scratch: string, root: string): void {
  for (const file of walkFiles(dir, (f) => /\.(info|json|html)$/.test(f))) {
    const text = readFileSync(file, "utf8");
    if (text.includes(scratch)) writeFileSync(file, text.split(scratch).join(root));
  }
}

export const coverageStage: Stage = {
  name: "coverage",
  title: "Coverage (solidity-coverage)",
  dependsOn: ["compile"],
  heavy: true,
  profiles: ["ci", "deep"],
  timeoutMs: { quick: 15 * 60_000, ci: 30 * 60_000, deep: 60 * 60_000 },
  // What the scratch copy holds (the project's code and tests, .solcover.js included), the npm lock, and
  // the build; the published coverage/ folder is kept with the result.
  cache: { inputs: ["build", "tests", "code", "lockfiles"], outputs: ["coverage"] },
  keyMetric: (r) => {
    const total = (r.metrics as Partial<CoverageMetrics>).total;
    return total ? coverageLine(total) : undefined;
  },
  async run(ctx) {
    const project = projectOf(ctx);
    if (!project.hardhat.facts.plugins.coverage) return skip("the project's Hardhat config does not load solidity-coverage (no coverage task)");
    const version = packageVersion(ctx.root, "solidity-coverage") ?? "unknown";
    const files = selectedTestFiles(ctx);
    if (files.length === 0) return skip(`no test files in ${project.scope.tests.join(", ")}`);
    const raw = freshRawDir(ctx, "coverage");
    const { dir: scratch, remove } = scratchCopy(ctx.root, ctx.outDir);
    let copy: HardhatProject | undefined;
    try {
      copy = await openProject(scratch, { signal: ctx.signal, rawDir: raw, log: ctx.log, toolsDir: project.toolsDir });
      writeFileSync(path.join(scratch, SOLCOVER_FILE), solcoverConfig(project.scope, existsSync(path.join(ctx.root, ".solcover.js"))));
      ctx.log("hardhat coverage (instrumented compile + tests, in a scratch copy)");
      const junitFile = path.join(raw, "mocha-junit.xml");
      const rel = files.map((f) => relPath(ctx.root, f));
      const scratchProject = copy;
      const { run, results } = await runMochaWithJunit(ctx, {
        hardhatArgs: ["coverage", "--solcoverjs", `./${SOLCOVER_FILE}`, "--testfiles", rel.length === 1 ? rel[0] : `{${rel.join(",")}}`],
        junitFile,
        logName: "hardhat-coverage",
        run: (c, args, o) => scratchProject.run(args, { signal: c.signal, ...o }),
      });
      const tools = [{ name: "solidity-coverage", version }, hardhatInfo(ctx)];
      const toolDir = path.join(scratch, "coverage");
      const summaryFile = path.join(toolDir, "coverage-summary.json");
      const logs = [...run.logs, ...[junitFile].filter((f) => existsSync(f)).map((f) => relPath(ctx.root, f))];
      if (!existsSync(summaryFile)) {
        return outcome("error", {
          reason: failureReason("hardhat coverage", run, `hardhat coverage exited with ${run.exitCode ?? "a signal"} and wrote no coverage summary`),
          tools,
          artifacts: logs,
          stderrTail: outputTail(run),
        });
      }
      rewritePaths(toolDir, scratch, ctx.root);
      let metrics: CoverageMetrics;
      try {
        metrics = parseCoverageSummary(readFileSync(summaryFile, "utf8"), ctx.root);
      } catch (e) {
        return outcome("error", { reason: `unreadable coverage-summary.json: ${(e as Error).message}`, tools, artifacts: logs });
      }
      // The tool's machine-readable outputs go to raw/coverage/ like every stage's; the whole report to <outDir>/coverage/.
      for (const f of ["coverage-summary.json", "lcov.info"]) {
        if (existsSync(path.join(toolDir, f))) cpSync(path.join(toolDir, f), path.join(raw, f));
      }
      const published = path.join(ctx.outDir, "coverage");
      rmSync(published, { recursive: true, force: true });
      cpSync(toolDir, published, { recursive: true });
      const artifacts = [
        ...logs,
        ...[path.join(raw, "coverage-summary.json"), path.join(raw, "lcov.info")]
          .concat(["coverage-summary.json", "lcov.info", "index.html"].map((f) => path.join(published, f)))
          .filter((f) => existsSync(f))
          .map((f) => relPath(ctx.root, f)),
      ];
      const failures = results?.failures ?? 0;
      if (failures > 0 || run.exitCode !== 0) {
        // Coverage of a suite with failing tests is incomplete. The failures themselves are
        // the test stage's findings (not repeated here); the numbers still go to the gate.
        return outcome("failed", {
          reason:
            failures > 0
              ? `${failures} test(s) failed under coverage: the numbers are incomplete`
              : failureReason("hardhat coverage", run),
          tools,
          metrics: { ...metrics },
          artifacts,
          ...(failures > 0 ? {} : { stderrTail: outputTail(run) }),
        });
      }
      return outcome("passed", { tools, metrics: { ...metrics }, artifacts });
    } catch (e) {
      if (e instanceof ProjectError) return outcome("error", { reason: `the scratch copy does not open: ${e.message}`, tools: [hardhatInfo(ctx)] });
      throw e;
    } finally {
      copy?.dispose();
      remove();
    }
  },
};

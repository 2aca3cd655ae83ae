/**
 * compile: the pipeline's one `hardhat compile` (with typechain). Later
 * stages read its artifacts/build-info through StageContext.build.
 *
 * The build must be one coherent build-info that matches the sources on disk
 * (build.ts `buildStaleness`): after an incremental compile, when the build
 * still names a deleted contract (Hardhat then says "Nothing to compile"), or
 * when a build-info is missing or unreadable, the stage recompiles once with
 * --force.
 */
import { buildStaleness, loadBuild } from "../build";
import { InputError } from "../errors";
import { explainCompilerError, sourceLines } from "../hardhat-errors";
import { failureReason, outputTail, type ToolRun } from "../exec";
import { relPath } from "../paths";
import type { BuildRef, Stage } from "../types";
import { freshRawDir, hardhatInfo, outcome, projectOf, runHardhat, type StageOutcome } from "./common";

export const compileStage: Stage = {
  name: "compile",
  title: "Compile (hardhat compile)",
  heavy: true,
  timeoutMs: { quick: 5 * 60_000, ci: 10 * 60_000, deep: 20 * 60_000 },
  keyMetric: (r) => (r.metrics.solcVersion ? `solc ${String(r.metrics.solcVersion)}, ${String(r.metrics.buildInfoFiles)} build-info` : undefined),
  async run(ctx) {
    const project = projectOf(ctx);
    const raw = freshRawDir(ctx, "compile");
    const tools = [hardhatInfo(ctx)];
    const logs: string[] = [];
    const compile = async (args: string[], logName: string): Promise<ToolRun> => {
      const run = await runHardhat(ctx, args, { rawDir: raw, logName });
      logs.push(...run.logs);
      return run;
    };
    const failed = (what: string, run: ToolRun): StageOutcome =>
      outcome("error", {
        reason: explainCompilerError(failureReason(what, run), Object.keys(project.hardhat.compilers), sourceLines(ctx.root)),
        tools,
        artifacts: logs,
        stderrTail: outputTail(run),
      });

    ctx.log("hardhat compile");
    const run = await compile(["compile"], "hardhat-compile");
    if (run.exitCode !== 0) return failed("hardhat compile", run);
    // Every stage and tool must read one build-info that matches the sources: a stale or unreadable
    // build (Hardhat's cache can say "Nothing to compile" over either) is recompiled once.
    const check = (): { build?: BuildRef; stale?: string } => {
      try {
        const build = loadBuild(ctx.root, project.scope);
        const stale = buildStaleness(ctx.root, build, project.scope);
        return stale ? { build, stale: `the build ${stale}` } : { build };
      } catch (e) {
        if (e instanceof InputError) return { stale: e.message };
        throw e;
      }
    };
    let current = check();
    if (current.stale) {
      ctx.log(`recompiling with hardhat compile --force: ${current.stale}`);
      const forced = await compile(["compile", "--force"], "hardhat-compile-force");
      if (forced.exitCode !== 0) return failed("hardhat compile --force", forced);
      current = check();
      if (current.stale) return outcome("error", { reason: `after hardhat compile --force: ${current.stale}`, tools, artifacts: logs });
    }
    const build = current.build!;
    const compilers = Object.entries(project.hardhat.compilers).map(([v, c]) => `${v} (${c === "native" ? "native" : "solcjs"})`);
    return outcome("passed", {
      tools: [...tools, { name: "solc", version: build.solcVersion }],
      metrics: {
        solcVersion: build.solcVersion,
        buildInfoFiles: build.buildInfoFiles.length,
        buildInfo: build.buildInfoFiles.map((f) => relPath(ctx.root, f)),
        compilers,
      },
      artifacts: logs,
    });
  },
};

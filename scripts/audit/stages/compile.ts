/**
 * compile: the pipeline's one `hardhat compile` (with typechain). Later
 * stages read its artifacts/build-info through StageContext.build.
 */
import { loadBuild } from "../build";
import { InputError } from "../errors";
import { outputTail, runNodeTool } from "../exec";
import { relPath } from "../paths";
import type { Stage } from "../types";
import { freshRawDir, hardhatTool, NOT_INSTALLED, outcome, skip } from "./common";

export const compileStage: Stage = {
  name: "compile",
  title: "Compile (hardhat compile)",
  heavy: true,
  timeoutMs: { quick: 5 * 60_000, ci: 10 * 60_000, deep: 20 * 60_000 },
  keyMetric: (r) => (r.metrics.solcVersion ? `solc ${String(r.metrics.solcVersion)}, ${String(r.metrics.buildInfoFiles)} build-info` : undefined),
  async run(ctx) {
    const hardhat = hardhatTool(ctx.root);
    if (!hardhat) return skip(NOT_INSTALLED("hardhat"));
    const raw = freshRawDir(ctx, "compile");
    ctx.log("hardhat compile");
    const run = await runNodeTool(hardhat, ["compile"], { root: ctx.root, signal: ctx.signal, rawDir: raw, logName: "hardhat-compile" });
    const tools = [{ name: "hardhat", version: hardhat.version }];
    if (run.exitCode !== 0) {
      return outcome("error", {
        reason: run.spawnError ?? `hardhat compile exited with ${run.exitCode ?? "a signal"}`,
        tools,
        artifacts: run.logs,
        stderrTail: outputTail(run),
      });
    }
    let build;
    try {
      build = loadBuild(ctx.root);
      if (build.buildInfoFiles.length > 1) {
        // An incremental compile leaves several build-infos, older ones holding stale copies of
        // recompiled contracts. Every stage and tool must read one coherent build: recompile once.
        ctx.log(`incremental build spans ${build.buildInfoFiles.length} build-info files: hardhat compile --force`);
        const forced = await runNodeTool(hardhat, ["compile", "--force"], {
          root: ctx.root,
          signal: ctx.signal,
          rawDir: raw,
          logName: "hardhat-compile-force",
        });
        run.logs.push(...forced.logs);
        if (forced.exitCode !== 0) {
          return outcome("error", {
            reason: forced.spawnError ?? `hardhat compile --force exited with ${forced.exitCode ?? "a signal"}`,
            tools,
            artifacts: run.logs,
            stderrTail: outputTail(forced),
          });
        }
        build = loadBuild(ctx.root);
      }
    } catch (e) {
      if (e instanceof InputError) return outcome("error", { reason: e.message, tools, artifacts: run.logs });
      throw e;
    }
    return outcome("passed", {
      tools: [...tools, { name: "solc", version: build.solcVersion }],
      metrics: {
        solcVersion: build.solcVersion,
        buildInfoFiles: build.buildInfoFiles.length,
        buildInfo: build.buildInfoFiles.map((f) => relPath(ctx.root, f)),
      },
      artifacts: run.logs,
    });
  },
};

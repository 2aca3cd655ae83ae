/**
 * lint: solhint over contracts/**\/*.sol with its JSON formatter (config:
 * .solhint.json). Errors -> medium findings, warnings -> low.
 */
import { writeFileSync } from "node:fs";
import path from "node:path";
import { parseSolhintJson, solhintFindings } from "../adapters/solhint";
import { SourceIndex } from "../solidity";
import { failureReason, outputTail, resolveNodeTool, runNodeTool } from "../exec";
import { readText, relPath, walkFiles } from "../paths";
import type { Stage } from "../types";
import { freshRawDir, NOT_INSTALLED, outcome, skip } from "./common";

export const LINT_GLOB = "contracts/**/*.sol";

export const lintStage: Stage = {
  name: "lint",
  title: "Lint (solhint)",
  keyMetric: (r) =>
    r.metrics.errors === undefined ? undefined : `${String(r.metrics.errors)} error(s), ${String(r.metrics.warnings)} warning(s)`,
  async run(ctx) {
    const solhint = resolveNodeTool(ctx.root, "solhint");
    if (!solhint) return skip(NOT_INSTALLED("solhint"));
    if (walkFiles(path.join(ctx.root, "contracts"), (f) => f.endsWith(".sol")).length === 0) {
      return skip("no Solidity files under contracts/");
    }
    const raw = freshRawDir(ctx, "lint");
    ctx.log(`solhint -f json '${LINT_GLOB}'`);
    const run = await runNodeTool(solhint, ["-f", "json", LINT_GLOB], { root: ctx.root, signal: ctx.signal, rawDir: raw, logName: "solhint" });
    const tools = [{ name: "solhint", version: solhint.version }];
    let reports;
    try {
      reports = parseSolhintJson(run.stdout);
    } catch {
      // No JSON: solhint could not run (bad config, crash) - exit 255 and a message.
      return outcome("error", {
        reason: failureReason("solhint", run, `solhint produced no JSON report (exit ${run.exitCode ?? "signal"})`),
        tools,
        artifacts: run.logs,
        stderrTail: outputTail(run),
      });
    }
    const jsonFile = path.join(raw, "solhint.json");
    writeFileSync(jsonFile, JSON.stringify(reports, null, 2));
    const sources = new SourceIndex((file) => readText(path.resolve(ctx.root, file)));
    const findings = solhintFindings(reports, { root: ctx.root, sources, toolVersion: solhint.version });
    const errors = reports.filter((r) => r.severity.toLowerCase() === "error").length;
    return outcome(errors > 0 ? "failed" : "passed", {
      ...(errors > 0 ? { reason: `solhint reported ${errors} error(s)` } : {}),
      tools,
      findings,
      metrics: { errors, warnings: reports.length - errors, filesWithFindings: new Set(findings.map((f) => f.location?.file)).size },
      artifacts: [...run.logs, relPath(ctx.root, jsonFile)],
    });
  },
};

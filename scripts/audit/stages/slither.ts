/**
 * slither: Slither's detectors over the pipeline's one build.
 *
 * - slither-analyzer is provisioned (pinned) into .tools/venv on first use
 *   (tools/provision.ts); registry unreachable -> `skipped` with the reason.
 * - It reads the compile stage's artifacts/build-info (--hardhat-ignore-compile,
 *   --hardhat-artifacts-directory): it never compiles, so no solc binary is
 *   needed (solcjs built the project; crytic-compile only parses build-info).
 * - Scope: results must touch contracts/ (`--include-paths` anchored at the
 *   repository's real path). We do not use `--filter-paths "node_modules|..."`:
 *   Slither drops a result if ANY of its elements matches a filter, so a
 *   reentrancy in our code whose external-call node sits in an OpenZeppelin
 *   library would vanish, and an unanchored `test/` would hide everything in
 *   a checkout under a directory named test/. The adapter then drops results
 *   whose first element is a test double (contracts/mocks/, test/, bench/) and
 *   places each finding at its first element inside contracts/.
 * - Slither exits 255 on findings and on failure alike: the verdict is the
 *   JSON's `success` field. --json / --sarif refuse to overwrite, so both go
 *   to a freshly emptied <outDir>/raw/slither/.
 * - It runs in the Slither session it shares with slither-upgradeability
 *   (slither-session.ts): one Python process, one load of the build, the
 *   same command line and raw outputs as the `slither` CLI.
 * - Review state lives in audit/suppressions.json (the gate), not in Slither:
 *   --show-ignored-findings (inline `slither-disable` comments do not hide
 *   results), and the triage database / SARIF-triage inputs point at absent
 *   files in the raw dir so a stray slither.db.json cannot hide results.
 */
import { existsSync, readFileSync } from "node:fs";
import { countBySeverity, parseSlitherJson, SLITHER_STAGE, slitherErrorLine, slitherFindings, SlitherOutputError } from "../adapters/slither";
import { errorLine } from "../exec";
import { HARDHAT_CONFIGS } from "../project/hardhat-project";
import { inSources } from "../scope";
import type { SlitherTools } from "../tools/provision";
import { outputTail, type ProvisionedRun } from "../tools/run-provisioned";
import type { Stage, StageContext, StageResult } from "../types";
import { buildError, missingBuild, outcome, provisionSlither, rel, slitherArtifactsDir, type SlitherStageOptions, type StageOutcome } from "./slither-common";
import { prepareSlitherPart, runInSession, slitherPartRun, type SessionPartName, type SlitherPart } from "./slither-session";

export async function runSlitherStage(ctx: StageContext, opts: SlitherStageOptions = {}): Promise<StageOutcome> {
  const noBuild = missingBuild(ctx);
  if (noBuild) return outcome("skipped", { reason: noBuild });
  const provisioned = await provisionSlither(ctx, opts);
  if (!("slither" in provisioned)) return provisioned;
  let part: SlitherPart;
  try {
    part = prepareSlitherPart(ctx, slitherArtifactsDir(ctx).dir);
  } catch (e) {
    return buildError(e, slitherToolInfo(provisioned));
  }
  const { scope } = part;
  ctx.log(`slither ${provisioned.slither.version}: analyzing ${rel(ctx.root, ctx.build.artifactsDir)}/build-info (scope ${scope.sources}/${scope.exclude.length ? `, without ${scope.exclude.join(", ")}` : ""})`);
  const session = await runInSession(ctx, provisioned, { slither: part });
  return slitherOutcome(ctx, session.result.tools, session.parts.slither!, slitherPartRun(session.result), {
    sessionFiles: session.result.files,
    servedStages: session.servedStages,
  });
}

function slitherToolInfo(tools: SlitherTools): StageOutcome["tools"] {
  return [
    { name: "slither", version: tools.slither.version },
    { name: "crytic-compile", version: tools.cryticCompile.version },
  ];
}

/**
 * The stage's result from slither's raw outputs (part.jsonFile) and its run: the session's, or the
 * `slither` CLI's on the same command line (the equivalence test and the benchmark run both).
 */
export function slitherOutcome(
  ctx: StageContext,
  tools: SlitherTools,
  part: SlitherPart,
  run: ProvisionedRun,
  extra: { sessionFiles?: string[]; servedStages?: SessionPartName[] } = {},
): StageOutcome {
  const { slither, cryticCompile } = tools;
  const toolInfo = slitherToolInfo(tools);
  const { jsonFile, sarifFile, scope } = part;
  const artifacts = [...run.logs, ...[jsonFile, sarifFile, ...(extra.sessionFiles ?? [])].filter((f) => existsSync(f))].map((f) => rel(ctx.root, f));
  // The reason carries the first meaningful line of slither's own error output.
  const toolLine = errorLine(run.stderr) ?? errorLine(run.stdout);
  const failure = (reason: string): StageOutcome =>
    outcome("error", { reason: toolLine && !reason.includes(toolLine) ? `${reason}: ${toolLine}` : reason, tools: toolInfo, artifacts, stderrTail: outputTail(run) });

  if (run.cancelled) return failure("slither was stopped (timeout or interrupt)");
  if (run.spawnError) return failure(`slither could not start: ${run.spawnError}`);
  if (!existsSync(jsonFile)) return failure(`slither wrote no JSON report (exit ${run.exitCode ?? "signal"})`);
  let json;
  try {
    json = parseSlitherJson(readFileSync(jsonFile, "utf8"));
  } catch (e) {
    if (e instanceof SlitherOutputError) return failure(`slither's JSON report is unusable: ${e.message}`);
    throw e;
  }
  if (!json.success) return failure(`slither failed: ${errorLine(json.error ?? "") ?? slitherErrorLine(json)}`);

  const { findings, outOfScope } = slitherFindings(json, {
    root: ctx.root,
    toolVersion: slither.version,
    inScope: (file) => inSources(scope, file),
    // A result that starts in test code (test doubles, tests, benchmarks) is not ours; one that starts
    // in a package but reaches our code is (the adapter places it at its first in-scope element).
    excluded: (file) => !file.startsWith("node_modules/") && !inSources(scope, file),
  });
  const bySeverity = countBySeverity(findings);
  const byCheck: Record<string, number> = {};
  for (const f of findings) byCheck[f.rule] = (byCheck[f.rule] ?? 0) + 1;
  ctx.log(`slither: ${findings.length} finding(s) in scope (${outOfScope} outside ${scope.sources}/ dropped)`);
  // The stage reports; the gate judges (suppressions in audit/suppressions.json apply there).
  return outcome("passed", {
    tools: toolInfo,
    findings,
    metrics: {
      slitherVersion: slither.version,
      cryticCompileVersion: cryticCompile.version,
      detectorsRun: json.results["list-detectors"]?.length ?? null,
      results: json.results.detectors?.length ?? 0,
      findings: findings.length,
      outOfScope,
      bySeverity,
      byCheck,
      scope: `${scope.sources}/${scope.exclude.length ? ` without ${scope.exclude.join(", ")}` : ""} (results that start elsewhere - packages, tests, test doubles - are not reported)`,
      exitCode: run.exitCode ?? null,
      ...(extra.servedStages ? { sharedLoad: extra.servedStages } : {}),
    },
    artifacts,
  });
}

export function slitherKeyMetric(r: StageResult): string | undefined {
  const s = r.metrics.bySeverity as Record<string, number> | undefined;
  if (!s) return undefined;
  const parts = (["high", "medium", "low", "info"] as const).filter((k) => s[k]).map((k) => `${s[k]} ${k}`);
  return `slither ${String(r.metrics.slitherVersion)}: ${parts.length ? parts.join(", ") : "no findings"}`;
}

export const slitherStage: Stage = {
  name: SLITHER_STAGE,
  title: "Static analysis (Slither)",
  dependsOn: ["compile"],
  // One Python process parsing the whole build, shared with slither-upgradeability (about a core for ~15 s).
  heavy: true,
  // First use installs slither into .tools/venv (about a minute); later runs take ~15 s.
  timeoutMs: { quick: 10 * 60_000, ci: 15 * 60_000, deep: 20 * 60_000 },
  keyMetric: slitherKeyMetric,
  // The build (--hardhat-ignore-compile), the pinned Slither (.tools stamps), the config Slither reads by
  // itself, and the Hardhat config and lock files crytic-compile's Hardhat platform may consult.
  cache: { inputs: ["build", "sources", "tools", "lockfiles", { files: ["slither.config.json", ...HARDHAT_CONFIGS] }] },
  run: (ctx) => runSlitherStage(ctx),
};

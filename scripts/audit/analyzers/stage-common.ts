/** Shared plumbing of the storage and selectors stages (scripts/audit/stages/{storage,selectors}.ts). */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { Finding, ReportSection, StageContext, StageResult, ToolInfo } from "../types";
import { loadSolcBuild, type SolcBuild } from "./build-info";
import { DOMAINS_FILE, type ResolvedDomain } from "./domain";
import { projectDomains } from "./domains";
import { analyzerScope } from "./infer";
import { AnalyzerInputError } from "./errors";

type StageOutcome = Omit<StageResult, "name" | "durationMs">;

/**
 * Runs one analyzer as a pipeline stage: reads audit/domains.json and the compile stage's build,
 * writes <outDir>/raw/<stage>/<stage>.json. The stage is `passed` when the analysis ran, whatever it
 * found: its findings go to the gate, which alone judges them (audit/policy.json). Bad input
 * (malformed domains file, unknown contract) makes the stage `error`.
 */
export async function runAnalyzerStage<M extends object>(
  ctx: StageContext,
  stage: string,
  tool: ToolInfo,
  analyze: (build: SolcBuild, domains: ResolvedDomain[]) => { findings: Finding[]; metrics: M },
  sections: (metrics: M) => ReportSection[],
): Promise<StageOutcome> {
  const base = { tools: [tool], findings: [] as Finding[], metrics: {}, artifacts: [] as string[] };
  try {
    if (ctx.build.buildInfoFiles.length === 0) return { ...base, status: "skipped", reason: "no build (the compile stage did not produce build-info files)" };
    const sources = ctx.project ? `${ctx.project.scope.sources}/` : "contracts/";
    const build = loadSolcBuild(ctx.build.artifactsDir, { root: ctx.root, preferredRoots: [sources] });
    const set = projectDomains(build, ctx.root, ctx.project ? { scope: analyzerScope(ctx.project.scope) } : {});
    if (!set) {
      return { ...base, status: "skipped", reason: `no proxy in the build and no ${DOMAINS_FILE}: no contract here runs in another contract's storage, so there is nothing to compare (if one does, through a delegatecall the build does not show, declare it there: docs/ANALYZERS.md)` };
    }
    const domains = set.domains;
    ctx.log(
      `${domains.length} domain(s) ${set.source === "inferred" ? "inferred from the build" : `from ${set.file}`}: ` +
        domains.map((d) => `${d.name} (${d.dispatch}, ${d.implementations.length} implementation(s))`).join(", "),
    );
    const { findings, metrics } = analyze(build, domains);
    const rawDir = path.join(ctx.rawDir, stage);
    mkdirSync(rawDir, { recursive: true });
    const rawFile = path.join(rawDir, `${stage}.json`);
    writeFileSync(rawFile, JSON.stringify({ findings, metrics }, null, 2));
    return {
      ...base,
      status: "passed",
      findings,
      metrics: metrics as Record<string, unknown>,
      sections: sections(metrics),
      artifacts: [path.relative(ctx.root, rawFile).split(path.sep).join("/")],
    };
  } catch (e) {
    if (e instanceof AnalyzerInputError) return { ...base, status: "error", reason: e.message };
    throw e;
  }
}

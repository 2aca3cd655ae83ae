/** Small helpers the stage modules share. */
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { resolveNodeTool, type ResolvedTool, type ToolRun } from "../exec";
import { HARNESS_ROOT } from "../project/hardhat-project";
import type { AuditProject, StageContext, StageResult, ToolInfo } from "../types";

export type StageOutcome = Omit<StageResult, "name" | "durationMs">;

export function outcome(status: StageOutcome["status"], rest: Partial<StageOutcome> = {}): StageOutcome {
  return { status, tools: [], findings: [], metrics: {}, artifacts: [], ...rest };
}

export function skip(reason: string, rest: Partial<StageOutcome> = {}): StageOutcome {
  return outcome("skipped", { reason, ...rest });
}

/** A fresh <outDir>/raw/<stage>/ (stale files of a previous run removed). */
export function freshRawDir(ctx: StageContext, stage: string): string {
  const dir = path.join(ctx.rawDir, stage);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The audited project of a stage's context (run.ts always sets it; its absence is a programming error). */
export function projectOf(ctx: StageContext): AuditProject {
  if (!ctx.project) throw new Error(`stage context for ${ctx.root} has no project (run.ts opens it before any stage)`);
  return ctx.project;
}

/**
 * Runs the project's Hardhat (`hardhat --config <wrapper> ...args`, project/hardhat-project.ts): the
 * one way a stage starts Hardhat, so the audit's injected settings always apply.
 */
export function runHardhat(ctx: StageContext, args: string[], opts: { rawDir: string; logName: string; env?: Record<string, string | undefined> }): Promise<ToolRun> {
  return projectOf(ctx).hardhat.run(args, { signal: ctx.signal, ...opts });
}

/** The project's Hardhat as a report's tool entry. */
export function hardhatInfo(ctx: StageContext): ToolInfo {
  return { name: "hardhat", version: projectOf(ctx).hardhat.hardhat.version };
}

/** An npm tool from the project's node_modules, else from the harness's own (the harness brings what it needs). */
export function nodeTool(ctx: StageContext, pkg: string, binName?: string): ResolvedTool | undefined {
  return resolveNodeTool(ctx.root, pkg, binName) ?? resolveNodeTool(HARNESS_ROOT, pkg, binName);
}

export const NOT_INSTALLED = (pkg: string): string => `${pkg} is not installed (npm ci installs it)`;

/** AUDIT_TOOLS_OFFLINE=1: stages use the tools already in .tools/ and never install (skipped when absent). */
export function toolsOffline(env: NodeJS.ProcessEnv): boolean {
  return env.AUDIT_TOOLS_OFFLINE === "1";
}

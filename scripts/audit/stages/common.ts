/** Small helpers the stage modules share. */
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";
import { resolveNodeTool, type ResolvedTool } from "../exec";
import type { StageContext, StageResult } from "../types";

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

/** Hardhat's CLI entry, resolved from the project. */
export function hardhatTool(root: string): ResolvedTool | undefined {
  return resolveNodeTool(root, "hardhat");
}

export const NOT_INSTALLED = (pkg: string): string => `${pkg} is not installed (npm ci installs it)`;

/** AUDIT_TOOLS_OFFLINE=1: stages use the tools already in .tools/ and never install (skipped when absent). */
export function toolsOffline(env: NodeJS.ProcessEnv): boolean {
  return env.AUDIT_TOOLS_OFFLINE === "1";
}

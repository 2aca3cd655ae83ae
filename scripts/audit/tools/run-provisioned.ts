/**
 * Runs a provisioned tool (provision.ts) for a stage: its env (venv PATH),
 * cancellable through the stage's signal, stdout/stderr saved next to its
 * other raw outputs. Never throws on a non-zero exit.
 */
import path from "node:path";
import { runTool } from "../exec";
import type { ProvisionedTool } from "./provision";

export interface ProvisionedRun {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  cancelled: boolean;
  /** The process could not start (ENOENT...). */
  spawnError?: string;
  /** Absolute paths of the saved stdout / stderr logs. */
  logs: string[];
}

export interface ProvisionedRunOptions {
  cwd: string;
  signal: AbortSignal;
  /** Where <logName>.stdout.log / .stderr.log go. */
  rawDir: string;
  logName: string;
  /** Extra environment (merged over process.env and the tool's env). */
  env?: Record<string, string | undefined>;
}

export async function runProvisioned(tool: ProvisionedTool, args: readonly string[], opts: ProvisionedRunOptions): Promise<ProvisionedRun> {
  // The pipeline's one way to run a tool (execa, cancellable, raw logs), with the tool's own env.
  const run = await runTool(tool.bin, [...args], {
    root: opts.cwd,
    cwd: opts.cwd,
    env: { PYTHONUNBUFFERED: "1", ...tool.env, ...opts.env },
    signal: opts.signal,
    rawDir: opts.rawDir,
    logName: opts.logName,
  });
  const { spawnError, ...rest } = run;
  return {
    ...rest,
    ...(spawnError !== undefined ? { spawnError: spawnError.split("\n")[0] } : {}),
    logs: run.logs.map((log) => path.resolve(opts.cwd, log)),
  };
}

/** The last lines of a tool's output (stderr, or stdout when stderr is empty). */
export function outputTail(run: Pick<ProvisionedRun, "stdout" | "stderr">, maxLines = 30, maxChars = 4_000): string {
  const text = run.stderr.trim() ? run.stderr : run.stdout;
  const joined = text.replace(/\s+$/, "").split(/\r?\n/).slice(-maxLines).join("\n");
  return joined.length > maxChars ? joined.slice(joined.length - maxChars) : joined;
}

/** Escapes a string for use inside a Python/JS regular expression. */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

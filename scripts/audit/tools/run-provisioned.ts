/**
 * Runs a provisioned tool (provision.ts) for a stage: its env (venv PATH),
 * cancellable through the stage's signal, stdout/stderr saved next to its
 * other raw outputs. Never throws on a non-zero exit.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
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
  const { execa } = await import("execa");
  mkdirSync(opts.rawDir, { recursive: true });
  const result = await execa(tool.bin, [...args], {
    cwd: opts.cwd,
    env: { NO_COLOR: "1", FORCE_COLOR: "0", PYTHONUNBUFFERED: "1", ...tool.env, ...opts.env },
    extendEnv: true,
    reject: false,
    stdin: "ignore",
    cancelSignal: opts.signal,
    forceKillAfterDelay: 5_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  const stdout = typeof result.stdout === "string" ? result.stdout : "";
  const stderr = typeof result.stderr === "string" ? result.stderr : "";
  const outLog = path.join(opts.rawDir, `${opts.logName}.stdout.log`);
  const errLog = path.join(opts.rawDir, `${opts.logName}.stderr.log`);
  writeFileSync(outLog, stdout);
  writeFileSync(errLog, stderr);
  const spawnFailed = result.failed && result.exitCode === undefined && !result.isCanceled && !result.signal;
  return {
    exitCode: result.exitCode,
    stdout,
    stderr,
    cancelled: Boolean(result.isCanceled) || opts.signal.aborted,
    ...(spawnFailed ? { spawnError: (result.shortMessage ?? "could not start").split("\n")[0] } : {}),
    logs: [outLog, errLog],
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

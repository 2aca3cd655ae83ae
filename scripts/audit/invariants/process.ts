/**
 * Runs a fuzzer as its own process group with a hard deadline: medusa and
 * echidna spawn crytic-compile (python) and `npx hardhat console`, and
 * echidna-parade spawns many echidna processes, so stopping only the direct
 * child could leave the rest running. On the deadline or on the stage's
 * abort signal the whole group gets SIGINT (medusa and echidna then stop and
 * print their results), then SIGKILL after a grace period.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

export interface GroupRun {
  exitCode: number | undefined;
  signal: NodeJS.Signals | undefined;
  stdout: string;
  stderr: string;
  /** The hard deadline fired. */
  timedOut: boolean;
  /** The caller's signal fired. */
  cancelled: boolean;
  /** The process could not start (ENOENT...). */
  spawnError?: string;
  /** Absolute paths of the saved stdout/stderr logs. */
  logs: string[];
  durationMs: number;
}

export interface GroupRunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  /** Stop the group after this long (ms). Required: fuzzers must never run unbounded. */
  deadlineMs: number;
  /** Between SIGINT and SIGKILL (default 20 s). */
  graceMs?: number;
  /** Directory and base name for <name>.stdout.log / <name>.stderr.log. */
  logDir: string;
  logName: string;
  /** Called with each complete stdout/stderr line (progress). */
  onLine?(line: string): void;
}

function killGroup(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pid, sig);
  } catch {
    // Already gone.
  }
}

export function runGroup(file: string, args: readonly string[], opts: GroupRunOptions): Promise<GroupRun> {
  if (!(opts.deadlineMs > 0)) throw new RangeError("runGroup: a positive deadline is required");
  const started = Date.now();
  mkdirSync(opts.logDir, { recursive: true });
  return new Promise((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let timedOut = false;
    let cancelled = false;
    let spawnError: string | undefined;
    let settled = false;
    let killTimer: NodeJS.Timeout | undefined;

    const child = spawn(file, [...args], { cwd: opts.cwd, env: opts.env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    const pid = child.pid;
    const onExitOfParent = (): void => {
      if (pid) killGroup(pid, "SIGKILL");
    };
    process.once("exit", onExitOfParent);

    const stop = (): void => {
      if (!pid || settled) return;
      killGroup(pid, "SIGINT");
      killTimer ??= setTimeout(() => killGroup(pid, "SIGKILL"), opts.graceMs ?? 20_000);
    };
    const deadline = setTimeout(() => {
      timedOut = true;
      stop();
    }, opts.deadlineMs);
    const onAbort = (): void => {
      cancelled = true;
      stop();
    };
    if (opts.signal?.aborted) onAbort();
    else opts.signal?.addEventListener("abort", onAbort, { once: true });

    const lineSplitter = (): ((chunk: Buffer) => void) => {
      let rest = "";
      return (chunk) => {
        if (!opts.onLine) return;
        const text = rest + chunk.toString("utf8");
        const lines = text.split(/\r?\n/);
        rest = lines.pop() ?? "";
        for (const l of lines) opts.onLine(l);
      };
    };
    const outLines = lineSplitter();
    const errLines = lineSplitter();
    child.stdout.on("data", (c: Buffer) => {
      out.push(c);
      outLines(c);
    });
    child.stderr.on("data", (c: Buffer) => {
      err.push(c);
      errLines(c);
    });
    child.on("error", (e) => {
      spawnError = e.message;
    });
    child.on("close", (code, sig) => {
      settled = true;
      clearTimeout(deadline);
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener("abort", onAbort);
      process.removeListener("exit", onExitOfParent);
      // The group leader is gone; make sure nothing it started lingers.
      if (pid) killGroup(pid, "SIGKILL");
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      const outLog = path.join(opts.logDir, `${opts.logName}.stdout.log`);
      const errLog = path.join(opts.logDir, `${opts.logName}.stderr.log`);
      writeFileSync(outLog, stdout);
      writeFileSync(errLog, stderr);
      resolve({
        exitCode: code ?? undefined,
        signal: sig ?? undefined,
        stdout,
        stderr,
        timedOut,
        cancelled,
        spawnError,
        logs: [outLog, errLog],
        durationMs: Date.now() - started,
      });
    });
  });
}

/** The last lines of a tool's output. */
export function tailOf(text: string, maxLines = 30, maxChars = 4_000): string {
  const joined = text.replace(/\s+$/, "").split(/\r?\n/).slice(-maxLines).join("\n");
  return joined.length > maxChars ? joined.slice(joined.length - maxChars) : joined;
}

/**
 * Running external tools: locating them in the project's node_modules,
 * spawning them with execa (cancellable through the stage's AbortSignal),
 * saving their raw stdout/stderr under <outDir>/raw/<stage>/, stderr tails
 * for StageResult.stderrTail, and the first meaningful error line of a
 * tool's output for StageResult.reason (`errorLine`, `failureReason`).
 *
 * Each tool runs as the leader of its own process group, and the whole group
 * is stopped: tools start tools (Slither starts crytic-compile, which starts
 * `hardhat`; hardhat coverage starts mocha), and stopping only the direct
 * child would leave the rest running after the audit exits.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { holdProcessGroup, signalGroup } from "./interrupt";
import { relPath } from "./paths";

export interface ResolvedTool {
  name: string;
  version: string;
  /** Absolute path of the tool's JS entry point (run with the current node). */
  entry: string;
}

/**
 * Finds an npm-installed tool from `root`: its package.json `bin` entry
 * (`binName`, default the package's only bin). Undefined when not installed.
 */
export function resolveNodeTool(root: string, pkg: string, binName?: string): ResolvedTool | undefined {
  let pkgJsonPath: string;
  try {
    pkgJsonPath = require.resolve(`${pkg}/package.json`, { paths: [root] });
  } catch {
    return undefined;
  }
  const meta = JSON.parse(readFileSync(pkgJsonPath, "utf8")) as { version: string; bin?: string | Record<string, string> };
  const bin = typeof meta.bin === "string" ? meta.bin : meta.bin?.[binName ?? pkg] ?? Object.values(meta.bin ?? {})[0];
  if (!bin) return undefined;
  return { name: pkg, version: meta.version, entry: path.join(path.dirname(pkgJsonPath), bin) };
}

/** Version of an installed package, or undefined. */
export function packageVersion(root: string, pkg: string): string | undefined {
  try {
    const file = require.resolve(`${pkg}/package.json`, { paths: [root] });
    return (JSON.parse(readFileSync(file, "utf8")) as { version: string }).version;
  } catch {
    return undefined;
  }
}

export interface ToolRun {
  /** Exit code; undefined when the process could not start or was killed by a signal. */
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** The stage's signal fired (timeout or interrupt) and the process was stopped. */
  cancelled: boolean;
  /** Could not start at all (ENOENT...). */
  spawnError?: string;
  /** Repository-relative paths of the saved stdout/stderr logs. */
  logs: string[];
}

export interface RunToolOptions {
  root: string;
  cwd?: string;
  env?: Record<string, string | undefined>;
  signal: AbortSignal;
  /** Directory for <logName>.stdout.log / <logName>.stderr.log. */
  rawDir: string;
  logName: string;
}

/** After SIGTERM, how long a tool's process group gets before SIGKILL. */
export const KILL_GRACE_MS = 5_000;

/**
 * Runs `node <entry> ...args` (an npm tool) or any executable; never throws on a non-zero exit.
 * The tool leads its own process group: when `opts.signal` fires the group gets SIGTERM, then
 * SIGKILL after KILL_GRACE_MS; when the tool exits, whatever it left running in its group is
 * killed; and if the audit itself exits first, the exit hook of interrupt.ts kills the group.
 */
export async function runTool(file: string, args: string[], opts: RunToolOptions): Promise<ToolRun> {
  const { execa } = await import("execa");
  mkdirSync(opts.rawDir, { recursive: true });
  const subprocess = execa(file, args, {
    cwd: opts.cwd ?? opts.root,
    env: { FORCE_COLOR: "0", NO_COLOR: "1", ...opts.env },
    extendEnv: true,
    reject: false,
    stdin: "ignore",
    detached: true,
    stripFinalNewline: false,
    maxBuffer: 256 * 1024 * 1024,
  });
  const pgid = subprocess.pid;
  const release = pgid !== undefined ? holdProcessGroup(pgid) : () => undefined;
  let killTimer: NodeJS.Timeout | undefined;
  const stop = (): void => {
    if (pgid === undefined) return;
    signalGroup(pgid, "SIGTERM");
    killTimer ??= setTimeout(() => signalGroup(pgid, "SIGKILL"), KILL_GRACE_MS);
  };
  if (opts.signal.aborted) stop();
  else opts.signal.addEventListener("abort", stop, { once: true });
  let result;
  try {
    result = await subprocess;
  } finally {
    opts.signal.removeEventListener("abort", stop);
    if (killTimer) clearTimeout(killTimer);
    // The leader is gone: nothing it started may outlive it.
    if (pgid !== undefined) signalGroup(pgid, "SIGKILL");
    release();
  }
  const stdout = typeof result.stdout === "string" ? result.stdout : "";
  const stderr = typeof result.stderr === "string" ? result.stderr : "";
  const outLog = path.join(opts.rawDir, `${opts.logName}.stdout.log`);
  const errLog = path.join(opts.rawDir, `${opts.logName}.stderr.log`);
  writeFileSync(outLog, stdout);
  writeFileSync(errLog, stderr);
  const spawnFailed = result.failed && result.exitCode === undefined && !result.signal;
  return {
    exitCode: result.exitCode,
    stdout,
    stderr,
    cancelled: opts.signal.aborted,
    spawnError: spawnFailed ? result.shortMessage : undefined,
    logs: [relPath(opts.root, outLog), relPath(opts.root, errLog)],
  };
}

/** Runs an npm tool's JS entry with the node running the pipeline. */
export function runNodeTool(tool: ResolvedTool, args: string[], opts: RunToolOptions): Promise<ToolRun> {
  return runTool(process.execPath, [tool.entry, ...args], opts);
}

/** The last `maxLines` lines (at most `maxChars` characters) of a tool's output, for StageResult.stderrTail. */
export function tail(text: string, maxLines = 30, maxChars = 4_000): string {
  const lines = text.replace(/\s+$/, "").split(/\r?\n/);
  const joined = lines.slice(-maxLines).join("\n");
  return joined.length > maxChars ? joined.slice(joined.length - maxChars) : joined;
}

/** stderr's tail, or stdout's when stderr is empty (mocha and some hardhat errors print to stdout). */
export function outputTail(run: Pick<ToolRun, "stdout" | "stderr">): string {
  return tail(run.stderr.trim() ? run.stderr : run.stdout);
}

/** ANSI escape sequences (colours, cursor moves) some tools print even with NO_COLOR. */
const ANSI = /\u001b\[[0-9;?]*[A-Za-z]/g;
/** Words that mark a line as an error report. */
const ERROR_WORDS = /\b(error|errors|exception|fatal|failed|failure|panic|unknown file|cannot|can't|could not|not found|no such file|invalid|denied|refused|abort(ed)?)\b|\w(Error|Exception)\b/i;
/** Lines that are never the message: stack frames, traceback frames, source excerpts, carets. */
const NOISE = [/^at\s/, /^File "/, /^Traceback \(most recent call last\)/, /^[|^~\s]*$/, /^\d+\s*\|/, /^-->/, /^During handling of the above exception/];
const MAX_LINE = 300;

function clip(line: string): string {
  const one = line.replace(/\s+/g, " ").trim();
  return one.length > MAX_LINE ? `${one.slice(0, MAX_LINE - 1)}…` : one;
}

/** A message line ending in ":" announces the next line ("Invalid compilation:" / "Unknown file: x"). */
function withContinuation(lines: string[], i: number): string {
  const line = lines[i].trim();
  if (!line.endsWith(":")) return line;
  const next = lines.slice(i + 1).find((l) => l.trim() && !NOISE.some((re) => re.test(l.trim())));
  return next ? `${line} ${next.trim()}` : line;
}

/**
 * The first meaningful line of a tool's error output, for a stage's `reason`; undefined when the
 * output has no line that reports an error. In order:
 * - a compiler diagnostic (`ParserError: ...` followed by `--> file:line:col:`), as
 *   `file:line:col: ParserError: ...`;
 * - a Python traceback's exception line (`crytic_compile...InvalidCompilation: Unknown file: x`
 *   becomes `InvalidCompilation: Unknown file: x`);
 * - else the first line naming an error (stack frames, source excerpts and log prefixes such as
 *   `ERROR:Slither:` left out), joined with the next line when it ends in ":".
 */
export function errorLine(output: string): string | undefined {
  const lines = output.replace(ANSI, "").split(/\r?\n/).map((l) => l.replace(/\s+$/, ""));
  for (let i = 0; i < lines.length; i++) {
    const diag = /^\s*(\w*(?:Error|Exception)|Error)(?: \w+)?: (.+)$/.exec(lines[i]);
    const loc = diag ? /^\s*--> (.+?):?\s*$/.exec(lines[i + 1] ?? "") : null;
    if (diag && loc) return clip(`${loc[1]}: ${diag[1]}: ${diag[2]}`);
  }
  const traceback = lines.findIndex((l) => /^Traceback \(most recent call last\)/.test(l.trim()));
  if (traceback >= 0) {
    for (let i = traceback + 1; i < lines.length; i++) {
      if (!lines[i] || /^\s/.test(lines[i])) continue;
      const m = /^(?:[\w.]+\.)?(\w+): ?(.*)$/.exec(withContinuation(lines, i));
      return clip(m ? `${m[1]}: ${m[2]}`.replace(/: $/, "") : lines[i]);
    }
  }
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (!raw || NOISE.some((re) => re.test(raw)) || !ERROR_WORDS.test(raw)) continue;
    const unprefixed = (s: string): string => s.replace(/^(ERROR|CRITICAL|FATAL):[\w.-]*:\s*/, "");
    return clip(unprefixed(withContinuation(lines, i)));
  }
  return undefined;
}

/** The first meaningful error line of a run: stderr first, then stdout (mocha and hardhat print errors there too). */
export function runErrorLine(run: Pick<ToolRun, "stdout" | "stderr">): string | undefined {
  return errorLine(run.stderr) ?? errorLine(run.stdout);
}

/**
 * A stage's reason for a tool that failed: `<what> exited with <code>` (or could not start, or was
 * killed by a signal), followed by the first meaningful line of its error output.
 */
export function failureReason(what: string, run: Pick<ToolRun, "exitCode" | "stdout" | "stderr" | "spawnError">, detail?: string): string {
  if (run.spawnError) return `${what} could not start: ${run.spawnError.split("\n")[0]}`;
  const head = detail ?? `${what} exited with ${run.exitCode ?? "a signal"}`;
  const line = runErrorLine(run);
  return line ? `${head}: ${line}` : head;
}

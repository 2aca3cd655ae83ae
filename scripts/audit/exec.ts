/**
 * Running external tools: locating them in the project's node_modules,
 * spawning them with execa (cancellable through the stage's AbortSignal),
 * saving their raw stdout/stderr under <outDir>/raw/<stage>/, and stderr
 * tails for StageResult.stderrTail.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
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

/** Runs `node <entry> ...args` (an npm tool) or any executable; never throws on a non-zero exit. */
export async function runTool(file: string, args: string[], opts: RunToolOptions): Promise<ToolRun> {
  const { execa } = await import("execa");
  mkdirSync(opts.rawDir, { recursive: true });
  const result = await execa(file, args, {
    cwd: opts.cwd ?? opts.root,
    env: { FORCE_COLOR: "0", NO_COLOR: "1", ...opts.env },
    extendEnv: true,
    reject: false,
    stdin: "ignore",
    cancelSignal: opts.signal,
    forceKillAfterDelay: 5_000,
    stripFinalNewline: false,
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
    cancelled: result.isCanceled || opts.signal.aborted,
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

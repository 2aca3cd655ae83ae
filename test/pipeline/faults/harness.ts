/**
 * The fault-injection suite's harness (no tests here): a scratch copy of this
 * repository, the real CLI started as its own process group, checksums of an
 * output tree, the processes a run started, and a read-only directory.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from "node:child_process";
import { accessSync, appendFileSync, chmodSync, constants, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO } from "../helpers";

export { checksums } from "../helpers";

export const CLI = path.join(REPO, "scripts", "audit", "cli.ts");

/** Top-level entries of the repository that a scratch copy leaves out (generated, installed, VCS). */
const NOT_COPIED = new Set(["node_modules", ".tools", ".git", "artifacts", "cache", "typechain-types", "coverage", "coverage.json", "crytic-export", "dist", "audit"]);
/** The committed inputs under audit/ (everything else there is output of earlier runs). */
const AUDIT_INPUTS = ["policy.json", "suppressions.json", "domains.json", "baselines", "README.md"];

/**
 * The top-level names of the checkout that git ignores (a developer's scratch folders, other tools'
 * caches): never part of a scratch repository (a nested checkout there would break its `git add`).
 * Empty when git cannot say (not a checkout).
 */
function gitIgnored(names: readonly string[]): Set<string> {
  try {
    return new Set(execFileSync("git", ["check-ignore", "--", ...names], { cwd: REPO, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).split("\n").filter(Boolean));
  } catch (e) {
    // Exit 1: nothing ignored; anything else: no answer.
    const out = (e as { stdout?: string }).stdout ?? "";
    return new Set(out.split("\n").filter(Boolean));
  }
}

/**
 * A copy of the repository's sources and committed inputs in a fresh temp folder (or in `into`, which
 * must not exist yet), with node_modules and the provisioned tools (.tools) linked, not copied. No
 * build, no reports: a fresh clone after `npm ci`, with the tools already provisioned.
 */
export function scratchRepository(into?: string): string {
  const dir = into ?? mkdtempSync(path.join(os.tmpdir(), "audit-faults-"));
  if (into !== undefined) mkdirSync(into);
  const names = readdirSync(REPO);
  const ignored = gitIgnored(names);
  for (const name of names) {
    if (NOT_COPIED.has(name) || name.startsWith(".coverage") || ignored.has(name)) continue;
    cpSync(path.join(REPO, name), path.join(dir, name), { recursive: true });
  }
  mkdirSync(path.join(dir, "audit"));
  for (const name of AUDIT_INPUTS) {
    if (existsSync(path.join(REPO, "audit", name))) cpSync(path.join(REPO, "audit", name), path.join(dir, "audit", name), { recursive: true });
  }
  symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
  if (existsSync(path.join(REPO, ".tools"))) symlinkSync(path.join(REPO, ".tools"), path.join(dir, ".tools"), "dir");
  return dir;
}

/**
 * Makes a scratch repository a git repository with one commit of everything in it (the links to the
 * shared installs, node_modules and .tools, excluded: they are not the project's files).
 */
export function commitScratch(scratch: string, message: string): void {
  const git = (...args: string[]): void => void execFileSync("git", args, { cwd: scratch, stdio: "ignore" });
  git("init", "-q");
  appendFileSync(path.join(scratch, ".git", "info", "exclude"), "node_modules\n.tools\n");
  git("add", "-A");
  git("-c", "user.email=audit@example.com", "-c", "user.name=audit", "commit", "-qm", message);
}

/** A copy of a scratch repository (its reports included; build outputs left out, node_modules still linked). */
export function copyOfScratch(scratch: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "audit-faults-"));
  const skip = new Set(["artifacts", "cache", "typechain-types"].map((n) => path.join(scratch, n)));
  cpSync(scratch, dir, { recursive: true, filter: (src) => !skip.has(src) });
  return dir;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliProcess {
  child: ChildProcess;
  pid: number;
  /** The temp folder the run was given (TMPDIR): scratch copies land here. */
  tmpdir: string;
  done: Promise<CliResult>;
  output(): string;
  /** Resolves once stdout or stderr matches `pattern`; rejects after `timeoutMs` or when the run ends first. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

/**
 * Starts the real CLI (`node -r ts-node/register/transpile-only scripts/audit/cli.ts ...args`) as
 * the leader of its own process group, as a shell starts a foreground job, with its own TMPDIR.
 * `wrap` prefixes the command (e.g. unshare).
 */
export function startCli(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; wrap?: string[] } = {}): CliProcess {
  const tmpdir = mkdtempSync(path.join(os.tmpdir(), "audit-faults-tmp-"));
  const command = [...(opts.wrap ?? []), process.execPath, "-r", "ts-node/register/transpile-only", CLI, ...args];
  const child = spawn(command[0], command.slice(1), {
    cwd: REPO,
    detached: true,
    env: { ...process.env, CI: "true", TS_NODE_PROJECT: path.join(REPO, "tsconfig.json"), TMPDIR: tmpdir, ...opts.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  let finished = false;
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      finished = true;
      resolve({ code, signal, stdout, stderr });
    });
  });
  const output = (): string => stdout + stderr;
  const waitFor = async (pattern: RegExp, timeoutMs = 120_000): Promise<void> => {
    const started = Date.now();
    while (!pattern.test(output())) {
      if (finished) throw new Error(`the run ended before ${pattern} appeared:\n${output()}`);
      if (Date.now() - started > timeoutMs) throw new Error(`${pattern} did not appear within ${timeoutMs} ms:\n${output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, pid: child.pid!, tmpdir, done, output, waitFor };
}

/** Runs the CLI to completion. */
export async function runCli(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; wrap?: string[] } = {}): Promise<CliResult & { tmpdir: string }> {
  const run = startCli(args, opts);
  const result = await run.done;
  return { ...result, tmpdir: run.tmpdir };
}

interface ProcessEntry {
  ppid: number;
  pgid: number;
  state: string;
}

/** Linux process table: pid -> parent, process group, state. */
function processTable(): Map<number, ProcessEntry> {
  const table = new Map<number, ProcessEntry>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (comm) state ppid pgrp ...": comm may hold spaces and parentheses.
      const [state, ppid, pgid] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      table.set(Number(entry), { ppid: Number(ppid), pgid: Number(pgid), state });
    } catch {
      // Gone meanwhile.
    }
  }
  return table;
}

/** The process groups of `pid` and of every live process below it (children, grandchildren...). */
export function processGroupsBelow(pid: number): number[] {
  const table = processTable();
  const groups = new Set<number>();
  const seen = new Set<number>();
  const visit = (parent: number): void => {
    for (const [child, { ppid, pgid, state }] of table) {
      if (ppid !== parent || seen.has(child)) continue;
      seen.add(child);
      if (state !== "Z") groups.add(pgid);
      visit(child);
    }
  };
  visit(pid);
  return [...groups];
}

/** Live processes (zombies do not run) in any of `groups`: what a run left behind, reparented or not. */
export function runningIn(groups: readonly number[]): number[] {
  return [...processTable()].filter(([, p]) => groups.includes(p.pgid) && p.state !== "Z").map(([pid]) => pid);
}

/** Polls until no process of `groups` runs, or `timeoutMs`; returns those still running. */
export async function waitGroupsGone(groups: readonly number[], timeoutMs = 10_000): Promise<number[]> {
  const started = Date.now();
  let left = runningIn(groups);
  while (left.length > 0 && Date.now() - started < timeoutMs) {
    await new Promise((r) => setTimeout(r, 200));
    left = runningIn(groups);
  }
  return left;
}

/** What makes `dir` unwritable for a CLI run, and the reason the CLI must give. */
export interface ReadOnly {
  /** Prefix for startCli's `wrap`. */
  wrap: string[];
  reason: string;
  /** Undoes what was done to `dir` (nothing for a mount namespace, which dies with the run). */
  restore(): void;
}

/**
 * Makes `dir` read-only for the runs started with the returned `wrap`, or undefined when this
 * machine allows neither way:
 * - as root (file permissions do not stop root): a private mount namespace (unshare) in which
 *   `dir` is bind-mounted read-only, so the CLI sees a read-only file system there;
 * - otherwise: mode 0555, so the CLI gets "permission denied".
 */
export function readOnly(dir: string): ReadOnly | undefined {
  if (process.getuid?.() === 0) {
    const script = 'mount --bind "$0" "$0" && mount -o remount,ro,bind "$0" "$0" && exec "$@"';
    const wrap = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, dir];
    const probe = spawnSync(wrap[0], [...wrap.slice(1), "sh", "-c", 'touch "$0/.probe" 2>/dev/null && exit 1 || exit 0', dir], { stdio: "ignore" });
    if (probe.status !== 0) return undefined;
    return { wrap, reason: "read-only file system", restore: () => undefined };
  }
  chmodSync(dir, 0o555);
  try {
    accessSync(dir, constants.W_OK);
    chmodSync(dir, 0o755);
    return undefined;
  } catch {
    return { wrap: [], reason: "permission denied", restore: () => chmodSync(dir, 0o755) };
  }
}

/** Removes a temp folder made by startCli. */
export function removeTmp(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

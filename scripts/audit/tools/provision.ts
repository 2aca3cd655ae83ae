/**
 * Project-local provisioning of the external analysis tools the audit uses.
 *
 * Everything goes under `<root>/.tools/` (git-ignored), never into a global
 * location:
 *
 *   .tools/venv/          Python venv: slither-analyzer, crytic-compile, echidna-parade
 *   .tools/bin/           medusa (built with Go from the wrapper module in ./medusa/)
 *   .tools/stamps/*.json  what was installed, with the pins it was installed for
 *   .tools/locks/*.lock   held while a group is being (re)installed
 *
 * Pins live in this file (PYTHON_PINS, MEDUSA_PIN). A group is reused when its
 * stamp records exactly the current pins and its binaries exist; otherwise it
 * is wiped and installed again. crytic-compile is deliberately NOT pinned:
 * slither-analyzer pins its own compatible range (0.11.x wants
 * crytic-compile < 0.4), so pip resolves it; the resolved version is recorded
 * in the stamp and reported.
 *
 * Concurrency: two stages of one run may ask for the same group at once
 * (in-process: one shared promise), and two processes may too (a lock file
 * created with O_EXCL, holding the owner's pid and refreshed while the install
 * runs; a lock whose owner is dead or that went stale is broken). The stamp is
 * re-checked after the lock is taken, so the second caller reuses what the
 * first installed.
 *
 * Errors: `ToolUnavailableError` (one-line `reason`) when the tool cannot be
 * installed here - registry unreachable, python3/go missing, offline with
 * nothing installed; stages turn it into `skipped` with that reason.
 * `ToolInstallError` when the installer ran and failed otherwise; stages turn
 * it into `error` with its `stderrTail`.
 */
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { hostname } from "node:os";
import path from "node:path";
import { isExecutable } from "../paths";

/* ------------------------------------------------------------------------ *
 * Pins
 * ------------------------------------------------------------------------ */

/** Python packages installed into .tools/venv, exact versions. crytic-compile: resolved by pip (see above). */
export const PYTHON_PINS: Readonly<Record<string, string>> = {
  "slither-analyzer": "0.11.6",
  "echidna-parade": "0.2",
};

/** Packages whose resolved versions the stamp records. */
export const PYTHON_REPORTED = ["slither-analyzer", "crytic-compile", "echidna-parade", "solc-select"] as const;

/**
 * medusa, built from the Go module proxy (tags up to v1.2.0 do not build with
 * current Go). Must equal the `require` in ./medusa/go.mod (a test checks).
 */
export const MEDUSA_PIN = { module: "github.com/crytic/medusa", version: "v1.5.1" } as const;

/** Oldest Python slither-analyzer 0.11 supports. */
export const MIN_PYTHON: readonly [number, number] = [3, 10];

/* ------------------------------------------------------------------------ *
 * Public types
 * ------------------------------------------------------------------------ */

export interface ProvisionedTool {
  name: string;
  version: string;
  /** Absolute path of the executable. */
  bin: string;
  /** Extra environment to run it with (PATH with the venv and .tools/bin first, VIRTUAL_ENV). */
  env?: Record<string, string>;
}

export interface CommandResult {
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
  /** Set when the process could not start (ENOENT...). */
  spawnError?: string;
}

export interface CommandOptions {
  cwd?: string;
  env?: Record<string, string | undefined>;
  signal?: AbortSignal;
}

/** Runs one installer command; never throws on a non-zero exit. Injected by tests. */
export type CommandRunner = (file: string, args: readonly string[], opts: CommandOptions) => Promise<CommandResult>;

export interface ProvisionOptions {
  /** Repository root; tools go to <root>/.tools unless `toolsDir` says otherwise. */
  root: string;
  /** Progress lines ("installing slither-analyzer==0.11.6 into .tools/venv ..."). */
  log(msg: string): void;
  signal?: AbortSignal;
  /** Never install: use what is installed or throw ToolUnavailableError. */
  offline?: boolean;
  /** Default <root>/.tools. */
  toolsDir?: string;
  /** Default: execa. Tests inject a fake. */
  runner?: CommandRunner;
  /** Environment for installers and PATH lookups (default process.env). PIP_INDEX_URL, GOPROXY... pass through. */
  env?: Record<string, string | undefined>;
  /** How long to wait for another process's install lock (default 30 min). */
  lockTimeoutMs?: number;
}

/** The tool cannot be installed on this machine (registry unreachable, no python3/go, offline). */
export class ToolUnavailableError extends Error {
  constructor(
    readonly tool: string,
    /** One line, e.g. "PyPI is unreachable (Network is unreachable)". */
    readonly reason: string,
  ) {
    super(`${tool} is unavailable: ${reason}`);
    this.name = "ToolUnavailableError";
  }
}

/** The installer ran and failed for another reason (build error, broken venv...). */
export class ToolInstallError extends Error {
  constructor(
    readonly tool: string,
    message: string,
    readonly stderrTail: string,
  ) {
    super(message);
    this.name = "ToolInstallError";
  }
}

/* ------------------------------------------------------------------------ *
 * Small helpers
 * ------------------------------------------------------------------------ */

export const defaultRunner: CommandRunner = async (file, args, opts) => {
  const { execa } = await import("execa");
  const result = await execa(file, [...args], {
    cwd: opts.cwd,
    env: opts.env,
    extendEnv: false,
    reject: false,
    stdin: "ignore",
    cancelSignal: opts.signal,
    forceKillAfterDelay: 5_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const spawnFailed = result.failed && result.exitCode === undefined && !result.isCanceled && !result.signal;
  return {
    exitCode: result.exitCode,
    stdout: typeof result.stdout === "string" ? result.stdout : "",
    stderr: typeof result.stderr === "string" ? result.stderr : "",
    ...(spawnFailed ? { spawnError: (result.shortMessage ?? "could not start").split("\n")[0] } : {}),
  };
};


/** Absolute path of `bin` on PATH (of `env`, default process.env), or undefined. */
export function findOnPath(bin: string, env: Record<string, string | undefined> = process.env): string | undefined {
  if (bin.includes("/")) return isExecutable(bin) ? path.resolve(bin) : undefined;
  for (const dir of (env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, bin);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

/** The last lines of installer output, for error reports. */
export function tailLines(text: string, maxLines = 25, maxChars = 4_000): string {
  const joined = text.replace(/\s+$/, "").split(/\r?\n/).slice(-maxLines).join("\n");
  return joined.length > maxChars ? joined.slice(joined.length - maxChars) : joined;
}

function firstLine(text: string): string {
  return text.trim().split(/\r?\n/)[0]?.trim() ?? "";
}

export interface ToolPaths {
  toolsDir: string;
  venv: string;
  venvBin: string;
  bin: string;
  stamps: string;
  locks: string;
}

export function toolPaths(opts: Pick<ProvisionOptions, "root" | "toolsDir">): ToolPaths {
  const toolsDir = path.resolve(opts.toolsDir ?? path.join(opts.root, ".tools"));
  const venv = path.join(toolsDir, "venv");
  return {
    toolsDir,
    venv,
    venvBin: path.join(venv, process.platform === "win32" ? "Scripts" : "bin"),
    bin: path.join(toolsDir, "bin"),
    stamps: path.join(toolsDir, "stamps"),
    locks: path.join(toolsDir, "locks"),
  };
}

/** PATH with the venv's bin and .tools/bin in front, for running provisioned tools. */
export function toolEnv(paths: ToolPaths, env: Record<string, string | undefined> = process.env): Record<string, string> {
  return {
    PATH: [paths.venvBin, paths.bin, env.PATH ?? ""].filter(Boolean).join(path.delimiter),
    VIRTUAL_ENV: paths.venv,
  };
}

/* ------------------------------------------------------------------------ *
 * Stamps
 * ------------------------------------------------------------------------ */

export interface Stamp {
  /** The pins the group was installed for; reuse requires an exact match. */
  pins: Record<string, string>;
  /** Resolved versions (e.g. crytic-compile), for reports. */
  versions: Record<string, string>;
  installedAt: string;
}

function stampFile(paths: ToolPaths, group: string): string {
  return path.join(paths.stamps, `${group}.json`);
}

export function readStamp(paths: ToolPaths, group: string): Stamp | undefined {
  try {
    const stamp = JSON.parse(readFileSync(stampFile(paths, group), "utf8")) as Stamp;
    if (typeof stamp.pins !== "object" || typeof stamp.versions !== "object") return undefined;
    return stamp;
  } catch {
    return undefined;
  }
}

function writeStamp(paths: ToolPaths, group: string, stamp: Stamp): void {
  mkdirSync(paths.stamps, { recursive: true });
  const file = stampFile(paths, group);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(stamp, null, 2)}\n`);
  // rename is atomic: a reader sees the old stamp or the new one.
  renameSync(`${file}.tmp`, file);
}

function samePins(a: Record<string, string>, b: Record<string, string>): boolean {
  const ka = Object.keys(a).sort();
  const kb = Object.keys(b).sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i] && a[k] === b[k]);
}

/* ------------------------------------------------------------------------ *
 * Locking
 * ------------------------------------------------------------------------ */

/** A lock not refreshed for this long is considered abandoned. */
export const LOCK_STALE_MS = 5 * 60_000;
const LOCK_HEARTBEAT_MS = 30_000;
const LOCK_POLL_MS = 250;

interface LockInfo {
  pid: number;
  host: string;
  startedAt: string;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new Error("aborted"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new Error("aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Whether an existing lock file may be broken: its owner died, or it was not refreshed for LOCK_STALE_MS. */
export function lockIsStale(lockFile: string, now = Date.now()): boolean {
  let info: Partial<LockInfo> = {};
  let mtime: number;
  try {
    mtime = statSync(lockFile).mtimeMs;
    info = JSON.parse(readFileSync(lockFile, "utf8")) as LockInfo;
  } catch {
    // Vanished (released) or half-written: stale only if old.
    try {
      mtime = statSync(lockFile).mtimeMs;
    } catch {
      return true;
    }
  }
  if (info.host === hostname() && typeof info.pid === "number" && !pidAlive(info.pid)) return true;
  return now - mtime > LOCK_STALE_MS;
}

/** Runs `fn` holding <locks>/<group>.lock (exclusive across processes). */
export async function withLock<T>(paths: ToolPaths, group: string, opts: ProvisionOptions, fn: () => Promise<T>): Promise<T> {
  mkdirSync(paths.locks, { recursive: true });
  const lockFile = path.join(paths.locks, `${group}.lock`);
  const deadline = Date.now() + (opts.lockTimeoutMs ?? 30 * 60_000);
  let announced = false;
  for (;;) {
    try {
      const fd = openSync(lockFile, "wx");
      const info: LockInfo = { pid: process.pid, host: hostname(), startedAt: new Date().toISOString() };
      writeFileSync(fd, JSON.stringify(info));
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    }
    if (lockIsStale(lockFile)) {
      opts.log(`removing stale install lock ${path.relative(opts.root, lockFile)}`);
      rmSync(lockFile, { force: true });
      continue;
    }
    if (!announced) {
      opts.log(`waiting for another process to finish installing ${group} (${path.relative(opts.root, lockFile)})`);
      announced = true;
    }
    if (Date.now() > deadline) {
      throw new ToolInstallError(group, `timed out waiting for the install lock ${lockFile}`, "");
    }
    await sleep(LOCK_POLL_MS, opts.signal);
  }
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(lockFile, now, now);
    } catch {
      // The lock was removed under us; nothing useful to do.
    }
  }, LOCK_HEARTBEAT_MS);
  heartbeat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(heartbeat);
    rmSync(lockFile, { force: true });
  }
}

/* ------------------------------------------------------------------------ *
 * Registry errors
 * ------------------------------------------------------------------------ */

const NETWORK_PATTERNS: RegExp[] = [
  /Failed to establish a new connection(: [^'")\n]*)?/i,
  /Temporary failure in name resolution/i,
  /Name or service not known/i,
  /Network is unreachable/i,
  /Connection refused/i,
  /Connection reset by peer/i,
  /Read timed out/i,
  /connect timeout/i,
  /ProxyError[^\n]*/i,
  /SSLError[^\n]*/i,
  /No route to host/i,
  /no such host/i,
  /dial tcp[^\n]*/i,
  /i\/o timeout/i,
  /TLS handshake timeout/i,
  /could not fetch URL[^\n]*/i,
];

/** If installer output shows the registry could not be reached, a short explanation; else undefined. */
export function networkProblem(output: string): string | undefined {
  for (const re of NETWORK_PATTERNS) {
    const m = re.exec(output);
    if (m) return m[0].replace(/\s+/g, " ").trim().slice(0, 160);
  }
  // pip with an unreachable index retries, then reports no versions at all.
  if (/from versions: none\)/.test(output) && /Retrying|WARNING: .*connection/i.test(output)) return "no versions listed";
  return undefined;
}

/* ------------------------------------------------------------------------ *
 * Python venv: slither-analyzer, crytic-compile, echidna-parade
 * ------------------------------------------------------------------------ */

const PYTHON_GROUP = "python";
const PYTHON_BINS = ["slither", "slither-check-upgradeability", "crytic-compile", "echidna-parade"];

interface InstallContext {
  opts: ProvisionOptions;
  paths: ToolPaths;
  run: CommandRunner;
  env: Record<string, string | undefined>;
}

function installContext(opts: ProvisionOptions): InstallContext {
  return { opts, paths: toolPaths(opts), run: opts.runner ?? defaultRunner, env: { ...(opts.env ?? process.env) } };
}

const inflight = new Map<string, Promise<Stamp>>();

/** One shared promise per (tools dir, group) in this process; the lock file handles other processes. */
function once(key: string, make: () => Promise<Stamp>): Promise<Stamp> {
  const pending = inflight.get(key);
  if (pending) return pending;
  const p = make().finally(() => inflight.delete(key));
  inflight.set(key, p);
  return p;
}

function pythonPins(): Record<string, string> {
  return { ...PYTHON_PINS };
}

function pythonInstalled(paths: ToolPaths): boolean {
  return PYTHON_BINS.every((b) => isExecutable(path.join(paths.venvBin, b))) && isExecutable(path.join(paths.venvBin, "python"));
}

function currentStamp(paths: ToolPaths, group: string, pins: Record<string, string>, installed: () => boolean): Stamp | undefined {
  const stamp = readStamp(paths, group);
  return stamp && samePins(stamp.pins, pins) && installed() ? stamp : undefined;
}

async function findPython(ctx: InstallContext): Promise<string> {
  const candidates = ["python3", "python"];
  for (const name of candidates) {
    const bin = findOnPath(name, ctx.env);
    if (!bin) continue;
    const r = await ctx.run(bin, ["-c", "import sys, venv; print('%d.%d.%d' % sys.version_info[:3])"], { env: ctx.env, signal: ctx.opts.signal });
    if (r.exitCode !== 0) continue;
    const [major, minor] = r.stdout.trim().split(".").map(Number);
    if (major > MIN_PYTHON[0] || (major === MIN_PYTHON[0] && minor >= MIN_PYTHON[1])) return bin;
    throw new ToolUnavailableError("slither-analyzer", `${name} is ${r.stdout.trim()}, slither needs Python >= ${MIN_PYTHON.join(".")}`);
  }
  throw new ToolUnavailableError("slither-analyzer", `no python3 with the venv module on PATH (slither needs Python >= ${MIN_PYTHON.join(".")})`);
}

async function installPython(ctx: InstallContext): Promise<Stamp> {
  const { opts, paths, run } = ctx;
  const pins = pythonPins();
  const spec = Object.entries(pins).map(([p, v]) => `${p}==${v}`);
  const rel = path.relative(opts.root, paths.venv) || paths.venv;
  const python = await findPython(ctx);
  const stale = readStamp(paths, PYTHON_GROUP);
  const missing = [...PYTHON_BINS, "python"].filter((b) => !isExecutable(path.join(paths.venvBin, b)));
  opts.log(
    !stale
      ? `installing ${spec.join(" ")} into ${rel} (first run; later runs reuse it)`
      : samePins(stale.pins, pins)
        ? `${missing.join(", ") || "a tool"} missing from ${rel}/bin: recreating ${rel} with ${spec.join(" ")}`
        : `pins changed (${Object.entries(stale.pins).map(([p, v]) => `${p}==${v}`).join(" ")} -> ${spec.join(" ")}): recreating ${rel}`,
  );
  rmSync(stampFile(paths, PYTHON_GROUP), { force: true });
  rmSync(paths.venv, { recursive: true, force: true });
  mkdirSync(paths.toolsDir, { recursive: true });

  const venvPython = path.join(paths.venvBin, "python");
  // pip runs inside the venv; on Debian-like systems without ensurepip (no python3-venv package) the
  // venv is made without pip and the system's pip (>= 22.3) installs into it with --python.
  let pipCommand: [string, string[]] = [venvPython, ["-m", "pip"]];
  const venv = await run(python, ["-m", "venv", paths.venv], { env: ctx.env, signal: opts.signal });
  if (venv.exitCode !== 0) {
    const why = firstLine(venv.stderr.split(/\r?\n/).find((l) => /ensurepip|Error/i.test(l)) ?? venv.stderr) || venv.spawnError || "unknown error";
    if (!/ensurepip/i.test(`${venv.stdout}\n${venv.stderr}`)) {
      throw new ToolUnavailableError("slither-analyzer", `cannot create a venv with ${python}: ${why}`);
    }
    rmSync(paths.venv, { recursive: true, force: true });
    const bare = await run(python, ["-m", "venv", "--without-pip", paths.venv], { env: ctx.env, signal: opts.signal });
    const systemPip = bare.exitCode === 0 ? await run(python, ["-m", "pip", "--version"], { env: ctx.env, signal: opts.signal }) : undefined;
    if (bare.exitCode !== 0 || systemPip?.exitCode !== 0) {
      throw new ToolUnavailableError("slither-analyzer", `cannot create a venv with ${python} (${why}) and there is no system pip to fill one: install python3-venv`);
    }
    opts.log(`${python} has no ensurepip: using the system pip to install into ${rel}`);
    pipCommand = [python, ["-m", "pip", "--python", venvPython]];
  }
  const pipEnv = { ...ctx.env, PIP_DISABLE_PIP_VERSION_CHECK: "1", PIP_NO_INPUT: "1", VIRTUAL_ENV: paths.venv };
  // Few retries and a short timeout: an unreachable registry fails in seconds, not minutes.
  const pip = await run(pipCommand[0], [...pipCommand[1], "install", "--retries", "2", "--timeout", "20", ...spec], {
    env: pipEnv,
    signal: opts.signal,
  });
  if (pip.exitCode !== 0) {
    const output = `${pip.stdout}\n${pip.stderr}`;
    rmSync(paths.venv, { recursive: true, force: true });
    const net = networkProblem(output);
    if (net) throw new ToolUnavailableError("slither-analyzer", `PyPI is unreachable, cannot pip install ${spec.join(" ")} (${net})`);
    throw new ToolInstallError(
      "slither-analyzer",
      `pip install ${spec.join(" ")} failed (exit ${pip.exitCode ?? pip.spawnError ?? "signal"})`,
      tailLines(pip.stderr.trim() ? pip.stderr : pip.stdout),
    );
  }
  const versions = await pythonVersions(ctx, venvPython);
  for (const [pkg, version] of Object.entries(pins)) {
    if (versions[pkg] !== version) {
      throw new ToolInstallError("slither-analyzer", `pip installed ${pkg} ${versions[pkg] ?? "nothing"}, expected ${version}`, "");
    }
  }
  if (!pythonInstalled(paths)) {
    throw new ToolInstallError("slither-analyzer", `pip finished but ${PYTHON_BINS.join(", ")} are not all in ${rel}/bin`, tailLines(pip.stdout));
  }
  const stamp: Stamp = { pins, versions, installedAt: new Date().toISOString() };
  writeStamp(paths, PYTHON_GROUP, stamp);
  opts.log(`installed ${Object.entries(versions).map(([p, v]) => `${p} ${v}`).join(", ")}`);
  return stamp;
}

async function pythonVersions(ctx: InstallContext, venvPython: string): Promise<Record<string, string>> {
  const script = [
    "import json, importlib.metadata as m",
    "out = {}",
    `for p in ${JSON.stringify([...PYTHON_REPORTED])}:`,
    "    try: out[p] = m.version(p)",
    "    except m.PackageNotFoundError: pass",
    "print(json.dumps(out))",
  ].join("\n");
  const r = await ctx.run(venvPython, ["-c", script], { env: ctx.env, signal: ctx.opts.signal });
  try {
    return JSON.parse(r.stdout.trim().split(/\r?\n/).pop() ?? "{}") as Record<string, string>;
  } catch {
    throw new ToolInstallError("slither-analyzer", "cannot read installed package versions from the venv", tailLines(r.stderr));
  }
}

/** The venv with PYTHON_PINS, installing it if needed. */
export async function ensurePythonTools(opts: ProvisionOptions): Promise<Stamp> {
  const ctx = installContext(opts);
  const { paths } = ctx;
  const pins = pythonPins();
  const ready = (): Stamp | undefined => currentStamp(paths, PYTHON_GROUP, pins, () => pythonInstalled(paths));
  const hit = ready();
  if (hit) return hit;
  if (opts.offline) {
    throw new ToolUnavailableError("slither-analyzer", `offline and ${path.relative(opts.root, paths.venv) || paths.venv} has no ${Object.entries(pins).map(([p, v]) => `${p}==${v}`).join(" ")} (run npm run tools:install)`);
  }
  return once(`${paths.toolsDir}\u0000${PYTHON_GROUP}`, () =>
    withLock(paths, PYTHON_GROUP, opts, async () => ready() ?? installPython(ctx)),
  );
}

export interface SlitherTools {
  slither: ProvisionedTool;
  checkUpgradeability: ProvisionedTool;
  cryticCompile: ProvisionedTool;
}

export async function ensureSlither(opts: ProvisionOptions): Promise<SlitherTools> {
  const stamp = await ensurePythonTools(opts);
  const paths = toolPaths(opts);
  const env = toolEnv(paths, opts.env ?? process.env);
  const slitherVersion = stamp.versions["slither-analyzer"] ?? PYTHON_PINS["slither-analyzer"];
  return {
    slither: { name: "slither", version: slitherVersion, bin: path.join(paths.venvBin, "slither"), env },
    checkUpgradeability: { name: "slither-check-upgradeability", version: slitherVersion, bin: path.join(paths.venvBin, "slither-check-upgradeability"), env },
    cryticCompile: { name: "crytic-compile", version: stamp.versions["crytic-compile"] ?? "unknown", bin: path.join(paths.venvBin, "crytic-compile"), env },
  };
}

export async function ensureEchidnaParade(opts: ProvisionOptions): Promise<ProvisionedTool> {
  const stamp = await ensurePythonTools(opts);
  const paths = toolPaths(opts);
  return {
    name: "echidna-parade",
    version: stamp.versions["echidna-parade"] ?? PYTHON_PINS["echidna-parade"],
    bin: path.join(paths.venvBin, "echidna-parade"),
    env: toolEnv(paths, opts.env ?? process.env),
  };
}

/* ------------------------------------------------------------------------ *
 * medusa (built with Go into .tools/bin)
 * ------------------------------------------------------------------------ */

const MEDUSA_GROUP = "medusa";

/**
 * A committed wrapper Go module (go.mod requiring MEDUSA_PIN, go.sum with the
 * checksums of the whole dependency graph). `go build` inside it fetches
 * exact versions only, verified by go.sum. Plain `go install module@version`
 * would also do, but it first asks the proxy for the module's version list
 * (deprecation check), which some proxies / mirrors refuse (403), and it
 * cannot be verified against a committed go.sum.
 */
export const MEDUSA_MODULE_DIR = path.join(__dirname, "medusa");

function medusaBin(paths: ToolPaths): string {
  return path.join(paths.bin, process.platform === "win32" ? "medusa.exe" : "medusa");
}

/** Pins of the medusa group: the version plus a hash of the wrapper's go.mod/go.sum (a changed go.sum rebuilds). */
export function medusaPins(moduleDir = MEDUSA_MODULE_DIR): Record<string, string> {
  const hash = createHash("sha256");
  for (const f of ["go.mod", "go.sum"]) {
    try {
      hash.update(readFileSync(path.join(moduleDir, f)));
    } catch {
      hash.update(`missing ${f}`);
    }
  }
  return { medusa: MEDUSA_PIN.version, module: hash.digest("hex").slice(0, 16) };
}

async function installMedusa(ctx: InstallContext, moduleDir: string): Promise<Stamp> {
  const { opts, paths, run } = ctx;
  const pins = medusaPins(moduleDir);
  const target = `${MEDUSA_PIN.module}@${MEDUSA_PIN.version}`;
  const go = findOnPath("go", ctx.env);
  if (!go) throw new ToolUnavailableError("medusa", `go is not on PATH (medusa ${MEDUSA_PIN.version} is built from source with Go >= 1.24)`);
  const stale = readStamp(paths, MEDUSA_GROUP);
  const binRel = path.relative(opts.root, medusaBin(paths)) || medusaBin(paths);
  opts.log(
    !stale
      ? `building ${target} into ${path.relative(opts.root, paths.bin) || paths.bin} (first run: a few minutes; later runs reuse it)`
      : samePins(stale.pins, pins)
        ? `${binRel} is missing: rebuilding ${target}`
        : stale.pins.medusa !== MEDUSA_PIN.version
          ? `pins changed (medusa ${stale.pins.medusa ?? "?"} -> ${MEDUSA_PIN.version}): rebuilding ${target}`
          : `the wrapper module's go.mod/go.sum changed: rebuilding ${target}`,
  );
  rmSync(stampFile(paths, MEDUSA_GROUP), { force: true });
  rmSync(medusaBin(paths), { force: true });
  mkdirSync(paths.bin, { recursive: true });
  // GOTOOLCHAIN=local: never download another Go toolchain. -mod=readonly: never rewrite the committed go.mod.
  const env = { ...ctx.env, GOTOOLCHAIN: ctx.env.GOTOOLCHAIN ?? "local", GOFLAGS: "-mod=readonly -buildvcs=false" };
  const r = await run(go, ["build", "-trimpath", "-o", medusaBin(paths), MEDUSA_PIN.module], { env, signal: opts.signal, cwd: moduleDir });
  if (r.exitCode !== 0) {
    const output = `${r.stdout}\n${r.stderr}`;
    const net = networkProblem(output);
    if (net) throw new ToolUnavailableError("medusa", `the Go module proxy is unreachable, cannot build ${target} (${net})`);
    const tooOld = /[^\n]*(requires go >=|toolchain not available)[^\n]*/i.exec(output);
    if (tooOld) throw new ToolUnavailableError("medusa", firstLine(tooOld[0]));
    throw new ToolInstallError("medusa", `go build ${target} failed (exit ${r.exitCode ?? r.spawnError ?? "signal"})`, tailLines(r.stderr.trim() ? r.stderr : r.stdout));
  }
  if (!isExecutable(medusaBin(paths))) {
    throw new ToolInstallError("medusa", `go build ${target} succeeded but ${medusaBin(paths)} is missing`, tailLines(r.stderr));
  }
  const stamp: Stamp = { pins, versions: { medusa: MEDUSA_PIN.version.replace(/^v/, "") }, installedAt: new Date().toISOString() };
  writeStamp(paths, MEDUSA_GROUP, stamp);
  opts.log(`installed medusa ${MEDUSA_PIN.version}`);
  return stamp;
}

/**
 * medusa in .tools/bin. medusa compiles through crytic-compile, so this also
 * provisions the Python venv and returns an env whose PATH has both.
 */
export async function ensureMedusa(opts: ProvisionOptions & { moduleDir?: string }): Promise<ProvisionedTool> {
  const ctx = installContext(opts);
  const { paths } = ctx;
  const moduleDir = opts.moduleDir ?? MEDUSA_MODULE_DIR;
  await ensurePythonTools(opts);
  const pins = medusaPins(moduleDir);
  const ready = (): Stamp | undefined => currentStamp(paths, MEDUSA_GROUP, pins, () => isExecutable(medusaBin(paths)));
  let stamp = ready();
  if (!stamp) {
    if (opts.offline) throw new ToolUnavailableError("medusa", `offline and medusa ${MEDUSA_PIN.version} is not in ${path.relative(opts.root, paths.bin) || paths.bin} (run npm run tools:install)`);
    stamp = await once(`${paths.toolsDir}\u0000${MEDUSA_GROUP}`, () => withLock(paths, MEDUSA_GROUP, opts, async () => ready() ?? installMedusa(ctx, moduleDir)));
  }
  return { name: "medusa", version: stamp.versions.medusa ?? MEDUSA_PIN.version, bin: medusaBin(paths), env: toolEnv(paths, opts.env ?? process.env) };
}

/* ------------------------------------------------------------------------ *
 * echidna: not installable from our registries (GitHub releases only), so detected
 * ------------------------------------------------------------------------ */

/**
 * echidna on PATH or in .tools/bin (a user may drop a release binary there),
 * with the version it prints ("Echidna 2.2.7" -> "2.2.7"). Undefined when absent.
 */
export async function detectEchidna(opts: Partial<Pick<ProvisionOptions, "root" | "toolsDir" | "runner" | "env" | "signal">> = {}): Promise<ProvisionedTool | undefined> {
  const env = opts.env ?? process.env;
  const local = opts.root ? path.join(toolPaths({ root: opts.root, toolsDir: opts.toolsDir }).bin, "echidna") : undefined;
  const bin = (local && isExecutable(local) ? local : undefined) ?? findOnPath("echidna", env) ?? findOnPath("echidna-test", env);
  if (!bin) return undefined;
  const r = await (opts.runner ?? defaultRunner)(bin, ["--version"], { env: { ...env }, signal: opts.signal });
  if (r.exitCode !== 0) return undefined;
  const version = /(\d+\.\d+\.\d+[^\s]*)/.exec(r.stdout)?.[1] ?? (firstLine(r.stdout) || "unknown");
  return { name: "echidna", version, bin };
}

/** What `npm run tools:install` reports. */
export function describeTool(t: ProvisionedTool): string {
  return `${t.name} ${t.version} (${t.bin})`;
}

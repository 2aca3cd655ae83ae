/**
 * One Slither load for both Slither stages.
 *
 * `slither` and every `slither-check-upgradeability` run used to be separate processes, each
 * parsing the whole build again (the load is most of a run). Here the two stages share one Python
 * process (scripts/audit/tools/slither-session.py, run with the provisioned venv's python through
 * exec.ts): it loads the build once through Slither's own entry points and runs the detectors and
 * every upgradeability comparison on that one parsed compilation, writing the same raw outputs the
 * tools wrote (slither.json / slither.sarif; one JSON per comparison).
 *
 * Sharing (module-level, per root + output directory + build + tools):
 * - The first of the two stages to ask starts the session, with its own part and the other stage's
 *   part when that stage is selected for the run (`ctx.plan`) and was not promised to an earlier
 *   session. The other stage then joins it and reads its part; a finished session still serves a
 *   stage that joins late. Each session serves each stage once: a second run of a stage (a test
 *   running it twice into one directory) starts a new session.
 * - `--only slither` / `--only slither-upgradeability`: the session has that part alone.
 * - Time limits and interrupts: each stage waits with its own signal and stops waiting when it
 *   fires; the process (its whole process group) is stopped when no stage is waiting for it any
 *   more. A stage that joins a session stopped that way starts its own.
 *
 * Raw outputs: <raw>/slither/ gets slither.json, slither.sarif and the process's stdout/stderr
 * (slither.stdout.log / .stderr.log) as before; <raw>/slither-upgradeability/ gets, per comparison,
 * <name>.json with <name>.stdout.log / .stderr.log, and list-detectors.json (the tool's
 * --list-detectors-json). The job (session.json: each part's command line, which is also the
 * equivalent hand command) and session-status.json (each part's exit code) sit in the raw folder of
 * the session's first part.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SLITHER_STAGE } from "../adapters/slither";
import { UPGRADEABILITY_STAGE, type UpgradeabilityRun } from "../adapters/slither-upgradeability";
import { loadSolcBuild } from "../analyzers/build-info";
import { DOMAINS_FILE, type ResolvedDomain } from "../analyzers/domain";
import { projectDomains } from "../analyzers/domains";
import { AnalyzerInputError } from "../analyzers/errors";
import { analyzerScope } from "../analyzers/infer";
import { defaultScope, type ProjectScope } from "../scope";
import { listBuildInfoFiles, readBuildContracts, type BuildContract } from "../tools/build-info";
import type { SlitherTools } from "../tools/provision";
import { runProvisioned, type ProvisionedRun } from "../tools/run-provisioned";
import type { StageContext } from "../types";
import { buildEnv, buildError, buildFlags, includePathsRegex, outcome, planUpgradeabilityRuns, slitherArtifactsDir, type StageOutcome, type UpgradeabilityPlan } from "./slither-common";

/** The Python side (shipped with the harness, run with the venv's python). */
export const SESSION_SCRIPT = path.join(__dirname, "..", "tools", "slither-session.py");

export type SessionPartName = typeof SLITHER_STAGE | typeof UPGRADEABILITY_STAGE;

/** The slither stage's part: the `slither` command line (without the program) and its outputs. */
export interface SlitherPart {
  raw: string;
  jsonFile: string;
  sarifFile: string;
  argv: string[];
  scope: ProjectScope;
}

/** One slither-check-upgradeability comparison: its command line (without the program) and its outputs. */
export interface UpgradeabilityJob {
  run: UpgradeabilityRun;
  /** `<contract>-vs-<proxy>` or `<v1>-to-<v2>`: the file names of its outputs. */
  name: string;
  argv: string[];
  jsonFile: string;
  stdoutLog: string;
  stderrLog: string;
}

/** The slither-upgradeability stage's part. */
export interface UpgradeabilityPart {
  raw: string;
  /** What `slither-check-upgradeability --list-detectors-json` prints (titles, impacts, recommendations). */
  checksFile: string;
  plan: UpgradeabilityPlan;
  contracts: BuildContract[];
  jobs: UpgradeabilityJob[];
}

export interface SessionParts {
  slither?: SlitherPart;
  upgradeability?: UpgradeabilityPart;
}

/** The slither stage's part for this context (the command line the stage always ran). */
export function prepareSlitherPart(ctx: StageContext, artifactsDir: string): SlitherPart {
  const scope = ctx.project?.scope ?? defaultScope();
  const raw = path.join(ctx.rawDir, SLITHER_STAGE);
  const jsonFile = path.join(raw, "slither.json");
  const sarifFile = path.join(raw, "slither.sarif");
  const argv = [
    ".",
    ...buildFlags(ctx, artifactsDir),
    "--include-paths",
    includePathsRegex(ctx.root, scope.sources),
    "--show-ignored-findings",
    "--triage-database",
    path.join(raw, "no-triage-database.json"),
    "--sarif-input",
    path.join(raw, "no-sarif-input.sarif"),
    "--sarif-triage",
    path.join(raw, "no-sarif-triage.sarifexplorer"),
    "--disable-color",
    "--json",
    jsonFile,
    "--json-types",
    "detectors,list-detectors",
    "--sarif",
    sarifFile,
  ];
  return { raw, jsonFile, sarifFile, argv, scope };
}

/**
 * The slither-upgradeability stage's part for this context: the comparisons planned from the storage
 * domains, or the stage's outcome when there is nothing to compare or the build cannot be read.
 */
export function prepareUpgradeabilityPart(ctx: StageContext): { part: UpgradeabilityPart } | { outcome: StageOutcome } {
  let contracts: BuildContract[];
  let artifactsDir: string;
  try {
    artifactsDir = slitherArtifactsDir(ctx).dir;
    contracts = readBuildContracts(ctx.build.buildInfoFiles.length ? ctx.build.buildInfoFiles : listBuildInfoFiles(ctx.build.buildInfoDir));
  } catch (e) {
    return { outcome: buildError(e, []) };
  }
  let domains: ResolvedDomain[];
  try {
    const scope = ctx.project ? analyzerScope(ctx.project.scope) : undefined;
    const solc = loadSolcBuild(ctx.build.artifactsDir, { root: ctx.root, ...(scope ? { preferredRoots: [scope.sources] } : {}) });
    const set = projectDomains(solc, ctx.root, scope ? { scope } : {});
    if (!set) return { outcome: outcome("skipped", { reason: `no storage domain to check: no ${DOMAINS_FILE} and no proxy in the build to infer one from` }) };
    domains = set.domains;
  } catch (e) {
    if (e instanceof AnalyzerInputError) return { outcome: outcome("error", { reason: e.message.split("\n")[0] }) };
    throw e;
  }
  const plan = planUpgradeabilityRuns(domains);
  if (plan.runs.length === 0) {
    return { outcome: outcome("skipped", { reason: "the storage domains have no proxy contract in the build and no upgrade pair: nothing for slither-check-upgradeability to compare" }) };
  }
  const raw = path.join(ctx.rawDir, UPGRADEABILITY_STAGE);
  const jobs = plan.runs.map((run): UpgradeabilityJob => {
    const name = run.kind === "proxy" ? `${run.contract}-vs-${run.against}` : `${run.contract}-to-${run.against}`;
    const jsonFile = path.join(raw, `${name}.json`);
    const argv = [".", run.contract, ...(run.kind === "proxy" ? ["--proxy-name", run.against] : ["--new-contract-name", run.against]), ...buildFlags(ctx, artifactsDir), "--json", jsonFile];
    return { run, name, argv, jsonFile, stdoutLog: path.join(raw, `${name}.stdout.log`), stderrLog: path.join(raw, `${name}.stderr.log`) };
  });
  return { part: { raw, checksFile: path.join(raw, "list-detectors.json"), plan, contracts, jobs } };
}

/** Each part's exit code, as the session script wrote them. */
export interface SessionStatus {
  /** slither's exit code (255 on findings or failure, as the CLI); null when the session had no slither part. */
  slither: number | null;
  /** Exit code of each upgradeability comparison that ran, by job name. */
  upgradeability: Record<string, number>;
}

export interface SessionResult {
  tools: SlitherTools;
  /** The one process: its stdout/stderr are the slither part's output (the comparisons have their own logs). */
  process: ProvisionedRun;
  /** Undefined when the process ended before writing it (killed, crashed in Python's start-up). */
  status: SessionStatus | undefined;
  /** Absolute paths of session.json and session-status.json (those that exist). */
  files: string[];
}

/** What a stage gets from the session: the parts (its own is there) and the result. */
export interface SessionOutcome {
  parts: SessionParts;
  result: SessionResult;
  /** The stages this one load served. */
  servedStages: SessionPartName[];
}

interface Session {
  parts: SessionParts;
  tools: SlitherTools;
  claimed: Set<SessionPartName>;
  waiting: number;
  finished: boolean;
  controller: AbortController;
  done: Promise<SessionResult>;
}

interface KeyState {
  sessions: Session[];
  /** Parts some session of this key was started with: never started again for the other stage. */
  promised: Set<SessionPartName>;
}

const sessions = new Map<string, KeyState>();

function sessionKey(ctx: StageContext, tools: SlitherTools): string {
  return [path.resolve(ctx.root), path.resolve(ctx.rawDir), path.resolve(ctx.build.artifactsDir), tools.slither.bin].join("\u0000");
}

function partNames(parts: SessionParts): SessionPartName[] {
  return [...(parts.slither ? [SLITHER_STAGE] : []), ...(parts.upgradeability ? [UPGRADEABILITY_STAGE] : [])] as SessionPartName[];
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as T;
  } catch {
    return undefined;
  }
}

function startSession(ctx: StageContext, tools: SlitherTools, parts: SessionParts): Session {
  const primary = parts.slither?.raw ?? parts.upgradeability!.raw;
  for (const dir of [parts.slither?.raw, parts.upgradeability?.raw]) {
    if (!dir) continue;
    // Fresh folders: --json / --sarif refuse to overwrite, and stale outputs must not be read.
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  }
  const jobFile = path.join(primary, "session.json");
  const statusFile = path.join(primary, "session-status.json");
  const job = {
    ...(parts.slither ? { slither: { argv: parts.slither.argv } } : {}),
    ...(parts.upgradeability
      ? {
          upgradeability: {
            checksFile: parts.upgradeability.checksFile,
            runs: parts.upgradeability.jobs.map((j) => ({ name: j.name, argv: j.argv, stdout: j.stdoutLog, stderr: j.stderrLog })),
          },
        }
      : {}),
    status: statusFile,
  };
  writeFileSync(jobFile, `${JSON.stringify(job, null, 2)}\n`);
  const controller = new AbortController();
  const python = { name: "python", version: tools.slither.version, bin: path.join(path.dirname(tools.slither.bin), "python"), ...(tools.slither.env ? { env: tools.slither.env } : {}) };
  const session: Session = { parts, tools, claimed: new Set(), waiting: 0, finished: false, controller, done: Promise.resolve(undefined as never) };
  session.done = runProvisioned(python, [SESSION_SCRIPT, jobFile], {
    cwd: ctx.root,
    signal: controller.signal,
    rawDir: primary,
    logName: parts.slither ? "slither" : "session",
    env: buildEnv(ctx, tools.slither),
  }).then((process) => {
    session.finished = true;
    return { tools, process, status: readJson<SessionStatus>(statusFile), files: [jobFile, statusFile].filter((f) => existsSync(f)) };
  });
  return session;
}

/** Waits for the session with the stage's signal; a stage that stops waiting gets a cancelled result. */
function waitFor(session: Session, signal: AbortSignal): Promise<SessionResult> {
  const cancelled = (): SessionResult => ({
    tools: session.tools,
    process: { exitCode: undefined, stdout: "", stderr: "", cancelled: true, logs: [] },
    status: undefined,
    files: [],
  });
  if (signal.aborted) return Promise.resolve(cancelled());
  session.waiting++;
  return new Promise((resolve) => {
    let settled = false;
    const leave = (): void => {
      settled = true;
      session.waiting--;
    };
    const onAbort = (): void => {
      if (settled) return;
      leave();
      // Nobody waits any more: stop the process and everything it started.
      if (session.waiting === 0 && !session.finished) session.controller.abort();
      resolve(cancelled());
    };
    signal.addEventListener("abort", onAbort, { once: true });
    void session.done.then((result) => {
      signal.removeEventListener("abort", onAbort);
      if (settled) return;
      leave();
      resolve(result);
    });
  });
}

/**
 * Runs the stage's part in the shared session: joins the one that has it, or starts one with
 * `own` (the stage's freshly prepared part) and the other stage's part when the run selected it.
 */
export async function runInSession(ctx: StageContext, tools: SlitherTools, own: SessionParts): Promise<SessionOutcome> {
  const want: SessionPartName = own.slither ? SLITHER_STAGE : UPGRADEABILITY_STAGE;
  const key = sessionKey(ctx, tools);
  const state = sessions.get(key) ?? { sessions: [], promised: new Set<SessionPartName>() };
  sessions.set(key, state);
  let session = state.sessions.find((s) => partNames(s.parts).includes(want) && !s.claimed.has(want) && !s.controller.signal.aborted);
  if (!session) {
    const parts: SessionParts = { ...own };
    const other: SessionPartName = want === SLITHER_STAGE ? UPGRADEABILITY_STAGE : SLITHER_STAGE;
    if (ctx.plan.includes(other) && !state.promised.has(other)) {
      try {
        if (other === SLITHER_STAGE) parts.slither = prepareSlitherPart(ctx, slitherArtifactsDir(ctx).dir);
        else {
          const prepared = prepareUpgradeabilityPart(ctx);
          if ("part" in prepared) parts.upgradeability = prepared.part;
        }
      } catch {
        // The other stage will meet the same problem itself and report it.
      }
    }
    for (const p of partNames(parts)) state.promised.add(p);
    session = startSession(ctx, tools, parts);
    state.sessions.push(session);
    const names = partNames(parts);
    if (names.length > 1) ctx.log(`one Slither load for ${names.join(" and ")}`);
  }
  session.claimed.add(want);
  const current = session;
  // A session every part of which has been claimed is nobody else's to join.
  if (partNames(current.parts).every((p) => current.claimed.has(p))) state.sessions = state.sessions.filter((s) => s !== current);
  const result = await waitFor(current, ctx.signal);
  return { parts: current.parts, result, servedStages: partNames(current.parts) };
}

/** The slither part's run: the process, with slither's own exit code. */
export function slitherPartRun(result: SessionResult): ProvisionedRun {
  return { ...result.process, exitCode: result.status?.slither ?? result.process.exitCode };
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/**
 * One comparison's run, as if it had been its own process: its own stdout/stderr logs and exit
 * code; the session's stderr when the comparison never started (the process failed before it).
 */
export function upgradeabilityJobRun(result: SessionResult, job: UpgradeabilityJob): ProvisionedRun {
  const stdout = readText(job.stdoutLog);
  const stderr = readText(job.stderrLog);
  const ran = stdout !== undefined || stderr !== undefined;
  const { process } = result;
  return {
    exitCode: result.status?.upgradeability[job.name] ?? (ran ? undefined : process.exitCode),
    stdout: stdout ?? "",
    stderr: ran ? (stderr ?? "") : process.stderr,
    cancelled: process.cancelled,
    ...(process.spawnError !== undefined ? { spawnError: process.spawnError } : {}),
    logs: [job.stdoutLog, job.stderrLog].filter((f) => existsSync(f)),
  };
}

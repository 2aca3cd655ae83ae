/**
 * The orchestrator: validates every input first (flags, --root, --out, the
 * input files of inputs.ts, the build when compile is skipped), then runs the
 * selected stages through the scheduler into a staging folder, evaluates the
 * gate, writes the reports and moves the whole run into the output directory
 * at once (fs/atomic.ts commitStaged), and prints the summary. Returns the
 * exit code: 0 gate passed, 1 gate failed, 2 could not run, 130 interrupted
 * (nothing written).
 */
import { accessSync, constants as fsConstants, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Writable } from "node:stream";
import { parseArgs } from "node:util";
import { baselineFrom, parseGasReporterJson, type GasMetrics } from "./adapters/gas-reporter";
import { INIT_FLAGS, initUsage, parseArgsOptions, parseAuditArgs, planStages, usage, type AuditOptions, type StagePlan } from "./args";
import { buildStaleness, loadBuild, pendingBuild } from "./build";
import { describeErrno, EXIT, InputError } from "./errors";
import { commitStaged, createStagingDir, keepStagingDirAlive, writeFileAtomic } from "./fs/atomic";
import { loadSolcBuild } from "./analyzers/build-info";
import { markDisputes } from "./disputes";
import { initSummary, runInit } from "./init";
import { evaluateGate } from "./gate";
import { readRecordedBaselines, validateInputs } from "./inputs";
import { handleInterrupts, holdDirectory, Interrupted, INTERRUPTED_EXIT, releaseHeld, unholdDirectory } from "./interrupt";
import { relPath } from "./paths";
import { GAS_BASELINE_FILE, type Policy } from "./policy";
import { listrProgress, plainProgress, wantsInteractive, type Progress } from "./progress";
import { acceptFinding } from "./accept";
import { cachedReportPath, loadBaselineReport, resolveBaselineRef, type Baseline } from "./findings/baseline";
import { catalogSources, formatCatalog, ruleCatalog } from "./findings/catalog";
import { renderReports } from "./reports";
import { jsonWriter } from "./reports/json";
import { hasContent } from "./reports/model";
import { DEFAULT_TIMEOUT_MS, runStages, validateRegistry } from "./scheduler";
import { HARDHAT_CONFIG_NAMES, HARDHAT_CONFIGS, HARNESS_ROOT, harnessToolsDir, openProject, ProjectError, type HardhatProject } from "./project/hardhat-project";
import { CACHE_DIR, cacheMode, pruneCache, StageCache } from "./cache";
import { auditOutputs, computeScope, gitState, projectScope, type ProjectScope } from "./scope";
import { baseSeed } from "./shard";
import { STAGES } from "./stages";
import { compareGas } from "./stages/gas";
import { formatSummary, jsonSummary } from "./summary";
import { REPORT_SCHEMA_VERSION, type AuditProject, type AuditReport, type BuildRef, type Stage, type StageResult, type SuppressionEntry } from "./types";

/** Folder of the tools' raw outputs inside the output directory. */
export const RAW_DIR = "raw";

export { REPORT_SCHEMA_VERSION };

export interface CliIO {
  stdout: NodeJS.WriteStream | Writable;
  stderr: NodeJS.WriteStream | Writable;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Interrupt (Ctrl-C) for the whole run. */
  signal?: AbortSignal;
}

export { HARDHAT_CONFIGS };

/** Nearest directory at or above `from` holding a hardhat.config.*; `from` when none. */
export function findRoot(from: string): string {
  let dir = path.resolve(from);
  for (;;) {
    if (HARDHAT_CONFIGS.some((f) => existsSync(path.join(dir, f)))) return dir;
    const up = path.dirname(dir);
    if (up === dir) return path.resolve(from);
    dir = up;
  }
}

/** Stages that read the build: compile's transitive dependents. */
function needsBuild(stage: Stage, registry: readonly Stage[]): boolean {
  const byName = new Map(registry.map((s) => [s.name, s]));
  const seen = new Set<string>();
  const visit = (s: Stage): boolean =>
    (s.dependsOn ?? []).some((d) => {
      if (d === "compile") return true;
      if (seen.has(d)) return false;
      seen.add(d);
      return visit(byName.get(d)!);
    });
  return visit(stage);
}

function heavyLimit(env: NodeJS.ProcessEnv): number {
  const fromEnv = Number(env.AUDIT_MAX_HEAVY);
  if (Number.isInteger(fromEnv) && fromEnv > 0) return fromEnv;
  return Math.max(1, Math.min(2, os.availableParallelism()));
}

export async function runAudit(opts: AuditOptions, io: CliIO, registry: readonly Stage[] = STAGES): Promise<number> {
  const stages = validateRegistry(registry);
  const names = stages.map((s) => s.name);

  // 1. Validate every input before anything runs or is created: flags, --root, --out,
  //    the input files (inputs.ts), the build when compile is skipped.
  const root = checkHardhatRoot(opts.root !== undefined ? path.resolve(io.cwd, opts.root) : findRoot(io.cwd));
  const outDir = path.resolve(io.cwd, opts.out ?? path.join(root, "audit"));
  checkWritableDir(outDir);
  const jsonFile = opts.jsonFile !== undefined ? path.resolve(io.cwd, opts.jsonFile) : undefined;
  if (jsonFile) checkWritableFile(jsonFile);
  const plan = planStages(stages, opts);
  if (opts.shard) baseSeed(io.env); // a malformed AUDIT_FUZZ_SEED is bad input (exit 2)
  if (plan.selected.length === 0) throw new InputError(`no stage left to run (valid: ${names.join(", ")})`);
  const { policy, suppressions } = validateInputs(root, names, plan.selected, io.env);
  const baseline = await loadBaseline(opts, io.cwd, root, outDir);
  const selected = stages.filter((s) => plan.selected.includes(s.name));
  if (opts.updateGasBaseline && !(plan.selected.includes("gas") && plan.selected.includes("test"))) {
    throw new InputError("--update-gas-baseline needs the test and gas stages in the run");
  }
  // The project, opened as every stage will run it (its own Hardhat through the audit's wrapper
  // config): a config that does not load, or a Hardhat that is not installed, is bad input.
  const hardhat = await openAuditedProject(root, io);
  try {
    const scope = projectScope(root, hardhat.facts.paths, policy.scope);
    const project: AuditProject = { hardhat, scope, toolsDir: harnessToolsDir(io.env) };
    let build: BuildRef = pendingBuild(root, scope);
    if (!plan.selected.includes("compile") && selected.some((s) => needsBuild(s, stages))) {
      build = loadBuild(root, scope); // InputError when compile is skipped and there is no build
      const stale = buildStaleness(root, build, scope);
      if (stale) throw new InputError(`the existing build ${stale}: run the compile stage, or npx hardhat compile --force`);
    }
    if (io.signal?.aborted) return interrupted(io, outDir, []);
    return await runInStaging({ opts, io, stages, selected, plan, policy, suppressions, root, outDir, jsonFile, build, project, baseline });
  } finally {
    hardhat.dispose();
  }
}

/** Opens the project (project/hardhat-project.ts); its errors are bad input (exit 2). */
async function openAuditedProject(root: string, io: CliIO): Promise<HardhatProject> {
  const logs = mkdtempSync(path.join(os.tmpdir(), "audit-open-"));
  const release = holdDirectory(logs);
  try {
    return await openProject(root, {
      signal: io.signal ?? new AbortController().signal,
      rawDir: logs,
      log: (line) => void io.stderr.write(`[audit] ${line}\n`),
      offline: io.env.AUDIT_TOOLS_OFFLINE === "1",
      toolsDir: harnessToolsDir(io.env),
    });
  } catch (e) {
    if (e instanceof ProjectError) throw new InputError(e.message);
    throw e;
  } finally {
    release();
  }
}

async function runInStaging(run: Omit<StagedRun, "staging">): Promise<number> {
  const { io, outDir } = run;

  // 2. Run the stages into a staging folder inside outDir; nothing under outDir changes until the
  //    run is complete (an interrupted run commits nothing: the previous reports and the raw logs
  //    they link to stay together).
  let staging: string;
  try {
    staging = await createStagingDir(outDir);
  } catch (e) {
    throw new InputError(`cannot write to ${outDir} (${describeErrno(e)})`);
  }
  const releaseStaging = holdDirectory(staging);
  const stopTouching = keepStagingDirAlive(staging);
  try {
    return await runStaged({ ...run, staging });
  } finally {
    stopTouching();
    releaseStaging();
  }
}

interface StagedRun {
  opts: AuditOptions;
  io: CliIO;
  stages: Stage[];
  selected: Stage[];
  plan: StagePlan;
  policy: Policy;
  suppressions: SuppressionEntry[];
  root: string;
  outDir: string;
  staging: string;
  jsonFile: string | undefined;
  build: BuildRef;
  project: AuditProject;
  baseline: Baseline | undefined;
}

/**
 * The baseline of --baseline FILE or --baseline-ref REF (findings/baseline.ts), read and checked before
 * anything runs: a missing or malformed report, an unknown ref, a ref with no cached report are bad
 * input (exit 2, one line).
 */
async function loadBaseline(opts: AuditOptions, cwd: string, root: string, outDir: string): Promise<Baseline | undefined> {
  if (opts.baseline !== undefined) {
    return { report: loadBaselineReport(cwd, opts.baseline), source: { file: opts.baseline } };
  }
  if (opts.baselineRef !== undefined) {
    const { file } = await resolveBaselineRef(root, outDir, opts.baselineRef);
    return { report: loadBaselineReport(cwd, file, `cached report of ${opts.baselineRef}`), source: { ref: opts.baselineRef, file: relPath(root, file) } };
  }
  return undefined;
}

async function runStaged(run: StagedRun): Promise<number> {
  const { opts, io, stages, selected, plan, policy, suppressions, root, outDir, staging, jsonFile, project, baseline } = run;
  let build = run.build;
  const rawDir = path.join(staging, RAW_DIR);
  mkdirSync(rawDir, { recursive: true });
  const progressOut = (opts.json ? io.stderr : io.stdout) as NodeJS.WriteStream;
  const progress: Progress = wantsInteractive(progressOut, io.env)
    ? await listrProgress(selected.map((s) => ({ name: s.name, title: s.title })), progressOut)
    : plainProgress(progressOut);
  const [git, scope] = await Promise.all([gitState(root, auditOutputs(relPath(root, outDir))), Promise.resolve(computeScope(root, project.scope))]);
  // The stage-result cache (cache/index.ts): a stage whose inputs are unchanged is reused.
  let buildFinal = !plan.selected.includes("compile");
  const mode = cacheMode(opts.noCache, io.env, policy, opts.profile);
  const cache = mode.enabled
    ? new StageCache({
        outDir,
        staging,
        reuse: mode.reuse,
        git,
        warn: (line) => void io.stderr.write(`audit: ${line}\n`),
        buildReady: () => buildFinal,
        keyContext: () => ({ root, outDir, profile: opts.profile, policy, project, build, plan: plan.selected, env: io.env, harnessRoot: HARNESS_ROOT, ...(opts.shard ? { shard: opts.shard } : {}) }),
      })
    : undefined;
  const results = await runStages({
    stages: cache ? selected.map((s) => cache.wrap(s)) : selected,
    profile: opts.profile,
    maxHeavy: heavyLimit(io.env),
    signal: io.signal,
    // Stages that need the build depend on compile, so they start after onDone below has loaded it.
    context: (stage, upstream, signal) => ({
      root,
      outDir: staging,
      rawDir,
      profile: opts.profile,
      build,
      upstream,
      plan: plan.selected,
      signal,
      log: (m) => progress.log(stage.name, m),
      project,
      policy,
      ...(opts.shard ? { shard: opts.shard } : {}),
    }),
    onStart: (stage) => progress.start(stage.name),
    onDone: (stage, result) => {
      if (stage.name === "compile") {
        if (result.status === "passed") build = loadBuild(root, project.scope);
        buildFinal = true;
      }
      progress.done(stage.name, result);
    },
  });
  await progress.close();
  if (io.signal?.aborted) {
    return interrupted(
      io,
      outDir,
      results.filter((r) => r.status === "error" && r.reason?.startsWith("interrupted")).map((r) => r.name),
    );
  }

  // 3. Optional gas baseline update (an explicit command; see audit/README.md).
  const byName = new Map(results.map((r) => [r.name, r]));
  const notices: string[] = [];
  if (opts.updateGasBaseline) notices.push(await updateGasBaseline(root, build, byName));

  // 4. Gate, report, summary. Paths into the staging folder become the paths they will have.
  const unstage = pathRewriter(root, staging, outDir);
  const excluded: StageResult[] = plan.excluded.map(({ name, reason }) => ({
    name,
    status: "skipped",
    reason,
    durationMs: 0,
    tools: [],
    findings: [],
    metrics: {},
    artifacts: [],
  }));
  const ordered = stages
    .map((s) => byName.get(s.name) ?? excluded.find((e) => e.name === s.name))
    .filter((r): r is StageResult => r !== undefined)
    .map((r) => mapStrings(r, unstage))
    // A section with nothing to show (a routing proof where no domain is id-routed) is in no report.
    .map((r) => (r.sections ? { ...r, sections: r.sections.filter(hasContent) } : r));
  const verdict = evaluateGate({
    profile: opts.profile,
    policy,
    // Where two tools disagree, the finding carries the other stage's proof (disputes.ts).
    stages: markDisputes(ordered, () => (build.buildInfoFiles.length > 0 ? loadSolcBuild(build.artifactsDir, { root }) : undefined)),
    suppressions,
    today: new Date().toISOString().slice(0, 10),
    ...(baseline ? { baseline } : {}),
    // After --update-gas-baseline: the rules this run was judged by (report.rules).
    baselineFiles: readRecordedBaselines(root),
    // Another project's baseline is written from the harness with its --root (audit:baseline alone writes the harness's).
    baselineCommand: `npm run audit:baseline${path.resolve(root) === path.resolve(HARNESS_ROOT) ? "" : ` -- --root ${root}`}`,
  });
  const report: AuditReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: new Date().toISOString(),
    commit: git.commit,
    dirty: git.dirty,
    profile: opts.profile,
    scope,
    stages: verdict.stages,
    findings: verdict.findings,
    gate: verdict.gate,
    ...(verdict.baseline ? { baseline: verdict.baseline } : {}),
    rules: verdict.rules,
    ...(verdict.rulesChanged ? { rulesChanged: verdict.rulesChanged } : {}),
    ...(opts.shard ? { shard: opts.shard } : {}),
  };
  let written: string[];
  try {
    const files = renderReports(report, { root });
    for (const f of files) writeFileSync(path.join(staging, f.name), f.data);
    // From the first move on, the staging folder holds the previous outputs until the end.
    unholdDirectory(staging);
    await commitStaged(staging, outDir, stagedEntries(staging, files.map((f) => f.name)));
    written = files.map((f) => path.join(outDir, f.name));
    pruneCache(cache, outDir, (line) => notices.push(line));
  } catch (e) {
    io.stderr.write(`audit: could not write the reports to ${outDir}: ${(e as Error).message.split("\n").slice(0, 4).join(" | ")}\n`);
    return EXIT.cannotRun;
  }
  // A clean tree's report is that commit's: keep it for --baseline-ref (findings/baseline.ts).
  if (!report.dirty && /^[0-9a-f]{40,64}$/.test(report.commit)) {
    const cached = cachedReportPath(outDir, report.commit);
    try {
      mkdirSync(path.dirname(cached), { recursive: true });
      await writeFileAtomic(cached, jsonWriter.render(report, { root }));
    } catch (e) {
      notices.push(`could not keep the report for --baseline-ref in ${cached} (${describeErrno(e)})`);
    }
  }
  const code = report.gate.passed ? EXIT.passed : EXIT.failed;
  const shown = written.map((f) => {
    const rel = path.relative(io.cwd, f);
    return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : f;
  });
  for (const n of notices) io.stderr.write(`audit: ${n}\n`);
  const summary = JSON.stringify(jsonSummary(report, stages, shown, code, outDir), null, 2) + "\n";
  if (jsonFile) {
    try {
      await writeFileAtomic(jsonFile, summary);
    } catch (e) {
      io.stderr.write(`audit: could not write ${jsonFile} (${describeErrno(e)}); the reports are in ${outDir}\n`);
      return EXIT.cannotRun;
    }
  }
  if (opts.json) io.stdout.write(summary);
  else io.stdout.write("\n" + formatSummary(report, stages, shown));
  return code;
}

/**
 * What a completed run moves from the staging folder into outDir, in order: each stage's raw
 * folder (raw/<stage>; other stages' raw folders stay), every other folder a stage published
 * (coverage/, gas/) whole, and the report files last.
 */
function stagedEntries(staging: string, reportFiles: readonly string[]): string[] {
  const entries: string[] = [];
  for (const name of readdirSync(staging).sort()) {
    if (name.startsWith(".") || reportFiles.includes(name)) continue;
    if (name === RAW_DIR && statSync(path.join(staging, name)).isDirectory()) {
      for (const stage of readdirSync(path.join(staging, name)).sort()) entries.push(`${RAW_DIR}/${stage}`);
    } else if (name === CACHE_DIR && statSync(path.join(staging, name)).isDirectory()) {
      // New cache entries join <out>/cache one by one (the other entries stay).
      for (const stage of readdirSync(path.join(staging, name)).sort()) {
        for (const key of readdirSync(path.join(staging, name, stage)).sort()) if (!key.startsWith(".")) entries.push(`${CACHE_DIR}/${stage}/${key}`);
      }
    } else {
      entries.push(name);
    }
  }
  return [...entries, ...reportFiles];
}

/** The one line and exit code of an interrupted run (nothing was committed). */
function interrupted(io: CliIO, outDir: string, stopped: string[]): number {
  const reason: unknown = io.signal?.reason;
  const by = reason instanceof Interrupted ? ` by ${reason.signal}` : "";
  const what = stopped.length ? `; stopped ${stopped.join(", ")}` : "";
  io.stderr.write(`audit: interrupted${by}${what}; nothing was written, the previous reports in ${outDir} are unchanged\n`);
  return INTERRUPTED_EXIT;
}

/** Rewrites paths into the staging folder (absolute or root-relative) to their place under outDir. */
function pathRewriter(root: string, staging: string, outDir: string): (text: string) => string {
  const pairs: [string, string][] = [[staging, outDir]];
  const relStaging = relPath(root, staging);
  const relOut = relPath(root, outDir);
  if (!path.isAbsolute(relStaging)) pairs.push([relStaging, relOut === "." || relOut === "" ? "" : relOut]);
  return (text) => {
    let out = text;
    for (const [from, to] of pairs) {
      out = out.split(`${from}/`).join(to ? `${to}/` : "");
      if (out === from) out = to;
    }
    return out;
  };
}

/** A copy of a JSON-like value with `f` applied to every string. */
function mapStrings<T>(value: T, f: (s: string) => string): T {
  if (typeof value === "string") return f(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f)) as T;
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)])) as T;
  }
  return value;
}

/** `root` when it is a Hardhat project (a directory with a hardhat.config.*); else an InputError. */
export function checkHardhatRoot(root: string): string {
  const st = statSync(root, { throwIfNoEntry: false });
  const why = !st ? "it does not exist" : !st.isDirectory() ? "it is not a directory" : HARDHAT_CONFIGS.some((f) => existsSync(path.join(root, f))) ? undefined : `no ${HARDHAT_CONFIG_NAMES} in it`;
  if (why) throw new InputError(`not a Hardhat project: ${root} (${why}; --root DIR names the project)`);
  return root;
}

/** The nearest path at or above `p` that exists (lstat: a dangling symlink counts as existing). */
function nearestExisting(p: string): string {
  const exists = (q: string): boolean => {
    try {
      lstatSync(q);
      return true;
    } catch {
      return false; // ENOENT, or ENOTDIR when an ancestor is a file: look further up
    }
  };
  let probe = p;
  while (!exists(probe)) {
    const up = path.dirname(probe);
    if (up === probe) break;
    probe = up;
  }
  return probe;
}

/**
 * Checks, without creating anything, that the run can create and write `dir`: it is a directory
 * (or can be made one under its nearest existing ancestor) on a writable file system. InputError
 * `cannot write to DIR (read-only file system)` otherwise.
 */
export function checkWritableDir(dir: string): void {
  const existing = nearestExisting(dir);
  const st = statSync(existing, { throwIfNoEntry: false });
  if (!st) throw new InputError(`cannot write to ${dir} (${existing} is a dangling link)`);
  if (!st.isDirectory()) throw new InputError(`cannot write to ${dir} (${existing === dir ? "not a directory" : `${existing} is not a directory`})`);
  try {
    accessSync(existing, fsConstants.W_OK | fsConstants.X_OK);
  } catch (e) {
    throw new InputError(`cannot write to ${dir} (${describeErrno(e)})`);
  }
}

/** Like checkWritableDir, for a file the run will (re)place. */
export function checkWritableFile(file: string): void {
  const st = statSync(file, { throwIfNoEntry: false });
  if (st?.isDirectory()) throw new InputError(`cannot write to ${file} (is a directory)`);
  try {
    checkWritableDir(path.dirname(file));
  } catch (e) {
    if (e instanceof InputError) throw new InputError(e.message.replace(path.dirname(file), file));
    throw e;
  }
}

/** Writes audit/baselines/gas.json from this run and re-compares the gas stage against it. */
async function updateGasBaseline(root: string, build: BuildRef, results: Map<string, StageResult>): Promise<string> {
  const test = results.get("test");
  const gas = results.get("gas");
  if (test?.status !== "passed" || gas?.status !== "passed") {
    return `gas baseline NOT updated: the test and gas stages must pass (test ${test?.status ?? "missing"}, gas ${gas?.status ?? "missing"})`;
  }
  const metrics = gas.metrics as unknown as GasMetrics;
  const baseline = baselineFrom(metrics);
  await writeFileAtomic(path.join(root, GAS_BASELINE_FILE), JSON.stringify(baseline, null, 2) + "\n");
  const rel = test.metrics.gasReport;
  if (typeof rel === "string") {
    const fresh = compareGas(parseGasReporterJson(readFileSync(path.resolve(root, rel), "utf8")), build.artifactsDir, baseline);
    results.set("gas", { ...gas, metrics: { ...fresh } });
  }
  return `gas baseline updated: ${GAS_BASELINE_FILE} (${metrics.methods.length} methods, ${metrics.deployments.length} deployments)`;
}

/** CLI entry: parses argv, runs, maps bad input to exit 2 with one line on stderr. */
/**
 * `npm run audit -- init [--root DIR]`: the way in for a project that knows nothing of the harness
 * (init.ts). Exit 0 when the files are written (or kept), 2 when the project cannot be opened or compiled.
 */
async function runInitCommand(argv: readonly string[], io: CliIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: parseArgsOptions(INIT_FLAGS) }) as { values: { root?: string[]; help?: boolean } });
  } catch (e) {
    throw new InputError(`init: ${(e as Error).message.split("\n")[0]} (usage: npm run audit -- init [--root DIR])`);
  }
  if (values.help) {
    io.stdout.write(`${initUsage(INIT_HELP)}\n`);
    return EXIT.passed;
  }
  if (values.root && values.root.length > 1) throw new InputError(`init: --root given ${values.root.length} times: give it once`);
  if (values.root?.[0] === "") throw new InputError("init: --root needs a path");
  const root = checkHardhatRoot(values.root !== undefined ? path.resolve(io.cwd, values.root[0]) : findRoot(io.cwd));
  const logs = mkdtempSync(path.join(os.tmpdir(), "audit-init-"));
  const release = holdDirectory(logs);
  try {
    const result = await runInit({ root, rawDir: logs, signal: io.signal ?? new AbortController().signal, log: (line) => void io.stderr.write(`[audit] ${line}\n`) });
    io.stdout.write(initSummary(result, root).join("\n") + "\n");
    return EXIT.passed;
  } catch (e) {
    if (e instanceof ProjectError) throw new InputError(`init: ${e.message}`);
    throw e;
  } finally {
    release();
  }
}

export const INIT_HELP = [
  "Opens the project as the audit will (its own Hardhat config, the audit's settings injected around it), compiles it,",
  "detects its proxy patterns and writes, without overwriting anything: audit/domains.json (the inferred storage domains,",
  "for review), audit/policy.json (a starter gate requiring only the stages that can run there) and .solhint.json (when",
  "the project has no lint config). Then prints what is missing before the first run. Guide: docs/AUDITING-OTHER-PROJECTS.md.",
].join("\n");

/** `--list-rules`: the rule catalog, and what the gate judges besides findings. */
function listRules(json: boolean): string {
  const catalog = ruleCatalog();
  if (json) return formatCatalog(catalog.entries, "json");
  return [
    formatCatalog(catalog.entries, "text").trimEnd(),
    `Sources: ${catalogSources().map((s) => `${s.tool} ${s.version}`).join(", ")}; the analyzers' and the pipeline's own rules (scripts/audit/findings/catalog.ts).`,
    "The gate also judges, from metrics (audit/policy.json): coverage thresholds (coverage.*), gas regressions of the test run (gas.maxRegressionPercent), required stages, and stage errors; against a baseline, changes of the rules themselves (suppressions, policy, gas and bench baselines; rulesChange).",
    "",
  ].join("\n");
}

export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  try {
    if (argv[0] === "init") return await runInitCommand(argv.slice(1), io);
    const opts = parseAuditArgs(argv);
    if (opts.accept !== undefined && !opts.help) {
      const root = checkHardhatRoot(opts.root !== undefined ? path.resolve(io.cwd, opts.root) : findRoot(io.cwd));
      const outDir = path.resolve(io.cwd, opts.out ?? path.join(root, "audit"));
      io.stdout.write(`${await acceptFinding(root, outDir, { id: opts.accept, why: opts.why!, ...(opts.reviewer ? { reviewer: opts.reviewer } : {}), ...(opts.expires ? { expires: opts.expires } : {}) })}\n`);
      return EXIT.passed;
    }
    if (opts.help) {
      io.stdout.write(usage({ stages: STAGES, defaultTimeoutMs: DEFAULT_TIMEOUT_MS }) + "\n");
      return EXIT.passed;
    }
    if (opts.listRules) {
      io.stdout.write(listRules(opts.json));
      return EXIT.passed;
    }
    return await runAudit(opts, io);
  } catch (e) {
    if (e instanceof InputError) {
      io.stderr.write(`audit: ${e.message}\n`);
      return EXIT.cannotRun;
    }
    const message = e instanceof Error ? e.message : String(e);
    io.stderr.write(`audit: internal error: ${message.split("\n")[0]}${io.env.AUDIT_DEBUG ? `\n${(e as Error).stack ?? ""}` : " (AUDIT_DEBUG=1 for the stack)"}\n`);
    return EXIT.cannotRun;
  }
}

/**
 * main() for this process (the npm script and the Hardhat task): SIGINT / SIGTERM stop the run
 * through interrupt.ts (tools stopped, nothing written, exit 130). After an interrupt the process
 * exits as soon as main() returns, so that nothing a stopped stage left behind outlives it.
 */
export async function runInProcess(argv: readonly string[]): Promise<number> {
  const controller = new AbortController();
  const unhandle = handleInterrupts(controller, (line) => process.stderr.write(`${line}\n`));
  const code = await main(argv, { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env, signal: controller.signal });
  if (controller.signal.aborted) {
    releaseHeld();
    process.exit(code);
  }
  unhandle();
  return code;
}

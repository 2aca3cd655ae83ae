/**
 * The orchestrator: validates every input first (flags, policy,
 * suppressions, gas baseline, build), then runs the selected stages through
 * the scheduler, evaluates the gate, writes the reports and prints the
 * summary. Returns the exit code: 0 gate passed, 1 gate failed, 2 could not run.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Writable } from "node:stream";
import { baselineFrom, parseGasReporterJson, type GasMetrics } from "./adapters/gas-reporter";
import { parseAuditArgs, planStages, usage, type AuditOptions } from "./args";
import { loadBuild, pendingBuild } from "./build";
import { EXIT, InputError } from "./errors";
import { writeFileAtomic } from "./fs/atomic";
import { evaluateGate } from "./gate";
import { GAS_BASELINE_FILE, loadGasBaseline, loadPolicy, loadSuppressions } from "./policy";
import { listrProgress, plainProgress, wantsInteractive, type Progress } from "./progress";
import { writeReports } from "./reports";
import { runStages, validateRegistry } from "./scheduler";
import { computeScope, gitState } from "./scope";
import { STAGES } from "./stages";
import { compareGas } from "./stages/gas";
import { formatSummary, jsonSummary } from "./summary";
import { REPORT_SCHEMA_VERSION, type AuditReport, type BuildRef, type Stage, type StageResult } from "./types";

export { REPORT_SCHEMA_VERSION };

export interface CliIO {
  stdout: NodeJS.WriteStream | Writable;
  stderr: NodeJS.WriteStream | Writable;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Interrupt (Ctrl-C) for the whole run. */
  signal?: AbortSignal;
}

/** Nearest directory at or above `from` holding a hardhat.config.{ts,js}; `from` when none. */
export function findRoot(from: string): string {
  let dir = path.resolve(from);
  for (;;) {
    if (["hardhat.config.ts", "hardhat.config.js", "hardhat.config.cjs"].some((f) => existsSync(path.join(dir, f)))) return dir;
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
  const root = path.resolve(io.cwd, opts.root ?? findRoot(io.cwd));
  if (!existsSync(root)) throw new InputError(`root ${root} does not exist`);
  const outDir = path.resolve(io.cwd, opts.out ?? path.join(root, "audit"));
  const rawDir = path.join(outDir, "raw");

  // 1. Validate all inputs before running anything.
  const plan = planStages(stages, opts);
  if (plan.selected.length === 0) throw new InputError(`no stage left to run (valid: ${names.join(", ")})`);
  const policy = loadPolicy(root, names);
  const suppressions = loadSuppressions(root);
  const selected = stages.filter((s) => plan.selected.includes(s.name));
  if (selected.some((s) => s.name === "gas")) loadGasBaseline(root);
  if (opts.updateGasBaseline && !(plan.selected.includes("gas") && plan.selected.includes("test"))) {
    throw new InputError("--update-gas-baseline needs the test and gas stages in the run");
  }
  let build: BuildRef = pendingBuild(root);
  if (!plan.selected.includes("compile") && selected.some((s) => needsBuild(s, stages))) {
    build = loadBuild(root); // InputError when compile is skipped and there is no build
    if (build.buildInfoFiles.length > 1) {
      // Tools such as Slither read every build-info as a compilation unit: stale copies would count.
      throw new InputError(
        `the existing build spans ${build.buildInfoFiles.length} build-info files (an incremental compile): run the compile stage, or npx hardhat compile --force`,
      );
    }
  }
  mkdirSync(rawDir, { recursive: true });

  // 2. Run the stages.
  const progressOut = (opts.json ? io.stderr : io.stdout) as NodeJS.WriteStream;
  const progress: Progress = wantsInteractive(progressOut, io.env)
    ? await listrProgress(selected.map((s) => ({ name: s.name, title: s.title })), progressOut)
    : plainProgress(progressOut);
  const [git, scope] = await Promise.all([gitState(root), Promise.resolve(computeScope(root))]);
  const results = await runStages({
    stages: selected,
    profile: opts.profile,
    maxHeavy: heavyLimit(io.env),
    signal: io.signal,
    // Stages that need the build depend on compile, so they start after onDone below has loaded it.
    context: (stage, upstream, signal) => ({
      root,
      outDir,
      rawDir,
      profile: opts.profile,
      build,
      upstream,
      plan: plan.selected,
      signal,
      log: (m) => progress.log(stage.name, m),
    }),
    onStart: (stage) => progress.start(stage.name),
    onDone: (stage, result) => {
      if (stage.name === "compile" && result.status === "passed") build = loadBuild(root);
      progress.done(stage.name, result);
    },
  });
  await progress.close();

  // 3. Optional gas baseline update (an explicit command; see audit/README.md).
  const byName = new Map(results.map((r) => [r.name, r]));
  const notices: string[] = [];
  if (opts.updateGasBaseline) notices.push(await updateGasBaseline(root, build, byName));

  // 4. Gate, report, summary.
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
  const ordered = names.map((n) => byName.get(n) ?? excluded.find((e) => e.name === n)).filter((r): r is StageResult => r !== undefined);
  const verdict = evaluateGate({
    profile: opts.profile,
    policy,
    stages: ordered,
    suppressions,
    today: new Date().toISOString().slice(0, 10),
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
  };
  let written: string[];
  try {
    written = await writeReports(report, outDir, { root });
  } catch (e) {
    io.stderr.write(`audit: could not write the reports: ${(e as Error).message.split("\n").slice(0, 4).join(" | ")}\n`);
    return EXIT.cannotRun;
  }
  const code = report.gate.passed ? EXIT.passed : EXIT.failed;
  const shown = written.map((f) => {
    const rel = path.relative(io.cwd, f);
    return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : f;
  });
  for (const n of notices) io.stderr.write(`audit: ${n}\n`);
  if (opts.json) io.stdout.write(JSON.stringify(jsonSummary(report, stages, shown, code, outDir), null, 2) + "\n");
  else io.stdout.write("\n" + formatSummary(report, stages, shown));
  return code;
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
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  try {
    const opts = parseAuditArgs(argv);
    if (opts.help) {
      io.stdout.write(usage(STAGES.map((s) => s.name)) + "\n");
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

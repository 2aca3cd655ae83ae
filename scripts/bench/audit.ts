/**
 * `npm run bench:audit [-- flags]`: how long the audit itself takes, against the same tools run one
 * by one by hand. A benchmark, not a test: it measures, prints and (with --json) records; it asserts
 * nothing. Figures and how to read them: docs/BENCHMARK.md ("The audit's own wall time").
 *
 * In a scratch copy of the repository (sources and committed inputs; node_modules and .tools linked,
 * or with --fresh-tools an empty tools cache):
 *   1. the ci audit four times: cold (no build, no corpus, no reports, no stage-result cache), warm
 *      (again, nothing changed: every cached stage is reused), one-file change (a line appended to a
 *      test file: the stages that read tests run again), and warm with --no-cache (every stage runs
 *      again: what a warm run cost before the cache); per-stage wall time from each report.json
 *      (cached stages marked), and the audit process's own wall time;
 *   2. `--only slither` and `--only slither,slither-upgradeability` with --no-cache (the shared Slither load);
 *   3. the tools one by one by hand, each command printed so it can be repeated: hardhat compile,
 *      the storage and selector tasks, solhint, slither, slither-check-upgradeability per comparison,
 *      hardhat test with gas reporting, the routing benchmark, medusa fuzz, hardhat coverage;
 *   4. the ratios: each audit run's wall time to the hand sum (goal for warm: <= 0.4), and both
 *      Slither stages to slither alone (goal: <= 1.3); the cache goals: the warm run under 15 s, and
 *      the stages the one-file change ran again.
 * Flags: scripts/bench/audit-figures.ts (BENCH_AUDIT_USAGE). Exit 2 on a bad flag or when an audit
 * run could not start (its exit code 2); a hand command that fails is reported, not fatal.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync, appendFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { stageContext } from "../audit/dev/slither-fixture";
import { slitherArtifactsDir } from "../audit/stages/slither-common";
import { prepareSlitherPart, prepareUpgradeabilityPart } from "../audit/stages/slither-session";
import { projectScope, testFiles } from "../audit/scope";
import { listBuildInfoFiles } from "../audit/tools/build-info";
import {
  BENCH_AUDIT_USAGE,
  BenchArgsError,
  displayCommand,
  formatHandTable,
  formatStageTable,
  goalLine,
  handSum,
  parseBenchAuditArgs,
  ratio,
  seconds,
  stageTimes,
  type AuditRunFigures,
  type HandFigures,
} from "./audit-figures";

const REPO = path.resolve(__dirname, "..", "..");
/** Not copied into the scratch copy: dependencies, tools, build outputs, reports. */
const NOT_COPIED = new Set(["node_modules", ".tools", ".git", "artifacts", "cache", "typechain-types", "coverage", "coverage.json", "crytic-export", "dist", "audit"]);
/** The committed inputs under audit/. */
const AUDIT_INPUTS = ["policy.json", "suppressions.json", "domains.json", "baselines", "README.md"];
const AUDIT_CLI = ["ts-node", "--transpile-only", "scripts/audit/cli.ts"];

function log(line: string): void {
  process.stderr.write(`bench:audit: ${line}\n`);
}

/** Sources and committed inputs in a fresh folder; node_modules linked; .tools linked unless fresh. */
function scratchCopy(freshTools: boolean): string {
  const dir = realpathSync(mkdtempSync(path.join(os.tmpdir(), "bench-audit-")));
  for (const name of readdirSync(REPO)) {
    if (NOT_COPIED.has(name) || name.startsWith(".coverage")) continue;
    cpSync(path.join(REPO, name), path.join(dir, name), { recursive: true });
  }
  mkdirSync(path.join(dir, "audit"));
  for (const name of AUDIT_INPUTS) {
    if (existsSync(path.join(REPO, "audit", name))) cpSync(path.join(REPO, "audit", name), path.join(dir, "audit", name), { recursive: true });
  }
  symlinkSync(realpathSync(path.join(REPO, "node_modules")), path.join(dir, "node_modules"), "dir");
  if (!freshTools && existsSync(path.join(REPO, ".tools"))) symlinkSync(realpathSync(path.join(REPO, ".tools")), path.join(dir, ".tools"), "dir");
  return dir;
}

interface Timed {
  seconds: number;
  exitCode: number | undefined;
  stdout: string;
  stderr: string;
}

async function timed(file: string, args: readonly string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; logFile: string }): Promise<Timed> {
  const { execa } = await import("execa");
  const started = performance.now();
  const run = await execa(file, [...args], { cwd: opts.cwd, env: { ...opts.env }, extendEnv: true, reject: false, stdin: "ignore", all: true, maxBuffer: 512 * 1024 * 1024 });
  const secondsTaken = (performance.now() - started) / 1000;
  writeFileSync(opts.logFile, typeof run.all === "string" ? run.all : "");
  return { seconds: secondsTaken, exitCode: run.exitCode, stdout: String(run.stdout ?? ""), stderr: String(run.stderr ?? "") };
}

async function auditRun(name: string, root: string, args: string[], logDir: string): Promise<AuditRunFigures> {
  log(`audit ${name}: npx ${[...AUDIT_CLI, ...args].join(" ")}`);
  const load = os.loadavg()[0];
  const run = await timed("npx", [...AUDIT_CLI, ...args], { cwd: root, logFile: path.join(logDir, `${name}.log`) });
  if (run.exitCode !== 0 && run.exitCode !== 1) {
    const last = run.stderr.trim().split("\n").pop() ?? "";
    throw new Error(`the ${name} audit could not run (exit ${run.exitCode ?? "signal"}): ${last}`);
  }
  const report = JSON.parse(readFileSync(path.join(root, "audit", "report.json"), "utf8")) as unknown;
  cpSync(path.join(root, "audit", "report.json"), path.join(logDir, `${name}.report.json`));
  const figures = { name, wallSeconds: run.seconds, exitCode: run.exitCode, load, stages: stageTimes(report).filter((s) => s.status !== "skipped") };
  log(`audit ${name}: ${seconds(figures.wallSeconds)} (exit ${run.exitCode})`);
  return figures;
}

interface HandCommand {
  label: string;
  program: string;
  argv: string[];
  env?: Record<string, string>;
  /** Prepares outputs (fresh folders) before the command runs; not timed. */
  before?(): void;
}

/** The same work as the ci audit's stages, tool by tool, as a person would type it. */
function handCommands(root: string, handDir: string, medusaConfig: string | undefined): HandCommand[] {
  const policy = JSON.parse(readFileSync(path.join(root, "audit", "policy.json"), "utf8")) as { scope?: { tests?: string[]; exclude?: string[] } };
  const scope = projectScope(root, { sources: path.join(root, "contracts"), tests: path.join(root, "test"), artifacts: path.join(root, "artifacts") }, policy.scope);
  const tests = testFiles(root, scope).map((f) => path.relative(root, f));
  const artifactsDir = path.join(root, "artifacts");
  const buildInfoDir = path.join(artifactsDir, "build-info");
  const ctx = stageContext(root, { artifactsDir, buildInfoDir, buildInfoFiles: listBuildInfoFiles(buildInfoDir), solcVersion: "0.8.28" }, handDir);
  const slither = prepareSlitherPart(ctx, slitherArtifactsDir(ctx).dir);
  const upgradeability = prepareUpgradeabilityPart(ctx);
  const fresh = (dir: string) => (): void => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
  };
  const commands: HandCommand[] = [
    { label: "compile (the one build every tool reads)", program: "npx", argv: ["hardhat", "compile", "--force"] },
    { label: "storage analyzer (stage storage)", program: "npx", argv: ["hardhat", "audit:storage"] },
    { label: "selector analyzer (stage selectors)", program: "npx", argv: ["hardhat", "audit:selectors"] },
    { label: "solhint (stage lint)", program: "npx", argv: ["solhint", "contracts/**/*.sol"] },
    { label: "slither (stage slither)", program: "slither", argv: slither.argv, before: fresh(slither.raw) },
  ];
  if ("part" in upgradeability) {
    const { part } = upgradeability;
    upgradeability.part.jobs.forEach((job, i) =>
      commands.push({ label: `slither-check-upgradeability ${job.name} (stage slither-upgradeability)`, program: "slither-check-upgradeability", argv: job.argv, ...(i === 0 ? { before: fresh(part.raw) } : {}) }),
    );
  }
  commands.push(
    { label: "tests with gas reporting (stages test and gas: one mocha run)", program: "npx", argv: ["hardhat", "test", "--no-compile", ...tests], env: { REPORT_GAS: "true" } },
    { label: "routing benchmark (stage bench)", program: "npx", argv: ["hardhat", "run", "--no-compile", "scripts/bench/gas.ts"], env: { BENCH_OUT: path.join(handDir, "bench.json") } },
  );
  if (medusaConfig) commands.push({ label: "medusa, the ci campaign's config (stage invariants)", program: "medusa", argv: ["fuzz", "--config", medusaConfig] });
  // Last: solidity-coverage instruments and recompiles in place.
  commands.push({ label: "coverage (stage coverage)", program: "npx", argv: ["hardhat", "coverage", "--testfiles", tests.length === 1 ? tests[0] : `{${tests.join(",")}}`] });
  return commands;
}

/** The warm run's Medusa config (raw/invariants/medusa.effective.json), its crytic-compile export moved into the hand folder. */
function copyMedusaConfig(root: string, handDir: string): string | undefined {
  const effective = path.join(root, "audit", "raw", "invariants", "medusa.effective.json");
  if (!existsSync(effective)) return undefined;
  const config = JSON.parse(readFileSync(effective, "utf8")) as { compilation?: { platformConfig?: { exportDirectory?: string } } };
  if (config.compilation?.platformConfig) config.compilation.platformConfig.exportDirectory = path.join(handDir, "crytic-export");
  const file = path.join(handDir, "medusa.json");
  writeFileSync(file, `${JSON.stringify(config, null, 2)}\n`);
  return file;
}

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseBenchAuditArgs(process.argv.slice(2));
  } catch (e) {
    if (e instanceof BenchArgsError) {
      process.stderr.write(`bench:audit: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  if (opts.help) {
    process.stdout.write(`${BENCH_AUDIT_USAGE}\n`);
    return 0;
  }
  if (!existsSync(path.join(REPO, opts.change))) {
    process.stderr.write(`bench:audit: --change ${opts.change}: no such file in the repository\n`);
    return 2;
  }
  const root = scratchCopy(opts.freshTools);
  // Outside the scratch project: files appearing in it between two runs would be changes of the
  // project's code to the stage-result cache (and to a user's own tree alike).
  const work = realpathSync(mkdtempSync(path.join(os.tmpdir(), "bench-audit-logs-")));
  const logDir = path.join(work, "logs");
  const handDir = path.join(work, "hand");
  mkdirSync(logDir);
  mkdirSync(handDir);
  log(`scratch copy ${root} (${opts.freshTools ? "empty tools cache: Slither and Medusa are installed by the cold run" : ".tools linked"}); logs in ${logDir}/`);
  try {
    const runs: AuditRunFigures[] = [];
    runs.push(await auditRun("cold", root, ["--profile", "ci"], logDir));
    runs.push(await auditRun("warm", root, ["--profile", "ci"], logDir));
    appendFileSync(path.join(root, opts.change), "\n// bench:audit one-file change\n");
    runs.push(await auditRun("1-file change", root, ["--profile", "ci"], logDir));
    runs.push(await auditRun("warm, --no-cache", root, ["--profile", "ci", "--no-cache"], logDir));
    const medusaConfig = copyMedusaConfig(root, handDir);
    const slitherAlone = await auditRun("slither alone", root, ["--profile", "ci", "--only", "slither", "--no-cache"], logDir);
    const slitherBoth = await auditRun("both Slither stages", root, ["--profile", "ci", "--only", "slither,slither-upgradeability", "--no-cache"], logDir);

    const hand: HandFigures[] = [];
    const toolsDir = path.join(root, ".tools");
    const env = { PATH: [path.join(root, "node_modules", ".bin"), path.join(toolsDir, "venv", "bin"), path.join(toolsDir, "bin"), process.env.PATH ?? ""].join(path.delimiter) };
    if (!opts.skipHand) {
      for (const [i, c] of handCommands(root, handDir, medusaConfig).entries()) {
        c.before?.();
        const command = displayCommand(c.program, c.argv, root, c.env);
        log(`by hand ${i + 1}: ${command}`);
        const run = await timed(c.program, c.argv, { cwd: root, env: { ...env, ...c.env }, logFile: path.join(logDir, `hand-${i + 1}.log`) });
        hand.push({ label: c.label, command, seconds: run.seconds, exitCode: run.exitCode });
      }
    }

    const out: string[] = [];
    out.push(`bench:audit - profile ci, ${os.cpus().length} CPUs, ${new Date().toISOString()}, scratch copy ${root}`);
    out.push("", "Audit runs (per-stage wall time; stages run in parallel, so they do not add up to the audit's; cached: reused, the tool did not run):", formatStageTable(runs));
    out.push("", "Slither stages alone (--only):", formatStageTable([slitherAlone, slitherBoth]));
    const span = (r: AuditRunFigures): number => Math.max(0, ...r.stages.filter((s) => s.name.startsWith("slither")).map((s) => s.seconds));
    const sum = handSum(hand);
    if (hand.length > 0) {
      out.push("", `By hand, one by one, from the repository root with PATH="$PWD/node_modules/.bin:$PWD/.tools/venv/bin:$PWD/.tools/bin:$PATH":`, formatHandTable(hand));
    }
    out.push("", "Ratios:");
    for (const r of runs) out.push(goalLine(`${r.name} audit / hand sum`, ratio(r.wallSeconds, sum), r.name === "warm" ? 0.4 : undefined));
    out.push(goalLine("both Slither stages / slither alone (stage time)", ratio(span(slitherBoth), span(slitherAlone)), 1.3));
    out.push(goalLine("both Slither stages / slither alone (audit time)", ratio(slitherBoth.wallSeconds, slitherAlone.wallSeconds)));
    const handSlither = hand.filter((h) => h.label.startsWith("slither")).reduce((a, h) => a + h.seconds, 0);
    const handSlitherOnly = hand.find((h) => h.label.startsWith("slither (stage"))?.seconds ?? 0;
    if (hand.length > 0) out.push(goalLine("by hand: slither + each upgradeability run / slither", ratio(handSlither, handSlitherOnly)));
    const warm = runs.find((r) => r.name === "warm")!;
    const changed = runs.find((r) => r.name === "1-file change")!;
    const ran = (r: AuditRunFigures): string => r.stages.filter((s) => !s.cached).map((s) => s.name).join(", ") || "none";
    out.push("", "Stage-result cache:");
    out.push(`  warm (unchanged tree) audit wall time: ${seconds(warm.wallSeconds)}  goal < 15 s: ${warm.wallSeconds < 15 ? "holds" : "does not hold"}; stages that ran: ${ran(warm)}`);
    out.push(`  one-file change (${opts.change}): ${seconds(changed.wallSeconds)}; stages that ran: ${ran(changed)}`);
    process.stdout.write(`${out.join("\n")}\n`);
    if (opts.json) {
      writeFileSync(opts.json, `${JSON.stringify({ at: new Date().toISOString(), cpus: os.cpus().length, freshTools: opts.freshTools, change: opts.change, runs, slither: { alone: slitherAlone, both: slitherBoth }, hand, handSum: sum }, null, 2)}\n`);
      log(`figures written to ${opts.json}`);
    }
    return 0;
  } finally {
    if (opts.keep) log(`kept ${root} and ${work}`);
    else for (const dir of [root, work]) rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench:audit: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}\n`);
    process.exitCode = 2;
  },
);

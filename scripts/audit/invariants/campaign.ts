/**
 * The invariant campaign: picks the engine (Echidna when installed, else
 * Medusa, or what AUDIT_INVARIANT_ENGINE / test/invariant/campaign.json say),
 * provisions it, runs it on the harness for the profile's budget over the
 * pipeline's existing Hardhat build (crytic-compile --hardhat-ignore-compile),
 * and normalizes its results (properties, failing sequences, calls, coverage).
 *
 * Used by the audit stage (scripts/audit/stages/invariants.ts) and by the
 * planted-bug test (test/pipeline/invariants-teeth.test.ts), which points it
 * at another harness and build.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import path from "node:path";
import { Interface } from "ethers";
import { load as loadYaml } from "js-yaml";
import {
  echidnaFailures,
  parseEchidnaOutput,
  readEchidnaReproducers,
  type EchidnaSenders,
  type EchidnaTextResult,
} from "../adapters/echidna";
import { MEDUSA_EXIT, medusaFailures, normalizeAddress, parseMedusaOutput, readMedusaTestResults } from "../adapters/medusa";
import {
  detectEchidna,
  ensureEchidnaParade,
  ensureMedusa,
  toolPaths,
  ToolInstallError,
  ToolUnavailableError,
  type ProvisionedTool,
} from "../tools/provision";
import { sameConfigurationBuildInfos } from "../tools/build-info";
import { z } from "zod";
import { InputError } from "../errors";
import { readJsonInput } from "../fs/json-input";
import type { Profile, ToolInfo } from "../types";
import { runGroup, tailOf, type GroupRun } from "./process";
import type { EngineChoice, EngineCoverage, InvariantEngine, PropertyFailure, PropertyResult } from "./types";
import { buildHash, countCorpus, readBuildStamp, unionCorpora, writeBuildStamp, type CorpusCount } from "./corpus";

export const CAMPAIGN_CONFIG = "test/invariant/campaign.json";

/** Upper bounds of the per-profile budgets (seconds of fuzzing): CI time is precious. */
export const BUDGET_LIMITS: Readonly<Record<Exclude<Profile, "deep">, number>> = { quick: 60, ci: 300 };

export class CampaignConfigError extends Error {}

const ENGINES: readonly EngineChoice[] = ["auto", "medusa", "echidna"];
const seconds = z.number().int("must be a whole number of seconds").positive("must be positive");
const repoPath = z.string().min(1, "must name a repository-relative path");

/** test/invariant/campaign.json (checked before any stage runs: scripts/audit/inputs.ts). */
export const CampaignConfigSchema = z
  .object({
    $comment: z.string().optional(),
    harness: z.string().min(1, "must name a contract"),
    engine: z.enum(["auto", "medusa", "echidna"]),
    budgets: z
      .object({
        quick: z.object({ seconds: seconds.max(BUDGET_LIMITS.quick, `at most ${BUDGET_LIMITS.quick} (quick runs stay quick)`) }).strict(),
        ci: z.object({ seconds: seconds.max(BUDGET_LIMITS.ci, `at most ${BUDGET_LIMITS.ci} (CI time is precious)`) }).strict(),
        deep: z.object({ seconds }).strict(),
      })
      .strict(),
    medusa: z.object({ config: repoPath, corpusDir: repoPath }).strict(),
    echidna: z
      .object({ config: repoPath, corpusDir: repoPath, paradeProfiles: z.array(z.enum(["quick", "ci", "deep"])).default([]) })
      .strict(),
  })
  .strict();

export type CampaignConfig = z.output<typeof CampaignConfigSchema>;

/**
 * The fields of Medusa's project config (test/invariant/medusa.json) the campaign reads or
 * overrides, with their types; every other field passes through to Medusa, which checks it.
 */
export const MedusaConfigSchema = z
  .object({
    fuzzing: z
      .object({
        workers: z.number().int().positive().optional(),
        timeout: z.number().int().nonnegative().optional(),
        testLimit: z.number().int().nonnegative().optional(),
        shrinkLimit: z.number().int().nonnegative().optional(),
        callSequenceLength: z.number().int().positive().optional(),
        corpusDirectory: z.string().optional(),
        targetContracts: z.array(z.string()).optional(),
        senderAddresses: z.array(z.string()).optional(),
        deployerAddress: z.string().optional(),
        testing: z.object({}).passthrough(),
      })
      .passthrough(),
    compilation: z
      .object({
        platform: z.string().optional(),
        platformConfig: z.object({ target: z.string().optional(), exportDirectory: z.string().optional(), args: z.array(z.string()).optional() }).passthrough(),
      })
      .passthrough(),
    logging: z.object({}).passthrough().optional(),
    slither: z.object({}).passthrough().optional(),
  })
  .passthrough();

export type MedusaConfig = z.output<typeof MedusaConfigSchema>;

/** Reads a campaign input with its schema; problems become CampaignConfigError (one line naming the file and field). */
function readCampaignInput<T extends z.ZodTypeAny>(root: string, file: string, schema: T, what: string): z.output<T> {
  try {
    const value = readJsonInput(root, file, schema, what);
    if (value === undefined) throw new CampaignConfigError(`${what} ${file} does not exist`);
    return value;
  } catch (e) {
    if (e instanceof InputError) throw new CampaignConfigError(e.message);
    throw e;
  }
}

export function loadCampaignConfig(root: string): CampaignConfig {
  return readCampaignInput(root, CAMPAIGN_CONFIG, CampaignConfigSchema, "invariant campaign");
}

/** The Medusa config the campaign names (cfg.medusa.config), validated. */
export function loadMedusaConfig(root: string, cfg: CampaignConfig): MedusaConfig {
  return readCampaignInput(root, cfg.medusa.config, MedusaConfigSchema, "medusa config");
}

/** Engine choice: env AUDIT_INVARIANT_ENGINE, else campaign.json `engine`. */
export function engineChoice(cfg: CampaignConfig, env: NodeJS.ProcessEnv): { choice: EngineChoice; from: string } {
  const fromEnv = env.AUDIT_INVARIANT_ENGINE?.trim().toLowerCase();
  if (fromEnv) {
    if (!ENGINES.includes(fromEnv as EngineChoice)) {
      throw new CampaignConfigError(`AUDIT_INVARIANT_ENGINE=${fromEnv}: expected ${ENGINES.join(", ")}`);
    }
    return { choice: fromEnv as EngineChoice, from: "AUDIT_INVARIANT_ENGINE" };
  }
  return { choice: cfg.engine, from: CAMPAIGN_CONFIG };
}

/** Fuzzing seconds for `profile`: campaign.json, and for deep env AUDIT_FUZZ_SECONDS when set. */
export function budgetSeconds(cfg: CampaignConfig, profile: Profile, env: NodeJS.ProcessEnv): number {
  if (profile === "deep" && env.AUDIT_FUZZ_SECONDS !== undefined && env.AUDIT_FUZZ_SECONDS !== "") {
    const s = Number(env.AUDIT_FUZZ_SECONDS);
    if (!Number.isInteger(s) || s <= 0) {
      throw new CampaignConfigError(`AUDIT_FUZZ_SECONDS=${env.AUDIT_FUZZ_SECONDS}: expected a positive whole number of seconds`);
    }
    return s;
  }
  return cfg.budgets[profile].seconds;
}

/**
 * Time beyond the fuzzing budget a run may take before it is stopped:
 * crytic-compile (which starts a Hardhat console), chain setup, corpus replay
 * and shrinking of a failure.
 */
export const OVERHEAD_SECONDS = 180;

/* ------------------------------------------------------------------------ *
 * Harness metadata (from the build)
 * ------------------------------------------------------------------------ */

export interface HarnessInfo {
  name: string;
  /** Repository-relative source path. */
  sourceName: string;
  abi: Interface;
  /** echidna_ property -> NatSpec notice and line in the source. */
  properties: Map<string, { notice: string; line: number }>;
}

/** The artifact JSON of `contract` under `artifactsDir` (build-info excluded), or undefined. */
export function findArtifact(artifactsDir: string, contract: string): string | undefined {
  const stack = [artifactsDir];
  while (stack.length) {
    const dir = stack.pop() as string;
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    for (const n of names) {
      const full = path.join(dir, n);
      if (n === "build-info") continue;
      if (n === `${contract}.json`) return full;
      if (statSync(full, { throwIfNoEntry: false })?.isDirectory()) stack.push(full);
    }
  }
  return undefined;
}

/** Reads the harness's ABI and its properties' NatSpec from the build and source. */
export function readHarness(root: string, artifactsDir: string, contract: string, prefix = "echidna_"): HarnessInfo {
  const file = findArtifact(artifactsDir, contract);
  if (!file) throw new CampaignConfigError(`no artifact for ${contract} under ${path.relative(root, artifactsDir) || artifactsDir} (compile first)`);
  const artifact = JSON.parse(readFileSync(file, "utf8")) as { sourceName: string; abi: unknown[] };
  const abi = new Interface(artifact.abi as never);
  const properties = new Map<string, { notice: string; line: number }>();
  let source = "";
  try {
    source = readFileSync(path.join(root, artifact.sourceName), "utf8");
  } catch {
    // Source outside the repository: no NatSpec, properties still come from the ABI.
  }
  const lines = source.split(/\r?\n/);
  abi.forEachFunction((f) => {
    if (!f.name.startsWith(prefix)) return;
    const idx = lines.findIndex((l) => new RegExp(`\\bfunction\\s+${f.name}\\s*\\(`).test(l));
    const notice: string[] = [];
    for (let i = idx - 1; i >= 0; i--) {
      const m = /^\s*\/\/\/\s?(.*)$/.exec(lines[i]);
      if (!m) break;
      notice.unshift(m[1].replace(/^@notice\s*/, ""));
    }
    properties.set(f.name, { notice: notice.join(" ").trim(), line: idx >= 0 ? idx + 1 : 0 });
  });
  return { name: contract, sourceName: artifact.sourceName, abi, properties };
}

/* ------------------------------------------------------------------------ *
 * Results
 * ------------------------------------------------------------------------ */

export interface CampaignResult {
  status: "passed" | "failed" | "skipped" | "error";
  reason?: string;
  engine?: InvariantEngine;
  /** How the engine was chosen ("auto: echidna not installed" ...). */
  engineReason?: string;
  tools: ToolInfo[];
  harness: string;
  budgetSeconds: number;
  workers: number;
  durationMs: number;
  calls?: number;
  callsPerSecond?: number;
  coverage: EngineCoverage;
  properties: PropertyResult[];
  failures: PropertyFailure[];
  /** Absolute paths of logs and effective configs. */
  artifacts: string[];
  stderrTail?: string;
  exitCode?: number;
  /** The corpus the engine ran with: where, its entries before and after, and any cleaning of a stale one. */
  corpus?: CorpusReport;
  /** The seed the caller asked for (shards), and whether the engine could take it. */
  seed?: { value: number; applied: boolean; note?: string };
}

/** What a campaign did to its corpus (stage metrics `corpus`). */
export interface CorpusReport {
  /** Repository-relative (or absolute, outside the repository) corpus directory. */
  dir: string;
  /** Entries when the campaign started (after copying a shard's starting corpus, before any cleaning). */
  before: CorpusCount;
  /** Entries when it ended. */
  after: CorpusCount;
  /** The build the campaign ran on (corpus.ts buildHash) and the one the corpus was grown on ("" unknown). */
  buildHash: string;
  previousBuildHash?: string;
  /**
   * Set when the corpus came from another build (or carries no build stamp) and had sequences:
   * Medusa's `medusa corpus clean` ran before the campaign. `removed` sequences no longer deployed,
   * bound to the ABI or executed; `status` error: the clean failed (the campaign ran anyway; Medusa
   * skips a sequence that does not bind when it replays the corpus). Echidna has no cleaning command:
   * `status` skipped.
   */
  cleaned?: { status: "passed" | "error" | "skipped"; removed: number; reason: string };
}

export interface CampaignOptions {
  root: string;
  profile: Profile;
  /** Where logs and effective configs go (created). */
  rawDir: string;
  signal: AbortSignal;
  log(message: string): void;
  env?: NodeJS.ProcessEnv;
  /** Overrides campaign.json. */
  harness?: string;
  engine?: EngineChoice;
  seconds?: number;
  /** Default <root>/artifacts (the pipeline's build). */
  artifactsDir?: string;
  /** Default from campaign.json, per engine. */
  corpusDir?: string;
  /** Default: the machine's cores (at most 4). */
  workers?: number;
  /** Never install tools (use what is there or skip). */
  offline?: boolean;
  /** The shared tools cache (default <root>/.tools; the pipeline passes the harness's). */
  toolsDir?: string;
  /** Medusa: stop at the first broken property (default: `stopOnFailedTest` of the engine config). */
  stopOnFirstFailure?: boolean;
  /** Medusa: false reports each failing sequence as found (`shrinkLimit` 0); default the engine config's. */
  shrink?: boolean;
  /**
   * A shard's corpus (shard.ts): the engine's corpus is <corpusRoot>/<engine>, started from a copy of
   * campaign.json's corpus of that engine. Ignored when corpusDir is given.
   */
  corpusRoot?: string;
  /** With corpusRoot: the corpus the shard starts from, instead of campaign.json's (a test's own). */
  corpusSeedDir?: string;
  /** The generator's seed (shards): Echidna's --seed; Medusa 1.5.1 has no seed setting (recorded only). */
  seed?: number;
}

/** Line coverage of contracts/ (mocks excluded) from an lcov file. */
export function lcovSummary(lcovFile: string, root: string): EngineCoverage["lines"] | undefined {
  let text: string;
  try {
    text = readFileSync(lcovFile, "utf8");
  } catch {
    return undefined;
  }
  let covered = 0;
  let total = 0;
  let inScope = false;
  // Per file: LF/LH when the writer emits them, else counted from the DA:<line>,<hits> records (medusa).
  let da = { found: 0, hit: 0 };
  let summary: { found: number; hit: number } | undefined;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith("SF:")) {
      const rel = path.relative(root, path.resolve(root, line.slice(3))).split(path.sep).join("/");
      inScope = rel.startsWith("contracts/") && !rel.startsWith("contracts/mocks/");
      da = { found: 0, hit: 0 };
      summary = undefined;
    } else if (!inScope) continue;
    else if (line.startsWith("DA:")) {
      da.found++;
      if (Number(line.split(",")[1]) > 0) da.hit++;
    } else if (line.startsWith("LF:")) summary = { found: Number(line.slice(3)), hit: summary?.hit ?? 0 };
    else if (line.startsWith("LH:")) summary = { found: summary?.found ?? 0, hit: Number(line.slice(3)) };
    else if (line === "end_of_record") {
      total += summary?.found ?? da.found;
      covered += summary?.hit ?? da.hit;
      inScope = false;
    }
  }
  if (total === 0) return undefined;
  return { covered, total, pct: Math.round((covered / total) * 10_000) / 100 };
}

function relative(root: string, p: string): string {
  const rel = path.relative(root, p);
  return (rel.startsWith("..") || path.isAbsolute(rel) ? p : rel).split(path.sep).join("/");
}


/** Runs the campaign; never throws for tool problems (they become skipped / error results). */
export async function runCampaign(opts: CampaignOptions): Promise<CampaignResult> {
  const started = Date.now();
  const env = opts.env ?? process.env;
  const cfg = loadCampaignConfig(opts.root);
  const harness = opts.harness ?? cfg.harness;
  const seconds = opts.seconds ?? budgetSeconds(cfg, opts.profile, env);
  const workers = Math.max(1, opts.workers ?? Math.min(4, availableParallelism()));
  const artifactsDir = path.resolve(opts.root, opts.artifactsDir ?? "artifacts");
  const done = (r: Partial<CampaignResult> & Pick<CampaignResult, "status">): CampaignResult => ({
    tools: [],
    harness,
    budgetSeconds: seconds,
    workers,
    coverage: {},
    properties: [],
    failures: [],
    artifacts: [],
    ...r,
    durationMs: Date.now() - started,
  });
  if (!(seconds > 0)) return done({ status: "error", reason: "the fuzzing budget must be positive (an unbounded campaign never ends)" });
  mkdirSync(opts.rawDir, { recursive: true });

  const { choice, from } = opts.engine ? { choice: opts.engine, from: "caller" } : engineChoice(cfg, env);
  const provisionOpts = { root: opts.root, log: opts.log, signal: opts.signal, env, offline: opts.offline, ...(opts.toolsDir ? { toolsDir: opts.toolsDir } : {}) };

  let engine: InvariantEngine;
  let engineReason: string;
  let echidna: ProvisionedTool | undefined;
  if (choice !== "medusa") {
    echidna = await detectEchidna({ root: opts.root, env, signal: opts.signal });
  }
  if (choice === "echidna") {
    if (!echidna) {
      return done({
        status: "skipped",
        reason: `engine echidna (${from}) but no echidna binary is on PATH or in .tools/bin (install a release from github.com/crytic/echidna, or use AUDIT_INVARIANT_ENGINE=medusa)`,
      });
    }
    engine = "echidna";
    engineReason = `echidna (${from})`;
  } else if (choice === "auto" && echidna) {
    engine = "echidna";
    engineReason = "auto: echidna is installed";
  } else {
    engine = "medusa";
    engineReason = choice === "auto" ? "auto: echidna is not installed, using medusa" : `medusa (${from})`;
  }

  let info: HarnessInfo;
  try {
    info = readHarness(opts.root, artifactsDir, harness);
  } catch (e) {
    if (e instanceof CampaignConfigError) return done({ status: "error", engine, engineReason, reason: e.message });
    throw e;
  }
  // crytic-compile loads every build-info file in the folder. After an incremental compile that would
  // include stale copies of the recompiled contracts: the engine could fuzz an old harness whose failures
  // do not replay on the current artifacts.
  const split = sameConfigurationBuildInfos(path.join(artifactsDir, "build-info"));
  if (split.length > 0) {
    return done({
      status: "error",
      engine,
      engineReason,
      reason:
        `the build ${relative(opts.root, artifactsDir)} spans ${split.length} build-info files of one compiler configuration ` +
        `(an incremental compile), and ${engine} would load the stale copies too: compile it again with --force`,
    });
  }

  const configuredCorpus = path.resolve(opts.root, engine === "medusa" ? cfg.medusa.corpusDir : cfg.echidna.corpusDir);
  const corpusDir = opts.corpusDir ? path.resolve(opts.root, opts.corpusDir) : opts.corpusRoot ? path.join(opts.corpusRoot, engine) : configuredCorpus;
  if (!opts.corpusDir && opts.corpusRoot) {
    const from = opts.corpusSeedDir ? path.resolve(opts.root, opts.corpusSeedDir) : configuredCorpus;
    const started = unionCorpora(engine, [from], corpusDir);
    opts.log(`corpus ${relative(opts.root, corpusDir)}: ${started.added} entries copied from ${relative(opts.root, from)}`);
    const stamp = readBuildStamp(from);
    if (stamp) writeBuildStamp(corpusDir, { buildHash: stamp.buildHash, engine: stamp.engine });
  }
  mkdirSync(corpusDir, { recursive: true });
  const hash = buildHash(artifactsDir);
  const previous = readBuildStamp(corpusDir);
  const before = countCorpus(engine, corpusDir);
  const runOpts: CampaignOptions = { ...opts, corpusDir };
  const corpusReport = (cleaned?: CorpusReport["cleaned"]): CorpusReport => ({
    dir: relative(opts.root, corpusDir),
    before,
    after: countCorpus(engine, corpusDir),
    buildHash: hash,
    ...(previous ? { previousBuildHash: previous.buildHash } : {}),
    ...(cleaned ? { cleaned } : {}),
  });
  const stale = before.sequences > 0 && previous?.buildHash !== hash;
  const staleWhy = previous ? `the corpus was grown on build ${previous.buildHash.slice(0, 12)}, this is ${hash.slice(0, 12)}` : "the corpus carries no build stamp";
  const seedNote = opts.seed === undefined ? undefined : engine === "medusa" ? { value: opts.seed, applied: false, note: "medusa has no seed setting: it seeds its generator from the clock" } : undefined;

  try {
    if (engine === "medusa") {
      const medusa = await ensureMedusa(provisionOpts);
      const r = await runMedusa(runOpts, cfg, info, medusa, { seconds, workers, artifactsDir, stale: stale ? staleWhy : undefined });
      if (r.status === "passed" || r.status === "failed") writeBuildStamp(corpusDir, { buildHash: hash, engine });
      const { cleaned, ...rest } = r;
      return done({ ...rest, engine, engineReason, corpus: corpusReport(cleaned), ...(seedNote ? { seed: seedNote } : {}) });
    }
    const parade = cfg.echidna.paradeProfiles.includes(opts.profile) && workers > 1
      ? await ensureEchidnaParade(provisionOpts).catch((e: unknown) => {
          if (e instanceof ToolUnavailableError) {
            opts.log(`echidna-parade unavailable (${e.reason}): running echidna alone`);
            return undefined;
          }
          throw e;
        })
      : undefined;
    const r = await runEchidna(runOpts, cfg, info, echidna as ProvisionedTool, parade, { seconds, workers, artifactsDir });
    if (r.status === "passed" || r.status === "failed") writeBuildStamp(corpusDir, { buildHash: hash, engine });
    const cleaned = stale ? { status: "skipped" as const, removed: 0, reason: `${staleWhy}; echidna has no corpus cleaning command: the corpus is used as it is` } : undefined;
    const seed = opts.seed === undefined ? undefined : parade ? { value: opts.seed, applied: false, note: "echidna-parade draws its own seeds per generation" } : { value: opts.seed, applied: true };
    return done({ ...r, engine, engineReason, corpus: corpusReport(cleaned), ...(seed ? { seed } : {}) });
  } catch (e) {
    if (e instanceof ToolUnavailableError) return done({ status: "skipped", engine, engineReason, reason: e.message });
    if (e instanceof ToolInstallError) return done({ status: "error", engine, engineReason, reason: e.message, stderrTail: e.stderrTail });
    if (e instanceof CampaignConfigError) return done({ status: "error", engine, engineReason, reason: e.message });
    throw e;
  }
}

type EngineRun = Omit<CampaignResult, "durationMs" | "harness" | "budgetSeconds" | "workers" | "engine" | "engineReason" | "corpus" | "seed"> & {
  cleaned?: CorpusReport["cleaned"];
};

interface RunParams {
  seconds: number;
  workers: number;
  artifactsDir: string;
  /** Why the corpus is stale (another build's): Medusa cleans it first. */
  stale?: string;
}

/** crytic-compile arguments: reuse the build; point at a non-default artifacts directory. */
function cryticArgs(root: string, artifactsDir: string, configured: readonly string[]): string[] {
  const args = configured.filter((a, i, all) => a !== "--hardhat-artifacts-directory" && all[i - 1] !== "--hardhat-artifacts-directory");
  if (!args.includes("--hardhat-ignore-compile")) args.push("--hardhat-ignore-compile");
  if (path.resolve(artifactsDir) !== path.resolve(root, "artifacts")) {
    args.push("--hardhat-artifacts-directory", path.relative(root, artifactsDir));
  }
  return args;
}

function errorResult(run: GroupRun, root: string, what: string, tools: ToolInfo[], extra: string[] = []): EngineRun {
  const reason = run.spawnError
    ? `${what} could not start: ${run.spawnError}`
    : run.cancelled
      ? `${what} was interrupted`
      : run.timedOut
        ? `${what} did not finish within its budget plus ${OVERHEAD_SECONDS}s and was stopped`
        : `${what} exited with ${run.exitCode ?? run.signal ?? "an unknown status"}`;
  return {
    status: "error",
    reason,
    tools,
    coverage: {},
    properties: [],
    failures: [],
    artifacts: [...run.logs, ...extra].map((p) => relative(root, p)),
    stderrTail: tailOf(run.stderr.trim() ? run.stderr : run.stdout),
    exitCode: run.exitCode,
  };
}

async function runMedusa(opts: CampaignOptions, cfg: CampaignConfig, info: HarnessInfo, medusa: ProvisionedTool, p: RunParams): Promise<EngineRun> {
  const { root } = opts;
  const corpusDir = path.resolve(root, opts.corpusDir ?? cfg.medusa.corpusDir);
  const config = loadMedusaConfig(root, cfg);
  config.fuzzing.timeout = p.seconds;
  config.fuzzing.testLimit = 0;
  config.fuzzing.workers = p.workers;
  config.fuzzing.corpusDirectory = corpusDir;
  config.fuzzing.targetContracts = [info.name];
  if (opts.stopOnFirstFailure !== undefined) config.fuzzing.testing.stopOnFailedTest = opts.stopOnFirstFailure;
  if (opts.shrink === false) config.fuzzing.shrinkLimit = 0;
  config.compilation.platformConfig.target = root;
  config.compilation.platformConfig.exportDirectory = path.join(opts.rawDir, "crytic-export");
  config.compilation.platformConfig.args = cryticArgs(root, p.artifactsDir, config.compilation.platformConfig.args ?? []);
  config.logging = { ...(config.logging ?? {}), noColor: true };
  const effective = path.join(opts.rawDir, "medusa.effective.json");
  writeFileSync(effective, `${JSON.stringify(config, null, 2)}\n`);

  const tools: ToolInfo[] = [{ name: "medusa", version: medusa.version }];
  const cleaned = p.stale ? await cleanMedusaCorpus(opts, medusa, effective, corpusDir, p.stale) : undefined;
  opts.log(`medusa ${medusa.version}: ${info.name}, ${p.seconds}s, ${p.workers} worker(s), corpus ${relative(root, corpusDir)}`);
  let lastProgress = 0;
  const run = await runGroup(medusa.bin, ["fuzz", "--config", effective], {
    cwd: opts.rawDir,
    env: { ...process.env, ...(opts.env ?? {}), ...(medusa.env ?? {}), NO_COLOR: "1" },
    signal: opts.signal,
    deadlineMs: (p.seconds + OVERHEAD_SECONDS) * 1000,
    logDir: opts.rawDir,
    logName: "medusa",
    onLine: (line) => {
      if (line.includes("fuzz: elapsed:") && Date.now() - lastProgress > 10_000) {
        lastProgress = Date.now();
        opts.log(line.replace(/^⇾\s*/, "").trim());
      } else if (/Shrinking|\[FAILED\]/.test(line)) opts.log(line.replace(/^⇾\s*/, "").trim());
    },
  });
  const artifacts = [...run.logs, effective];
  // crytic-compile's export of the whole build (megabytes); the build itself is the record.
  rmSync(path.join(opts.rawDir, "crytic-export"), { recursive: true, force: true });
  const text = parseMedusaOutput(run.stdout);
  const finished = text.summary !== undefined;
  if (run.spawnError || run.cancelled || !finished || (run.exitCode !== MEDUSA_EXIT.success && run.exitCode !== MEDUSA_EXIT.testFailed)) {
    return { ...errorResult(run, root, "medusa", tools, [effective]), ...(cleaned ? { cleaned } : {}) };
  }
  const failures = medusaFailures(text, readMedusaTestResults(corpusDir), root);
  const lcovFile = path.join(corpusDir, "coverage", "lcov.info");
  const coverage: EngineCoverage = {
    ...(text.progress ? { branches: text.progress.branches } : {}),
    ...(existsSync(lcovFile) ? { lines: lcovSummary(lcovFile, root), lcov: relative(root, lcovFile) } : {}),
  };
  const calls = text.progress?.calls;
  const fuzzSeconds = text.progress?.elapsedSeconds;
  return {
    status: failures.length > 0 || run.exitCode === MEDUSA_EXIT.testFailed ? "failed" : "passed",
    ...(run.timedOut ? { reason: `medusa overran its budget and was stopped; results are from its final report` } : {}),
    tools,
    calls,
    callsPerSecond: calls !== undefined && fuzzSeconds ? Math.round(calls / fuzzSeconds) : undefined,
    coverage,
    properties: text.tests,
    failures,
    artifacts: artifacts.map((a) => relative(root, a)),
    exitCode: run.exitCode,
    ...(cleaned ? { cleaned } : {}),
  };
}

/**
 * `medusa corpus clean` (Medusa 1.5+) over a corpus grown on another build: Medusa compiles the
 * project as the campaign will, deploys the targets, and replays each call_sequences/ entry; an entry
 * whose target is not deployed, whose calls no longer bind to the ABI, or whose execution errors is
 * deleted from disk. test_results/ is not touched (Medusa replays those at the campaign's start and
 * skips the ones that no longer bind). Never throws: a failed clean is reported and the campaign runs.
 */
async function cleanMedusaCorpus(opts: CampaignOptions, medusa: ProvisionedTool, effective: string, corpusDir: string, why: string): Promise<NonNullable<CorpusReport["cleaned"]>> {
  const before = countCorpus("medusa", corpusDir).sequences;
  opts.log(`${why}: medusa corpus clean over ${before} sequence(s)`);
  const run = await runGroup(medusa.bin, ["corpus", "clean", "--config", effective], {
    cwd: opts.rawDir,
    env: { ...process.env, ...(opts.env ?? {}), ...(medusa.env ?? {}), NO_COLOR: "1" },
    signal: opts.signal,
    deadlineMs: OVERHEAD_SECONDS * 1000,
    logDir: opts.rawDir,
    logName: "medusa-corpus-clean",
  });
  rmSync(path.join(opts.rawDir, "crytic-export"), { recursive: true, force: true });
  const removed = before - countCorpus("medusa", corpusDir).sequences;
  if (run.spawnError || run.cancelled || run.timedOut || run.exitCode !== 0) {
    const what = run.spawnError ?? (run.cancelled ? "interrupted" : run.timedOut ? "timed out" : `exit ${run.exitCode ?? run.signal}`);
    return { status: "error", removed, reason: `${why}; medusa corpus clean failed (${what}): ${tailOf(run.stderr.trim() ? run.stderr : run.stdout).split("\n").pop() ?? ""}` };
  }
  return { status: "passed", removed, reason: `${why}; medusa corpus clean removed ${removed} of ${before} sequence(s)` };
}

/** `.tools/bin/echidna-test` -> echidna: echidna-parade launches Echidna by its pre-2.1 name. */
export function ensureEchidnaTestShim(root: string, echidnaBin: string): string {
  const bin = toolPaths({ root }).bin;
  mkdirSync(bin, { recursive: true });
  const shim = path.join(bin, "echidna-test");
  const body = `#!/bin/sh\n# echidna-parade calls Echidna by its pre-2.1 name; written by scripts/audit/invariants/campaign.ts\nexec "${echidnaBin}" "$@"\n`;
  if (path.resolve(echidnaBin) !== shim && (!existsSync(shim) || readFileSync(shim, "utf8") !== body)) {
    writeFileSync(shim, body, { mode: 0o755 });
  }
  return shim;
}

/** Echidna prints function names; recover signatures from the harness ABI (it has no overloads). */
function withSignatures(failures: PropertyFailure[], info: HarnessInfo): PropertyFailure[] {
  return failures.map((f) => ({
    ...f,
    callSequence: f.callSequence.map((step) => {
      if (step.function.startsWith("*") || step.function.includes("(")) return step;
      const fn = info.abi.getFunction(step.function);
      return fn ? { ...step, function: fn.format("sighash") } : step;
    }),
  }));
}

/** Echidna's defaults (lib/Echidna/Config.hs): senders 0x10000, 0x20000 and the deployer 0x30000. */
export const ECHIDNA_DEFAULT_SENDERS = ["0x10000", "0x20000", "0x30000"].map(normalizeAddress);

/**
 * The senders an Echidna campaign uses: `sender` of its config (Echidna's default list when absent),
 * ascending as Echidna keeps them (a Set; its shrinker moves each call towards the first).
 */
export function echidnaSenders(configFile: string, root: string): EchidnaSenders {
  const rel = relative(root, configFile);
  let config: unknown;
  try {
    config = loadYaml(readFileSync(configFile, "utf8"));
  } catch (e) {
    throw new CampaignConfigError(`cannot read ${rel}: ${(e as Error).message}`);
  }
  const listed = (config as { sender?: unknown } | null)?.sender;
  if (listed === undefined || listed === null) return { candidates: ECHIDNA_DEFAULT_SENDERS, source: `Echidna's default senders; ${rel} sets none` };
  if (!Array.isArray(listed) || listed.length === 0) throw new CampaignConfigError(`${rel}: sender must be a list of addresses`);
  const addresses = listed.map((a) => {
    // Echidna reads an address string as hex, with or without 0x.
    const text = typeof a === "number" ? `0x${a.toString(16)}` : String(a).trim();
    const hex = text.replace(/^0x/i, "");
    if (!/^[0-9a-fA-F]{1,40}$/.test(hex)) throw new CampaignConfigError(`${rel}: sender ${JSON.stringify(a)} is not an address`);
    return normalizeAddress(hex);
  });
  const candidates = [...new Set(addresses)].sort();
  return { candidates, source: `sender in ${rel}` };
}

/** One Echidna process's output, with the failures resolved against its corpus's reproducers. */
export interface EchidnaOutput {
  text: EchidnaTextResult;
  failures: PropertyFailure[];
}

/** Best first: exact and shrunk, printed and shrunk, exact but unshrunk, printed live. */
const SOURCE_RANK: Record<PropertyFailure["source"], number> = {
  "echidna-reproducer": 0,
  "echidna-text": 1,
  "echidna-reproducer-unshrunk": 2,
  "echidna-live": 3,
  "medusa-test-results": 0,
  "medusa-text": 1,
};

/**
 * Merges the outputs of several Echidna processes (echidna-parade): a test failed if any run broke
 * it; each broken property keeps its best sequence (SOURCE_RANK, then the shortest).
 */
export function mergeEchidna(results: readonly EchidnaOutput[]): EchidnaTextResult {
  const tests = new Map<string, PropertyResult>();
  const failures = new Map<string, PropertyFailure>();
  const merged: EchidnaTextResult = { tests: [], failures: [], finalReport: false, savedReproducers: [] };
  // Tests known only from live events (a run without its final report) give way to a final report's word.
  const fromLive = new Set<string>();
  for (const { text: r, failures: fs } of results) {
    for (const t of r.tests) {
      const prev = tests.get(t.name);
      const better =
        !prev ||
        (prev.status !== "failed" && (t.status === "failed" || t.status === "passed")) ||
        (prev.status === "failed" && t.status === "failed" && fromLive.has(t.name) && r.finalReport);
      if (better) {
        tests.set(t.name, t);
        if (r.finalReport) fromLive.delete(t.name);
        else fromLive.add(t.name);
      }
    }
    for (const f of fs) {
      const prev = failures.get(f.property);
      const better =
        !prev ||
        SOURCE_RANK[f.source] < SOURCE_RANK[prev.source] ||
        (SOURCE_RANK[f.source] === SOURCE_RANK[prev.source] && f.callSequence.length < prev.callSequence.length);
      if (better) failures.set(f.property, f);
    }
    merged.finalReport ||= r.finalReport;
    merged.savedReproducers.push(...r.savedReproducers);
    merged.totalCalls = (merged.totalCalls ?? 0) + (r.totalCalls ?? r.progress?.calls ?? 0);
    merged.instructions = Math.max(merged.instructions ?? 0, r.instructions ?? 0) || merged.instructions;
    merged.codehashes = Math.max(merged.codehashes ?? 0, r.codehashes ?? 0) || merged.codehashes;
  }
  merged.tests = [...tests.values()];
  merged.failures = [...failures.values()];
  return merged;
}

/**
 * Where each echidna-parade process kept its reproducers: a generation runs in <gen>/ with corpusDir
 * `corpus`; the initial and coverage passes use the campaign's corpus (`--corpus_dir`).
 */
export function paradeRuns(outputs: readonly string[], corpusDir: string): { text: string; corpusDir: string }[] {
  return outputs.map((f) => {
    const own = path.join(path.dirname(f), "corpus");
    return { text: readFileSync(f, "utf8"), corpusDir: existsSync(own) ? own : corpusDir };
  });
}

/** Parses each Echidna process's output, resolves its failures against its corpus's reproducers, merges. */
export function collectEchidna(runs: readonly { text: string; corpusDir: string }[], root: string, senders: EchidnaSenders): EchidnaTextResult {
  return mergeEchidna(
    runs.map(({ text, corpusDir }) => {
      const t = parseEchidnaOutput(text);
      return { text: t, failures: echidnaFailures(t, readEchidnaReproducers(corpusDir), root, senders) };
    }),
  );
}

function newestLcov(dir: string): string | undefined {
  try {
    return readdirSync(dir)
      .filter((n) => /^covered\..*\.lcov$/.test(n))
      .map((n) => path.join(dir, n))
      .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs)[0];
  } catch {
    return undefined;
  }
}

function findFiles(dir: string, name: string): string[] {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length) {
    const d = stack.pop() as string;
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names) {
      const full = path.join(d, n);
      if (n === name) out.push(full);
      else if (statSync(full, { throwIfNoEntry: false })?.isDirectory()) stack.push(full);
    }
  }
  return out.sort();
}

async function runEchidna(
  opts: CampaignOptions,
  cfg: CampaignConfig,
  info: HarnessInfo,
  echidna: ProvisionedTool,
  parade: ProvisionedTool | undefined,
  p: RunParams,
): Promise<EngineRun> {
  const { root } = opts;
  const corpusDir = path.resolve(root, opts.corpusDir ?? cfg.echidna.corpusDir);
  const configFile = path.join(root, cfg.echidna.config);
  const crytic = cryticArgs(root, p.artifactsDir, []).join(" ");
  const tools: ToolInfo[] = [{ name: "echidna", version: echidna.version }];
  let senders: EchidnaSenders;
  try {
    senders = echidnaSenders(configFile, root);
  } catch (e) {
    if (!(e instanceof CampaignConfigError)) throw e;
    return { status: "error", reason: e.message, tools, coverage: {}, properties: [], failures: [], artifacts: [] };
  }
  const env = { ...process.env, ...(opts.env ?? {}), ...(parade?.env ?? {}) };
  let run: GroupRun;
  let outputs: string[];
  if (parade) {
    tools.push({ name: "echidna-parade", version: parade.version });
    ensureEchidnaTestShim(root, echidna.bin);
    const paradeDir = path.join(opts.rawDir, "parade");
    rmSync(paradeDir, { recursive: true, force: true });
    const gen = Math.max(30, Math.floor(p.seconds / 4));
    const functions: string[] = [];
    info.abi.forEachFunction((f) => {
      if (!f.name.startsWith("echidna_") && f.stateMutability !== "view" && f.stateMutability !== "pure") {
        functions.push(`${info.name}.${f.format("sighash")}`);
      }
    });
    opts.log(`echidna-parade ${parade.version} (echidna ${echidna.version}): ${info.name}, ${p.seconds}s on ${p.workers} cores`);
    // The positional target first: --functions takes the rest of the arguments.
    const args = [
      root,
      "--name", paradeDir,
      "--contract", info.name,
      "--config", configFile,
      "--ncores", String(p.workers),
      "--timeout", String(p.seconds),
      "--gen_time", String(gen),
      "--initial_time", String(gen),
      "--corpus_dir", corpusDir,
      "--no-wait",
      "--no-slither",
      "--functions", ...functions,
    ];
    run = await runGroup(parade.bin, args, {
      cwd: opts.rawDir,
      env,
      signal: opts.signal,
      deadlineMs: (p.seconds + OVERHEAD_SECONDS) * 1000,
      logDir: opts.rawDir,
      logName: "echidna-parade",
      onLine: (l) => /SWARM GENERATION|NEW FAILURE|FAILED/.test(l) && opts.log(l.trim()),
    });
    outputs = findFiles(paradeDir, "echidna.out");
    if (run.spawnError || run.cancelled || outputs.length === 0) return errorResult(run, root, "echidna-parade", tools);
  } else {
    opts.log(`echidna ${echidna.version}: ${info.name}, ${p.seconds}s, ${p.workers} worker(s), corpus ${relative(root, corpusDir)}`);
    const args = [
      root,
      "--contract", info.name,
      "--config", configFile,
      "--format", "text",
      "--timeout", String(p.seconds),
      "--test-limit", "1000000000",
      "--corpus-dir", corpusDir,
      "--workers", String(p.workers),
      "--crytic-args", crytic,
      ...(opts.seed !== undefined ? ["--seed", String(opts.seed)] : []),
    ];
    run = await runGroup(echidna.bin, args, {
      cwd: root,
      env,
      signal: opts.signal,
      deadlineMs: (p.seconds + OVERHEAD_SECONDS) * 1000,
      logDir: opts.rawDir,
      logName: "echidna",
      onLine: (l) => /\[status\]|falsified/.test(l) && opts.log(l.trim()),
    });
    outputs = [];
  }
  const runs = parade ? paradeRuns(outputs, corpusDir) : [{ text: run.stdout, corpusDir }];
  const parsed = collectEchidna(runs, root, senders);
  if (run.spawnError || run.cancelled || parsed.tests.length === 0) {
    return errorResult(run, root, parade ? "echidna-parade" : "echidna", tools);
  }
  // Without a final report only the falsified tests are known; the rest did not report.
  for (const name of info.properties.keys()) {
    if (!parsed.tests.some((t) => t.name === name)) {
      parsed.tests.push({ name, kind: "property", status: "not-run", detail: "no final report from echidna" });
    }
  }
  const lcov = newestLcov(corpusDir);
  const failures = withSignatures(parsed.failures, info);
  const what = parade ? "echidna-parade" : "echidna";
  const partial = !parsed.finalReport
    ? `${what} ended without its final report${run.timedOut ? " (stopped at its deadline)" : ""}; results are its live falsification events`
    : run.timedOut
      ? `${what} overran its budget and was stopped; results are from its final report`
      : undefined;
  return {
    status: failures.length > 0 ? "failed" : "passed",
    ...(partial ? { reason: partial } : {}),
    tools,
    calls: parsed.totalCalls,
    callsPerSecond: parsed.totalCalls !== undefined ? Math.round(parsed.totalCalls / p.seconds) : undefined,
    coverage: {
      ...(parsed.instructions !== undefined ? { instructions: parsed.instructions } : {}),
      ...(parsed.codehashes !== undefined ? { codehashes: parsed.codehashes } : {}),
      ...(lcov ? { lines: lcovSummary(lcov, root), lcov: relative(root, lcov) } : {}),
    },
    properties: parsed.tests,
    failures,
    artifacts: [...run.logs, ...outputs].map((a) => relative(root, a)),
    exitCode: run.exitCode,
  };
}

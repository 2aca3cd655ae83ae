/**
 * invariants: the Echidna-style invariant campaign over the whole system
 * (test/invariant/LoadBalancerInvariants.sol), with Echidna when installed,
 * else Medusa (AUDIT_INVARIANT_ENGINE / test/invariant/campaign.json decide;
 * docs/INVARIANTS.md). It reuses the compile stage's build (crytic-compile
 * --hardhat-ignore-compile) and resumes from audit/corpus/<engine>.
 *
 * Each broken property is a high finding `invariant/<property>` whose
 * data.callSequence is the engine's shrunk sequence; the failures are also
 * written to <rawDir>/invariants/failures.json, which `npm run
 * invariants:repro` turns into regression tests under test/unit/repro/.
 */
import { findingId, fingerprint } from "../findings/fingerprint";
import { existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  budgetSeconds,
  CAMPAIGN_CONFIG,
  CampaignConfigError,
  loadCampaignConfig,
  readHarness,
  runCampaign,
  type CampaignOptions,
  type CampaignResult,
  type HarnessInfo,
} from "../invariants/campaign";
import { baseSeed, shardBudgetSeconds, shardSeed } from "../shard";
import type { PropertyFailure } from "../invariants/types";
import type { Finding, Profile, Stage, StageContext, StageResult } from "../types";
import { toolsOffline } from "./common";
import { INVARIANTS_CACHE } from "./invariants-inputs";

export const INVARIANTS_STAGE = "invariants";

/** Repository-relative file the repro command reads by default (under the default out dir). */
export const FAILURES_FILE = "failures.json";

/** What failures.json holds: enough to replay each sequence on Hardhat. */
export interface FailuresFile {
  generatedAt: string;
  engine: string;
  engineVersion: string;
  harness: string;
  /** Repository-relative artifacts directory of the build the campaign ran on. */
  artifactsDir: string;
  failures: PropertyFailure[];
}

export function findingFor(failure: PropertyFailure, result: CampaignResult, info: HarnessInfo | undefined): Finding {
  const rule = `invariant/${failure.property}`;
  const file = info?.sourceName ?? "test/invariant/LoadBalancerInvariants.sol";
  const symbol = `${result.harness}.${failure.property}`;
  const fp = fingerprint({ stage: INVARIANTS_STAGE, rule, file, anchor: symbol });
  const meta = info?.properties.get(failure.property);
  const steps = failure.callSequence.filter((s) => s.function !== "*wait*");
  const calls = steps.map((s) => s.function.split("(")[0]).join(" → ");
  const engine = result.engine ?? "fuzzer";
  const version = result.tools.find((t) => t.name === engine)?.version ?? "unknown";
  return {
    id: findingId(INVARIANTS_STAGE, rule, fp),
    stage: INVARIANTS_STAGE,
    rule,
    severity: "high",
    title: `Invariant broken: ${failure.property}`,
    description:
      `${engine} found a sequence of ${steps.length} call(s) (${calls}) after which ` +
      (failure.kind === "assertion"
        ? `an assertion fails in the handler ${failure.property}.`
        : `the property ${failure.property} returns false.`) +
      (meta?.notice ? ` The property states: ${meta.notice}` : "") +
      (failure.unknownSender
        ? ` The engine did not print who sent the calls; it was one of ${failure.unknownSender.candidates.join(", ")} (${failure.unknownSender.note}).`
        : ""),
    location: { file, ...(meta?.line ? { line: meta.line } : {}), symbol },
    tool: { name: engine, version },
    recommendation:
      "Replay the sequence (data.callSequence) to find the broken transition; `npm run invariants:repro` turns it into a " +
      "regression test under test/unit/repro/ that fails until the bug is fixed.",
    fingerprint: fp,
    data: {
      engine,
      property: failure.property,
      kind: failure.kind,
      callSequence: failure.callSequence,
      source: failure.source,
      ...(failure.file ? { sequenceFile: failure.file } : {}),
      ...(failure.reason ? { reason: failure.reason } : {}),
      ...(failure.unknownSender ? { unknownSender: failure.unknownSender } : {}),
    },
  };
}

/**
 * The report sections this stage contributes (the shape of ReportSection in the pipeline's types.ts:
 * rendered generically in report.md / report.html): the properties, and each failing sequence.
 */
export interface InvariantSection {
  id: string;
  title: string;
  description?: string;
  table?: {
    columns: { key: string; label: string; align?: "left" | "right" }[];
    rows: Record<string, string | number | null>[];
  };
}

const MAX_SEQUENCE_SECTIONS = 5;

function shorten(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

export function invariantSections(result: CampaignResult, info: HarnessInfo | undefined, shard?: InvariantShardMetrics): InvariantSection[] {
  const props = result.properties.filter((p) => p.kind === "property");
  const sections: InvariantSection[] = [];
  if (props.length > 0) {
    const calls = result.calls !== undefined ? `, ${result.calls.toLocaleString("en-US")} calls` : "";
    sections.push({
      id: "invariants-properties",
      title: "Properties",
      description: `${result.engine} on ${result.harness}, ${result.budgetSeconds}s budget${calls}. Every property is checked after every call (docs/INVARIANTS.md).`,
      table: {
        columns: [
          { key: "property", label: "Property" },
          { key: "status", label: "Status" },
          { key: "proves", label: "What it proves" },
        ],
        rows: props.map((p) => ({ property: p.name, status: p.status, proves: shorten(info?.properties.get(p.name)?.notice ?? "", 200) })),
      },
    });
  }
  if (result.engine) sections.push(campaignSection(result, shard));
  result.failures.slice(0, MAX_SEQUENCE_SECTIONS).forEach((f, i) => {
    sections.push({
      id: `invariants-sequence-${i + 1}`,
      title: `Failing sequence: ${f.property}`,
      description: `Shrunk by ${result.engine}; delays are applied before each call. npm run invariants:repro turns it into a regression test.`,
      table: {
        columns: [
          { key: "step", label: "#", align: "right" },
          { key: "sender", label: "Sender" },
          { key: "call", label: "Call" },
          { key: "time", label: "+seconds", align: "right" },
          { key: "blocks", label: "+blocks", align: "right" },
        ],
        rows: f.callSequence.map((step, k) => ({
          step: k + 1,
          sender: step.sender ? `0x…${step.sender.slice(-6)}` : step.function !== "*wait*" && f.unknownSender ? "not printed" : null,
          call: step.function === "*wait*" ? "(wait)" : `${step.function.split("(")[0]}(${step.args.map((a) => shorten(a, 24)).join(", ")})`,
          time: step.timeDelay,
          blocks: step.blockDelay,
        })),
      },
    });
  });
  return sections;
}

const corpusText = (c: { sequences: number; failures: number }): string => `${c.sequences} sequence(s)${c.failures ? ` + ${c.failures} failing` : ""}`;

/** The campaign's figures: throughput, workers, wall time, corpus growth (and shard, seed). */
export function campaignSection(result: CampaignResult, shard?: InvariantShardMetrics): InvariantSection {
  const rows: { what: string; value: string }[] = [
    { what: "Engine", value: `${result.engine ?? "none"}${result.tools[0] ? ` ${result.tools[0].version}` : ""}` },
    { what: "Budget", value: `${result.budgetSeconds} s of fuzzing` },
    { what: "Wall time", value: `${(result.durationMs / 1000).toFixed(1)} s (compile, corpus replay and shrinking included)` },
    { what: "Workers", value: String(result.workers) },
    { what: "Calls", value: result.calls !== undefined ? result.calls.toLocaleString("en-US") : "not reported" },
    { what: "Calls/s", value: result.callsPerSecond !== undefined ? result.callsPerSecond.toLocaleString("en-US") : "not reported" },
  ];
  if (result.corpus) {
    rows.push({ what: "Corpus", value: `${result.corpus.dir}: ${corpusText(result.corpus.before)} before, ${corpusText(result.corpus.after)} after` });
    if (result.corpus.cleaned) rows.push({ what: "Corpus cleaning", value: result.corpus.cleaned.reason });
  }
  if (shard) rows.push({ what: "Shard", value: `${shard.index} of ${shard.count}: ${shard.budgetSeconds} s of the campaign's ${shard.totalBudgetSeconds} s` });
  if (result.seed) rows.push({ what: "Seed", value: `${result.seed.value}${result.seed.applied ? "" : ` (recorded only: ${result.seed.note ?? "the engine takes no seed"})`}` });
  return {
    id: "invariants-campaign",
    title: "Campaign",
    description: "Calls/s: calls over fuzzing seconds, summed over workers. Corpus entries: sequences the engine mutates, and recorded failing sequences.",
    table: { columns: [{ key: "what", label: "" }, { key: "value", label: "Value" }], rows },
  };
}

/** metrics.shard of a `--shard i/n` run. */
export interface InvariantShardMetrics {
  index: number;
  count: number;
  /** This shard's fuzzing seconds and the whole campaign's (shard.ts shardBudgetSeconds). */
  budgetSeconds: number;
  totalBudgetSeconds: number;
  /** The base seed and where it came from (AUDIT_FUZZ_SEED or random). */
  baseSeed: number;
  baseSeedFrom: string;
}

function keyMetric(r: StageResult): string | undefined {
  const m = r.metrics as { engine?: string; properties?: { passed: number; failed: number; total: number }; calls?: number; callsPerSecond?: number };
  if (!m.engine || !m.properties) return undefined;
  const calls = m.calls !== undefined ? `, ${m.calls.toLocaleString("en-US")} calls` : "";
  const rate = m.callsPerSecond !== undefined ? ` (${m.callsPerSecond.toLocaleString("en-US")}/s)` : "";
  return `${m.engine}: ${m.properties.passed}/${m.properties.total} properties hold${calls}${rate}`;
}

function deepTimeoutMs(): number {
  const s = Number(process.env.AUDIT_FUZZ_SECONDS);
  return ((Number.isInteger(s) && s > 0 ? s : 1800) + 15 * 60) * 1000;
}

export const invariantsStage: Stage = {
  name: INVARIANTS_STAGE,
  title: "Invariant campaign (Echidna / Medusa)",
  dependsOn: ["compile"],
  // quick stays fast; `--only invariants --profile quick` runs the 45 s budget.
  profiles: ["ci", "deep"],
  heavy: true,
  // Budget + provisioning on a fresh machine (medusa is built from source) + compile/shrink overhead.
  timeoutMs: { quick: 10 * 60_000, ci: 15 * 60_000, deep: deepTimeoutMs() },
  keyMetric,
  cache: INVARIANTS_CACHE,
  async run(ctx: StageContext) {
    return runInvariantsStage(ctx);
  },
};

export async function runInvariantsStage(
  ctx: StageContext,
  overrides: {
    env?: NodeJS.ProcessEnv;
    offline?: boolean;
    /** Campaign settings a test points elsewhere (the planted-bug harness, one worker). */
    campaign?: Partial<Pick<CampaignOptions, "harness" | "workers" | "stopOnFirstFailure" | "corpusDir" | "corpusSeedDir">>;
  } = {},
): Promise<Omit<StageResult, "name" | "durationMs">> {
  const rawDir = path.join(ctx.rawDir, INVARIANTS_STAGE);
  rmSync(rawDir, { recursive: true, force: true });
  mkdirSync(rawDir, { recursive: true });
  const env = overrides.env ?? process.env;
  const compile = ctx.upstream.get("compile");
  if (compile && compile.status !== "passed") {
    return { status: "skipped", reason: `compile ${compile.status}: no build to fuzz`, tools: [], findings: [], metrics: {}, artifacts: [] };
  }
  if (!existsSync(path.join(ctx.root, CAMPAIGN_CONFIG))) {
    return { status: "skipped", reason: `no invariant campaign configured (${CAMPAIGN_CONFIG} is missing)`, tools: [], findings: [], metrics: {}, artifacts: [] };
  }
  let seconds: number;
  try {
    seconds = budgetSeconds(loadCampaignConfig(ctx.root), ctx.profile as Profile, env);
  } catch (e) {
    if (e instanceof CampaignConfigError) {
      return { status: "error", reason: e.message, tools: [], findings: [], metrics: {}, artifacts: [] };
    }
    throw e;
  }
  const artifactsDir = ctx.build.artifactsDir;
  let shard: InvariantShardMetrics | undefined;
  let seed: number | undefined;
  if (ctx.shard) {
    const base = baseSeed(env);
    shard = { ...ctx.shard, budgetSeconds: shardBudgetSeconds(seconds, ctx.shard.count), totalBudgetSeconds: seconds, baseSeed: base.seed, baseSeedFrom: base.from };
    seed = shardSeed(base.seed, ctx.shard.index);
    seconds = shard.budgetSeconds;
  }
  const result = await runCampaign({
    ...overrides.campaign,
    ...(ctx.shard ? { corpusRoot: path.join(rawDir, "corpus"), seed } : {}),
    root: ctx.root,
    profile: ctx.profile,
    rawDir,
    signal: ctx.signal,
    log: (m) => ctx.log(m),
    // crytic-compile (under Medusa / Echidna) runs the project's `hardhat console`: the audit's config.
    env: { ...env, ...(ctx.project?.hardhat.toolEnv() ?? {}) },
    seconds,
    artifactsDir,
    offline: overrides.offline ?? toolsOffline(env),
    ...(ctx.project ? { toolsDir: ctx.project.toolsDir } : {}),
  });
  let info: HarnessInfo | undefined;
  try {
    info = readHarness(ctx.root, artifactsDir, result.harness);
  } catch {
    info = undefined;
  }
  const props = result.properties.filter((p) => p.kind === "property");
  const assertions = result.properties.filter((p) => p.kind === "assertion");
  const count = (list: typeof props, status: string): number => list.filter((p) => p.status === status).length;
  const metrics: Record<string, unknown> = {
    engine: result.engine ?? null,
    engineReason: result.engineReason ?? null,
    version: result.engine ? (result.tools.find((t) => t.name === result.engine)?.version ?? null) : null,
    harness: result.harness,
    budgetSeconds: result.budgetSeconds,
    workers: result.workers,
    durationMs: result.durationMs,
    ...(result.calls !== undefined ? { calls: result.calls } : {}),
    ...(result.callsPerSecond !== undefined ? { callsPerSecond: result.callsPerSecond } : {}),
    // Entries before and after, the build it ran on, any cleaning of another build's corpus (campaign.ts CorpusReport).
    ...(result.corpus ? { corpus: result.corpus } : {}),
    ...(result.seed ? { seed: result.seed } : {}),
    ...(shard ? { shard } : {}),
    coverage: result.coverage,
    // echidna_ properties, and (Medusa) the handlers' assertion checks, each: passed / failed / not-run / error.
    properties: {
      total: props.length,
      passed: count(props, "passed"),
      failed: count(props, "failed"),
      results: Object.fromEntries(props.map((p) => [p.name, p.status])),
    },
    assertions: { total: assertions.length, passed: count(assertions, "passed"), failed: count(assertions, "failed") },
  };
  const artifacts = [...result.artifacts];
  const findings = result.failures.map((f) => findingFor(f, result, info));
  if (result.failures.length > 0 && result.engine) {
    const file = path.join(rawDir, FAILURES_FILE);
    const payload: FailuresFile = {
      generatedAt: new Date().toISOString(),
      engine: result.engine,
      engineVersion: result.tools.find((t) => t.name === result.engine)?.version ?? "unknown",
      harness: result.harness,
      artifactsDir: path.relative(ctx.root, artifactsDir).split(path.sep).join("/") || "artifacts",
      failures: result.failures,
    };
    writeFileSync(file, `${JSON.stringify(payload, null, 2)}\n`);
    artifacts.push(path.relative(ctx.root, file).split(path.sep).join("/"));
  }
  if (result.status === "passed" && props.length === 0) {
    return { status: "error", reason: "the engine reported no properties (wrong harness or test prefix?)", tools: result.tools, findings, metrics, artifacts };
  }
  const broken = [...new Set(result.failures.map((f) => f.property))];
  const reason = result.reason ?? (result.status === "failed" ? `${broken.length} invariant(s) broken: ${broken.join(", ")}` : undefined);
  const sections = invariantSections(result, info, shard);
  const out: Omit<StageResult, "name" | "durationMs"> & { sections?: InvariantSection[] } = {
    status: result.status,
    ...(reason ? { reason } : {}),
    tools: result.tools,
    findings,
    metrics,
    artifacts,
    ...(result.stderrTail ? { stderrTail: result.stderrTail } : {}),
    ...(sections.length > 0 ? { sections } : {}),
  };
  return out;
}

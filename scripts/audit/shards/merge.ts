/**
 * `npm run audit:merge -- <shard dirs...> --out <dir>`: joins the reports and corpora of the shards of
 * one campaign (`npm run audit -- --shard i/n --out <dir>`, scripts/audit/shard.ts) into one report
 * and one corpus, judges the merged report with the gate (gate.ts, audit/policy.json and
 * audit/suppressions.json of --root) and writes every report format with the audit's own writers
 * (reports/index.ts). Exit codes as the audit's: 0 gate passed, 1 gate failed, 2 bad input (nothing
 * written).
 *
 * HOW THE SHARDS JOIN
 * - Inputs: each shard directory's report.json (schema-valid, with `shard`); all of one commit and
 *   profile and of the same n, each index once. A shard of 1..n with no report is listed in
 *   `merged.missing` and fails the merged gate: the campaign is incomplete.
 * - The invariant stage (mergeInvariantResults): one finding per fingerprint (findings/fingerprint.ts:
 *   the same property broken in two shards is one finding), keeping the shortest reproducing call
 *   sequence (ties: the lower shard); status the worst of the shards' (error, failed, passed,
 *   skipped); a property fails if it failed in any shard; calls, budget seconds, workers and calls/s
 *   summed (the shards ran side by side), wall time the longest shard's; coverage the best shard's.
 * - Every other stage: the shards that ran it (a stage skipped in some shards comes from the others).
 *   When they agree (status, reason, findings by fingerprint, tools) it is taken once, with the longest
 *   duration; when they do not, its findings are the union by fingerprint, its status the worst, and
 *   its reason says which shard said what.
 * - The corpora: the union of the shards' <dir>/raw/invariants/corpus/<engine> into
 *   <out>/corpus/<engine>, deduplicated by content hash (invariants/corpus.ts unionCorpora). With
 *   --out audit that is campaign.json's corpus directory, where the next run starts from.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { EXIT, InputError } from "../errors";
import { evaluateGate } from "../gate";
import { readRecordedBaselines, validateInputs } from "../inputs";
import { unionCorpora, readBuildStamp, writeBuildStamp, type CorpusCount, type CorpusUnion } from "../invariants/corpus";
import type { InvariantEngine } from "../invariants/types";
import { relPath } from "../paths";
import { writeReports } from "../reports";
import { validateReport } from "../schema";
import { INVARIANTS_STAGE, type InvariantSection } from "../stages/invariants";
import { STAGES } from "../stages";
import { formatSummary } from "../summary";
import { REPORT_SCHEMA_VERSION, type AuditReport, type Finding, type MergedFrom, type StageResult } from "../types";
import { flagRows, type FlagSpec } from "../args";

/** One shard's report, as read from its directory. */
export interface ShardReport {
  /** The shard's output directory (absolute). */
  dir: string;
  /** Its report.json as given (for merged.shards[].report). */
  file: string;
  report: AuditReport & { shard: NonNullable<AuditReport["shard"]> };
}

/** Worst first: the merged stage's status is the first of these any shard has. */
const STATUS_ORDER: readonly StageResult["status"][] = ["error", "failed", "passed", "skipped"];

function worst(statuses: readonly StageResult["status"][]): StageResult["status"] {
  return STATUS_ORDER.find((s) => statuses.includes(s)) ?? "skipped";
}

const ran = (r: StageResult): boolean => r.status !== "skipped";

/**
 * Reads and checks the shard reports: each `dir` holds a schema-valid report.json (a path to the
 * file itself also works) with `shard`; one commit, one profile, one n, each index once.
 * @throws InputError naming the first problem
 */
export function readShardReports(cwd: string, dirs: readonly string[]): ShardReport[] {
  if (dirs.length === 0) throw new InputError("audit:merge needs the shard directories (each holding a shard's report.json)");
  const shards = dirs.map((given): ShardReport => {
    const abs = path.resolve(cwd, given);
    const file = statSync(abs, { throwIfNoEntry: false })?.isFile() ? abs : path.join(abs, "report.json");
    if (!existsSync(file)) throw new InputError(`${given}: no report.json (a shard's --out directory holds one)`);
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(file, "utf8"));
    } catch (e) {
      throw new InputError(`${relPath(cwd, file)}: not JSON (${(e as Error).message.split("\n")[0]})`);
    }
    const valid = validateReport(value);
    if (!valid.valid) throw new InputError(`${relPath(cwd, file)}: not a report of this audit: ${valid.errors[0]}`);
    const report = value as AuditReport;
    if (!report.shard) throw new InputError(`${relPath(cwd, file)}: not a shard's report (no "shard": run the audit with --shard i/n)`);
    return { dir: path.dirname(file), file: relPath(cwd, file), report: report as ShardReport["report"] };
  });
  const first = shards[0].report;
  for (const s of shards.slice(1)) {
    const r = s.report;
    if (r.shard.count !== first.shard.count) throw new InputError(`${s.file} is shard ${r.shard.index}/${r.shard.count}, ${shards[0].file} of ${first.shard.count} shards: shards of different campaigns`);
    if (r.commit !== first.commit) throw new InputError(`${s.file} audited commit ${r.commit || "(none)"}, ${shards[0].file} ${first.commit || "(none)"}: shards of different commits`);
    if (r.profile !== first.profile) throw new InputError(`${s.file} ran profile ${r.profile}, ${shards[0].file} ${first.profile}: shards of different profiles`);
  }
  const seen = new Map<number, string>();
  for (const s of shards) {
    const other = seen.get(s.report.shard.index);
    if (other) throw new InputError(`shard ${s.report.shard.index}/${first.shard.count} given twice (${other} and ${s.file})`);
    seen.set(s.report.shard.index, s.file);
  }
  return [...shards].sort((a, b) => a.report.shard.index - b.report.shard.index);
}

/** The length of a finding's reproducing sequence (invariant findings' data.callSequence); Infinity without one. */
export function sequenceLength(f: Finding): number {
  const seq = (f.data as { callSequence?: unknown[] } | undefined)?.callSequence;
  return Array.isArray(seq) ? seq.length : Number.POSITIVE_INFINITY;
}

/**
 * One finding per fingerprint over the shards' lists (in shard order): the one with the shortest
 * reproducing sequence, the first on a tie. The gate's marks (suppressed, blocking...) are dropped:
 * the merged report's gate sets them again.
 */
export function dedupeByFingerprint(lists: readonly (readonly Finding[])[]): Finding[] {
  const best = new Map<string, Finding>();
  for (const list of lists) {
    for (const own of list) {
      const { suppressed: _s, mergedInto: _m, blocking: _b, baselineState: _bs, ...f } = own;
      const prev = best.get(f.fingerprint);
      if (!prev || sequenceLength(f) < sequenceLength(prev)) best.set(f.fingerprint, f);
    }
  }
  return [...best.values()];
}

type Metrics = Record<string, unknown>;
const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const sum = (values: readonly unknown[]): number | undefined => {
  const nums = values.map(num).filter((v): v is number => v !== undefined);
  return nums.length ? nums.reduce((a, b) => a + b, 0) : undefined;
};
const max = (values: readonly unknown[]): number | undefined => {
  const nums = values.map(num).filter((v): v is number => v !== undefined);
  return nums.length ? Math.max(...nums) : undefined;
};

/** A property's merged status: failed anywhere, else passed everywhere it ran, else the first other status. */
function mergedPropertyStatus(statuses: readonly string[]): string {
  if (statuses.includes("failed")) return "failed";
  if (statuses.every((s) => s === "passed")) return "passed";
  return statuses.find((s) => s !== "passed") ?? "not-run";
}

/** The merged invariant stage of the shards (see the module comment); `shardOf[i]` is results[i]'s shard index. */
export function mergeInvariantResults(results: readonly StageResult[], shardOf: readonly number[], corpus?: { dir: string; union: CorpusUnion }): StageResult {
  const ranResults = results.filter(ran);
  const use = ranResults.length > 0 ? ranResults : results;
  const idx = (r: StageResult): number => shardOf[results.indexOf(r)];
  const status = worst(use.map((r) => r.status));
  const findings = dedupeByFingerprint(use.map((r) => r.findings));
  const m = use.map((r) => r.metrics as Metrics);
  const first = m[0] ?? {};

  // Properties: each name's statuses across shards.
  const names = [...new Set(m.flatMap((x) => Object.keys((x.properties as { results?: Record<string, string> } | undefined)?.results ?? {})))];
  const propertyResults = Object.fromEntries(
    names.map((n) => [n, mergedPropertyStatus(m.map((x) => (x.properties as { results?: Record<string, string> } | undefined)?.results?.[n]).filter((s): s is string => s !== undefined))]),
  );
  const statuses = Object.values(propertyResults);
  const assertions = m.map((x) => x.assertions as { total?: number; failed?: number } | undefined);
  const assertionTotal = max(assertions.map((a) => a?.total)) ?? 0;
  const assertionFailed = max(assertions.map((a) => a?.failed)) ?? 0;
  const coverages = m.map((x) => (x.coverage ?? {}) as { branches?: number; instructions?: number; codehashes?: number; lines?: { pct: number } });
  const bestLines = coverages.filter((c) => c.lines).sort((a, b) => (b.lines?.pct ?? 0) - (a.lines?.pct ?? 0))[0]?.lines;
  const coverage = {
    ...(max(coverages.map((c) => c.branches)) !== undefined ? { branches: max(coverages.map((c) => c.branches)) } : {}),
    ...(max(coverages.map((c) => c.instructions)) !== undefined ? { instructions: max(coverages.map((c) => c.instructions)) } : {}),
    ...(max(coverages.map((c) => c.codehashes)) !== undefined ? { codehashes: max(coverages.map((c) => c.codehashes)) } : {}),
    ...(bestLines ? { lines: bestLines } : {}),
  };
  const corpora = use.map((r) => ({ index: idx(r), corpus: (r.metrics as Metrics).corpus as { before?: CorpusCount; after?: CorpusCount; buildHash?: string } | undefined }));
  const calls = sum(m.map((x) => x.calls));
  const callsPerSecond = sum(m.map((x) => x.callsPerSecond));
  const metrics: Metrics = {
    engine: first.engine ?? null,
    engineReason: first.engineReason ?? null,
    version: first.version ?? null,
    harness: first.harness,
    budgetSeconds: sum(m.map((x) => x.budgetSeconds)) ?? 0,
    workers: sum(m.map((x) => x.workers)) ?? 0,
    durationMs: max(m.map((x) => x.durationMs)) ?? 0,
    ...(calls !== undefined ? { calls } : {}),
    // The shards ran side by side: their rates add up.
    ...(callsPerSecond !== undefined ? { callsPerSecond } : {}),
    coverage,
    properties: {
      total: names.length,
      passed: statuses.filter((s) => s === "passed").length,
      failed: statuses.filter((s) => s === "failed").length,
      results: propertyResults,
    },
    assertions: { total: assertionTotal, passed: Math.max(0, assertionTotal - assertionFailed), failed: assertionFailed },
    corpus: {
      ...(corpus ? { dir: corpus.dir, after: corpus.union.entries, added: corpus.union.added, duplicates: corpus.union.duplicates } : {}),
      shards: corpora.map((c) => ({ index: c.index, ...(c.corpus?.before ? { before: c.corpus.before } : {}), ...(c.corpus?.after ? { after: c.corpus.after } : {}) })),
    },
    seeds: use.map((r) => ({ index: idx(r), ...((r.metrics as Metrics).seed as object | undefined) })),
    shards: use.map((r) => idx(r)),
  };

  const reasons = use.filter((r) => r.reason).map((r) => `shard ${idx(r)}: ${r.reason}`);
  const sections = mergedSections(use, findings, propertyResults, metrics);
  return {
    name: INVARIANTS_STAGE,
    status,
    ...(reasons.length ? { reason: reasons.join("; ") } : {}),
    durationMs: Math.max(...use.map((r) => r.durationMs)),
    tools: use[0]?.tools ?? [],
    findings,
    metrics,
    artifacts: [...new Set(use.flatMap((r) => r.artifacts))],
    ...(use.find((r) => r.stderrTail)?.stderrTail ? { stderrTail: use.find((r) => r.stderrTail)!.stderrTail } : {}),
    ...(sections.length ? { sections } : {}),
  };
}

/** The merged stage's sections: the properties with merged statuses, the joined figures, each kept failing sequence's table. */
function mergedSections(use: readonly StageResult[], findings: readonly Finding[], propertyResults: Record<string, string>, metrics: Metrics): InvariantSection[] {
  const sectionsOf = (r: StageResult): InvariantSection[] => (r.sections ?? []) as InvariantSection[];
  const out: InvariantSection[] = [];
  const props = use.map((r) => sectionsOf(r).find((s) => s.id === "invariants-properties")).find(Boolean);
  if (props?.table) {
    out.push({
      ...props,
      description: `${metrics.engine} on ${metrics.harness}, ${use.length} shard(s), ${metrics.budgetSeconds}s of fuzzing in all. A property fails if it failed in any shard.`,
      table: { ...props.table, rows: props.table.rows.map((row) => ({ ...row, status: propertyResults[String(row.property)] ?? row.status })) },
    });
  }
  const corpus = metrics.corpus as { dir?: string; after?: number; shards: { index: number; before?: CorpusCount; after?: CorpusCount }[] };
  const rows: { what: string; value: string }[] = [
    { what: "Engine", value: `${metrics.engine ?? "none"}${metrics.version ? ` ${metrics.version}` : ""}` },
    { what: "Shards", value: `${use.length}` },
    { what: "Budget", value: `${metrics.budgetSeconds} s of fuzzing (all shards)` },
    { what: "Wall time", value: `${((num(metrics.durationMs) ?? 0) / 1000).toFixed(1)} s (the longest shard)` },
    { what: "Workers", value: `${metrics.workers} (all shards)` },
    { what: "Calls", value: num(metrics.calls)?.toLocaleString("en-US") ?? "not reported" },
    { what: "Calls/s", value: num(metrics.callsPerSecond) !== undefined ? `${num(metrics.callsPerSecond)!.toLocaleString("en-US")} (all shards)` : "not reported" },
    ...corpus.shards.map((s) => ({
      what: `Corpus, shard ${s.index}`,
      value: s.before && s.after ? `${s.before.sequences} sequence(s) before, ${s.after.sequences} after` : "not reported",
    })),
    ...(corpus.dir ? [{ what: "Merged corpus", value: `${corpus.dir}: ${corpus.after} entries (union by content)` }] : []),
  ];
  out.push({
    id: "invariants-campaign",
    title: "Campaign",
    description: "The shards' figures joined by npm run audit:merge: calls, budgets, workers and calls/s summed, wall time the longest shard's.",
    table: { columns: [{ key: "what", label: "" }, { key: "value", label: "Value" }], rows },
  });
  // Each kept failure's sequence table, from the shard whose sequence was kept.
  let n = 0;
  for (const f of findings) {
    const property = (f.data as { property?: string } | undefined)?.property;
    if (!property) continue;
    const from = use.find((r) => r.findings.some((x) => x.fingerprint === f.fingerprint && sequenceLength(x) === sequenceLength(f)));
    const section = from && sectionsOf(from).find((s) => s.id.startsWith("invariants-sequence-") && s.title === `Failing sequence: ${property}`);
    if (section) out.push({ ...section, id: `invariants-sequence-${++n}` });
  }
  return out;
}

const fingerprints = (r: StageResult): string => r.findings.map((f) => f.fingerprint).sort().join(",");
const sameOutcome = (a: StageResult, b: StageResult): boolean =>
  a.status === b.status && (a.reason ?? "") === (b.reason ?? "") && fingerprints(a) === fingerprints(b) && JSON.stringify(a.tools) === JSON.stringify(b.tools);

/** Any stage but the invariant campaign, from the shards that ran it (see the module comment). */
export function mergeOtherStage(results: readonly StageResult[], shardOf: readonly number[]): StageResult {
  const ranIdx = results.map((r, i) => i).filter((i) => ran(results[i]));
  const idx = ranIdx.length > 0 ? ranIdx : results.map((_r, i) => i);
  const use = idx.map((i) => results[i]);
  const durationMs = Math.max(...use.map((r) => r.durationMs));
  if (use.every((r) => sameOutcome(r, use[0]))) return { ...use[0], durationMs };
  const said = idx.map((i) => `shard ${shardOf[i]} ${results[i].status}${results[i].reason ? ` (${results[i].reason})` : ""}`);
  return {
    ...use[0],
    status: worst(use.map((r) => r.status)),
    reason: `the shards disagree: ${said.join("; ")}`,
    durationMs,
    findings: dedupeByFingerprint(use.map((r) => r.findings)),
  };
}

/** The merged stages, in the order they first appear in the shards' reports. */
export function mergeStages(shards: readonly ShardReport[], corpus?: { dir: string; union: CorpusUnion }): StageResult[] {
  const names = [...new Set(shards.flatMap((s) => s.report.stages.map((r) => r.name)))];
  return names.map((name) => {
    const having = shards.filter((s) => s.report.stages.some((r) => r.name === name));
    const results = having.map((s) => s.report.stages.find((r) => r.name === name)!);
    const shardOf = having.map((s) => s.report.shard.index);
    return name === INVARIANTS_STAGE ? mergeInvariantResults(results, shardOf, corpus) : mergeOtherStage(results, shardOf);
  });
}

/** Where a shard's corpus of `engine` is: the invariant stage's raw folder (stages/invariants.ts with --shard). */
export function shardCorpusDir(shardDir: string, engine: InvariantEngine): string {
  return path.join(shardDir, "raw", INVARIANTS_STAGE, "corpus", engine);
}

/**
 * The union of the shards' corpora into <out>/corpus/<engine> (the engine of their invariant stage),
 * and its build stamp when every shard ran on the same build. Undefined when no shard fuzzed.
 */
export function mergeCorpora(shards: readonly ShardReport[], outDir: string): { engine: InvariantEngine; dir: string; union: CorpusUnion } | undefined {
  const engines = shards
    .map((s) => (s.report.stages.find((r) => r.name === INVARIANTS_STAGE)?.metrics as Metrics | undefined)?.engine)
    .filter((e): e is InvariantEngine => e === "medusa" || e === "echidna");
  if (engines.length === 0) return undefined;
  const engine = engines[0];
  const dirs = shards.map((s) => shardCorpusDir(s.dir, engine)).filter((d) => existsSync(d));
  const dir = path.join(outDir, "corpus", engine);
  const union = unionCorpora(engine, dirs, dir);
  const hashes = [...new Set(dirs.map((d) => readBuildStamp(d)?.buildHash))];
  if (hashes.length === 1 && hashes[0]) writeBuildStamp(dir, { buildHash: hashes[0], engine });
  return { engine, dir, union };
}

export interface MergeOptions {
  /** The project whose audit/policy.json and audit/suppressions.json judge the merged report. */
  root: string;
  outDir: string;
  env: NodeJS.ProcessEnv;
  /** Today (YYYY-MM-DD) for suppression expiry; default the current date. */
  today?: string;
}

/** Merges the shards (corpora first, into outDir), gates the merged report; returns it (nothing else written). */
export function mergeShards(shards: readonly ShardReport[], opts: MergeOptions): AuditReport {
  const first = shards[0].report;
  // The policy and suppressions first: bad input stops the merge before anything is written.
  const { policy, suppressions } = validateInputs(opts.root, STAGES.map((s) => s.name), [], opts.env);
  const corpus = mergeCorpora(shards, opts.outDir);
  const stages = mergeStages(shards, corpus ? { dir: relPath(opts.root, corpus.dir), union: corpus.union } : undefined);
  const verdict = evaluateGate({
    profile: first.profile,
    policy,
    stages,
    suppressions,
    today: opts.today ?? new Date().toISOString().slice(0, 10),
    baselineFiles: readRecordedBaselines(opts.root),
  });
  const count = first.shard.count;
  const present = new Set(shards.map((s) => s.report.shard.index));
  const missing = Array.from({ length: count }, (_v, i) => i + 1).filter((i) => !present.has(i));
  const merged: MergedFrom = {
    count,
    shards: shards.map((s) => ({ index: s.report.shard.index, report: s.file, generatedAt: s.report.generatedAt })),
    missing,
  };
  const gate = { ...verdict.gate };
  if (missing.length > 0) {
    gate.passed = false;
    gate.reasons = [`shard(s) ${missing.map((i) => `${i}/${count}`).join(", ")} have no report: the campaign is incomplete`, ...gate.reasons];
  }
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: new Date().toISOString(),
    commit: first.commit,
    dirty: shards.some((s) => s.report.dirty),
    profile: first.profile,
    scope: first.scope,
    stages: verdict.stages,
    findings: verdict.findings,
    gate,
    rules: verdict.rules,
    merged,
  };
}

export const MERGE_FLAGS = [
  { name: "out", value: "DIR", summary: "where the merged reports and corpus go (default audit/ of --root): report.*, summary.md, junit.xml, corpus/<engine>/" },
  { name: "root", value: "DIR", summary: "the project whose audit/policy.json and audit/suppressions.json judge the merged report (default: the nearest directory with a hardhat.config.*)" },
  { name: "help", short: "h", summary: "show this help" },
] as const satisfies readonly FlagSpec[];

/** The merge's exit codes, for --help (audit/README.md, "Shards", says the same). */
export const MERGE_EXIT_CODES: readonly { code: number; meaning: string }[] = [
  { code: EXIT.passed, meaning: "the merged report's gate passed" },
  { code: EXIT.failed, meaning: "its gate failed (findings, a stage error, a missing shard, a required stage no shard ran)" },
  { code: EXIT.cannotRun, meaning: "bad input (no shard report, shards that do not belong together, a malformed policy, --out not writable); nothing written" },
];

export function mergeUsage(): string {
  return [
    "Usage: npm run audit:merge -- <shard dir>... [--out DIR] [--root DIR]",
    "",
    "Joins the reports (report.json) and corpora of the shards of one campaign (npm run audit -- --shard i/n --out <shard dir>)",
    "into one report and one corpus, gates it with audit/policy.json and writes every report format. audit/README.md says how.",
    "",
    "Options:",
    ...flagRows(MERGE_FLAGS),
    "",
    "Exit codes (as the audit's):",
    ...MERGE_EXIT_CODES.map((e) => `  ${e.code}      ${e.meaning}`),
  ].join("\n");
}

export interface MergeIO {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  cwd: string;
  env: NodeJS.ProcessEnv;
}

/** The command: parses argv, merges, writes; returns the exit code (bad input: one line, 2). */
export async function mergeMain(argv: readonly string[], io: MergeIO): Promise<number> {
  try {
    let values: { out?: string[]; root?: string[]; help?: boolean };
    let positionals: string[];
    try {
      ({ values, positionals } = parseArgs({
        args: [...argv],
        strict: true,
        allowPositionals: true,
        options: { out: { type: "string", multiple: true }, root: { type: "string", multiple: true }, help: { type: "boolean", short: "h" } },
      }) as { values: typeof values; positionals: string[] });
    } catch (e) {
      throw new InputError(`${(e as Error).message.split("\n")[0]} (see --help)`);
    }
    if (values.help) {
      io.stdout.write(`${mergeUsage()}\n`);
      return EXIT.passed;
    }
    for (const name of ["out", "root"] as const) {
      if ((values[name]?.length ?? 0) > 1) throw new InputError(`--${name} given ${values[name]!.length} times: give it once`);
      if (values[name]?.[0] === "") throw new InputError(`--${name} needs a path`);
    }
    const { checkHardhatRoot, checkWritableDir, findRoot } = await import("../run");
    const root = checkHardhatRoot(values.root ? path.resolve(io.cwd, values.root[0]) : findRoot(io.cwd));
    const outDir = path.resolve(io.cwd, values.out?.[0] ?? path.join(root, "audit"));
    checkWritableDir(outDir);
    const shards = readShardReports(io.cwd, positionals);
    const report = mergeShards(shards, { root, outDir, env: io.env });
    const written = await writeReports(report, outDir, { root });
    const shown = written.map((f) => relPath(io.cwd, f));
    io.stdout.write(`\nMerged ${shards.length} of ${report.merged!.count} shard(s)${report.merged!.missing.length ? ` (missing: ${report.merged!.missing.join(", ")})` : ""}\n`);
    io.stdout.write(formatSummary(report, STAGES, shown));
    return report.gate.passed ? EXIT.passed : EXIT.failed;
  } catch (e) {
    if (e instanceof InputError) {
      io.stderr.write(`audit:merge: ${e.message}\n`);
      return EXIT.cannotRun;
    }
    io.stderr.write(`audit:merge: internal error: ${(e as Error).message?.split("\n")[0] ?? String(e)}\n`);
    return EXIT.cannotRun;
  }
}

/**
 * Two shards and the merge, locally, with the real Medusa on the planted bug (test/fixtures/invariant-bug,
 * the LockBypassInvariants harness of invariants-teeth.test.ts): each shard runs the invariant stage as
 * `--shard i/2` runs it (its half of the budget, its derived seed, its own corpus under its raw folder)
 * and writes its report with the audit's writers; `npm run audit:merge`'s command (mergeMain) joins
 * them. A single run of the same total budget is the reference: the merged report must hold the same
 * findings (fingerprint, rule, falsified property), each with the shortest sequence any shard found,
 * and the merged corpus the union of the shards'.
 *
 * Every run starts from the same corpus, as CI's shards start from the cached one: the two recorded
 * sequences of test/pipeline/fixtures/medusa/bug (a vote, then the locked stake leaving), which Medusa
 * replays before it fuzzes. A time budget alone does not make the planted bug's discovery certain on a
 * loaded machine; the replayed corpus does, so the comparison is of the merge, not of luck. Each run
 * then fuzzes and shrinks on its own (the shards' shrunk sequences differ), and the two shards' copies
 * of the starting entries meet again in the corpus union, deduplicated by content.
 *
 * Budget: 2 x 6 s of fuzzing against 1 x 12 s, the three campaigns side by side on one worker each
 * (~25 s of wall time here). Runs when medusa is provisioned in .tools/, else skipped with the reason
 * (AUDIT_INVARIANT_TEETH=1 provisions it and never skips, as in CI).
 */
import { expect } from "chai";
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { evaluateGate } from "../../scripts/audit/gate";
import { BUG_ARTIFACTS, compileBugBuild } from "../../scripts/audit/invariants/bug-build";
import { BUILD_STAMP, buildHash, countCorpus, readBuildStamp, writeBuildStamp } from "../../scripts/audit/invariants/corpus";
import { runCampaign } from "../../scripts/audit/invariants/campaign";
import { loadPolicy } from "../../scripts/audit/policy";
import { writeReports } from "../../scripts/audit/reports";
import type { Shard } from "../../scripts/audit/shard";
import { mergeMain } from "../../scripts/audit/shards/merge";
import { STAGES } from "../../scripts/audit/stages";
import { INVARIANTS_STAGE, runInvariantsStage } from "../../scripts/audit/stages/invariants";
import { MEDUSA_DEMANDED, requireRealMedusa } from "./real-medusa";
import { REPORT_SCHEMA_VERSION, type AuditReport, type BuildRef, type Finding, type StageResult } from "../../scripts/audit/types";

const ROOT = path.resolve(__dirname, "../..");
const TOTAL_SECONDS = 12;
const RECORDED_BUG = path.join(__dirname, "fixtures", "medusa", "bug", "test_results");

/** What "equal in findings" compares: fingerprint, rule and the falsified property. */
const identity = (findings: readonly Finding[]): string[] =>
  findings.map((f) => `${f.fingerprint} ${f.rule} ${(f.data as { property: string }).property}`).sort();
const sequenceOf = (f: Finding): unknown[] => (f.data as { callSequence: unknown[] }).callSequence;

class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

describe("sharded campaign: two shards + audit:merge equal one run of the same budget (planted bug, real medusa)", function () {
  const demanded = MEDUSA_DEMANDED;
  this.timeout(demanded ? 20 * 60_000 : 6 * 60_000);
  let tmp: string;
  const reports: AuditReport[] = [];
  let single: StageResult;
  let merged: AuditReport;
  let mergeCode: number;
  let mergeOut: Sink;

  /** The invariant stage of one run (a shard, or the whole campaign), and its report written as the audit writes it. */
  async function auditRun(name: string, shard?: Shard): Promise<{ result: StageResult; report: AuditReport }> {
    const outDir = path.join(tmp, name);
    const rawDir = path.join(outDir, "raw");
    mkdirSync(rawDir, { recursive: true });
    const artifactsDir = path.join(ROOT, BUG_ARTIFACTS);
    const build: BuildRef = { artifactsDir, buildInfoDir: path.join(artifactsDir, "build-info"), buildInfoFiles: [], solcVersion: "0.8.28" };
    const started = Date.now();
    const own = await runInvariantsStage(
      {
        root: ROOT,
        outDir,
        rawDir,
        profile: "deep",
        build,
        upstream: new Map(),
        log: () => undefined,
        signal: new AbortController().signal,
        plan: [INVARIANTS_STAGE],
        ...(shard ? { shard } : {}),
      },
      {
        env: { ...process.env, AUDIT_FUZZ_SECONDS: String(TOTAL_SECONDS), AUDIT_INVARIANT_ENGINE: "medusa", AUDIT_FUZZ_SEED: "20261130" },
        offline: true,
        // Fresh corpora (nothing from earlier runs); the full budget, not the first failure, so every broken property is found.
        campaign: {
          harness: "LockBypassInvariants",
          workers: 1,
          stopOnFirstFailure: false,
          ...(shard ? { corpusSeedDir: path.join(tmp, "start-corpus") } : { corpusDir: path.join(outDir, "corpus") }),
        },
      },
    );
    const result: StageResult = { name: INVARIANTS_STAGE, durationMs: Date.now() - started, ...own };
    const policy = loadPolicy(ROOT, STAGES.map((s) => s.name));
    const verdict = evaluateGate({ profile: "deep", policy, stages: [result], suppressions: [], today: "2026-11-30" });
    const report: AuditReport = {
      schemaVersion: REPORT_SCHEMA_VERSION,
      generatedAt: new Date().toISOString(),
      commit: "",
      dirty: true,
      profile: "deep",
      scope: [],
      stages: verdict.stages,
      findings: verdict.findings,
      gate: verdict.gate,
      rules: verdict.rules,
      ...(shard ? { shard } : {}),
    };
    await writeReports(report, outDir, { root: ROOT });
    return { result, report };
  }

  before(async function () {
    await requireRealMedusa(this, ROOT);
    compileBugBuild(ROOT);
    tmp = mkdtempSync(path.join(tmpdir(), "shards-e2e-"));
    // The starting corpus: the recorded failing sequences as mutation inputs (call_sequences/), stamped
    // with this build (as a CI cache entry of the same build is; another build's is test below).
    for (const dir of [path.join(tmp, "start-corpus"), path.join(tmp, "single", "corpus")]) {
      mkdirSync(path.join(dir, "call_sequences"), { recursive: true });
      for (const n of readdirSync(RECORDED_BUG)) copyFileSync(path.join(RECORDED_BUG, n), path.join(dir, "call_sequences", n));
      writeBuildStamp(dir, { buildHash: buildHash(path.join(ROOT, BUG_ARTIFACTS)), engine: "medusa" });
    }
    const t0 = Date.now();
    const [one, two, whole] = await Promise.all([auditRun("shard-1", { index: 1, count: 2 }), auditRun("shard-2", { index: 2, count: 2 }), auditRun("single")]);
    reports.push(one.report, two.report);
    single = whole.result;
    mergeOut = new Sink();
    mergeCode = await mergeMain([path.join(tmp, "shard-1"), path.join(tmp, "shard-2"), "--out", path.join(tmp, "merged")], {
      stdout: mergeOut,
      stderr: mergeOut,
      cwd: ROOT,
      env: process.env,
    });
    merged = JSON.parse(readFileSync(path.join(tmp, "merged", "report.json"), "utf8")) as AuditReport;
    const m = (r: AuditReport): string => {
      const x = r.stages[0].metrics as { calls?: number; callsPerSecond?: number };
      return `${r.stages[0].status}, ${x.calls ?? "?"} calls (${x.callsPerSecond ?? "?"}/s)`;
    };
    console.log(`      shards: ${m(one.report)} / ${m(two.report)}; single: ${single.status}; all in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  });

  after(function () {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it("each shard fuzzed its half of the budget with its own seed and corpus, and recorded which shard it is", function () {
    for (const [i, r] of reports.entries()) {
      expect(r.shard).to.deep.equal({ index: i + 1, count: 2 });
      const stage = r.stages[0];
      expect(stage.status, stage.reason ?? stage.stderrTail).to.equal("failed");
      const metrics = stage.metrics as { budgetSeconds: number; seed: { value: number; applied: boolean }; corpus: { dir: string; before: { sequences: number }; after: { sequences: number } } };
      expect(metrics.budgetSeconds).to.equal(TOTAL_SECONDS / 2);
      expect(metrics.seed.applied).to.equal(false); // medusa 1.5.1 takes no seed: recorded only
      expect(metrics.corpus.dir).to.match(new RegExp(`shard-${i + 1}/raw/invariants/corpus/medusa$`));
      // Started from a copy of the starting corpus, and grew.
      expect(metrics.corpus.before.sequences).to.equal(readdirSync(RECORDED_BUG).length);
      expect(metrics.corpus.after.sequences).to.be.greaterThan(metrics.corpus.before.sequences);
    }
    const seeds = reports.map((r) => (r.stages[0].metrics as { seed: { value: number } }).seed.value);
    expect(seeds[0]).to.not.equal(seeds[1]);
  });

  it("the merged report holds the single run's findings: same fingerprints, rules and falsified properties", function () {
    expect(single.status, single.reason ?? single.stderrTail).to.equal("failed");
    expect(identity(single.findings)).to.have.length.greaterThan(0);
    expect(identity(merged.findings)).to.deep.equal(identity(single.findings));
    expect(merged.schemaVersion).to.equal(REPORT_SCHEMA_VERSION);
    expect(merged.shard).to.equal(undefined);
    expect(merged.merged).to.deep.include({ count: 2, missing: [] });
    expect(merged.merged?.shards.map((s) => s.index)).to.deep.equal([1, 2]);
  });

  it("keeps, for each broken property, the shortest sequence either shard found", function () {
    for (const f of merged.findings) {
      const lengths = reports.flatMap((r) => r.findings.filter((x) => x.fingerprint === f.fingerprint).map((x) => sequenceOf(x).length));
      expect(lengths.length).to.be.greaterThan(0);
      expect(sequenceOf(f).length).to.equal(Math.min(...lengths));
    }
  });

  it("sums calls, budget and workers, takes the longest wall time, and gates like the audit (exit 1 on the high findings)", function () {
    const shardMetrics = reports.map((r) => r.stages[0].metrics as { calls: number; budgetSeconds: number; workers: number; durationMs: number; callsPerSecond: number });
    const m = merged.stages[0].metrics as typeof shardMetrics[number];
    expect(m.calls).to.equal(shardMetrics[0].calls + shardMetrics[1].calls);
    expect(m.callsPerSecond).to.equal(shardMetrics[0].callsPerSecond + shardMetrics[1].callsPerSecond);
    expect(m.budgetSeconds).to.equal(TOTAL_SECONDS);
    expect(m.workers).to.equal(2);
    expect(m.durationMs).to.equal(Math.max(shardMetrics[0].durationMs, shardMetrics[1].durationMs));
    expect(merged.gate.passed).to.equal(false);
    expect(mergeCode, mergeOut.text).to.equal(1);
    expect(mergeOut.text).to.match(/Merged 2 of 2 shard\(s\)/);
    for (const f of ["report.json", "report.md", "report.html", "report.sarif", "junit.xml", "summary.md"]) {
      expect(readdirSync(path.join(tmp, "merged")), f).to.include(f);
    }
  });

  it("the merged corpus is the union of the shards' corpora, deduplicated by content", function () {
    const union = countCorpus("medusa", path.join(tmp, "merged", "corpus", "medusa"));
    const parts = [1, 2].map((i) => countCorpus("medusa", path.join(tmp, `shard-${i}`, "raw", "invariants", "corpus", "medusa")));
    const all = parts[0].sequences + parts[0].failures + parts[1].sequences + parts[1].failures;
    const corpus = merged.stages[0].metrics.corpus as { after: number; added: number; duplicates: number; dir: string };
    // Both shards hold the starting entries unchanged: the union keeps one copy of each.
    expect(corpus.duplicates).to.be.at.least(readdirSync(RECORDED_BUG).length);
    expect(union.sequences + union.failures).to.equal(all - corpus.duplicates);
    expect(corpus.after).to.equal(union.sequences + union.failures);
    for (const n of readdirSync(RECORDED_BUG)) {
      expect(readFileSync(path.join(tmp, "merged", "corpus", "medusa", "call_sequences", n), "utf8")).to.equal(readFileSync(path.join(RECORDED_BUG, n), "utf8"));
    }
  });

  it("restored from another build, the corpus is cleaned by medusa corpus clean first: a sequence that no longer binds is deleted, the others stay", async function () {
    // The merged corpus, stamped with another build, plus one entry calling a function this build does not have.
    const corpusDir = path.join(tmp, "stale-corpus");
    cpSync(path.join(tmp, "merged", "corpus", "medusa"), corpusDir, { recursive: true });
    writeBuildStamp(corpusDir, { buildHash: "0".repeat(64), engine: "medusa" });
    const recorded = readdirSync(RECORDED_BUG)[0];
    const gone = JSON.parse(readFileSync(path.join(RECORDED_BUG, recorded), "utf8")) as { call: { dataAbiValues: { methodSignature: string } } }[];
    gone[0].call.dataAbiValues.methodSignature = "stakeRemoved(uint8,uint256)";
    writeFileSync(path.join(corpusDir, "call_sequences", "removed-function.json"), JSON.stringify(gone));
    const before = countCorpus("medusa", corpusDir).sequences;
    const r = await runCampaign({
      root: ROOT,
      profile: "quick",
      signal: new AbortController().signal,
      log: () => undefined,
      engine: "medusa",
      workers: 1,
      harness: "LockBypassInvariants",
      artifactsDir: BUG_ARTIFACTS,
      rawDir: path.join(tmp, "stale-raw"),
      corpusDir,
      seconds: 2,
      offline: true,
    });
    expect(r.corpus?.previousBuildHash).to.equal("0".repeat(64));
    expect(r.corpus?.cleaned, JSON.stringify(r.corpus)).to.deep.include({ status: "passed" });
    expect(r.corpus?.cleaned?.removed).to.be.at.least(1);
    expect(r.corpus?.cleaned?.reason).to.match(/grown on build 000000000000, this is [0-9a-f]{12}; medusa corpus clean removed \d+ of \d+ sequence/);
    expect(r.corpus?.before.sequences).to.equal(before);
    expect(existsSync(path.join(corpusDir, "call_sequences", "removed-function.json"))).to.equal(false);
    // The recorded sequences still deploy, bind and execute on this build: kept.
    for (const n of readdirSync(RECORDED_BUG)) expect(existsSync(path.join(corpusDir, "call_sequences", n)), n).to.equal(true);
    // After the run the corpus is stamped with this build: the next run does not clean it again.
    expect(readBuildStamp(corpusDir)?.buildHash).to.equal(buildHash(path.join(ROOT, BUG_ARTIFACTS)));
    expect(existsSync(path.join(corpusDir, BUILD_STAMP))).to.equal(true);
  });
});

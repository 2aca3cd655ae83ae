/**
 * Shards of the fuzzing campaign without a fuzzer: --shard parsing and its exit code, seed and budget
 * derivation, the merge of shard reports (findings by fingerprint with the shortest sequence, summed
 * metrics, stages taken once), the corpus union, and the two workflows that run them.
 * The real campaign (two Medusa shards + the merge against one run) is shards-e2e.test.ts.
 */
import { expect } from "chai";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { load as loadYaml } from "js-yaml";
import { parseAuditArgs } from "../../scripts/audit/args";
import { EXIT, InputError } from "../../scripts/audit/errors";
import { BUILD_STAMP, countCorpus, readBuildStamp, unionCorpora, writeBuildStamp } from "../../scripts/audit/invariants/corpus";
import { writeReports } from "../../scripts/audit/reports";
import { main } from "../../scripts/audit/run";
import { baseSeed, MAX_SHARDS, parseShard, shardBudgetSeconds, shardSeed } from "../../scripts/audit/shard";
import { dedupeByFingerprint, mergeInvariantResults, mergeMain, mergeOtherStage, mergeShards, readShardReports } from "../../scripts/audit/shards/merge";
import { REPORT_SCHEMA_VERSION, type AuditReport, type Finding, type StageResult } from "../../scripts/audit/types";
import { finding, REPO, stage, tempDir } from "./helpers";

class Sink extends Writable {
  text = "";
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** An invariant finding of `property` with a sequence of `steps` calls (fingerprint per property). */
function broken(property: string, steps: number, shardTag = ""): Finding {
  const fp = property.padEnd(64, "0").slice(0, 64).replace(/[^0-9a-f]/g, "b");
  return finding({
    id: `invariants:invariant/${property}:${fp.slice(0, 12)}`,
    stage: "invariants",
    rule: `invariant/${property}`,
    severity: "high",
    title: `Invariant broken: ${property}`,
    fingerprint: fp,
    location: { file: "test/invariant/H.sol", symbol: `H.${property}` },
    tool: { name: "medusa", version: "1.5.1" },
    data: { property, callSequence: Array.from({ length: steps }, (_v, i) => ({ function: `f${i}()`, args: [], timeDelay: 0, blockDelay: 0 })), tag: shardTag },
  });
}

function invariants(over: Partial<StageResult> & { metrics?: Record<string, unknown> } = {}): StageResult {
  return stage("invariants", {
    status: "failed",
    metrics: {
      engine: "medusa",
      version: "1.5.1",
      harness: "H",
      budgetSeconds: 450,
      workers: 2,
      durationMs: 500_000,
      calls: 1000,
      callsPerSecond: 400,
      coverage: { branches: 10 },
      properties: { total: 2, passed: 1, failed: 1, results: { echidna_a: "failed", echidna_b: "passed" } },
      assertions: { total: 3, passed: 3, failed: 0 },
      corpus: { dir: "x", before: { sequences: 5, failures: 0 }, after: { sequences: 9, failures: 1 }, buildHash: "h" },
      seed: { value: 1, applied: false },
    },
    ...over,
  });
}

function shardReport(index: number, count: number, stages: StageResult[], over: Partial<AuditReport> = {}): AuditReport {
  return {
    schemaVersion: REPORT_SCHEMA_VERSION,
    generatedAt: "2026-11-30T10:00:00.000Z",
    commit: "a".repeat(40),
    dirty: false,
    profile: "deep",
    scope: [],
    stages,
    findings: stages.flatMap((s) => s.findings),
    gate: { passed: true, reasons: [], unusedSuppressions: [] },
    shard: { index, count },
    ...over,
  };
}

async function writeShard(dir: string, report: AuditReport): Promise<string> {
  mkdirSync(dir, { recursive: true });
  await writeReports(report, dir, { root: REPO });
  return dir;
}

describe("shards of the fuzzing campaign", function () {
  describe("--shard i/n", function () {
    it("parses i/n with 1 <= i <= n", function () {
      expect(parseShard("1/4")).to.deep.equal({ index: 1, count: 4 });
      expect(parseShard("4/4")).to.deep.equal({ index: 4, count: 4 });
      expect(parseAuditArgs(["--shard", "2/3"]).shard).to.deep.equal({ index: 2, count: 3 });
      expect(parseAuditArgs([]).shard).to.equal(undefined);
    });

    it("refuses anything else with one line naming the cause", function () {
      const cases: [string, RegExp][] = [
        ["0/2", /i must be between 1 and n \(2\)/],
        ["3/2", /i must be between 1 and n \(2\)/],
        ["1/0", /n must be between 1 and 256/],
        [`1/${MAX_SHARDS + 1}`, /n must be between 1 and 256/],
        ["2", /--shard needs i\/n/],
        ["a/b", /--shard needs i\/n/],
        ["1/2/3", /--shard needs i\/n/],
        ["-1/2", /--shard needs i\/n/],
        ["", /--shard needs i\/n/],
      ];
      for (const [text, message] of cases) {
        expect(() => parseShard(text), text).to.throw(InputError, message);
      }
      expect(() => parseAuditArgs(["--shard", "1/2", "--shard", "2/2"])).to.throw(InputError, /--shard given 2 times/);
    });

    it("the audit exits 2 with one line on a bad --shard, and on a bad AUDIT_FUZZ_SEED, before anything runs", async function () {
      const out = new Sink();
      const err = new Sink();
      const code = await main(["--shard", "5/4"], { stdout: out, stderr: err, cwd: REPO, env: {} });
      expect(code).to.equal(EXIT.cannotRun);
      expect(err.text).to.equal("audit: --shard 5/4: i must be between 1 and n (4)\n");
      const out2 = new Sink();
      const err2 = new Sink();
      const outDir = path.join(tempDir("shard-seed-"), "out");
      const seedCode = await main(["--shard", "1/2", "--out", outDir], { stdout: out2, stderr: err2, cwd: REPO, env: { AUDIT_FUZZ_SEED: "12x" } });
      expect(seedCode).to.equal(EXIT.cannotRun);
      expect(err2.text).to.equal("audit: AUDIT_FUZZ_SEED=12x: expected a whole number below 2^48\n");
      expect(existsSync(outDir)).to.equal(false);
      expect(() => baseSeed({ AUDIT_FUZZ_SEED: String(2 ** 48) })).to.throw(InputError);
    });
  });

  describe("seeds and budgets", function () {
    it("derives a distinct, repeatable seed per shard from the base seed", function () {
      const seeds = Array.from({ length: 64 }, (_v, i) => shardSeed(20261130, i + 1));
      expect(new Set(seeds).size).to.equal(64);
      expect(shardSeed(20261130, 3)).to.equal(seeds[2]);
      expect(shardSeed(20261131, 3)).to.not.equal(seeds[2]);
      for (const s of seeds) expect(Number.isSafeInteger(s) && s >= 0 && s < 2 ** 48, String(s)).to.equal(true);
      // SHA-256("1/1") begins 0x2f6a...: the seed is its first six bytes.
      expect(shardSeed(1, 1)).to.equal(parseInt(require("node:crypto").createHash("sha256").update("1/1").digest("hex").slice(0, 12), 16));
    });

    it("reads the base seed from AUDIT_FUZZ_SEED, else draws one", function () {
      expect(baseSeed({ AUDIT_FUZZ_SEED: "42" })).to.deep.equal({ seed: 42, from: "AUDIT_FUZZ_SEED" });
      const drawn = baseSeed({});
      expect(drawn.from).to.equal("random");
      expect(Number.isSafeInteger(drawn.seed)).to.equal(true);
    });

    it("splits the campaign's budget evenly, rounded up", function () {
      expect(shardBudgetSeconds(7200, 4)).to.equal(1800);
      expect(shardBudgetSeconds(45, 2)).to.equal(23);
      expect(shardBudgetSeconds(1, 4)).to.equal(1);
      expect(shardBudgetSeconds(1800, 1)).to.equal(1800);
    });
  });

  describe("merging shard reports", function () {
    it("one finding per fingerprint, with the shortest reproducing sequence (the first on a tie), marks dropped", function () {
      const a5 = { ...broken("echidna_a", 5, "s1"), suppressed: { justification: "x" }, blocking: true };
      const a3 = broken("echidna_a", 3, "s2");
      const a3b = broken("echidna_a", 3, "s3");
      const b7 = broken("echidna_b", 7, "s3");
      const out = dedupeByFingerprint([[a5], [a3, b7], [a3b]]);
      expect(out.map((f) => [f.rule, (f.data as { callSequence: unknown[] }).callSequence.length, (f.data as { tag: string }).tag])).to.deep.equal([
        ["invariant/echidna_a", 3, "s2"],
        ["invariant/echidna_b", 7, "s3"],
      ]);
      expect(out[0]).to.not.have.property("suppressed");
      expect(out[0]).to.not.have.property("blocking");
    });

    it("the invariant stage: worst status, calls / budget / workers / calls per second summed, wall time the longest, a property failed anywhere fails", function () {
      const one = invariants({ findings: [broken("echidna_a", 6)] });
      const two = invariants({
        status: "passed",
        findings: [],
        metrics: {
          ...invariants().metrics,
          calls: 3000,
          callsPerSecond: 700,
          durationMs: 600_000,
          coverage: { branches: 14 },
          properties: { total: 2, passed: 2, failed: 0, results: { echidna_a: "passed", echidna_b: "passed" } },
          corpus: { dir: "y", before: { sequences: 5, failures: 0 }, after: { sequences: 12, failures: 0 }, buildHash: "h" },
          seed: { value: 2, applied: false },
        },
      });
      const merged = mergeInvariantResults([one, two], [1, 2], { dir: "audit/corpus/medusa", union: { entries: 17, added: 17, duplicates: 5 } });
      expect(merged.status).to.equal("failed");
      const m = merged.metrics as Record<string, unknown>;
      expect(m).to.deep.include({ calls: 4000, callsPerSecond: 1100, budgetSeconds: 900, workers: 4, durationMs: 600_000, coverage: { branches: 14 } });
      expect(m.properties).to.deep.equal({ total: 2, passed: 1, failed: 1, results: { echidna_a: "failed", echidna_b: "passed" } });
      expect(m.corpus).to.deep.equal({
        dir: "audit/corpus/medusa",
        after: 17,
        added: 17,
        duplicates: 5,
        shards: [
          { index: 1, before: { sequences: 5, failures: 0 }, after: { sequences: 9, failures: 1 } },
          { index: 2, before: { sequences: 5, failures: 0 }, after: { sequences: 12, failures: 0 } },
        ],
      });
      expect(m.seeds).to.deep.equal([{ index: 1, value: 1, applied: false }, { index: 2, value: 2, applied: false }]);
      expect(merged.findings).to.have.length(1);
      const figures = Object.fromEntries((merged.sections?.find((s) => s.id === "invariants-campaign")?.table?.rows ?? []).map((r) => [r.what, r.value]));
      expect(figures).to.deep.include({ Shards: "2", Calls: "4,000", "Calls/s": "1,100 (all shards)", "Merged corpus": "audit/corpus/medusa: 17 entries (union by content)" });
      // An errored shard makes the campaign's stage an error (the gate fails on it), with which shard said what.
      const errored = mergeInvariantResults([one, invariants({ status: "error", reason: "medusa exited with 3", findings: [] })], [1, 2]);
      expect(errored.status).to.equal("error");
      expect(errored.reason).to.equal("shard 2: medusa exited with 3");
    });

    it("another stage: taken once when the shards agree; the union of findings, the worst status and who said what when not", function () {
      const f1 = finding({ fingerprint: "1".repeat(64), id: "lint:solhint/x:111111111111" });
      const f2 = finding({ fingerprint: "2".repeat(64), id: "lint:solhint/x:222222222222" });
      const same = mergeOtherStage([stage("lint", { findings: [f1], durationMs: 5 }), stage("lint", { findings: [f1], durationMs: 9 })], [1, 2]);
      expect(same).to.deep.include({ status: "passed", durationMs: 9 });
      expect(same.findings).to.deep.equal([f1]);
      expect(same.reason).to.equal(undefined);
      const differ = mergeOtherStage([stage("lint", { findings: [f1] }), stage("lint", { status: "error", reason: "boom", findings: [f1, f2] })], [1, 2]);
      expect(differ.status).to.equal("error");
      expect(differ.reason).to.equal("the shards disagree: shard 1 passed; shard 2 error (boom)");
      expect(differ.findings.map((f) => f.fingerprint)).to.deep.equal([f1.fingerprint, f2.fingerprint]);
      // A stage one shard skipped comes from the shards that ran it.
      const some = mergeOtherStage([stage("coverage", { status: "skipped", reason: "not selected by --only" }), stage("coverage", { status: "failed" })], [1, 2]);
      expect(some.status).to.equal("failed");
    });

    it("writes one gated report of every format; a missing shard fails the gate; exit codes as the audit's", async function () {
      const dir = tempDir("shards-merge-");
      const lint = stage("lint", { findings: [] });
      const s1 = await writeShard(path.join(dir, "s1"), shardReport(1, 3, [lint, invariants({ findings: [broken("echidna_a", 6)] })]));
      const s3 = await writeShard(path.join(dir, "s3"), shardReport(3, 3, [lint, invariants({ findings: [broken("echidna_a", 2)] })]));
      const report = mergeShards(readShardReports(dir, ["s1", "s3"]), { root: REPO, outDir: path.join(dir, "out"), env: {}, today: "2026-11-30" });
      expect(report.merged).to.deep.equal({
        count: 3,
        shards: [
          { index: 1, report: "s1/report.json", generatedAt: "2026-11-30T10:00:00.000Z" },
          { index: 3, report: "s3/report.json", generatedAt: "2026-11-30T10:00:00.000Z" },
        ],
        missing: [2],
      });
      expect(report.gate.passed).to.equal(false);
      expect(report.gate.reasons[0]).to.equal("shard(s) 2/3 have no report: the campaign is incomplete");
      expect(report.stages.map((s) => s.name)).to.deep.equal(["lint", "invariants"]);
      expect(report.findings).to.have.length(1);
      expect((report.findings[0].data as { callSequence: unknown[] }).callSequence).to.have.length(2);
      expect(report.findings[0].blocking).to.equal(true);

      const out = new Sink();
      const code = await mergeMain([s1, s3, "--out", path.join(dir, "merged")], { stdout: out, stderr: out, cwd: REPO, env: {} });
      expect(code, out.text).to.equal(EXIT.failed);
      expect(readdirSync(path.join(dir, "merged")).sort()).to.include.members(["junit.xml", "report.html", "report.json", "report.md", "report.sarif", "summary.md"]);
      expect(out.text).to.match(/Merged 2 of 3 shard\(s\) \(missing: 2\)/);
      // All shards, no blocking finding, a policy that requires no other stage (--root): exit 0.
      const project = path.join(dir, "project");
      mkdirSync(path.join(project, "audit"), { recursive: true });
      writeFileSync(path.join(project, "hardhat.config.js"), "module.exports = {};\n");
      writeFileSync(path.join(project, "audit", "policy.json"), JSON.stringify({ requiredStages: { quick: [], ci: [], deep: ["invariants"] } }));
      const clean = [1, 2].map((i) => writeShard(path.join(dir, `c${i}`), shardReport(i, 2, [lint, invariants({ status: "passed", findings: [] })])));
      const ok = await mergeMain([...(await Promise.all(clean)), "--root", project, "--out", path.join(dir, "merged-clean")], { stdout: out, stderr: out, cwd: REPO, env: {} });
      expect(ok, out.text).to.equal(EXIT.passed);
    });

    it("refuses shards that do not belong together, and bad input, with one line and exit 2, writing nothing", async function () {
      const dir = tempDir("shards-bad-");
      const lint = stage("lint");
      await writeShard(path.join(dir, "a"), shardReport(1, 2, [lint]));
      await writeShard(path.join(dir, "b"), shardReport(1, 2, [lint]));
      await writeShard(path.join(dir, "c"), shardReport(2, 3, [lint]));
      await writeShard(path.join(dir, "d"), shardReport(2, 2, [lint], { commit: "b".repeat(40) }));
      const { shard: _s, ...whole } = shardReport(1, 2, [lint]);
      await writeShard(path.join(dir, "e"), whole as AuditReport);
      mkdirSync(path.join(dir, "f"));
      writeFileSync(path.join(dir, "f", "report.json"), "{ not json");
      const cases: [string[], RegExp][] = [
        [[], /needs the shard directories/],
        [["a", "b"], /^audit:merge: shard 1\/2 given twice \(a\/report.json and b\/report.json\)$/],
        [["a", "c"], /shards of different campaigns/],
        [["a", "d"], /shards of different commits/],
        [["e"], /e\/report.json: not a shard's report \(no "shard": run the audit with --shard i\/n\)/],
        [["f"], /f\/report.json: not JSON/],
        [["nowhere"], /nowhere: no report.json/],
        [["a", "--shards"], /Unknown option '--shards'/],
      ];
      for (const [args, message] of cases) {
        const err = new Sink();
        const code = await mergeMain([...args, "--root", REPO, "--out", path.join(dir, "out")], { stdout: err, stderr: err, cwd: dir, env: {} });
        expect(code, args.join(" ")).to.equal(EXIT.cannotRun);
        expect(err.text.trim().split("\n"), err.text).to.have.length(1);
        expect(err.text.trim()).to.match(message);
      }
      expect(existsSync(path.join(dir, "out"))).to.equal(false);
    });
  });

  describe("corpus union", function () {
    it("adds each shard's entries, one copy per content; a name taken by other content gets the hash; reports and stamps stay out", function () {
      const dir = tempDir("corpus-union-");
      const write = (corpus: string, sub: string, name: string, body: string): void => {
        mkdirSync(path.join(dir, corpus, sub), { recursive: true });
        writeFileSync(path.join(dir, corpus, sub, name), body);
      };
      write("s1", "call_sequences", "1-a.json", "[1]");
      write("s1", "call_sequences", "2-b.json", "[2]");
      write("s1", "test_results", "9-f.json", "[9]");
      write("s1", "coverage", "lcov.info", "SF:x");
      writeBuildStamp(path.join(dir, "s1"), { buildHash: "h", engine: "medusa" });
      write("s2", "call_sequences", "1-a.json", "[1]"); // the same entry (from the shared starting corpus)
      write("s2", "call_sequences", "copy.json", "[2]"); // the same content under another name
      write("s2", "call_sequences", "2-b.json", "[3]"); // another content under a taken name
      write("out", "call_sequences", "0-old.json", "[0]"); // the target's own entries stay
      const union = unionCorpora("medusa", [path.join(dir, "s1"), path.join(dir, "s2")], path.join(dir, "out"));
      expect(union).to.deep.equal({ entries: 5, added: 4, duplicates: 2 });
      const names = readdirSync(path.join(dir, "out", "call_sequences"));
      expect(names).to.have.length(4);
      expect(names).to.include.members(["0-old.json", "1-a.json", "2-b.json"]);
      const renamed = names.find((n) => /^2-b-[0-9a-f]{12}\.json$/.test(n));
      expect(renamed, names.join(", ")).to.be.a("string");
      expect(readFileSync(path.join(dir, "out", "call_sequences", "2-b.json"), "utf8")).to.equal("[2]");
      expect(readFileSync(path.join(dir, "out", "call_sequences", renamed!), "utf8")).to.equal("[3]");
      expect(existsSync(path.join(dir, "out", "coverage"))).to.equal(false);
      expect(existsSync(path.join(dir, "out", BUILD_STAMP))).to.equal(false);
      expect(countCorpus("medusa", path.join(dir, "out"))).to.deep.equal({ sequences: 4, failures: 1 });
      expect(readBuildStamp(path.join(dir, "s1"))?.buildHash).to.equal("h");
      // Again: nothing new.
      expect(unionCorpora("medusa", [path.join(dir, "s1"), path.join(dir, "s2")], path.join(dir, "out"))).to.deep.equal({ entries: 5, added: 0, duplicates: 6 });
    });
  });

  describe("workflows", function () {
    type Step = { name?: string; uses?: string; run?: string; with?: Record<string, string>; env?: Record<string, string> };
    type Workflow = { on: Record<string, unknown>; jobs: Record<string, { needs?: string | string[]; steps: Step[]; strategy?: { matrix: Record<string, string> } }> };
    const read = (name: string): Workflow => loadYaml(readFileSync(path.join(REPO, ".github", "workflows", name), "utf8")) as Workflow;
    const BUILD = "hashFiles('contracts/**', 'test/invariant/**', 'hardhat.config.ts', 'package-lock.json')";

    it("audit.yml caches .tools alone and the corpus by the build and the run, restoring the same build's, else any", function () {
      const steps = read("audit.yml").jobs.audit.steps;
      const tools = steps.find((s) => s.with?.path === ".tools");
      expect(tools?.with?.key).to.equal("audit-tools-${{ runner.os }}-${{ hashFiles('scripts/audit/tools/**', 'package-lock.json') }}");
      const corpus = steps.find((s) => s.with?.path === "audit/corpus");
      expect(corpus?.uses).to.equal("actions/cache@v4");
      expect(corpus?.with?.key).to.equal(`fuzz-corpus-\${{ runner.os }}-\${{ ${BUILD} }}-\${{ github.run_id }}`);
      expect(corpus?.with?.["restore-keys"]?.trim().split("\n")).to.deep.equal([`fuzz-corpus-\${{ runner.os }}-\${{ ${BUILD} }}-`, "fuzz-corpus-${{ runner.os }}-"]);
    });

    it("deep-audit.yml: weekly and by hand, a matrix of --shard i/n jobs uploading report and corpus, a merge job that gates, summarizes and saves the corpus", function () {
      const wf = read("deep-audit.yml");
      expect(Object.keys(wf.on).sort()).to.deep.equal(["schedule", "workflow_dispatch"]);
      expect((wf.on.schedule as { cron: string }[])[0].cron).to.match(/^\S+ \S+ \* \* [0-6]$/);
      expect(Object.keys((wf.on.workflow_dispatch as { inputs: Record<string, unknown> }).inputs)).to.include("shards");
      const shard = wf.jobs.shard;
      expect(shard.needs).to.equal("plan");
      expect(shard.strategy?.matrix.index).to.equal("${{ fromJSON(needs.plan.outputs.indices) }}");
      const run = shard.steps.find((s) => s.run?.includes("npm run audit --"));
      expect(run?.run).to.include("npm run audit -- --profile deep --shard ${{ matrix.index }}/${{ needs.plan.outputs.count }} --out audit/shard");
      const restore = shard.steps.find((s) => s.uses === "actions/cache/restore@v4");
      expect(restore?.with?.path).to.equal("audit/corpus");
      const upload = shard.steps.find((s) => s.uses === "actions/upload-artifact@v4");
      expect(upload?.with?.name).to.equal("deep-audit-shard-${{ matrix.index }}");
      expect(upload?.with?.path).to.include("audit/shard/report.*").and.include("audit/shard/raw/");
      const merge = wf.jobs.merge;
      expect(merge.needs).to.deep.equal(["plan", "shard"]);
      expect(merge.steps.find((s) => s.uses === "actions/download-artifact@v4")?.with?.pattern).to.equal("deep-audit-shard-*");
      expect(merge.steps.some((s) => s.run?.includes("npm run audit:merge -- shards/*/ --out audit"))).to.equal(true);
      expect(merge.steps.some((s) => s.run?.includes("GITHUB_STEP_SUMMARY"))).to.equal(true);
      expect(merge.steps.find((s) => s.uses === "actions/upload-artifact@v4")?.with?.name).to.equal("deep-audit-report");
      const save = merge.steps.find((s) => s.uses === "actions/cache/save@v4");
      expect(save?.with?.path).to.equal("audit/corpus");
      // The key audit.yml restores from.
      expect(save?.with?.key).to.equal(read("audit.yml").jobs.audit.steps.find((s) => s.with?.path === "audit/corpus")?.with?.key);
      expect(restore?.with?.["restore-keys"]).to.equal(read("audit.yml").jobs.audit.steps.find((s) => s.with?.path === "audit/corpus")?.with?.["restore-keys"]);
    });
  });
});

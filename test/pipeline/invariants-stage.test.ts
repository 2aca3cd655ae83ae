/**
 * The invariant stage's configuration and wiring. The real Medusa campaign
 * (planted bug found, clean system passing) is in invariants-teeth.test.ts;
 * here the engine choice, budgets, the committed engine configs, and the
 * stage's handling of an Echidna run (through a stand-in `echidna` that
 * prints the constructed sample, since Echidna cannot be installed here).
 */
import { expect } from "chai";
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import {
  BUDGET_LIMITS,
  budgetSeconds,
  CampaignConfigError,
  engineChoice,
  lcovSummary,
  loadCampaignConfig,
  readHarness,
} from "../../scripts/audit/invariants/campaign";
import { FACTORIES } from "../../scripts/audit/invariants/replay";
import {
  FAILURES_FILE,
  invariantsStage,
  runInvariantsStage,
  type FailuresFile,
  type InvariantSection,
} from "../../scripts/audit/stages/invariants";
import { sameConfigurationBuildInfos } from "../../scripts/audit/tools/build-info";
import { shardSeed } from "../../scripts/audit/shard";
import type { BuildRef, StageContext, StageResult } from "../../scripts/audit/types";

const ROOT = path.resolve(__dirname, "../..");

function context(rawDir: string, profile: StageContext["profile"] = "quick"): StageContext {
  const artifactsDir = path.join(ROOT, "artifacts");
  const build: BuildRef = { artifactsDir, buildInfoDir: path.join(artifactsDir, "build-info"), buildInfoFiles: [], solcVersion: "0.8.28" };
  return {
    root: ROOT,
    outDir: path.dirname(rawDir),
    rawDir,
    profile,
    build,
    upstream: new Map<string, StageResult>(),
    log: () => undefined,
    signal: new AbortController().signal,
    plan: ["compile", "invariants"],
  };
}

describe("invariant stage", function () {
  describe("committed configuration", function () {
    const cfg = loadCampaignConfig(ROOT);

    it("bounds every profile's budget (quick <= 60 s, ci <= 5 min)", function () {
      expect(cfg.budgets.quick.seconds).to.be.within(1, BUDGET_LIMITS.quick);
      expect(cfg.budgets.ci.seconds).to.be.within(1, BUDGET_LIMITS.ci);
      expect(cfg.budgets.deep.seconds).to.be.greaterThan(0);
    });

    it("medusa.json: bounded, reuses the build, echidna_ properties, time advances, corpus under audit/corpus", function () {
      const m = JSON.parse(readFileSync(path.join(ROOT, cfg.medusa.config), "utf8"));
      expect(m.fuzzing.timeout > 0 || m.fuzzing.testLimit > 0, "never both 0").to.equal(true);
      expect(m.compilation.platform).to.equal("crytic-compile");
      expect(m.compilation.platformConfig.solcVersion).to.equal("");
      expect(m.compilation.platformConfig.args).to.include("--hardhat-ignore-compile");
      expect(m.fuzzing.testing.propertyTesting.testPrefixes).to.include("echidna_");
      expect(m.fuzzing.blockTimestampDelayMax).to.be.greaterThan(3600);
      expect(path.resolve(ROOT, "test/invariant", m.fuzzing.corpusDirectory)).to.equal(path.join(ROOT, cfg.medusa.corpusDir));
      expect(m.fuzzing.targetContracts).to.deep.equal([cfg.harness]);
      const predeployed = Object.entries(m.fuzzing.predeployedContracts as Record<string, string>).map(([name, address]) => ({ name, address: address.toLowerCase() }));
      expect(predeployed).to.deep.equal(FACTORIES.map((f) => ({ name: f.name, address: f.address.toLowerCase() })));
      expect(m.slither.useSlither).to.equal(false);
    });

    it("echidna.yaml: property mode, echidna_ prefix, bounded, reuses the build, same deploy layout", function () {
      const y = readFileSync(path.join(ROOT, cfg.echidna.config), "utf8");
      expect(y).to.match(/^testMode: property$/m);
      expect(y).to.match(/^prefix: "echidna_"$/m);
      expect(y).to.match(/^timeout: [1-9]\d*/m);
      expect(y).to.match(/^cryticArgs: \["--hardhat-ignore-compile"\]$/m);
      expect(y).to.match(/^maxTimeDelay: [1-9]\d*/m);
      for (const f of FACTORIES) expect(y).to.include(`["${f.address}", "${f.name}"]`);
    });

    it("the harness's factory addresses are the ones the engines predeploy", function () {
      const info = readHarness(ROOT, path.join(ROOT, "artifacts"), cfg.harness);
      expect(info.abi.getFunction("CORE_FACTORY")).to.not.equal(null);
      const src = readFileSync(path.join(ROOT, info.sourceName), "utf8");
      for (const f of FACTORIES) expect(src).to.include(f.address);
      expect([...info.properties.keys()]).to.have.length(12);
      for (const [, meta] of info.properties) {
        expect(meta.notice, "every property documents what it proves").to.not.equal("");
        expect(meta.line).to.be.greaterThan(0);
      }
    });
  });

  describe("engine and budget selection", function () {
    const cfg = loadCampaignConfig(ROOT);

    it("AUDIT_INVARIANT_ENGINE overrides campaign.json", function () {
      expect(engineChoice(cfg, {})).to.deep.equal({ choice: cfg.engine, from: "test/invariant/campaign.json" });
      expect(engineChoice(cfg, { AUDIT_INVARIANT_ENGINE: "Medusa" }).choice).to.equal("medusa");
      expect(() => engineChoice(cfg, { AUDIT_INVARIANT_ENGINE: "afl" })).to.throw(CampaignConfigError);
    });

    it("AUDIT_FUZZ_SECONDS sets the deep budget only", function () {
      expect(budgetSeconds(cfg, "deep", { AUDIT_FUZZ_SECONDS: "7200" })).to.equal(7200);
      expect(budgetSeconds(cfg, "ci", { AUDIT_FUZZ_SECONDS: "7200" })).to.equal(cfg.budgets.ci.seconds);
      expect(budgetSeconds(cfg, "deep", {})).to.equal(cfg.budgets.deep.seconds);
      expect(() => budgetSeconds(cfg, "deep", { AUDIT_FUZZ_SECONDS: "0" })).to.throw(CampaignConfigError);
      expect(() => budgetSeconds(cfg, "deep", { AUDIT_FUZZ_SECONDS: "1h" })).to.throw(CampaignConfigError);
    });
  });

  describe("lcov summary", function () {
    it("counts DA records of contracts/ outside mocks", function () {
      const dir = mkdtempSync(path.join(tmpdir(), "lcov-"));
      const file = path.join(dir, "lcov.info");
      writeFileSync(
        file,
        [
          `SF:${ROOT}/contracts/core/LoadBalancer.sol`, "DA:1,3", "DA:2,0", "end_of_record",
          `SF:${ROOT}/contracts/mocks/MockERC20.sol`, "DA:1,0", "end_of_record",
          `SF:${ROOT}/node_modules/x.sol`, "DA:1,0", "end_of_record",
          "SF:contracts/libraries/LibStaking.sol", "DA:4,1", "LF:10", "LH:7", "end_of_record",
        ].join("\n"),
      );
      expect(lcovSummary(file, ROOT)).to.deep.equal({ covered: 8, total: 12, pct: 66.67 });
      rmSync(dir, { recursive: true, force: true });
    });
  });

  describe("stage", function () {
    let tmp: string;
    beforeEach(function () {
      tmp = mkdtempSync(path.join(tmpdir(), "invariants-stage-"));
    });
    afterEach(function () {
      rmSync(tmp, { recursive: true, force: true });
    });

    it("is registered for compile's build and bounded per profile", function () {
      expect(invariantsStage.name).to.equal("invariants");
      expect(invariantsStage.dependsOn).to.deep.equal(["compile"]);
      expect(invariantsStage.heavy).to.equal(true);
      expect(invariantsStage.profiles).to.deep.equal(["ci", "deep"]);
      expect(invariantsStage.timeoutMs?.ci).to.be.at.most(20 * 60_000);
    });

    it("skips with the reason when echidna is demanded but absent", async function () {
      const r = await runInvariantsStage(context(path.join(tmp, "raw")), {
        env: { PATH: "/nonexistent", AUDIT_INVARIANT_ENGINE: "echidna" },
      });
      expect(r.status).to.equal("skipped");
      expect(r.reason).to.match(/no echidna binary/);
      expect(r.findings).to.deep.equal([]);
    });

    it("skips a project without an invariant campaign", async function () {
      const project = path.join(tmp, "project");
      require("node:fs").mkdirSync(project);
      const r = await runInvariantsStage({ ...context(path.join(tmp, "raw")), root: project }, { env: { PATH: process.env.PATH } });
      expect(r.status).to.equal("skipped");
      expect(r.reason).to.match(/campaign\.json is missing/);
    });

    it("skips when the compile stage did not pass", async function () {
      const ctx = context(path.join(tmp, "raw"));
      (ctx.upstream as Map<string, StageResult>).set("compile", {
        name: "compile", status: "error", durationMs: 1, tools: [], findings: [], metrics: {}, artifacts: [],
      });
      const r = await runInvariantsStage(ctx, { env: { PATH: process.env.PATH } });
      expect(r.status).to.equal("skipped");
    });

    it("runs echidna (stand-in binary) and turns its failure into a high finding with the call sequence", async function () {
      const bin = path.join(tmp, "bin");
      const argsFile = path.join(tmp, "echidna.args");
      const sample = path.join(__dirname, "fixtures/echidna/failed.constructed.txt");
      require("node:fs").mkdirSync(bin);
      // Stand-in for Echidna 2.2.7: records its arguments, prints the constructed sample, exits 1 (a test failed).
      writeFileSync(
        path.join(bin, "echidna"),
        `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Echidna 2.2.7"; exit 0; fi\nprintf '%s\\n' "$@" > "${argsFile}"\ncat "${sample}"\nexit 1\n`,
      );
      chmodSync(path.join(bin, "echidna"), 0o755);
      const raw = path.join(tmp, "raw");
      const r = await runInvariantsStage(context(raw), {
        env: { PATH: `${bin}${path.delimiter}${process.env.PATH}`, AUDIT_INVARIANT_ENGINE: "auto" },
      });
      expect(r.status, r.reason).to.equal("failed");
      expect(r.reason).to.match(/echidna_locked_stake_stays_until_end/);
      expect(r.tools).to.deep.equal([{ name: "echidna", version: "2.2.7" }]);
      expect(r.metrics).to.deep.include({ engine: "echidna", version: "2.2.7", calls: 30112, budgetSeconds: loadCampaignConfig(ROOT).budgets.quick.seconds });
      expect(r.metrics.engineReason).to.match(/auto: echidna is installed/);
      expect((r.metrics.properties as { failed: number; total: number })).to.deep.include({ failed: 1, total: 12 });
      expect((r.metrics.coverage as { instructions: number }).instructions).to.equal(10231);

      const args = readFileSync(argsFile, "utf8").trim().split("\n");
      expect(args[0]).to.equal(ROOT);
      expect(args.slice(1)).to.include.members(["--contract", "LoadBalancerInvariants", "--format", "text", "--timeout", "--corpus-dir"]);
      expect(args[args.indexOf("--crytic-args") + 1]).to.equal("--hardhat-ignore-compile");

      expect(r.findings).to.have.length(1);
      const f = r.findings[0];
      expect(f).to.deep.include({ stage: "invariants", rule: "invariant/echidna_locked_stake_stays_until_end", severity: "high" });
      expect(f.tool).to.deep.equal({ name: "echidna", version: "2.2.7" });
      expect(f.location?.file).to.equal("test/invariant/LoadBalancerInvariants.sol");
      expect(f.location?.symbol).to.equal("LoadBalancerInvariants.echidna_locked_stake_stays_until_end");
      expect(f.id).to.equal(`invariants:${f.rule}:${f.fingerprint.slice(0, 12)}`);
      const seq = (f.data as { callSequence: { function: string; sender?: string; timeDelay: number }[] }).callSequence;
      // Signatures recovered from the harness ABI (Echidna prints names only).
      expect(seq.map((s) => s.function)).to.deep.equal([
        "stake(uint8,uint256)", "propose(uint8,uint64)", "castVote(uint8,uint256,uint8)", "*wait*", "withdraw(uint8,uint256)",
      ]);
      expect(seq[0]).to.deep.include({ sender: "0x0000000000000000000000000000000000020000", timeDelay: 300 });

      // Report sections (ReportSection in the pipeline's types): the properties, the campaign's figures, then the failing sequence.
      const sections = (r as { sections?: InvariantSection[] }).sections ?? [];
      expect(sections.map((x) => x.id)).to.deep.equal(["invariants-properties", "invariants-campaign", "invariants-sequence-1"]);
      expect(sections[0].table?.rows).to.have.length(12);
      const figures = Object.fromEntries((sections[1].table?.rows ?? []).map((row) => [row.what, row.value]));
      expect(Object.keys(figures)).to.include.members(["Engine", "Budget", "Wall time", "Workers", "Calls", "Calls/s", "Corpus"]);
      expect(sections[2].table?.rows.map((row) => row.call)).to.deep.equal([
        "stake(0, 1000)", "propose(0, 3600)", "castVote(0, 0, 1)", "(wait)", "withdraw(0, 1000)",
      ]);
      for (const x of sections) expect(x.id).to.match(/^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/);

      const failuresFile = path.join(raw, "invariants", FAILURES_FILE);
      expect(existsSync(failuresFile)).to.equal(true);
      const saved = JSON.parse(readFileSync(failuresFile, "utf8")) as FailuresFile;
      expect(saved).to.deep.include({ engine: "echidna", engineVersion: "2.2.7", harness: "LoadBalancerInvariants", artifactsDir: "artifacts" });
      expect(saved.failures[0].callSequence).to.deep.equal(seq);
    });

    it("a shard (--shard 2/3): its share of the budget, its derived seed passed to echidna, its own corpus started from the campaign's", async function () {
      const bin = path.join(tmp, "bin");
      const argsFile = path.join(tmp, "echidna.args");
      const sample = path.join(__dirname, "fixtures/echidna/failed.constructed.txt");
      mkdirSync(bin);
      writeFileSync(
        path.join(bin, "echidna"),
        `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Echidna 2.2.7"; exit 0; fi\nprintf '%s\\n' "$@" > "${argsFile}"\ncat "${sample}"\nexit 1\n`,
      );
      chmodSync(path.join(bin, "echidna"), 0o755);
      // The campaign's corpus (campaign.json echidna.corpusDir) holds one entry: the shard starts from a copy.
      const configured = path.join(ROOT, loadCampaignConfig(ROOT).echidna.corpusDir, "coverage");
      mkdirSync(configured, { recursive: true });
      const entry = path.join(configured, "shard-stage-test.txt");
      writeFileSync(entry, "[]\n");
      try {
        const raw = path.join(tmp, "raw");
        const r = await runInvariantsStage(
          { ...context(raw), shard: { index: 2, count: 3 } },
          { env: { PATH: `${bin}${path.delimiter}${process.env.PATH}`, AUDIT_INVARIANT_ENGINE: "echidna", AUDIT_FUZZ_SEED: "1234" } },
        );
        expect(r.status, r.reason).to.equal("failed");
        const quick = loadCampaignConfig(ROOT).budgets.quick.seconds;
        const share = Math.ceil(quick / 3);
        expect(r.metrics.budgetSeconds).to.equal(share);
        expect(r.metrics.shard).to.deep.equal({ index: 2, count: 3, budgetSeconds: share, totalBudgetSeconds: quick, baseSeed: 1234, baseSeedFrom: "AUDIT_FUZZ_SEED" });
        expect(r.metrics.seed).to.deep.equal({ value: shardSeed(1234, 2), applied: true });
        const args = readFileSync(argsFile, "utf8").trim().split("\n");
        expect(args[args.indexOf("--seed") + 1]).to.equal(String(shardSeed(1234, 2)));
        expect(args[args.indexOf("--timeout") + 1]).to.equal(String(share));
        const shardCorpus = path.join(raw, "invariants", "corpus", "echidna");
        expect(args[args.indexOf("--corpus-dir") + 1]).to.equal(shardCorpus);
        expect(readFileSync(path.join(shardCorpus, "coverage", "shard-stage-test.txt"), "utf8")).to.equal("[]\n");
        const corpus = r.metrics.corpus as { before: { sequences: number }; after: { sequences: number }; dir: string };
        expect(corpus.before.sequences).to.be.at.least(1);
        expect(corpus.after.sequences).to.equal(corpus.before.sequences);
      } finally {
        rmSync(entry, { force: true });
      }
    });

    it("an echidna killed before its final report: failed from its live event, the other properties not-run", async function () {
      const bin = path.join(tmp, "bin");
      const sample = path.join(__dirname, "fixtures/echidna/failed.constructed.txt");
      require("node:fs").mkdirSync(bin);
      // Stand-in: the sample up to its last status line (the live event included), then killed (SIGKILL: 137).
      writeFileSync(
        path.join(bin, "echidna"),
        `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Echidna 2.2.7"; exit 0; fi\nhead -n 20 "${sample}"\nexit 137\n`,
      );
      chmodSync(path.join(bin, "echidna"), 0o755);
      const r = await runInvariantsStage(context(path.join(tmp, "raw")), {
        env: { PATH: `${bin}${path.delimiter}${process.env.PATH}`, AUDIT_INVARIANT_ENGINE: "echidna" },
      });
      expect(r.status, r.reason).to.equal("failed");
      expect(r.reason).to.match(/echidna ended without its final report; results are its live falsification events/);
      expect(r.metrics.properties).to.deep.include({ total: 12, failed: 1, passed: 0 });
      const data = r.findings[0].data as { source: string; callSequence: { function: string; sender?: string }[] };
      expect(data.source).to.equal("echidna-live");
      // The unshrunk sequence of the live event, with its senders and the *wait* step.
      expect(data.callSequence.map((s) => s.function)).to.deep.equal([
        "stake(uint8,uint256)", "claimReward(uint8)", "propose(uint8,uint64)", "castVote(uint8,uint256,uint8)", "*wait*", "exit(uint8)",
      ]);
      expect(data.callSequence[0].sender).to.equal("0x0000000000000000000000000000000000020000");
    });

    it("refuses a build that spans several build-info files (the engine would load the stale copies too)", async function () {
      // An incremental compile: the current artifacts, and an earlier build-info kept beside the current one.
      const artifactsDir = path.join(tmp, "artifacts");
      const harnessDir = path.join(artifactsDir, "test/invariant/LoadBalancerInvariants.sol");
      mkdirSync(harnessDir, { recursive: true });
      cpSync(path.join(ROOT, "artifacts/test/invariant/LoadBalancerInvariants.sol/LoadBalancerInvariants.json"), path.join(harnessDir, "LoadBalancerInvariants.json"));
      mkdirSync(path.join(artifactsDir, "build-info"));
      const info = JSON.stringify({ solcVersion: "0.8.28", input: { settings: { optimizer: { enabled: true, runs: 200 } } } });
      for (const name of ["earlier", "current"]) writeFileSync(path.join(artifactsDir, "build-info", `${name}.json`), info);
      const ctx = context(path.join(tmp, "raw"));
      const r = await runInvariantsStage(
        { ...ctx, build: { ...ctx.build, artifactsDir, buildInfoDir: path.join(artifactsDir, "build-info") } },
        { env: { PATH: process.env.PATH, AUDIT_INVARIANT_ENGINE: "medusa" } },
      );
      expect(r.status).to.equal("error");
      expect(r.reason).to.match(/spans 2 build-info files of one compiler configuration \(an incremental compile\), and medusa would load the stale copies too: compile it again with --force$/);
      expect(r.tools, "the engine never started").to.deep.equal([]);
    });

    it("tells an incremental compile from a build with one build-info per compiler configuration", function () {
      const dir = path.join(tmp, "build-info");
      mkdirSync(dir);
      const write = (name: string, solcVersion: string, runs: number): string => {
        writeFileSync(path.join(dir, name), JSON.stringify({ solcVersion, input: { settings: { optimizer: { enabled: true, runs } } } }));
        return path.join(dir, name);
      };
      write("a.json", "0.8.28", 200);
      write("b.json", "0.8.20", 200);
      write("c.json", "0.8.28", 10_000);
      expect(sameConfigurationBuildInfos(dir), "two compilers, and another optimizer setting").to.deep.equal([]);
      const again = write("d.json", "0.8.28", 200);
      expect(sameConfigurationBuildInfos(dir)).to.deep.equal([path.join(dir, "a.json"), again]);
    });

    it("reports an engine that produced no report as an error with its output tail", async function () {
      const bin = path.join(tmp, "bin");
      require("node:fs").mkdirSync(bin);
      writeFileSync(path.join(bin, "echidna"), `#!/bin/sh\nif [ "$1" = "--version" ]; then echo "Echidna 2.2.7"; exit 0; fi\necho "crytic-compile: no build-info" >&2\nexit 1\n`);
      chmodSync(path.join(bin, "echidna"), 0o755);
      const r = await runInvariantsStage(context(path.join(tmp, "raw")), {
        env: { PATH: `${bin}${path.delimiter}${process.env.PATH}`, AUDIT_INVARIANT_ENGINE: "echidna" },
      });
      expect(r.status).to.equal("error");
      expect(r.reason).to.match(/echidna exited with 1/);
      expect(r.stderrTail).to.match(/no build-info/);
    });
  });
});

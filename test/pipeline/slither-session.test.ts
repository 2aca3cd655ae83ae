/**
 * One Slither load for both Slither stages (stages/slither-session.ts) against the old way, one tool
 * process per job (dev/slither-cli.ts), with the REAL pinned Slither, on the same command lines:
 * the raw outputs (slither.json, slither.sarif, one JSON per comparison) must be the same, and so
 * must each stage's status, reason, findings (fingerprints and ids included) and metrics. On this
 * repository (3 comparisons against the proxy), on the uups-vault fixture project (a V1 -> V2 -> V3
 * chain, OpenZeppelin 5 upgradeable contracts), and on that project with its dependencies gone after
 * the build (slither crashes with crytic-compile's error, each comparison reports it in its JSON).
 *
 * Slow (about two to three minutes on 2 cores): the old path runs 1 + 4 processes here. Run alone with
 *   npx hardhat test test/pipeline/slither-session.test.ts
 * The repository case reads the build `hardhat test` compiles before running.
 */
import { expect } from "chai";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { copyFixtureProject, ensureFixtureDeps } from "../../scripts/audit/dev/fixture-projects";
import { runSlitherCli, runUpgradeabilityCli } from "../../scripts/audit/dev/slither-cli";
import { stageContext } from "../../scripts/audit/dev/slither-fixture";
import { slitherArtifactsDir, type StageOutcome } from "../../scripts/audit/stages/slither-common";
import { prepareSlitherPart, prepareUpgradeabilityPart } from "../../scripts/audit/stages/slither-session";
import { runSlitherStage, slitherOutcome } from "../../scripts/audit/stages/slither";
import { runUpgradeabilityStage, upgradeabilityOutcome } from "../../scripts/audit/stages/slither-upgradeability";
import { listBuildInfoFiles } from "../../scripts/audit/tools/build-info";
import { ensureSlither, type SlitherTools } from "../../scripts/audit/tools/provision";
import type { BuildRef, StageContext } from "../../scripts/audit/types";
import { runCli } from "./faults/harness";

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const TOOLS_DIR = path.join(REPO_ROOT, ".tools");
const BOTH = ["compile", "slither", "slither-upgradeability"];

function buildOf(root: string): BuildRef {
  const artifactsDir = path.join(root, "artifacts");
  const buildInfoDir = path.join(artifactsDir, "build-info");
  return { artifactsDir, buildInfoDir, buildInfoFiles: listBuildInfoFiles(buildInfoDir), solcVersion: "0.8.28" };
}

function contextFor(root: string, outDir: string): StageContext {
  return { ...stageContext(root, buildOf(root), outDir), plan: BOTH };
}

interface PathResult {
  slither: StageOutcome;
  upgradeability: StageOutcome;
  /** Raw file name (relative to <raw>) -> parsed JSON. */
  raw: Record<string, unknown>;
}

function rawOutputs(ctx: StageContext, files: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of files) {
    const file = path.join(ctx.rawDir, f);
    out[f] = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : "(missing)";
  }
  return out;
}

/** The new path: both stages at once, as the scheduler runs them, sharing one session. */
async function sessionPath(root: string, outDir: string): Promise<PathResult & { ctx: StageContext }> {
  const ctx = contextFor(root, outDir);
  const [slither, upgradeability] = await Promise.all([runSlitherStage(ctx, { toolsDir: TOOLS_DIR }), runUpgradeabilityStage(ctx, { toolsDir: TOOLS_DIR })]);
  return { ctx, slither, upgradeability, raw: {} };
}

/** The old path: the same command lines, one process per job. */
async function cliPath(root: string, outDir: string, tools: SlitherTools): Promise<PathResult & { ctx: StageContext }> {
  const ctx = contextFor(root, outDir);
  const slitherPart = prepareSlitherPart(ctx, slitherArtifactsDir(ctx).dir);
  const prepared = prepareUpgradeabilityPart(ctx);
  if (!("part" in prepared)) throw new Error(`no comparison to run: ${prepared.outcome.reason}`);
  const [run, runs] = await Promise.all([runSlitherCli(ctx, tools, slitherPart), runUpgradeabilityCli(ctx, tools, prepared.part)]);
  return { ctx, slither: slitherOutcome(ctx, tools, slitherPart, run), upgradeability: upgradeabilityOutcome(ctx, tools, prepared.part, runs), raw: {} };
}

function withoutSharedLoad(metrics: Record<string, unknown>): Record<string, unknown> {
  const { sharedLoad: _shared, ...rest } = metrics;
  return rest;
}

function expectSameOutcome(name: string, fresh: StageOutcome, old: StageOutcome): void {
  expect(fresh.status, `${name}: ${fresh.reason ?? ""}`).to.equal(old.status);
  expect(fresh.reason, name).to.equal(old.reason);
  expect(fresh.tools, name).to.deep.equal(old.tools);
  expect(fresh.findings, `${name} findings`).to.deep.equal(old.findings);
  expect(withoutSharedLoad(fresh.metrics), `${name} metrics`).to.deep.equal(withoutSharedLoad(old.metrics));
}

async function compareBothPaths(root: string, tools: SlitherTools): Promise<{ fresh: PathResult; old: PathResult }> {
  const scratch = mkdtempSync(path.join(tmpdir(), "slither-session-"));
  try {
    const fresh = await sessionPath(root, path.join(scratch, "session"));
    const old = await cliPath(root, path.join(scratch, "cli"), tools);
    const prepared = prepareUpgradeabilityPart(old.ctx);
    const jobFiles = "part" in prepared ? prepared.part.jobs.map((j) => `slither-upgradeability/${j.name}.json`) : [];
    const files = ["slither/slither.json", "slither/slither.sarif", ...jobFiles, "slither-upgradeability/list-detectors.json"];
    fresh.raw = rawOutputs(fresh.ctx, files);
    old.raw = rawOutputs(old.ctx, files);
    expect(fresh.raw, "raw outputs").to.deep.equal(old.raw);
    expectSameOutcome("slither", fresh.slither, old.slither);
    expectSameOutcome("slither-upgradeability", fresh.upgradeability, old.upgradeability);
    // One process served both stages: one job file, naming both parts (and the metrics say so).
    for (const stage of [fresh.slither, fresh.upgradeability]) {
      if (stage.status === "passed") expect(stage.metrics.sharedLoad).to.deep.equal(["slither", "slither-upgradeability"]);
    }
    const job = JSON.parse(readFileSync(path.join(fresh.ctx.rawDir, "slither", "session.json"), "utf8")) as { slither?: unknown; upgradeability?: { runs: unknown[] } };
    expect(job.slither).to.not.equal(undefined);
    expect(job.upgradeability?.runs).to.have.length(jobFiles.length);
    expect(existsSync(path.join(fresh.ctx.rawDir, "slither-upgradeability", "session.json"))).to.equal(false);
    return { fresh, old };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe("one Slither load for both Slither stages = one process per tool run (real slither)", function () {
  this.timeout(20 * 60_000);
  let tools: SlitherTools;

  before(async function () {
    tools = await ensureSlither({ root: REPO_ROOT, log: (m) => console.log(`      [tools] ${m}`) });
    await ensureFixtureDeps();
  });

  it("this repository: same raw outputs, findings and fingerprints", async function () {
    const { fresh } = await compareBothPaths(REPO_ROOT, tools);
    expect(fresh.slither.status).to.equal("passed");
    expect(fresh.slither.findings.length).to.be.greaterThan(0);
    expect(fresh.upgradeability.status).to.equal("passed");
    expect((fresh.upgradeability.metrics.runs as unknown[]).length).to.equal(3);
  });

  describe("the uups-vault fixture project (V1 -> V2 -> V3)", function () {
    let root: string;
    before(async function () {
      root = copyFixtureProject("uups-vault");
      const out = mkdtempSync(path.join(tmpdir(), "slither-session-build-"));
      // The project's own build, compiled by the audit (its compilers, offline).
      const build = await runCli(["--root", root, "--only", "compile", "--out", out]);
      rmSync(out, { recursive: true, force: true });
      expect(listBuildInfoFiles(path.join(root, "artifacts", "build-info")), build.stderr).to.have.length(1);
    });
    after(function () {
      if (root) rmSync(root, { recursive: true, force: true });
    });

    it("same raw outputs, findings and fingerprints, for each upgrade pair", async function () {
      const { fresh } = await compareBothPaths(root, tools);
      expect(fresh.slither.status).to.equal("passed");
      const runs = fresh.upgradeability.metrics.runs as { kind: string; contract: string; against: string; ok: boolean }[];
      expect(runs.map((r) => `${r.kind} ${r.contract} ${r.against} ${r.ok}`)).to.deep.equal(["update VaultV1 VaultV2 true", "update VaultV2 VaultV3 true"]);
    });

    it("with its dependencies gone after the build: the same errors, with Slither's first error line", async function () {
      const broken = mkdtempSync(path.join(tmpdir(), "uups-vault-no-deps-"));
      try {
        cpSync(root, broken, { recursive: true, filter: (src) => path.relative(root, src) !== "node_modules" });
        const { fresh } = await compareBothPaths(broken, tools);
        // slither crashes in crytic-compile (no JSON); each comparison says so in its JSON (Slither wraps the error).
        expect(fresh.slither.status).to.equal("error");
        expect(fresh.slither.reason).to.match(/^slither wrote no JSON report \(exit 1\): InvalidCompilation: Unknown file: @openzeppelin\//);
        expect(fresh.upgradeability.status).to.equal("error");
        expect(fresh.upgradeability.reason).to.match(/^slither-check-upgradeability failed for VaultV1 \(update VaultV2\), VaultV2 \(update VaultV3\): Invalid compilation: Unknown file: @openzeppelin\//);
        expect(fresh.upgradeability.reason!.split("\n")).to.have.length(1);
      } finally {
        rmSync(broken, { recursive: true, force: true });
      }
    });
  });
});

/**
 * The Slither adapters on RECORDED real outputs (test/pipeline/fixtures/slither/,
 * made by scripts/audit/dev/record-slither-fixtures.ts with slither 0.11.6).
 * Pure and fast: no slither process here (see slither-e2e.test.ts for that);
 * the last block runs the stages with a fake provisioner for the paths that
 * end before slither would start.
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { stageContext } from "../../scripts/audit/dev/slither-fixture";
import {
  elementSymbol,
  parseSlitherJson,
  SLITHER_SEVERITY,
  slitherErrorLine,
  slitherFindings,
  SlitherOutputError,
  slitherSeverity,
  type SlitherJson,
} from "../../scripts/audit/adapters/slither";
import {
  checksFor,
  comparisonRows,
  parseUpgradeabilityJson,
  UPGRADEABILITY_CHECKS,
  upgradeabilityDrafts,
  upgradeabilityFindings,
  type UpgradeabilityCheckInfo,
  type UpgradeabilityRun,
} from "../../scripts/audit/adapters/slither-upgradeability";
import { runSlitherStage } from "../../scripts/audit/stages/slither";
import { planUpgradeabilityRuns, runUpgradeabilityStage } from "../../scripts/audit/stages/slither-upgradeability";
import { resolveDomain } from "../../scripts/audit/analyzers/domain";
import { domain, fixtures } from "./analyzers/helpers";
import { ToolInstallError, ToolUnavailableError } from "../../scripts/audit/tools/provision";
import type { BuildContract } from "../../scripts/audit/tools/build-info";
import type { Finding } from "../../scripts/audit/types";
import { acceptedBy, loadSuppressionEntries, unaccepted } from "./slither-gate";

const FIXTURES = path.join(__dirname, "fixtures", "slither");
const META = JSON.parse(readFileSync(path.join(FIXTURES, "meta.json"), "utf8")) as { repoRoot: string; fixtureRoot: string; slither: string };
const recorded = (name: string): string => readFileSync(path.join(FIXTURES, name), "utf8");
const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** A deep copy of a recording with every line number and byte offset moved down by `by` (code inserted above). */
function shiftLines(json: SlitherJson, by: number): SlitherJson {
  const copy = JSON.parse(JSON.stringify(json)) as SlitherJson;
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (typeof node !== "object" || node === null) return;
    const o = node as Record<string, unknown>;
    if (Array.isArray(o.lines)) o.lines = (o.lines as number[]).map((l) => l + by);
    if (typeof o.start === "number") o.start += by * 40;
    if (typeof o.description === "string") o.description = o.description.replace(/#(\d+)(-(\d+))?/g, (_m, a: string, _b, c?: string) => `#${Number(a) + by}${c ? `-${Number(c) + by}` : ""}`);
    if (typeof o.id === "string") o.id = `${o.id}-shifted`;
    Object.values(o).forEach(visit);
  };
  visit(copy.results.detectors);
  return copy;
}

describe("slither adapter (recorded slither 0.11.6 output)", function () {
  const clean = parseSlitherJson(recorded("clean.json"));
  const { findings, outOfScope } = slitherFindings(clean, { root: META.repoRoot, toolVersion: META.slither });

  it("maps impact x confidence to severity by the documented table", function () {
    expect(slitherSeverity("High", "High")).to.equal("high");
    expect(slitherSeverity("High", "Medium")).to.equal("high");
    expect(slitherSeverity("High", "Low")).to.equal("medium");
    expect(slitherSeverity("Medium", "High")).to.equal("medium");
    expect(slitherSeverity("Medium", "Low")).to.equal("low");
    expect(slitherSeverity("Low", "High")).to.equal("low");
    expect(slitherSeverity("Informational", "High")).to.equal("info");
    expect(slitherSeverity("Optimization", "High")).to.equal("info");
    expect(slitherSeverity("Unheard-of", "High"), "unknown impact is not silently dropped").to.equal("medium");
    expect(Object.keys(SLITHER_SEVERITY)).to.have.members(["High", "Medium", "Low", "Informational", "Optimization"]);
    for (const f of findings) expect(f.severity).to.equal(slitherSeverity(String(f.data?.impact), String(f.data?.confidence)));
  });

  it("reports only the project's own contracts: nothing from node_modules, mocks, test/ or bench/", function () {
    expect(clean.results.detectors!.length).to.equal(findings.length + outOfScope);
    expect(outOfScope).to.be.greaterThan(0);
    for (const f of findings) {
      expect(f.location?.file, f.id).to.match(/^contracts\//);
      expect(f.location?.file, f.id).to.not.match(/^contracts\/mocks\//);
    }
    const mockResults = clean.results.detectors!.filter((r) => r.elements[0]?.source_mapping?.filename_relative?.startsWith("contracts/mocks/"));
    expect(mockResults.length, "the recording has results in mocks to drop").to.be.greaterThan(0);
  });

  it("keeps a result in our code whose other elements lie in a dependency, located in our code", function () {
    const pragma = findings.find((f) => f.rule === "pragma");
    expect(pragma, "the pragma result starts in node_modules/@openzeppelin but lists our files").to.not.equal(undefined);
    expect(pragma!.location).to.deep.include({ file: "contracts/core/InitializableModule.sol", line: 2, symbol: "pragma 0.8.28" });
  });

  it("gives file:line, end line and a symbolic anchor from the first element", function () {
    const arbitrary = findings.find((f) => f.rule === "arbitrary-send-erc20")!;
    const lines = clean.results.detectors!.find((r) => r.check === "arbitrary-send-erc20")!.elements[0].source_mapping!.lines!;
    expect(arbitrary.severity).to.equal("high");
    expect(arbitrary.location).to.deep.equal({ file: "contracts/libraries/LibStaking.sol", line: lines[0], endLine: lines.at(-1), symbol: "LibStaking.pull(address,uint256)" });
    expect(arbitrary.description).to.include(`contracts/libraries/LibStaking.sol#${lines[0]}-${lines.at(-1)}`);
    expect(arbitrary.tool).to.deep.equal({ name: "slither", version: "0.11.6" });
    expect(arbitrary.id).to.equal(`slither:arbitrary-send-erc20:${arbitrary.fingerprint.slice(0, 12)}`);
    const local = findings.find((f) => f.rule === "shadowing-local")!;
    expect(local.location?.symbol).to.equal("ILoadBalancer.addImplementation(uint8,address,bytes).implementation");
  });

  it("carries the detector's title, recommendation and wiki link for the SARIF rule", function () {
    const arbitrary = findings.find((f) => f.rule === "arbitrary-send-erc20")!;
    expect(arbitrary.title).to.equal("transferFrom uses arbitrary `from`");
    expect(arbitrary.recommendation).to.match(/msg\.sender/);
    expect(arbitrary.data?.helpUri).to.equal("https://github.com/crytic/slither/wiki/Detector-Documentation#arbitrary-from-in-transferfrom");
    for (const f of findings) {
      expect(f.title, f.rule).to.not.equal(f.rule);
      expect(f.data?.helpUri, f.rule).to.match(/^https:\/\/github\.com\/crytic\/slither\/wiki\//);
    }
  });

  it("fingerprints survive code moving down the file; Slither's own id does not", function () {
    const moved = slitherFindings(shiftLines(clean, 7), { root: META.repoRoot, toolVersion: META.slither }).findings;
    expect(moved.map((f) => f.fingerprint)).to.deep.equal(findings.map((f) => f.fingerprint));
    expect(moved.map((f) => f.location?.line)).to.deep.equal(findings.map((f) => (f.location?.line ?? 0) + 7));
    expect(moved[0].data?.slitherId).to.not.equal(findings[0].data?.slitherId);
  });

  it("ids are unique within the run, and a rename changes the fingerprint", function () {
    expect(new Set(findings.map((f) => f.id)).size).to.equal(findings.length);
    const renamed = JSON.parse(recorded("clean.json").replaceAll("LibStaking.pull", "LibStaking.pullFrom").replaceAll('"name": "pull"', '"name": "pullFrom"').replaceAll("pull(address,uint256)", "pullFrom(address,uint256)")) as SlitherJson;
    const after = slitherFindings(renamed, { root: META.repoRoot, toolVersion: META.slither }).findings.find((f) => f.rule === "arbitrary-send-erc20")!;
    expect(after.location?.symbol).to.equal("LibStaking.pullFrom(address,uint256)");
    expect(after.fingerprint).to.not.equal(findings.find((f) => f.rule === "arbitrary-send-erc20")!.fingerprint);
  });

  it("element symbols: functions by signature, locals under their function, statements by their function", function () {
    const timestamp = clean.results.detectors!.find((r) => r.check === "timestamp")!;
    expect(elementSymbol(timestamp.elements[0])).to.match(/^\w+\.\w+\(.*\)$/);
    const node = timestamp.elements.find((e) => e.type === "node")!;
    expect(elementSymbol(node)).to.equal(elementSymbol(timestamp.elements[0]));
  });

  it("finds the reentrancy in the fixture contract as a high reentrancy-eth at withdraw()", function () {
    const json = parseSlitherJson(recorded("reentrant.json"));
    const { findings: fx } = slitherFindings(json, { root: META.fixtureRoot, toolVersion: META.slither });
    const reentrancy = fx.find((f) => f.rule === "reentrancy-eth")!;
    expect(reentrancy.severity).to.equal("high");
    expect(reentrancy.location).to.deep.include({ file: "contracts/ReentrantVault.sol", line: 17, symbol: "ReentrantVault.withdraw()" });
    expect(reentrancy.title).to.equal("Reentrancy vulnerabilities (theft of ethers)");
  });

  it("rejects output that is not Slither JSON with one-line errors", function () {
    const oneLine = (text: string): string => {
      try {
        parseSlitherJson(text);
      } catch (e) {
        expect(e).to.be.instanceOf(SlitherOutputError);
        expect((e as Error).message.split("\n")).to.have.length(1);
        return (e as Error).message;
      }
      throw new Error("expected a SlitherOutputError");
    };
    expect(oneLine("")).to.match(/empty/);
    expect(oneLine('{"success": tru')).to.match(/does not parse/);
    expect(oneLine('{"results": {}}')).to.match(/success/);
    expect(oneLine('{"success": true, "error": null, "results": {"detectors": [{"check": "x"}]}}')).to.match(/detectors\[0\]/);
  });

  it("reads the failure message of success:false output (slither-check-upgradeability exits 0 on it)", function () {
    const failure = parseUpgradeabilityJson(recorded("upgradeability/failure.json"));
    expect(failure.success).to.equal(false);
    expect(slitherErrorLine(failure)).to.equal("Contract NoSuchContract not found in None");
    expect(slitherErrorLine({ success: false, error: "Traceback (most recent call last):\n  File x\nValueError: boom", results: {} })).to.equal("ValueError: boom");
  });

  describe("audit/suppressions.json against the recorded clean run", function () {
    const entries = loadSuppressionEntries(REPO_ROOT);

    it("every entry has a non-empty justification and names rule + file (+ symbol)", function () {
      for (const e of entries) {
        expect(e.justification.trim().length, JSON.stringify(e)).to.be.greaterThan(20);
        expect(e.rule && e.file && e.symbol, JSON.stringify(e)).to.be.a("string");
      }
    });

    it("accepts every Slither finding of the clean system, one entry each, with no stale Slither entry", function () {
      expect(unaccepted(findings, entries, "info").map((f) => `${f.rule} ${f.location?.symbol}`)).to.deep.equal([]);
      const slitherEntries = entries.filter((e) => !e.rule?.startsWith("upgradeability/"));
      for (const e of slitherEntries) expect(findings.some((f) => acceptedBy(e, f)), `stale entry ${e.rule} ${e.symbol}`).to.equal(true);
    });
  });
});

describe("slither-check-upgradeability adapter (recorded runs)", function () {
  const checks = JSON.parse(recorded("upgradeability/list-detectors.json")) as UpgradeabilityCheckInfo[];
  const runs: { run: UpgradeabilityRun; file: string }[] = [
    { run: { kind: "proxy", contract: "LoadBalancerAdmin", against: "LoadBalancer" }, file: "LoadBalancerAdmin-vs-LoadBalancer.json" },
    { run: { kind: "proxy", contract: "Staking", against: "LoadBalancer" }, file: "Staking-vs-LoadBalancer.json" },
    { run: { kind: "proxy", contract: "Voting", against: "LoadBalancer" }, file: "Voting-vs-LoadBalancer.json" },
    { run: { kind: "proxy", contract: "StakingV2", against: "LoadBalancer" }, file: "StakingV2-vs-LoadBalancer.json" },
    { run: { kind: "update", contract: "Staking", against: "StakingV2" }, file: "Staking-to-StakingV2.json" },
  ];
  const files: Record<string, string> = {
    LoadBalancerAdmin: "contracts/core/LoadBalancerAdmin.sol",
    Staking: "contracts/implementations/Staking.sol",
    Voting: "contracts/implementations/Voting.sol",
    StakingV2: "contracts/mocks/StakingV2.sol",
    LoadBalancer: "contracts/core/LoadBalancer.sol",
  };
  const drafts = runs.flatMap(({ run, file }) =>
    upgradeabilityDrafts(parseUpgradeabilityJson(recorded(`upgradeability/${file}`)), run, { root: META.repoRoot, toolVersion: META.slither, contractFile: (n) => files[n], checks }),
  );
  const findings = upgradeabilityFindings(drafts);

  it("the built-in check table matches the tool's own list (impacts) for slither 0.11.6", function () {
    expect(checks.map((c) => c.check).sort()).to.deep.equal(Object.keys(UPGRADEABILITY_CHECKS).sort());
    for (const c of checks) expect(UPGRADEABILITY_CHECKS[c.check].impact, c.check).to.equal(c.impact);
  });

  it("normalizes each contract's results once, attributing element-less ones to the checked contract", function () {
    expect(findings.map((f) => `${f.rule} ${f.location?.symbol} ${f.severity}`).sort()).to.deep.equal([
      "upgradeability/init-missing LoadBalancerAdmin info",
      "upgradeability/init-missing Staking info",
      "upgradeability/init-missing StakingV2 info",
      "upgradeability/init-missing Voting info",
      "upgradeability/initialize-target Staking info",
      "upgradeability/initialize-target StakingV2 info",
      "upgradeability/initialize-target Voting info",
    ]);
    const admin = findings.find((f) => f.location?.symbol === "LoadBalancerAdmin")!;
    expect(admin.location?.file).to.equal("contracts/core/LoadBalancerAdmin.sol");
    expect(admin.tool.name).to.equal("slither-check-upgradeability");
    expect(admin.data?.helpUri).to.match(/Upgradeability-Checks/);
    // The update run repeats the generic checks of Staking and StakingV2: dropped, not duplicated.
    expect(new Set(findings.map((f) => f.id)).size).to.equal(findings.length);
  });

  it("builds comparison rows keyed for our storage/selector analyzers, marking vacuous storage checks", function () {
    const rows = comparisonRows(runs.map(({ run }) => ({ run, ok: true })), findings, (n) => (n in files ? 0 : undefined));
    expect(rows).to.have.length(4 * checksFor(runs[0].run).length + checksFor(runs[4].run).length);
    const order = rows.find((r) => r.check === "order-vars-proxy" && r.contract === "Staking")!;
    expect(order.key).to.equal("storage-layout:Staking->LoadBalancer");
    expect(order.slither).to.deep.equal({ verdict: "clean", findings: [], coverage: "vacuous" });
    expect(order.ours).to.equal(null);
    const selectors = rows.find((r) => r.check === "function-id-collision" && r.contract === "Voting")!;
    expect(selectors.key).to.equal("selectors:Voting->LoadBalancer");
    expect(selectors.slither.coverage).to.equal("full");
    const update = rows.filter((r) => r.kind === "update");
    expect(update.every((r) => r.key.endsWith(":Staking->StakingV2"))).to.equal(true);
    const init = rows.find((r) => r.check === "init-missing" && r.contract === "Voting")!;
    expect(init.slither.verdict).to.equal("finding");
    const notRun = comparisonRows([{ run: runs[0].run, ok: false }], findings);
    expect(notRun.every((r) => r.slither.verdict === "not-run")).to.equal(true);
  });

  it("plans from the analyzers' domains: each implementation and V2 against the proxy, each V1 -> V2 pair", function () {
    this.timeout(60_000);
    const build = fixtures();
    const routed = domain(build, { proxy: "FixtureRouter", impl: "VaultV1,CounterModule", upgrade: "VaultV1:VaultV2Append" });
    const plan = planUpgradeabilityRuns([routed]);
    expect(plan.implementations).to.deep.equal(["VaultV1", "CounterModule"]);
    expect(plan.pairs).to.deep.equal([{ v1: "VaultV1", v2: "VaultV2Append" }]);
    expect(plan.runs.map((r) => `${r.kind} ${r.contract} ${r.against}`)).to.deep.equal([
      "proxy VaultV1 FixtureRouter",
      "proxy CounterModule FixtureRouter",
      "proxy VaultV2Append FixtureRouter",
      "update VaultV1 VaultV2Append",
    ]);
  });

  it("a domain without a proxy in the build gets its V1 -> V2 runs only; nothing defaults to this repository's proxy", function () {
    this.timeout(60_000);
    const build = fixtures();
    const alone = resolveDomain(build, { name: "u", dispatch: "uups", implementations: [{ contract: "PlainV1" }], upgrades: [{ from: "PlainV1", to: "PlainV2Append" }] });
    const plan = planUpgradeabilityRuns([alone]);
    expect(plan.runs.map((r) => `${r.kind} ${r.contract} ${r.against}`)).to.deep.equal(["update PlainV1 PlainV2Append"]);
    expect(plan.proxy).to.not.include("LoadBalancer");
  });

  it("audit/suppressions.json accepts every recorded upgradeability finding of the declared domain, with no stale entry", function () {
    const entries = loadSuppressionEntries(REPO_ROOT).filter((e) => e.rule?.startsWith("upgradeability/"));
    // StakingV2 is a test double (contracts/mocks/): the recordings keep its runs for the adapter, but
    // audit/domains.json declares no upgrade, so the stage never checks it on this repository.
    const declared = findings.filter((f) => !f.location?.file?.startsWith("contracts/mocks/"));
    expect(unaccepted(declared, entries, "info").map((f: Finding) => `${f.rule} ${f.location?.symbol}`)).to.deep.equal([]);
    for (const e of entries) expect(findings.some((f) => acceptedBy(e, f)), `stale entry ${e.rule} ${e.symbol}`).to.equal(true);
  });
});

describe("slither stages without running slither (bad input, tools unavailable)", function () {
  let dir: string;
  const ctxWith = (buildInfo: boolean): ReturnType<typeof stageContext> => {
    const artifactsDir = path.join(dir, "artifacts");
    const buildInfoDir = path.join(artifactsDir, "build-info");
    mkdirSync(buildInfoDir, { recursive: true });
    const files = buildInfo ? [path.join(buildInfoDir, "x.json")] : [];
    // A real build's shape with no contract in it (no proxy, no implementation, no domains file).
    const unit = { nodeType: "SourceUnit", id: 1, src: "0:0:0", absolutePath: "contracts/A.sol", exportedSymbols: {}, nodes: [] };
    const empty = { solcVersion: "0.8.28", input: { language: "Solidity", sources: {}, settings: {} }, output: { contracts: {}, sources: { "contracts/A.sol": { id: 0, ast: unit } } } };
    for (const f of files) writeFileSync(f, JSON.stringify(empty));
    return stageContext(dir, { artifactsDir, buildInfoDir, buildInfoFiles: files, solcVersion: "0.8.28" }, path.join(dir, "audit"));
  };
  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), "slither-stage-"));
  });
  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("no build: skipped, saying to run the compile stage", async function () {
    const result = await runSlitherStage(ctxWith(false), { provision: () => Promise.reject(new Error("must not provision")) });
    expect(result.status).to.equal("skipped");
    expect(result.reason).to.equal("no build to analyze: artifacts/build-info has no build-info files (run the compile stage)");
  });

  it("registry unreachable: skipped with the provisioner's one-line reason", async function () {
    const unavailable = new ToolUnavailableError("slither-analyzer", "PyPI is unreachable, cannot pip install slither-analyzer==0.11.6 (Network is unreachable)");
    const result = await runSlitherStage(ctxWith(true), { provision: () => Promise.reject(unavailable) });
    expect(result.status).to.equal("skipped");
    expect(result.reason).to.equal(unavailable.message);
    expect(result.reason!.split("\n")).to.have.length(1);
  });

  it("installer failure: error with the installer's output tail", async function () {
    const failed = new ToolInstallError("slither-analyzer", "pip install slither-analyzer==0.11.6 failed (exit 1)", "error: resolution-too-deep");
    const result = await runSlitherStage(ctxWith(true), { provision: () => Promise.reject(failed) });
    expect(result).to.deep.include({ status: "error", reason: failed.message, stderrTail: "error: resolution-too-deep" });
  });

  it("upgradeability: skipped when the build has no proxy or no implementation", async function () {
    const result = await runUpgradeabilityStage(ctxWith(true), { provision: () => Promise.reject(new Error("must not provision")) });
    expect(result.status).to.equal("skipped");
    expect(result.reason).to.equal("no storage domain to check: no audit/domains.json and no proxy in the build to infer one from");
  });
});

describe("slither stages on a build they cannot use", function () {
  const fake = { name: "slither", version: "0.11.6", bin: "/nonexistent" };
  const provision = (): Promise<never> => Promise.resolve({ slither: fake, checkUpgradeability: fake, cryticCompile: fake }) as Promise<never>;

  function withBuildInfos(names: string[], content: string, run: (ctx: ReturnType<typeof stageContext>) => Promise<void>) {
    return async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "slither-stage-"));
      try {
        const buildInfoDir = path.join(dir, "artifacts", "build-info");
        mkdirSync(buildInfoDir, { recursive: true });
        const files = names.map((f) => path.join(buildInfoDir, f));
        for (const f of files) writeFileSync(f, content);
        await run(stageContext(dir, { artifactsDir: path.dirname(buildInfoDir), buildInfoDir, buildInfoFiles: files, solcVersion: "0.8.28" }, path.join(dir, "audit")));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    };
  }

  it(
    "end in error with a one-line reason when the build-info is unreadable (no crash)",
    withBuildInfos(["a.json"], "{ truncated", async (ctx) => {
      const result = await runUpgradeabilityStage(ctx, { provision });
      expect(result.status).to.equal("error");
      expect(result.reason).to.match(/^unreadable build-info \(run the compile stage again\): /);
      expect(result.reason!.split("\n")).to.have.length(1);
    }),
  );

  it(
    "end in error when the build spans several build-info files of one compiler configuration (stale copies would be analyzed)",
    withBuildInfos(["a.json", "b.json"], JSON.stringify({ solcVersion: "0.8.28", input: { sources: {}, settings: { optimizer: { enabled: true } } } }), async (ctx) => {
      for (const result of [await runSlitherStage(ctx, { provision }), await runUpgradeabilityStage(ctx, { provision })]) {
        expect(result.status).to.equal("error");
        expect(result.reason).to.match(/^the build spans 2 build-info files/);
      }
    }),
  );
});

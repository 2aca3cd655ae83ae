/**
 * This repository's own storage domain (audit/domains.json) through both analyzers and both audit
 * stages: the clean system must give nothing above info, the storage map must show each module's
 * namespace, and the id router's routing proof must hold.
 */
import { expect } from "chai";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import hre from "hardhat";
import { currentBuildInfoFiles, SolcBuild } from "../../../scripts/audit/analyzers/build-info";
import { loadDomainsFile, resolveDomain, type ResolvedDomain } from "../../../scripts/audit/analyzers/domain";
import { analyzeSelectors } from "../../../scripts/audit/analyzers/selectors/analyze";
import { analyzeStorage } from "../../../scripts/audit/analyzers/storage/analyze";
import { selectorsStage } from "../../../scripts/audit/stages/selectors";
import { storageStage } from "../../../scripts/audit/stages/storage";
import type { StageContext } from "../../../scripts/audit/types";
import { projectDomains } from "../../../scripts/audit/analyzers/domains";
import { aboveInfo, compileSources, domain, moduleOnStakingNamespace, REPO, summary } from "./helpers";

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith(".sol") ? [path.join(dir, e.name)] : []));
}

function stageContext(root: string, buildInfoFiles: string[]): StageContext {
  const outDir = mkdtempSync(path.join(os.tmpdir(), "analyzer-stage-"));
  return {
    root,
    outDir,
    rawDir: path.join(outDir, "raw"),
    profile: "ci",
    build: { artifactsDir: hre.config.paths.artifacts, buildInfoDir: path.join(hre.config.paths.artifacts, "build-info"), buildInfoFiles, solcVersion: "0.8.28" },
    upstream: new Map(),
    log: () => undefined,
    signal: new AbortController().signal,
    plan: ["compile", "storage", "selectors"],
  };
}

describe("analyzers on this repository", function () {
  this.timeout(120_000);
  let build: SolcBuild;
  let domains: ResolvedDomain[];
  let buildInfoFiles: string[];

  before(async function () {
    await hre.run("compile", { quiet: true });
    buildInfoFiles = currentBuildInfoFiles(hre.config.paths.artifacts);
    build = SolcBuild.fromFiles(buildInfoFiles, { root: REPO });
    domains = loadDomainsFile(REPO)!.map((c) => resolveDomain(build, c));
  });

  it("storage: the declared domain is clean (nothing above info)", function () {
    const { findings } = analyzeStorage(build, domains);
    expect(aboveInfo(findings), summary(findings)).to.have.length(0);
  });

  it("storage: a new module that reuses Staking's ERC-7201 id is analyzed without touching audit/domains.json, and fails (high)", function () {
    this.timeout(120_000);
    // A third module, added by mistake with Staking's namespace id and another struct; not in audit/domains.json.
    const module = moduleOnStakingNamespace();
    const sources: Record<string, string> = { "contracts/implementations/Rewards.sol": module };
    for (const file of walk(path.join(REPO, "contracts"))) sources[path.relative(REPO, file).split(path.sep).join("/")] = readFileSync(file, "utf8");
    const withModule = new SolcBuild([compileSources(sources)], { root: REPO });
    const set = projectDomains(withModule, REPO)!;
    expect(set.source).to.equal("file");
    const rewards = set.domains[0].implementations.find((m) => m.contract.name === "Rewards");
    expect(rewards, "Rewards joins the declared domain").to.deep.include({ discovered: "inherits LoadBalancerModule" });
    const { findings, metrics } = analyzeStorage(withModule, set.domains);
    const reuse = findings.filter((f) => f.rule === "storage-namespace-reuse");
    expect(reuse.map((f) => f.severity), summary(findings)).to.deep.equal(["high"]);
    expect(reuse[0].description).to.include("LibRewards.Layout").and.include("LibStaking.Layout").and.include("Rewards (undeclared)");
    expect(findings.filter((f) => f.rule === "undeclared-domain-member").map((f) => f.title)).to.deep.equal(["Rewards runs in domain load-balancer's storage but is not declared"]);
    expect(metrics.domains[0].implementations.find((m) => m.contract.endsWith(":Rewards"))).to.deep.include({ discovered: "inherits LoadBalancerModule" });
  });

  it("storage: the map gives every module its namespace, the registry to the proxy, transient slots apart", function () {
    const { storageMap } = analyzeStorage(build, domains).metrics;
    const row = (label: RegExp) => storageMap.find((r) => label.test(r.label));
    expect(row(/loadbalancer\.storage\.LoadBalancer/)).to.deep.include({
      module: "LoadBalancer (proxy)",
      kind: "erc7201",
      slotStart: "0x13e249253a846412c22329a98490c6f16f1bbf70b742efd1f2029f4b88c7b200",
      // Module[256] + registeredIds + owner + pendingOwner + idOf (mapping) = 260 slots.
      slotEnd: "0x13e249253a846412c22329a98490c6f16f1bbf70b742efd1f2029f4b88c7b303",
      file: "contracts/libraries/LibLoadBalancer.sol",
    });
    expect(row(/loadbalancer\.storage\.LoadBalancer/)!.usedBy).to.have.members(["LoadBalancer (proxy)", "LoadBalancerAdmin (id 0)", "Staking (id 1)", "Voting (id 2)"]);
    expect(row(/loadbalancer\.storage\.Staking/)).to.deep.include({ module: "Staking (id 1)", usedBy: ["Staking (id 1)", "Voting (id 2)"] });
    expect(row(/loadbalancer\.storage\.Voting/)).to.deep.include({ module: "Voting (id 2)", usedBy: ["Voting (id 2)"] });
    expect(row(/INITIALIZING_SLOT/)).to.deep.include({ kind: "transient", space: "transient", slotStart: "0xb56e92b2649b0e6b54b1051b762a278f9b82bdb0a34a06d99f256e231816f400" });
    expect(row(/REENTRANCY_GUARD_STORAGE/)).to.deep.include({ kind: "transient", module: "Staking (id 1)" });
    expect(storageMap.filter((r) => r.kind === "plain")).to.have.length(0);
    expect(storageMap.every((r) => r.line > 0 && existsSync(path.join(REPO, r.file)))).to.equal(true);
  });

  it("selectors: clean, the proxy has no selectors and the routing proof holds", function () {
    const { findings, metrics } = analyzeSelectors(build, domains);
    expect(aboveInfo(findings), summary(findings)).to.have.length(0);
    expect(metrics.selectors.filter((s) => s.role === "proxy")).to.have.length(0);
    expect(metrics.routingProofs).to.have.length(1);
    expect(metrics.routingProofs[0]).to.deep.include({ holds: true, proxyHasFallback: true, ids: [0, 1, 2], proxySelectors: [] });
    const stake = metrics.selectors.find((s) => s.signature === "stake(uint256)");
    expect(stake).to.deep.include({ contract: "Staking", id: 1, selector: "0xa694fc3a", file: "contracts/implementations/Staking.sol" });
    expect(metrics.selectors.some((s) => s.contract === "LoadBalancerAdmin" && s.signature === "implementations()")).to.equal(true);
  });

  it("the StakingV2 upgrade (mocks) is append-only and keeps every function", function () {
    const d = domain(build, { proxy: "LoadBalancer", impl: "LoadBalancerAdmin@0,Staking@1,Voting@2", upgrade: "Staking:StakingV2" });
    const storage = analyzeStorage(build, [d]).findings;
    const selectors = analyzeSelectors(build, [d]).findings;
    expect(aboveInfo([...storage, ...selectors]), summary([...storage, ...selectors])).to.have.length(0);
  });

  describe("audit stages", function () {
    it("storage and selectors pass on the repository, with metrics and a raw JSON artifact", async function () {
      for (const stage of [storageStage, selectorsStage]) {
        const ctx = stageContext(REPO, buildInfoFiles);
        const result = await stage.run(ctx);
        expect(result.status, `${stage.name}: ${result.reason}`).to.equal("passed");
        expect(result.tools[0].version).to.match(/^\d+\.\d+\.\d+$/);
        expect(result.artifacts).to.have.length(1);
        const raw = JSON.parse(readFileSync(path.join(REPO, result.artifacts[0]), "utf8")) as { metrics: Record<string, unknown> };
        expect(raw.metrics).to.have.property(stage.name === "storage" ? "storageMap" : "selectors");
        expect(stage.keyMetric!({ ...result, name: stage.name, durationMs: 0 })).to.match(/finding\(s\)$/);
      }
    });

    it("skip without audit/domains.json and error on a malformed one", async function () {
      const root = mkdtempSync(path.join(os.tmpdir(), "analyzer-root-"));
      const skipped = await storageStage.run(stageContext(root, buildInfoFiles));
      expect(skipped.status).to.equal("skipped");
      expect(skipped.reason).to.include("audit/domains.json");
      mkdirSync(path.join(root, "audit"));
      writeFileSync(path.join(root, "audit/domains.json"), JSON.stringify({ domains: [{ name: "x", proxy: "LoadBalancer", dispatch: "id-routed", implementations: [{ contract: "Staking" }] }] }));
      const errored = await selectorsStage.run(stageContext(root, buildInfoFiles));
      expect(errored.status).to.equal("error");
      expect(errored.reason).to.match(/audit\/domains\.json is invalid: domains\.0\.implementations\.0\.id: required/);
    });

    it("report findings and leave the verdict to the gate (the stage passes: the analysis ran)", async function () {
      const root = mkdtempSync(path.join(os.tmpdir(), "analyzer-root-"));
      mkdirSync(path.join(root, "audit"));
      // The ERC-20 mocks keep plain state (OpenZeppelin's ERC20 from slot 0): wrong behind an id router.
      writeFileSync(
        path.join(root, "audit/domains.json"),
        JSON.stringify({ domains: [{ name: "mocks", proxy: "contracts/core/LoadBalancer.sol:LoadBalancer", dispatch: "id-routed", implementations: [{ contract: "contracts/mocks/MockERC20.sol:MockERC20", id: 1 }, { contract: "contracts/mocks/FeeOnTransferERC20.sol:FeeOnTransferERC20", id: 2 }] }] }),
      );
      const result = await storageStage.run(stageContext(root, buildInfoFiles));
      expect(result.status).to.equal("passed");
      expect(result.findings.filter((f) => f.rule === "plain-state-in-implementation").map((f) => f.severity)).to.deep.equal(["high", "high"]);
      expect(result.findings.every((f) => f.location?.file && f.location.line)).to.equal(true);
    });
  });
});

/**
 * Live mode against the system deployed by scripts/deploy.ts on the in-process Hardhat network: the
 * registry read through the loupe, bytecode matched to artifacts (immutables and metadata ignored),
 * both analyzers run on what is actually registered, and unknown code reported.
 */
import { expect } from "chai";
import hre from "hardhat";
import { getBytes, hexlify } from "ethers";
import { deploySystem, type Deployment } from "../../../scripts/deploy";
import { adminOf, ModuleId } from "../../../scripts/lib/routing";
import { loadSolcBuild, SolcBuild } from "../../../scripts/audit/analyzers/build-info";
import { loadDomainsFile, resolveDomain, type DomainConfig } from "../../../scripts/audit/analyzers/domain";
import { liveDomain, matchBytecode, stripMetadata } from "../../../scripts/audit/analyzers/live";
import { analyzeSelectors } from "../../../scripts/audit/analyzers/selectors/analyze";
import { analyzeStorage } from "../../../scripts/audit/analyzers/storage/analyze";
import { StakingV2__factory } from "../../../typechain-types";
import { aboveInfo, REPO, summary } from "./helpers";

/** Creation code whose runtime is the single byte 0xfe (INVALID): code that matches no artifact. */
const UNKNOWN_CREATION_CODE = "0x60fe60005360016000f3";

describe("analyzers in live mode", function () {
  this.timeout(120_000);
  let build: SolcBuild;
  let config: DomainConfig;
  let deployment: Deployment;

  before(async function () {
    await hre.run("compile", { quiet: true });
    build = loadSolcBuild(hre.config.paths.artifacts, { root: REPO });
    config = loadDomainsFile(REPO)![0];
    const [owner] = await hre.ethers.getSigners();
    deployment = await deploySystem({ owner });
  });

  it("reads the registry and identifies every module's code", async function () {
    const live = await liveDomain(build, resolveDomain(build, config), hre.ethers.provider, deployment.proxy);
    expect(live.hits).to.have.length(0);
    expect(live.modules.map((m) => [m.role, m.id, m.contract])).to.deep.equal([
      ["proxy", undefined, "contracts/core/LoadBalancer.sol:LoadBalancer"],
      ["implementation", 0, "contracts/core/LoadBalancerAdmin.sol:LoadBalancerAdmin"],
      ["implementation", 1, "contracts/implementations/Staking.sol:Staking"],
      ["implementation", 2, "contracts/implementations/Voting.sol:Voting"],
    ]);
    expect(live.modules[2].address).to.equal(deployment.staking);
    const storage = analyzeStorage(build, [live.domain]).findings;
    const selectors = analyzeSelectors(build, [live.domain]);
    expect(aboveInfo([...storage, ...selectors.findings]), summary([...storage, ...selectors.findings])).to.have.length(0);
    expect(selectors.metrics.routingProofs[0].holds).to.equal(true);
  });

  it("matches code despite immutables and a different metadata hash, and not despite a code change", function () {
    const staking = build.resolve("Staking");
    const code = getBytes("0x" + staking.output.evm!.deployedBytecode!.object!);
    const body = stripMetadata(code).length;
    expect(body).to.be.lessThan(code.length);
    const otherMetadata = new Uint8Array(code);
    otherMetadata[body + 10] ^= 0xff; // inside the CBOR tail (the IPFS hash)
    expect(matchBytecode(build, hexlify(otherMetadata)).map((c) => c.name)).to.deep.equal(["Staking"]);
    const otherCode = new Uint8Array(code);
    otherCode[body - 40] ^= 0x01;
    expect(matchBytecode(build, hexlify(otherCode))).to.have.length(0);
  });

  it("analyzes what is registered after an upgrade (StakingV2 at id 1)", async function () {
    const [owner] = await hre.ethers.getSigners();
    const fresh = await deploySystem({ owner });
    const v2 = await new StakingV2__factory(owner).deploy();
    await (await adminOf(fresh.proxy, owner).upgradeImplementation(ModuleId.Staking, await v2.getAddress(), "0x")).wait();
    const live = await liveDomain(build, resolveDomain(build, config), hre.ethers.provider, fresh.proxy);
    expect(live.domain.implementations.map((m) => [m.id, m.contract.name])).to.deep.equal([[0, "LoadBalancerAdmin"], [1, "StakingV2"], [2, "Voting"]]);
    expect(aboveInfo(analyzeStorage(build, [live.domain]).findings)).to.have.length(0);
  });

  it("reports registered code that matches no artifact (high)", async function () {
    const [owner] = await hre.ethers.getSigners();
    const fresh = await deploySystem({ owner });
    const tx = await owner.sendTransaction({ data: UNKNOWN_CREATION_CODE });
    const unknown = (await tx.wait())!.contractAddress!;
    await (await adminOf(fresh.proxy, owner).addImplementation(3, unknown, "0x")).wait();
    const live = await liveDomain(build, resolveDomain(build, config), hre.ethers.provider, fresh.proxy);
    expect(live.hits.map((h) => [h.rule, h.severity, h.data])).to.deep.equal([
      ["live-unknown-bytecode", "high", { address: unknown, role: "implementation", id: 3 }],
    ]);
    expect(live.modules.find((m) => m.id === 3)?.contract).to.equal(undefined);
    // The rest of the registered set is still analyzed.
    expect(live.domain.implementations.map((m) => m.id)).to.deep.equal([0, 1, 2]);
  });
});

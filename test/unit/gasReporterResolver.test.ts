import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { loadBalancerResolver } from "../../scripts/lib/gasReporterResolver";
import { ModuleId, routeCalldata } from "../../scripts/lib/routing";
import { deploySystemFixture } from "./fixtures";

/** The reporter binds `resolve` to its Resolver; this stands in for it with the names it would know. */
async function resolverContext() {
  const sys = await loadFixture(deploySystemFixture);
  const names = new Map<string, string>([
    [sys.proxyAddress.toLowerCase(), "LoadBalancer"],
    [(await sys.stakingImpl.getAddress()).toLowerCase(), "Staking"],
    [(await sys.votingImpl.getAddress()).toLowerCase(), "Voting"],
    [(await sys.token.getAddress()).toLowerCase(), "MockERC20"],
  ]);
  const self = {
    hre,
    data: { getNameByAddress: async (a: string) => names.get(a.toLowerCase()) ?? null },
    resolveByDeployedBytecode: async () => null,
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const resolve = (tx: { to: string; input: string }) => loadBalancerResolver.resolve.call(self as any, tx as any);
  return { ...sys, resolve };
}

describe("gas reporter resolver (scripts/lib/gasReporterResolver.ts)", function () {
  it("names the implementation a routed call reaches and aligns the selector", async function () {
    const { resolve, proxyAddress, stakingImpl } = await resolverContext();
    const calldata = stakingImpl.interface.encodeFunctionData("stake", [1n]);
    const tx = { to: proxyAddress, input: routeCalldata(ModuleId.Staking, calldata) };
    expect(await resolve(tx)).to.equal("Staking");
    expect(tx.input).to.equal(calldata);
  });

  it("names the admin module for id 0", async function () {
    const { resolve, proxyAddress, admin } = await resolverContext();
    const calldata = admin.interface.encodeFunctionData("setPaused", [1, true]);
    const tx = { to: proxyAddress, input: routeCalldata(ModuleId.Admin, calldata) };
    expect(await resolve(tx)).to.equal("LoadBalancerAdmin");
    expect(tx.input).to.equal(calldata);
  });

  it("leaves unknown ids and other contracts alone", async function () {
    const { resolve, proxyAddress, token, alice } = await resolverContext();
    const unknown = { to: proxyAddress, input: routeCalldata(9, "0xa694fc3a") };
    expect(await resolve(unknown)).to.equal(null);
    expect(unknown.input).to.equal("0x09a694fc3a");
    const transfer = { to: await token.getAddress(), input: token.interface.encodeFunctionData("transfer", [alice.address, 1n]) };
    expect(await resolve(transfer)).to.equal(null);
  });
});

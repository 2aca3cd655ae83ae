import { expect } from "chai";
import { ethers } from "hardhat";
import type { Interface } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { LoadBalancerAdmin__factory, RoutingProbe__factory } from "../../typechain-types";
import { ModuleId, adminOf, routeCalldata, routed } from "../../scripts/lib/routing";
import { PROBE_ID, deployBareFixture } from "./fixtures";

const probeInterface: Interface = RoutingProbe__factory.createInterface();
const OTHER_ID = 200;

/** `bytes1(PROBE_ID) ++ RoutingProbe.<fn>(args)`: one entry of a batch. */
function probeCall(fn: string, args: unknown[] = [], id = PROBE_ID): string {
  return routeCalldata(id, probeInterface.encodeFunctionData(fn, args));
}

async function batchFixture() {
  const bare = await deployBareFixture();
  const { admin, probeImpl, owner, proxyAddress } = bare;
  await admin.addImplementation(PROBE_ID, await probeImpl.getAddress(), "0x");
  // A second id served by a second RoutingProbe deployment: batches may span ids.
  const otherImpl = await new RoutingProbe__factory(owner).deploy();
  await admin.addImplementation(OTHER_ID, await otherImpl.getAddress(), "0x");
  const probe = (signer = owner) => routed(RoutingProbe__factory, proxyAddress, PROBE_ID, signer);
  return { ...bare, probe, otherImpl };
}

/** The raw revert data of a call, or throws if it does not revert. */
async function revertData(tx: { to: string; data: string; from?: string }): Promise<string> {
  try {
    await ethers.provider.call(tx);
  } catch (e) {
    const data = (e as { data?: string }).data;
    if (typeof data === "string") return data;
    throw e;
  }
  throw new Error("call did not revert");
}

describe("LoadBalancer batch", function () {
  it("makes the calls in order, across ids, and returns each call's return data", async function () {
    const { admin, probe } = await loadFixture(batchFixture);
    const large = ethers.hexlify(ethers.randomBytes(1500));
    const calls = [
      probeCall("increment"),
      probeCall("increment"),
      probeCall("echo", [large]),
      probeCall("counter", [], OTHER_ID),
      routeCalldata(ModuleId.Admin, LoadBalancerAdmin__factory.createInterface().encodeFunctionData("isPaused", [PROBE_ID])),
    ];
    const results = await admin.batch.staticCall(calls);
    expect(results).to.have.length(calls.length);
    expect(probeInterface.decodeFunctionResult("increment", results[0])[0]).to.equal(1n);
    expect(probeInterface.decodeFunctionResult("increment", results[1])[0]).to.equal(2n);
    expect(probeInterface.decodeFunctionResult("echo", results[2])[0]).to.equal(large);
    // Both ids run in the proxy's one storage: the second probe sees the first one's counter.
    expect(probeInterface.decodeFunctionResult("counter", results[3])[0]).to.equal(2n);
    expect(LoadBalancerAdmin__factory.createInterface().decodeFunctionResult("isPaused", results[4])[0]).to.equal(false);

    await admin.batch(calls);
    expect(await probe().counter()).to.equal(2n);
  });

  it("returns an empty array for an empty batch", async function () {
    const { admin } = await loadFixture(batchFixture);
    expect(await admin.batch.staticCall([])).to.deep.equal([]);
  });

  it("keeps msg.sender and the proxy's context in every call", async function () {
    const { alice, proxyAddress } = await loadFixture(batchFixture);
    const results = await adminOf(proxyAddress, alice).batch.staticCall([probeCall("whoAmI"), probeCall("whoAmI", [], OTHER_ID)]);
    for (const r of results) {
      const [self, sender] = probeInterface.decodeFunctionResult("whoAmI", r);
      expect(self).to.equal(proxyAddress);
      expect(sender).to.equal(alice.address);
    }
  });

  it("applies the router's unknown-id rule inside a batch and rolls the earlier calls back", async function () {
    const { admin, probe } = await loadFixture(batchFixture);
    await expect(admin.batch([probeCall("increment"), probeCall("counter", [], 9)]))
      .to.be.revertedWithCustomError(admin, "UnknownImplementation")
      .withArgs(9);
    expect(await probe().counter()).to.equal(0n);
  });

  it("applies the router's pause rule inside a batch", async function () {
    const { admin, probe } = await loadFixture(batchFixture);
    await admin.setPaused(OTHER_ID, true);
    await expect(admin.batch([probeCall("increment"), probeCall("increment", [], OTHER_ID)]))
      .to.be.revertedWithCustomError(admin, "ImplementationPaused")
      .withArgs(OTHER_ID);
    expect(await probe().counter()).to.equal(0n);
    // The pause is per id: the other id still works in a batch.
    await admin.batch([probeCall("increment")]);
    expect(await probe().counter()).to.equal(1n);
  });

  it("reverts EmptyCalldata for an entry without an id byte", async function () {
    const { admin } = await loadFixture(batchFixture);
    await expect(admin.batch([probeCall("increment"), "0x"])).to.be.revertedWithCustomError(admin, "EmptyCalldata");
  });

  it("bubbles the first failure's revert data unchanged: custom errors, strings, panics, empty", async function () {
    const { admin, owner, proxyAddress, probe } = await loadFixture(batchFixture);
    const failures = [
      probeCall("failCustom", [42]),
      probeCall("failString"),
      probeCall("failPanic", [0]),
      probeCall("failEmpty"),
    ];
    for (const failing of failures) {
      const single = await revertData({ to: proxyAddress, data: failing, from: owner.address });
      const batched = await revertData({
        to: proxyAddress,
        data: routeCalldata(ModuleId.Admin, admin.interface.encodeFunctionData("batch", [[probeCall("increment"), failing, probeCall("failString")]])),
        from: owner.address,
      });
      expect(batched).to.equal(single);
    }
    const p = probe();
    await expect(admin.batch([probeCall("failCustom", [7])])).to.be.revertedWithCustomError(p, "ProbeError").withArgs(7, "custom");
    await expect(admin.batch([probeCall("failPanic", [0])])).to.be.revertedWithPanic(0x12);
    await expect(admin.batch([probeCall("failEmpty")])).to.be.revertedWithoutReason();
  });

  it("is not payable, so no call can count the batch's msg.value again", async function () {
    const { admin, owner, proxyAddress } = await loadFixture(batchFixture);
    const data = routeCalldata(
      ModuleId.Admin,
      admin.interface.encodeFunctionData("batch", [[probeCall("deposit"), probeCall("deposit")]]),
    );
    await expect(owner.sendTransaction({ to: proxyAddress, data, value: 1n })).to.be.revertedWithoutReason();
    // Without value, a payable module function in a batch sees msg.value == 0.
    const results = await admin.batch.staticCall([probeCall("deposit"), probeCall("deposit")]);
    for (const r of results) {
      const [value] = probeInterface.decodeFunctionResult("deposit", r);
      expect(value).to.equal(0n);
    }
  });

  it("keeps the admin module's access control for admin calls in a batch", async function () {
    const { admin, attacker, proxyAddress } = await loadFixture(batchFixture);
    const setPaused = routeCalldata(ModuleId.Admin, admin.interface.encodeFunctionData("setPaused", [PROBE_ID, true]));
    await expect(adminOf(proxyAddress, attacker).batch([setPaused]))
      .to.be.revertedWithCustomError(admin, "OwnableUnauthorizedAccount")
      .withArgs(attacker.address);
    // The owner can batch admin operations.
    const unpause = routeCalldata(ModuleId.Admin, admin.interface.encodeFunctionData("setPaused", [PROBE_ID, false]));
    await expect(admin.batch([setPaused, unpause, setPaused]))
      .to.emit(admin, "ImplementationPauseChanged")
      .withArgs(PROBE_ID, true);
    expect(await admin.isPaused(PROBE_ID)).to.equal(true);
  });

  it("allows nested batches", async function () {
    const { admin, probe } = await loadFixture(batchFixture);
    const inner = routeCalldata(ModuleId.Admin, admin.interface.encodeFunctionData("batch", [[probeCall("increment"), probeCall("increment")]]));
    await admin.batch([inner, probeCall("increment")]);
    expect(await probe().counter()).to.equal(3n);
  });

  it("the admin module refuses a direct batch call", async function () {
    const { admin, owner } = await loadFixture(batchFixture);
    const direct = LoadBalancerAdmin__factory.connect(await admin.adminModule(), owner);
    await expect(direct.batch([probeCall("increment")])).to.be.revertedWithCustomError(direct, "NotDelegateCall");
  });
});

import { expect } from "chai";
import { ethers } from "hardhat";
import type { FunctionFragment } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import {
  CallBatcher__factory,
  LoadBalancerAdmin__factory,
  StakingV2__factory,
  LoadBalancer__factory,
  RoutingProbe__factory,
  Staking__factory,
} from "../../typechain-types";
import { ModuleId, adminOf, routeCalldata, routed } from "../../scripts/lib/routing";
import { PROBE_ID, deployBareFixture } from "./fixtures";

const probeInterface = RoutingProbe__factory.createInterface();

async function probeFixture() {
  const bare = await deployBareFixture();
  const { admin, probeImpl, proxyAddress, owner } = bare;
  await admin.addImplementation(PROBE_ID, await probeImpl.getAddress(), "0x");
  const probe = (signer = owner) => routed(RoutingProbe__factory, proxyAddress, PROBE_ID, signer);
  return { ...bare, probe };
}

describe("LoadBalancer", function () {
  describe("construction", function () {
    it("sets the owner, deploys the admin module and emits OwnershipTransferred", async function () {
      const [owner] = await ethers.getSigners();
      const proxy = await new LoadBalancer__factory(owner).deploy(owner.address);
      await expect(proxy.deploymentTransaction())
        .to.emit(LoadBalancerAdmin__factory.connect(await proxy.getAddress(), owner), "OwnershipTransferred")
        .withArgs(ethers.ZeroAddress, owner.address);
      const admin = adminOf(await proxy.getAddress(), owner);
      expect(await admin.owner()).to.equal(owner.address);
      expect(await admin.pendingOwner()).to.equal(ethers.ZeroAddress);
      const adminModule = await admin.adminModule();
      expect(await ethers.provider.getCode(adminModule)).to.not.equal("0x");
      expect(await admin.implementation(ModuleId.Admin)).to.equal(adminModule);
      expect(await admin.implementations()).to.deep.equal([]);
    });

    it("rejects the zero owner", async function () {
      const [owner] = await ethers.getSigners();
      const factory = new LoadBalancer__factory(owner);
      await expect(factory.deploy(ethers.ZeroAddress))
        .to.be.revertedWithCustomError(factory, "OwnableInvalidOwner")
        .withArgs(ethers.ZeroAddress);
    });

    it("exposes no function selectors, so no routed call can hit a proxy function", async function () {
      const functions = LoadBalancer__factory.createInterface().fragments.filter((f) => f.type === "function");
      expect(functions).to.deep.equal([]);
    });
  });

  describe("ownership (two-step)", function () {
    it("transfers only after the pending owner accepts", async function () {
      const { admin, owner, alice, proxyAddress } = await loadFixture(deployBareFixture);
      await expect(admin.transferOwnership(alice.address))
        .to.emit(admin, "OwnershipTransferStarted")
        .withArgs(owner.address, alice.address);
      expect(await admin.owner()).to.equal(owner.address);
      expect(await admin.pendingOwner()).to.equal(alice.address);
      await expect(adminOf(proxyAddress, alice).acceptOwnership())
        .to.emit(admin, "OwnershipTransferred")
        .withArgs(owner.address, alice.address);
      expect(await admin.owner()).to.equal(alice.address);
      expect(await admin.pendingOwner()).to.equal(ethers.ZeroAddress);
      // The old owner lost its powers.
      await expect(admin.setPaused(1, true))
        .to.be.revertedWithCustomError(admin, "OwnableUnauthorizedAccount")
        .withArgs(owner.address);
    });

    it("lets only the owner start a transfer", async function () {
      const { admin, attacker, proxyAddress } = await loadFixture(deployBareFixture);
      await expect(adminOf(proxyAddress, attacker).transferOwnership(attacker.address))
        .to.be.revertedWithCustomError(admin, "OwnableUnauthorizedAccount")
        .withArgs(attacker.address);
    });

    it("lets only the pending owner accept", async function () {
      const { admin, alice, attacker, owner, proxyAddress } = await loadFixture(deployBareFixture);
      await expect(admin.acceptOwnership())
        .to.be.revertedWithCustomError(admin, "OwnableUnauthorizedAccount")
        .withArgs(owner.address);
      await admin.transferOwnership(alice.address);
      await expect(adminOf(proxyAddress, attacker).acceptOwnership())
        .to.be.revertedWithCustomError(admin, "OwnableUnauthorizedAccount")
        .withArgs(attacker.address);
    });

    it("cancels a pending transfer when the owner proposes the zero address (as Ownable2Step)", async function () {
      const { admin, owner, alice, proxyAddress } = await loadFixture(deployBareFixture);
      await admin.transferOwnership(alice.address);
      await expect(admin.transferOwnership(ethers.ZeroAddress))
        .to.emit(admin, "OwnershipTransferStarted")
        .withArgs(owner.address, ethers.ZeroAddress);
      expect(await admin.pendingOwner()).to.equal(ethers.ZeroAddress);
      await expect(adminOf(proxyAddress, alice).acceptOwnership())
        .to.be.revertedWithCustomError(admin, "OwnableUnauthorizedAccount")
        .withArgs(alice.address);
      expect(await admin.owner()).to.equal(owner.address);
    });

    it("lets a new proposal replace the pending one", async function () {
      const { admin, alice, bob, proxyAddress } = await loadFixture(deployBareFixture);
      await admin.transferOwnership(alice.address);
      await admin.transferOwnership(bob.address);
      await expect(adminOf(proxyAddress, alice).acceptOwnership())
        .to.be.revertedWithCustomError(admin, "OwnableUnauthorizedAccount")
        .withArgs(alice.address);
      await adminOf(proxyAddress, bob).acceptOwnership();
      expect(await admin.owner()).to.equal(bob.address);
    });
  });

  describe("registry", function () {
    it("adds an implementation, emits ImplementationAdded and lists it in the loupe", async function () {
      const { admin, probeImpl } = await loadFixture(deployBareFixture);
      const impl = await probeImpl.getAddress();
      await expect(admin.addImplementation(PROBE_ID, impl, "0x"))
        .to.emit(admin, "ImplementationAdded")
        .withArgs(PROBE_ID, impl);
      expect(await admin.implementation(PROBE_ID)).to.equal(impl);
      expect(await admin.isPaused(PROBE_ID)).to.equal(false);
      expect((await admin.implementations()).map((m) => [m.id, m.implementation, m.paused])).to.deep.equal([
        [BigInt(PROBE_ID), impl, false],
      ]);
    });

    it("enumerates ids in ascending order, including the extremes 1 and 255", async function () {
      const { admin, probeImpl, stakingImpl, votingImpl } = await loadFixture(deployBareFixture);
      await admin.addImplementation(255, await votingImpl.getAddress(), "0x");
      await admin.addImplementation(1, await probeImpl.getAddress(), "0x");
      await admin.addImplementation(128, await stakingImpl.getAddress(), "0x");
      await admin.setPaused(128, true);
      const rows = (await admin.implementations()).map((m) => [Number(m.id), m.implementation, m.paused]);
      expect(rows).to.deep.equal([
        [1, await probeImpl.getAddress(), false],
        [128, await stakingImpl.getAddress(), true],
        [255, await votingImpl.getAddress(), false],
      ]);
    });

    it("rejects the zero address, code-less addresses, the proxy itself and the admin module", async function () {
      const { admin, alice, proxyAddress } = await loadFixture(deployBareFixture);
      const adminModule = await admin.adminModule();
      for (const bad of [ethers.ZeroAddress, alice.address, proxyAddress, adminModule]) {
        await expect(admin.addImplementation(PROBE_ID, bad, "0x"))
          .to.be.revertedWithCustomError(admin, "InvalidImplementation")
          .withArgs(bad);
      }
    });

    it("reserves id 0 for the admin module", async function () {
      const { admin, probeImpl } = await loadFixture(deployBareFixture);
      const impl = await probeImpl.getAddress();
      await expect(admin.addImplementation(0, impl, "0x")).to.be.revertedWithCustomError(admin, "ReservedId").withArgs(0);
      await expect(admin.upgradeImplementation(0, impl, "0x")).to.be.revertedWithCustomError(admin, "ReservedId").withArgs(0);
      await expect(admin.removeImplementation(0)).to.be.revertedWithCustomError(admin, "ReservedId").withArgs(0);
      await expect(admin.setPaused(0, true)).to.be.revertedWithCustomError(admin, "ReservedId").withArgs(0);
    });

    it("refuses to register a taken id", async function () {
      const { admin, probe, stakingImpl, probeImpl } = await loadFixture(probeFixture);
      await expect(admin.addImplementation(PROBE_ID, await stakingImpl.getAddress(), "0x"))
        .to.be.revertedWithCustomError(admin, "ImplementationAlreadyRegistered")
        .withArgs(PROBE_ID, await probeImpl.getAddress());
      expect(await probe().counter()).to.equal(0n);
    });

    it("lets only the owner add, upgrade, remove and pause", async function () {
      const { admin, attacker, proxyAddress, probeImpl, stakingImpl } = await loadFixture(probeFixture);
      const asAttacker = adminOf(proxyAddress, attacker);
      const calls = [
        () => asAttacker.addImplementation(9, probeImpl.getAddress(), "0x"),
        () => asAttacker.upgradeImplementation(PROBE_ID, stakingImpl.getAddress(), "0x"),
        () => asAttacker.removeImplementation(PROBE_ID),
        () => asAttacker.setPaused(PROBE_ID, true),
      ];
      for (const call of calls) {
        await expect(call()).to.be.revertedWithCustomError(admin, "OwnableUnauthorizedAccount").withArgs(attacker.address);
      }
    });

    it("upgrades an id, keeping its state, and emits ImplementationUpgraded", async function () {
      const { admin, probe, probeImpl, owner } = await loadFixture(probeFixture);
      await probe().increment();
      await probe().increment();
      const v2 = await new RoutingProbe__factory(owner).deploy();
      await expect(admin.upgradeImplementation(PROBE_ID, await v2.getAddress(), "0x"))
        .to.emit(admin, "ImplementationUpgraded")
        .withArgs(PROBE_ID, await probeImpl.getAddress(), await v2.getAddress());
      expect(await admin.implementation(PROBE_ID)).to.equal(await v2.getAddress());
      expect(await probe().counter()).to.equal(2n);
      expect(await probe().increment.staticCall()).to.equal(3n);
    });

    it("keeps the pause state across an upgrade", async function () {
      const { admin, probe, owner } = await loadFixture(probeFixture);
      await admin.setPaused(PROBE_ID, true);
      const v2 = await new RoutingProbe__factory(owner).deploy();
      await admin.upgradeImplementation(PROBE_ID, await v2.getAddress(), "0x");
      expect(await admin.isPaused(PROBE_ID)).to.equal(true);
      await expect(probe().counter()).to.be.revertedWithCustomError(admin, "ImplementationPaused").withArgs(PROBE_ID);
    });

    it("rejects upgrading an unknown id, to the same implementation, or to an invalid address", async function () {
      const { admin, probeImpl, alice } = await loadFixture(probeFixture);
      const impl = await probeImpl.getAddress();
      await expect(admin.upgradeImplementation(9, impl, "0x"))
        .to.be.revertedWithCustomError(admin, "UnknownImplementation")
        .withArgs(9);
      await expect(admin.upgradeImplementation(PROBE_ID, impl, "0x"))
        .to.be.revertedWithCustomError(admin, "ImplementationUnchanged")
        .withArgs(PROBE_ID, impl);
      await expect(admin.upgradeImplementation(PROBE_ID, alice.address, "0x"))
        .to.be.revertedWithCustomError(admin, "InvalidImplementation")
        .withArgs(alice.address);
    });

    it("removes an id: the loupe drops it and calls revert with UnknownImplementation", async function () {
      const { admin, probe, probeImpl } = await loadFixture(probeFixture);
      const tx = admin.removeImplementation(PROBE_ID);
      await expect(tx).to.emit(admin, "ImplementationRemoved").withArgs(PROBE_ID, await probeImpl.getAddress());
      // Not paused: no pause event.
      await expect(tx).not.to.emit(admin, "ImplementationPauseChanged");
      expect(await admin.implementation(PROBE_ID)).to.equal(ethers.ZeroAddress);
      expect(await admin.implementations()).to.deep.equal([]);
      await expect(probe().counter()).to.be.revertedWithCustomError(admin, "UnknownImplementation").withArgs(PROBE_ID);
      await expect(admin.removeImplementation(PROBE_ID))
        .to.be.revertedWithCustomError(admin, "UnknownImplementation")
        .withArgs(PROBE_ID);
    });

    it("clears the pause flag on removal, with ImplementationPauseChanged, so a re-added id starts unpaused", async function () {
      const { admin, probe, probeImpl } = await loadFixture(probeFixture);
      await admin.setPaused(PROBE_ID, true);
      await expect(admin.removeImplementation(PROBE_ID))
        .to.emit(admin, "ImplementationPauseChanged")
        .withArgs(PROBE_ID, false);
      expect(await admin.isPaused(PROBE_ID)).to.equal(false);
      await admin.addImplementation(PROBE_ID, await probeImpl.getAddress(), "0x");
      expect(await admin.isPaused(PROBE_ID)).to.equal(false);
      expect(await probe().increment.staticCall()).to.equal(1n);
    });
  });

  describe("one implementation, one id", function () {
    it("refuses to add an implementation already registered under another id (ImplementationInUse)", async function () {
      const { admin, probeImpl } = await loadFixture(probeFixture);
      const impl = await probeImpl.getAddress();
      await expect(admin.addImplementation(8, impl, "0x"))
        .to.be.revertedWithCustomError(admin, "ImplementationInUse")
        .withArgs(impl, PROBE_ID);
      expect(await admin.implementation(8)).to.equal(ethers.ZeroAddress);
    });

    it("refuses to upgrade an id to an implementation registered under another id (ImplementationInUse)", async function () {
      const { admin, probeImpl, owner } = await loadFixture(probeFixture);
      const other = await new RoutingProbe__factory(owner).deploy();
      await admin.addImplementation(8, await other.getAddress(), "0x");
      await expect(admin.upgradeImplementation(8, await probeImpl.getAddress(), "0x"))
        .to.be.revertedWithCustomError(admin, "ImplementationInUse")
        .withArgs(await probeImpl.getAddress(), PROBE_ID);
      expect(await admin.implementation(8)).to.equal(await other.getAddress());
    });

    it("pausing an id stops its implementation: it cannot keep running under a second id", async function () {
      // The attack the rule closes: register the paused id's implementation again under a free id.
      const { admin, probe, probeImpl, proxyAddress, owner } = await loadFixture(probeFixture);
      await admin.setPaused(PROBE_ID, true);
      await expect(admin.addImplementation(8, await probeImpl.getAddress(), "0x")).to.be.revertedWithCustomError(
        admin,
        "ImplementationInUse",
      );
      await expect(routed(RoutingProbe__factory, proxyAddress, 8, owner).increment())
        .to.be.revertedWithCustomError(admin, "UnknownImplementation")
        .withArgs(8);
      await expect(probe().increment()).to.be.revertedWithCustomError(admin, "ImplementationPaused").withArgs(PROBE_ID);
      // Upgrading another id to it is refused as well.
      const other = await new RoutingProbe__factory(owner).deploy();
      await admin.addImplementation(9, await other.getAddress(), "0x");
      await expect(admin.upgradeImplementation(9, await probeImpl.getAddress(), "0x")).to.be.revertedWithCustomError(
        admin,
        "ImplementationInUse",
      );
      expect(await routed(RoutingProbe__factory, proxyAddress, 9, owner).whoAmI()).to.have.length(2);
    });

    it("frees an implementation when its id is removed or upgraded away", async function () {
      const { admin, probeImpl, owner } = await loadFixture(probeFixture);
      const impl = await probeImpl.getAddress();
      await admin.removeImplementation(PROBE_ID);
      await expect(admin.addImplementation(8, impl, "0x")).to.emit(admin, "ImplementationAdded").withArgs(8, impl);
      const v2 = await new RoutingProbe__factory(owner).deploy();
      await admin.upgradeImplementation(8, await v2.getAddress(), "0x");
      await expect(admin.addImplementation(PROBE_ID, impl, "0x")).to.emit(admin, "ImplementationAdded").withArgs(PROBE_ID, impl);
      // ...and the one upgraded to is now taken.
      await expect(admin.addImplementation(9, await v2.getAddress(), "0x"))
        .to.be.revertedWithCustomError(admin, "ImplementationInUse")
        .withArgs(await v2.getAddress(), 8);
    });
  });

  describe("circuit breaker", function () {
    it("pauses and unpauses an id with events", async function () {
      const { admin, probe } = await loadFixture(probeFixture);
      await expect(admin.setPaused(PROBE_ID, true)).to.emit(admin, "ImplementationPauseChanged").withArgs(PROBE_ID, true);
      await expect(probe().increment()).to.be.revertedWithCustomError(admin, "ImplementationPaused").withArgs(PROBE_ID);
      await expect(admin.setPaused(PROBE_ID, false)).to.emit(admin, "ImplementationPauseChanged").withArgs(PROBE_ID, false);
      await expect(probe().increment()).to.not.be.reverted;
    });

    it("pauses one id without touching the others", async function () {
      const { admin, probe, proxyAddress, owner } = await loadFixture(probeFixture);
      const secondProbe = await new RoutingProbe__factory(owner).deploy();
      await admin.addImplementation(8, await secondProbe.getAddress(), "0x");
      await admin.setPaused(PROBE_ID, true);
      const other = routed(RoutingProbe__factory, proxyAddress, 8, owner);
      expect(await other.increment.staticCall()).to.equal(1n);
      await expect(probe().increment()).to.be.revertedWithCustomError(admin, "ImplementationPaused");
    });

    it("rejects a no-op switch and an unknown id", async function () {
      const { admin } = await loadFixture(probeFixture);
      await expect(admin.setPaused(PROBE_ID, false))
        .to.be.revertedWithCustomError(admin, "PauseUnchanged")
        .withArgs(PROBE_ID, false);
      await expect(admin.setPaused(9, true)).to.be.revertedWithCustomError(admin, "UnknownImplementation").withArgs(9);
    });
  });

  describe("routing", function () {
    it("delegatecalls: the module runs in the proxy's context and sees the original sender", async function () {
      const { probe, proxyAddress, alice } = await loadFixture(probeFixture);
      const [self, sender] = await probe(alice).whoAmI();
      expect(self).to.equal(proxyAddress);
      expect(sender).to.equal(alice.address);
    });

    it("forwards the payload byte for byte: the module sees exactly the calldata after the id byte", async function () {
      // RoutingProbe.msgData() returns msg.data: any byte lost or added by the router (e.g. forwarding
      // calldatasize() bytes from memory offset 32, one zero byte too many) shows up here.
      const { owner, proxyAddress } = await loadFixture(probeFixture);
      const selector = probeInterface.getFunction("msgData")!.selector;
      const returned = async (payload: string) =>
        probeInterface.decodeFunctionResult(
          "msgData",
          await ethers.provider.call({ from: owner.address, to: proxyAddress, data: routeCalldata(PROBE_ID, payload) }),
        )[0] as string;
      expect(await returned(selector)).to.equal(selector);
      for (const extra of [1, 2, 31, 32, 33, 100]) {
        // Trailing bytes the ABI decoder ignores: they must still arrive, and nothing else.
        const payload = ethers.concat([selector, ethers.randomBytes(extra)]);
        expect(await returned(payload)).to.equal(ethers.hexlify(payload));
      }
    });

    it("returns the module's return data unchanged, small and large", async function () {
      const { probe } = await loadFixture(probeFixture);
      for (const size of [0, 1, 32, 33, 1024, 4096]) {
        const data = ethers.hexlify(ethers.randomBytes(size));
        expect(await probe().echo(data)).to.equal(data);
      }
    });

    it("forwards msg.value", async function () {
      const { probe, proxyAddress } = await loadFixture(probeFixture);
      const value = ethers.parseEther("1.5");
      const [seen, balance] = await probe().deposit.staticCall({ value });
      expect(seen).to.equal(value);
      expect(balance).to.equal(value);
      await expect(probe().deposit({ value })).to.changeEtherBalance(proxyAddress, value);
    });

    it("bubbles custom errors, string reasons, panics and empty reverts unchanged", async function () {
      const { probe } = await loadFixture(probeFixture);
      const p = probe();
      await expect(p.failCustom(42)).to.be.revertedWithCustomError(p, "ProbeError").withArgs(42, "custom");
      await expect(p.failString()).to.be.revertedWith("probe: plain string reason");
      await expect(p.failPanic(0)).to.be.revertedWithPanic(0x12);
      await expect(p.failEmpty()).to.be.revertedWithoutReason();
    });

    it("reverts UnknownImplementation for an id never registered, at both ends of the id range", async function () {
      const { admin, owner, proxyAddress } = await loadFixture(probeFixture);
      for (const id of [1, 6, 8, 255]) {
        await expect(routed(RoutingProbe__factory, proxyAddress, id, owner).counter())
          .to.be.revertedWithCustomError(admin, "UnknownImplementation")
          .withArgs(id);
      }
    });

    it("reverts EmptyCalldata for a call without an id byte, with or without value", async function () {
      const { admin, owner, proxyAddress } = await loadFixture(probeFixture);
      await expect(owner.sendTransaction({ to: proxyAddress, data: "0x" })).to.be.revertedWithCustomError(
        admin,
        "EmptyCalldata",
      );
      await expect(owner.sendTransaction({ to: proxyAddress, value: 1n })).to.be.revertedWithCustomError(
        admin,
        "EmptyCalldata",
      );
    });

    it("routes the id byte alone to the module with empty calldata", async function () {
      const { owner, proxyAddress } = await loadFixture(probeFixture);
      // RoutingProbe has no fallback, so an empty payload reverts inside the module, without data.
      await expect(
        owner.sendTransaction({ to: proxyAddress, data: routeCalldata(PROBE_ID, "0x") }),
      ).to.be.revertedWithoutReason();
    });

    it("routes admin calls (id 0) for anyone, with the admin's own access control", async function () {
      const { owner, attacker, proxyAddress } = await loadFixture(probeFixture);
      expect(await adminOf(proxyAddress, attacker).owner()).to.equal(owner.address);
    });
  });

  describe("modules refuse direct calls", function () {
    it("the admin module reverts NotDelegateCall when called directly", async function () {
      const { admin, owner } = await loadFixture(deployBareFixture);
      const direct = LoadBalancerAdmin__factory.connect(await admin.adminModule(), owner);
      await expect(direct.owner()).to.be.revertedWithCustomError(direct, "NotDelegateCall");
      await expect(direct.transferOwnership(owner.address)).to.be.revertedWithCustomError(direct, "NotDelegateCall");
      await expect(direct.implementations()).to.be.revertedWithCustomError(direct, "NotDelegateCall");
    });

    it("every admin function reverts NotDelegateCall when the admin module is called directly", async function () {
      const { admin, owner } = await loadFixture(deployBareFixture);
      const direct = LoadBalancerAdmin__factory.connect(await admin.adminModule(), owner);
      const functions = direct.interface.fragments.filter((f): f is FunctionFragment => f.type === "function");
      expect(functions.length).to.equal(13);
      for (const fn of functions) {
        // Zero-valued arguments of the right types: the modifier rejects the call before any argument matters.
        const args = fn.inputs.map((p) => (p.baseType === "array" ? [] : p.baseType === "bool" ? false : p.type === "address" ? owner.address : p.baseType === "bytes" ? "0x" : 0));
        await expect(direct.getFunction(fn.format())(...args), fn.format()).to.be.revertedWithCustomError(
          direct,
          "NotDelegateCall",
        );
      }
    });
  });

  describe("atomic register-and-initialize", function () {
    it("runs the initializer in the registering transaction", async function () {
      const { admin, probeImpl, owner, proxyAddress } = await loadFixture(deployBareFixture);
      const init = probeImpl.interface.encodeFunctionData("initialize", [1234n]);
      const probe = routed(RoutingProbe__factory, proxyAddress, PROBE_ID, owner);
      await expect(admin.addImplementation(PROBE_ID, await probeImpl.getAddress(), init))
        .to.emit(probe, "Initialized")
        .withArgs(1n);
      expect(await probe.initValue()).to.equal(1234n);
    });

    it("rolls the registration back when the initializer reverts, bubbling its error", async function () {
      const { admin, probeImpl } = await loadFixture(deployBareFixture);
      const failing = probeImpl.interface.encodeFunctionData("failCustom", [7n]);
      await expect(admin.addImplementation(PROBE_ID, await probeImpl.getAddress(), failing))
        .to.be.revertedWithCustomError(probeImpl, "ProbeError")
        .withArgs(7n, "custom");
      expect(await admin.implementation(PROBE_ID)).to.equal(ethers.ZeroAddress);
    });

    it("refuses the initializer through a routed call, even from the owner", async function () {
      const { admin, probeImpl, owner, proxyAddress } = await loadFixture(deployBareFixture);
      await admin.addImplementation(PROBE_ID, await probeImpl.getAddress(), "0x");
      const probe = routed(RoutingProbe__factory, proxyAddress, PROBE_ID, owner);
      await expect(probe.initialize(1n)).to.be.revertedWithCustomError(probe, "NotInitializing");
    });

    it("refuses the initializer on the implementation itself", async function () {
      const { probeImpl } = await loadFixture(deployBareFixture);
      await expect(probeImpl.initialize(1n)).to.be.revertedWithCustomError(probeImpl, "NotDelegateCall");
    });

    it("runs an initializer at most once per module storage", async function () {
      const { admin, probeImpl, owner } = await loadFixture(deployBareFixture);
      const init = probeImpl.interface.encodeFunctionData("initialize", [1n]);
      await admin.addImplementation(PROBE_ID, await probeImpl.getAddress(), init);
      const v2 = await new RoutingProbe__factory(owner).deploy();
      await expect(admin.upgradeImplementation(PROBE_ID, await v2.getAddress(), init))
        .to.be.revertedWithCustomError(probeImpl, "InvalidInitialization")
        .withArgs(1n, 1n);
    });

    it("binds the initialization context to the implementation being registered", async function () {
      // The probe's initializer calls back into the proxy, routing to Staking's initializer: the open
      // context names the probe, not Staking, so Staking must refuse.
      const { admin, probeImpl, stakingImpl, token, owner, proxyAddress } = await loadFixture(deployBareFixture);
      await admin.addImplementation(ModuleId.Staking, await stakingImpl.getAddress(), "0x");
      const stakingInit = stakingImpl.interface.encodeFunctionData("initialize", [await token.getAddress(), 1n]);
      const hijack = probeImpl.interface.encodeFunctionData("initializeAndCall", [
        routeCalldata(ModuleId.Staking, stakingInit),
      ]);
      await expect(admin.addImplementation(PROBE_ID, await probeImpl.getAddress(), hijack)).to.be.revertedWithCustomError(
        stakingImpl,
        "NotInitializing",
      );
      const staking = routed(Staking__factory, proxyAddress, ModuleId.Staking, owner);
      await expect(staking.initialize(await token.getAddress(), 1n)).to.be.revertedWithCustomError(
        staking,
        "NotInitializing",
      );
    });

    it("stops an initializer from re-entering itself through the proxy", async function () {
      // The outer initializer used the context up: the re-entrant call finds it closed.
      const { admin, probeImpl } = await loadFixture(deployBareFixture);
      const reenter = probeImpl.interface.encodeFunctionData("initializeAndCall", [
        routeCalldata(PROBE_ID, probeImpl.interface.encodeFunctionData("initialize", [5n])),
      ]);
      await expect(admin.addImplementation(PROBE_ID, await probeImpl.getAddress(), reenter)).to.be.revertedWithCustomError(
        probeImpl,
        "NotInitializing",
      );
      expect(await admin.implementation(PROBE_ID)).to.equal(ethers.ZeroAddress);
    });

    it("serves one initializer per register or upgrade call: the context is single-use", async function () {
      // initializeBoth runs reinitializer(1) then reinitializer(2) in the owner's one call: the first
      // closes the context, so the second is refused and the whole registration rolls back.
      const { admin, probeImpl, owner, proxyAddress } = await loadFixture(deployBareFixture);
      const both = probeImpl.interface.encodeFunctionData("initializeBoth", [1n, 2n]);
      await expect(admin.addImplementation(PROBE_ID, await probeImpl.getAddress(), both)).to.be.revertedWithCustomError(
        probeImpl,
        "NotInitializing",
      );
      expect(await admin.implementation(PROBE_ID)).to.equal(ethers.ZeroAddress);
      // One step per call works: v1 at registration, v2 with an upgrade.
      await admin.addImplementation(PROBE_ID, await probeImpl.getAddress(), probeImpl.interface.encodeFunctionData("initialize", [1n]));
      const v2 = await new RoutingProbe__factory(owner).deploy();
      await admin.upgradeImplementation(PROBE_ID, await v2.getAddress(), v2.interface.encodeFunctionData("initializeV2", [2n]));
      expect(await routed(RoutingProbe__factory, proxyAddress, PROBE_ID, owner).initValue()).to.equal(2n);
    });

    it("initializes a module registered without init data later: remove and re-add it in one owner batch", async function () {
      // README "Safety rules": the documented way; the namespaced storage written in between is kept.
      const { admin, probeImpl, owner, proxyAddress } = await loadFixture(deployBareFixture);
      const impl = await probeImpl.getAddress();
      await admin.addImplementation(PROBE_ID, impl, "0x");
      const probe = routed(RoutingProbe__factory, proxyAddress, PROBE_ID, owner);
      await probe.increment();
      expect(await probe.initValue()).to.equal(0n);
      await expect(probe.initialize(9n)).to.be.revertedWithCustomError(probe, "NotInitializing");
      await expect(
        admin.batch([
          routeCalldata(ModuleId.Admin, admin.interface.encodeFunctionData("removeImplementation", [PROBE_ID])),
          routeCalldata(
            ModuleId.Admin,
            admin.interface.encodeFunctionData("addImplementation", [PROBE_ID, impl, probeImpl.interface.encodeFunctionData("initialize", [9n])]),
          ),
        ]),
      )
        .to.emit(probe, "Initialized")
        .withArgs(1n);
      expect(await probe.initValue()).to.equal(9n);
      expect(await probe.counter()).to.equal(1n);
      expect(await admin.implementation(PROBE_ID)).to.equal(impl);
    });

    it("closes the context when the initializer returns, even within the same transaction", async function () {
      // The owner is a contract that registers StakingV2 with its v1 initializer and then, in the same
      // transaction, calls the v2 migration through a plain routed call: the context must be closed by then.
      const [deployer] = await ethers.getSigners();
      const batcher = await new CallBatcher__factory(deployer).deploy();
      const proxy = await new LoadBalancer__factory(deployer).deploy(await batcher.getAddress());
      const proxyAddress = await proxy.getAddress();
      const v2 = await new StakingV2__factory(deployer).deploy();
      const token = await new StakingV2__factory(deployer).deploy(); // any contract address serves as token here
      const register = routeCalldata(
        ModuleId.Admin,
        LoadBalancerAdmin__factory.createInterface().encodeFunctionData("addImplementation", [
          ModuleId.Staking,
          await v2.getAddress(),
          v2.interface.encodeFunctionData("initialize", [await token.getAddress(), 100n]),
        ]),
      );
      const migrate = routeCalldata(ModuleId.Staking, v2.interface.encodeFunctionData("migrateToV2", [100n]));
      await expect(
        batcher.run([
          { target: proxyAddress, data: register },
          { target: proxyAddress, data: migrate },
        ]),
      ).to.be.revertedWithCustomError(v2, "NotInitializing");
      // Registration alone succeeds.
      await batcher.run([{ target: proxyAddress, data: register }]);
      expect(await adminOf(proxyAddress, deployer).implementation(ModuleId.Staking)).to.equal(await v2.getAddress());
    });
  });
});

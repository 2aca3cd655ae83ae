import { expect } from "chai";
import { ethers } from "hardhat";
import { deploySystem } from "../../scripts/deploy";
import { MockERC20__factory, Staking__factory, Voting__factory } from "../../typechain-types";
import { ModuleId, adminOf, routeCalldata, routed } from "../../scripts/lib/routing";

describe("deployment (scripts/deploy.ts)", function () {
  it("deploys, registers and initializes Staking and Voting on the in-process network", async function () {
    const [owner, alice] = await ethers.getSigners();
    const d = await deploySystem({ owner });
    const admin = adminOf(d.proxy, owner);
    expect(await admin.owner()).to.equal(owner.address);
    expect((await admin.implementations()).map((m) => [Number(m.id), m.implementation, m.paused])).to.deep.equal([
      [ModuleId.Staking, d.staking, false],
      [ModuleId.Voting, d.voting, false],
    ]);
    expect(await admin.adminModule()).to.equal(d.admin);

    const staking = routed(Staking__factory, d.proxy, ModuleId.Staking, alice);
    expect(await staking.stakingToken()).to.equal(d.token);
    expect(await staking.rewardsDuration()).to.equal(7n * 24n * 3600n);
    const voting = routed(Voting__factory, d.proxy, ModuleId.Voting, alice);
    expect(await voting.votingConfig()).to.deep.equal([3600n, 30n * 24n * 3600n, 1000n]);

    // Both initializers ran: a second run is refused.
    await expect(staking.initialize(d.token, 1n)).to.be.revertedWithCustomError(staking, "NotInitializing");

    // The system works end to end through the proxy.
    const token = MockERC20__factory.connect(d.token, alice);
    await token.mint(alice.address, 100n);
    await token.approve(d.proxy, 100n);
    await staking.stake(100n);
    expect(await staking.stakeOf(alice.address)).to.equal(100n);
  });

  it("uses an existing token when one is given", async function () {
    const [owner] = await ethers.getSigners();
    const token = await new MockERC20__factory(owner).deploy("Existing", "EXT");
    const d = await deploySystem({ owner, stakingToken: await token.getAddress() });
    expect(d.token).to.equal(await token.getAddress());
  });
});

describe("routing helper (scripts/lib/routing.ts)", function () {
  it("prefixes the id byte to the module's calldata", function () {
    expect(routeCalldata(1, "0xa694fc3a")).to.equal("0x01a694fc3a");
    expect(routeCalldata(255, "0x")).to.equal("0xff");
    expect(routeCalldata(0, "0x12")).to.equal("0x0012");
  });

  it("rejects ids outside 0..255", function () {
    expect(() => routeCalldata(256, "0x")).to.throw(RangeError, /0\.\.255/);
    expect(() => routeCalldata(-1, "0x")).to.throw(RangeError);
    expect(() => routeCalldata(1.5, "0x")).to.throw(RangeError);
  });

  it("routes reads through a provider-only runner", async function () {
    const [owner] = await ethers.getSigners();
    const d = await deploySystem({ owner });
    expect(await adminOf(d.proxy, ethers.provider).owner()).to.equal(owner.address);
  });
});

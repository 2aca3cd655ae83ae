import { expect } from "chai";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { ZeroAddress, ZeroHash } from "ethers";
import { DeployConfigError, deploySystem, optionsFromEnv } from "../../scripts/deploy";
import {
  MockERC20__factory,
  StakingV2__factory,
  Staking__factory,
  TimelockController__factory,
  Voting__factory,
} from "../../typechain-types";
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
    expect(await voting.votingConfig()).to.deep.equal([3600n, 30n * 24n * 3600n, 1000n, 10n ** 18n]);
    expect(d.owner).to.equal(owner.address);
    expect(d.timelock).to.equal(undefined);

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

describe("deployment with a TimelockController as owner (scripts/deploy.ts)", function () {
  const DELAY = 2n * 24n * 3600n;

  async function timelockDeployment() {
    const [deployer, proposer, executor, stranger] = await ethers.getSigners();
    const d = await deploySystem({
      owner: deployer,
      timelock: { minDelay: DELAY, proposers: [proposer.address], executors: [executor.address] },
    });
    const timelock = TimelockController__factory.connect(d.timelock!, deployer);
    return { d, timelock, deployer, proposer, executor, stranger };
  }

  it("ends with the timelock as owner, the final delay and roles, and no power left to the deployer", async function () {
    const { d, timelock, deployer, proposer, executor } = await timelockDeployment();
    const admin = adminOf(d.proxy, deployer);
    expect(await admin.owner()).to.equal(d.timelock);
    expect(d.owner).to.equal(d.timelock);
    expect(await admin.pendingOwner()).to.equal(ZeroAddress);
    expect(await timelock.getMinDelay()).to.equal(DELAY);
    const [PROPOSER, EXECUTOR, CANCELLER, ADMIN] = await Promise.all([
      timelock.PROPOSER_ROLE(),
      timelock.EXECUTOR_ROLE(),
      timelock.CANCELLER_ROLE(),
      timelock.DEFAULT_ADMIN_ROLE(),
    ]);
    for (const role of [PROPOSER, EXECUTOR, CANCELLER, ADMIN]) expect(await timelock.hasRole(role, deployer.address)).to.equal(false);
    expect(await timelock.hasRole(PROPOSER, proposer.address)).to.equal(true);
    expect(await timelock.hasRole(CANCELLER, proposer.address)).to.equal(true);
    expect(await timelock.hasRole(EXECUTOR, executor.address)).to.equal(true);
    expect(await timelock.hasRole(ADMIN, d.timelock!)).to.equal(true); // only the timelock administers itself
    // The deployer's direct owner calls are refused.
    await expect(admin.setPaused(ModuleId.Staking, true))
      .to.be.revertedWithCustomError(admin, "OwnableUnauthorizedAccount")
      .withArgs(deployer.address);
  });

  it("every owner action waits the delay: schedule, too early refused, then executed", async function () {
    const { d, timelock, proposer, executor, stranger } = await timelockDeployment();
    const admin = adminOf(d.proxy, stranger);
    const pause = routeCalldata(ModuleId.Admin, admin.interface.encodeFunctionData("setPaused", [ModuleId.Staking, true]));
    const salt = ZeroHash;
    await expect(timelock.connect(proposer).schedule(d.proxy, 0n, pause, ZeroHash, salt, DELAY - 1n))
      .to.be.revertedWithCustomError(timelock, "TimelockInsufficientDelay")
      .withArgs(DELAY - 1n, DELAY);
    await expect(timelock.connect(stranger).schedule(d.proxy, 0n, pause, ZeroHash, salt, DELAY)).to.be.revertedWithCustomError(
      timelock,
      "AccessControlUnauthorizedAccount",
    );
    await timelock.connect(proposer).schedule(d.proxy, 0n, pause, ZeroHash, salt, DELAY);
    await expect(timelock.connect(executor).execute(d.proxy, 0n, pause, ZeroHash, salt)).to.be.revertedWithCustomError(
      timelock,
      "TimelockUnexpectedOperationState",
    );
    await time.increase(DELAY);
    await timelock.connect(executor).execute(d.proxy, 0n, pause, ZeroHash, salt);
    expect(await admin.isPaused(ModuleId.Staking)).to.equal(true);
  });

  it("runs an upgrade with its migration through the timelock (the timelock is the owner the initializer checks)", async function () {
    const { d, timelock, deployer, proposer, executor } = await timelockDeployment();
    const v2 = await new StakingV2__factory(deployer).deploy();
    const admin = adminOf(d.proxy, deployer);
    const upgrade = routeCalldata(
      ModuleId.Admin,
      admin.interface.encodeFunctionData("upgradeImplementation", [
        ModuleId.Staking,
        await v2.getAddress(),
        v2.interface.encodeFunctionData("migrateToV2", [3n * 24n * 3600n]),
      ]),
    );
    await timelock.connect(proposer).schedule(d.proxy, 0n, upgrade, ZeroHash, ZeroHash, DELAY);
    await time.increase(DELAY);
    await expect(timelock.connect(executor).execute(d.proxy, 0n, upgrade, ZeroHash, ZeroHash))
      .to.emit(routed(StakingV2__factory, d.proxy, ModuleId.Staking, deployer), "MigratedToV2")
      .withArgs(d.timelock, 3n * 24n * 3600n);
    expect(await admin.implementation(ModuleId.Staking)).to.equal(await v2.getAddress());
  });

  it("keeps the deployer's roles it was given, and an open executor role (the zero address)", async function () {
    const [deployer] = await ethers.getSigners();
    const d = await deploySystem({ owner: deployer, timelock: { minDelay: 60n, proposers: [deployer.address], executors: [ZeroAddress] } });
    const timelock = TimelockController__factory.connect(d.timelock!, deployer);
    expect(await timelock.hasRole(await timelock.PROPOSER_ROLE(), deployer.address)).to.equal(true);
    expect(await timelock.hasRole(await timelock.EXECUTOR_ROLE(), deployer.address)).to.equal(false);
    expect(await timelock.hasRole(await timelock.EXECUTOR_ROLE(), ZeroAddress)).to.equal(true);
  });

  it("refuses unusable timelock settings with one clear error", async function () {
    const [deployer] = await ethers.getSigners();
    const bad = [
      [{ minDelay: 1n, proposers: [], executors: [] }, /at least one proposer/],
      [{ minDelay: -1n, proposers: [deployer.address], executors: [] }, /minDelay must be >= 0/],
      [{ minDelay: 1n, proposers: ["0x1234"], executors: [] }, /not an address: 0x1234/],
      [{ minDelay: 1n, proposers: [ZeroAddress], executors: [] }, /proposer cannot be the zero address/],
    ] as const;
    for (const [timelock, message] of bad) {
      let error: unknown;
      try {
        await deploySystem({ owner: deployer, timelock: { ...timelock, proposers: [...timelock.proposers], executors: [...timelock.executors] } });
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(DeployConfigError);
      expect((error as Error).message).to.match(message);
    }
  });

  it("reads the settings from the environment and names the variable on bad input", function () {
    const a = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
    const b = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
    expect(optionsFromEnv({})).to.deep.equal({});
    expect(optionsFromEnv({ TIMELOCK_MIN_DELAY: "172800", TIMELOCK_PROPOSERS: `${a}, ${b}`, PROPOSAL_THRESHOLD: "5" })).to.deep.equal({
      proposalThreshold: 5n,
      timelock: { minDelay: 172800n, proposers: [a, b], executors: [a, b] },
    });
    expect(optionsFromEnv({ TIMELOCK_MIN_DELAY: "0", TIMELOCK_PROPOSERS: a, TIMELOCK_EXECUTORS: ZeroAddress }).timelock!.executors).to.deep.equal([ZeroAddress]);
    const cases: [NodeJS.ProcessEnv, RegExp][] = [
      [{ TIMELOCK_MIN_DELAY: "60" }, /TIMELOCK_MIN_DELAY needs TIMELOCK_PROPOSERS/],
      [{ TIMELOCK_PROPOSERS: a }, /need TIMELOCK_MIN_DELAY/],
      [{ TIMELOCK_MIN_DELAY: "2 days", TIMELOCK_PROPOSERS: a }, /TIMELOCK_MIN_DELAY must be a whole number/],
      [{ TIMELOCK_MIN_DELAY: "60", TIMELOCK_PROPOSERS: "alice" }, /TIMELOCK_PROPOSERS: not an address: alice/],
      [{ TIMELOCK_MIN_DELAY: "60", TIMELOCK_PROPOSERS: a, TIMELOCK_EXECUTORS: "x" }, /TIMELOCK_EXECUTORS: not an address: x/],
      [{ STAKING_TOKEN: "0xnope" }, /STAKING_TOKEN: not an address/],
      [{ PROPOSAL_THRESHOLD: "-1" }, /PROPOSAL_THRESHOLD must be a whole number/],
    ];
    for (const [env, message] of cases) expect(() => optionsFromEnv(env)).to.throw(DeployConfigError, message);
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

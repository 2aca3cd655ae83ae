import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, setStorageAt, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { AbiCoder, keccak256, type FunctionFragment, type ParamType } from "ethers";
import {
  FeeOnTransferERC20__factory,
  LoadBalancer__factory,
  ReentrantERC20__factory,
  Staking__factory,
  StakingV2__factory,
  type Staking,
} from "../../typechain-types";
import { ModuleId, adminOf, routeCalldata, routed } from "../../scripts/lib/routing";
import { DAY, REWARDS_DURATION, deployBareFixture, deploySystemFixture } from "./fixtures";

const PRECISION = 10n ** 18n;
const D = REWARDS_DURATION;
const E = 10n ** 18n; // one token

// ====================================================================================================
// Reference model of StakingRewards, written from the specification (not from LibStaking):
// rewards stream at `rate` per second until `periodFinish`; each staked token earns
// rewardPerToken = sum(dt * rate * 1e18 / totalStaked) (floor), and an account earns
// stake * (rewardPerToken - rewardPerToken at its last settlement) / 1e18 (floor) on top of what it had.
// What nobody can earn is "unallocated" and streams again with the next funding: the stream of any
// stretch with nothing staked, and the remainder of each funding's rate (streamed mod duration).
// ====================================================================================================
class StakingRewardsModel {
  periodFinish = 0n;
  rewardRate = 0n;
  lastUpdateTime = 0n;
  rewardPerTokenStored = 0n;
  totalStaked = 0n;
  funded = 0n;
  paid = 0n;
  unallocated = 0n;
  private readonly stakes = new Map<string, bigint>();
  private readonly userRewardPerTokenPaid = new Map<string, bigint>();
  private readonly rewards = new Map<string, bigint>();

  constructor(public duration: bigint) {}

  stakeOf(account: string): bigint {
    return this.stakes.get(account) ?? 0n;
  }

  lastTimeRewardApplicable(t: bigint): bigint {
    return t < this.periodFinish ? t : this.periodFinish;
  }

  rewardPerToken(t: bigint): bigint {
    if (this.totalStaked === 0n) return this.rewardPerTokenStored;
    const dt = this.lastTimeRewardApplicable(t) - this.lastUpdateTime;
    return this.rewardPerTokenStored + (dt * this.rewardRate * PRECISION) / this.totalStaked;
  }

  earned(account: string, t: bigint): bigint {
    const delta = this.rewardPerToken(t) - (this.userRewardPerTokenPaid.get(account) ?? 0n);
    return (this.stakeOf(account) * delta) / PRECISION + (this.rewards.get(account) ?? 0n);
  }

  unallocatedAt(t: bigint): bigint {
    if (this.totalStaked !== 0n) return this.unallocated;
    return this.unallocated + (this.lastTimeRewardApplicable(t) - this.lastUpdateTime) * this.rewardRate;
  }

  private settle(account: string | null, t: bigint): void {
    this.unallocated = this.unallocatedAt(t);
    this.rewardPerTokenStored = this.rewardPerToken(t);
    this.lastUpdateTime = this.lastTimeRewardApplicable(t);
    if (account !== null) {
      this.rewards.set(account, this.earned(account, t));
      this.userRewardPerTokenPaid.set(account, this.rewardPerTokenStored);
    }
  }

  stake(account: string, amount: bigint, t: bigint): void {
    this.settle(account, t);
    this.totalStaked += amount;
    this.stakes.set(account, this.stakeOf(account) + amount);
  }

  withdraw(account: string, amount: bigint, t: bigint): void {
    if (amount > this.stakeOf(account)) throw new Error("model: insufficient stake");
    this.settle(account, t);
    this.totalStaked -= amount;
    this.stakes.set(account, this.stakeOf(account) - amount);
  }

  claim(account: string, t: bigint): bigint {
    this.settle(account, t);
    const reward = this.rewards.get(account) ?? 0n;
    this.rewards.set(account, 0n);
    this.paid += reward;
    return reward;
  }

  notify(amount: bigint, t: bigint): void {
    this.settle(null, t);
    const leftover = t < this.periodFinish ? (this.periodFinish - t) * this.rewardRate : 0n;
    const streamed = amount + leftover + this.unallocated;
    const rate = streamed / this.duration;
    if (rate === 0n) throw new Error("model: reward too small");
    this.unallocated = streamed - rate * this.duration;
    this.funded += amount;
    this.rewardRate = rate;
    this.lastUpdateTime = t;
    this.periodFinish = t + this.duration;
  }
}

type StakingOf = (signer: HardhatEthersSigner) => Staking;
interface TokenLike {
  getAddress(): Promise<string>;
}

/** Drives the contract and the model with the same actions at the same exact timestamps. */
class Run {
  readonly model: StakingRewardsModel;
  private readonly accounts = new Map<string, HardhatEthersSigner>();

  constructor(
    readonly staking: StakingOf,
    readonly token: TokenLike,
    readonly owner: HardhatEthersSigner,
    readonly proxyAddress: string,
    duration = D,
  ) {
    this.model = new StakingRewardsModel(duration);
  }

  private track(who: HardhatEthersSigner) {
    this.accounts.set(who.address, who);
  }

  async stake(who: HardhatEthersSigner, amount: bigint, t: bigint) {
    this.track(who);
    await time.setNextBlockTimestamp(t);
    await expect(this.staking(who).stake(amount)).to.emit(this.staking(who), "Staked").withArgs(who.address, amount);
    this.model.stake(who.address, amount, t);
  }

  async withdraw(who: HardhatEthersSigner, amount: bigint, t: bigint) {
    await time.setNextBlockTimestamp(t);
    await expect(this.staking(who).withdraw(amount))
      .to.emit(this.staking(who), "Withdrawn")
      .withArgs(who.address, amount);
    this.model.withdraw(who.address, amount, t);
  }

  /** Claims and checks the amount paid (event and balances) against the model; returns it. */
  async claim(who: HardhatEthersSigner, t: bigint): Promise<bigint> {
    await time.setNextBlockTimestamp(t);
    const expected = this.model.claim(who.address, t);
    const tx = await this.staking(who).claimReward();
    if (expected === 0n) {
      await expect(tx).not.to.emit(this.staking(who), "RewardPaid");
    } else {
      await expect(tx).to.emit(this.staking(who), "RewardPaid").withArgs(who.address, expected);
    }
    await expect(tx).to.changeTokenBalances(this.token, [who.address, this.proxyAddress], [expected, -expected]);
    return expected;
  }

  async notify(amount: bigint, t: bigint) {
    await time.setNextBlockTimestamp(t);
    await expect(this.staking(this.owner).notifyRewardAmount(amount))
      .to.emit(this.staking(this.owner), "RewardAdded")
      .withArgs(amount, t + this.model.duration);
    this.model.notify(amount, t);
  }

  /** Moves time to `t` (if needed) and compares every view with the model at `t`. */
  async check(t: bigint) {
    if (BigInt(await time.latest()) < t) await time.increaseTo(t);
    expect(BigInt(await time.latest())).to.equal(t);
    const s = this.staking(this.owner);
    expect(await s.rewardPerToken()).to.equal(this.model.rewardPerToken(t), "rewardPerToken");
    expect(await s.lastTimeRewardApplicable()).to.equal(this.model.lastTimeRewardApplicable(t));
    expect(await s.totalStaked()).to.equal(this.model.totalStaked);
    expect(await s.rewardRate()).to.equal(this.model.rewardRate);
    expect(await s.periodFinish()).to.equal(this.model.periodFinish);
    expect(await s.totalRewardsFunded()).to.equal(this.model.funded);
    expect(await s.totalRewardsPaid()).to.equal(this.model.paid);
    expect(await s.unallocatedRewards()).to.equal(this.model.unallocatedAt(t), "unallocatedRewards");
    for (const [address] of this.accounts) {
      expect(await s.earned(address)).to.equal(this.model.earned(address, t), `earned(${address})`);
      expect(await s.stakeOf(address)).to.equal(this.model.stakeOf(address));
    }
  }
}

async function now(): Promise<bigint> {
  return BigInt(await time.latest());
}

/** A zero value for each ABI parameter, to call any function with well-formed calldata. */
function zeroOf(param: ParamType): unknown {
  if (param.isArray()) return [];
  if (param.isTuple()) return param.components.map(zeroOf);
  if (param.baseType === "address") return ethers.ZeroAddress;
  if (param.baseType === "bool") return false;
  if (param.baseType === "string") return "";
  if (param.baseType === "bytes") return "0x";
  if (param.baseType.startsWith("bytes")) return ethers.zeroPadValue("0x", Number(param.baseType.slice(5)));
  return 0n;
}

/** A fresh proxy whose Staking (id 1) uses `tokenAddress`, funded users, typed accessors. */
interface MintableToken {
  getAddress(): Promise<string>;
  mint(to: string, amount: bigint): Promise<unknown>;
  connect(runner: HardhatEthersSigner): { approve(spender: string, amount: bigint): Promise<unknown> };
}

async function stakingProxyFor(token: MintableToken) {
  const [owner, alice, bob, carol, attacker] = await ethers.getSigners();
  const proxy = await new LoadBalancer__factory(owner).deploy(owner.address);
  const proxyAddress = await proxy.getAddress();
  const stakingImpl = await new Staking__factory(owner).deploy();
  const admin = adminOf(proxyAddress, owner);
  await admin.addImplementation(
    ModuleId.Staking,
    await stakingImpl.getAddress(),
    stakingImpl.interface.encodeFunctionData("initialize", [await token.getAddress(), D]),
  );
  for (const user of [owner, alice, bob, carol]) {
    await token.mint(user.address, ethers.parseEther("1000000"));
    await token.connect(user).approve(proxyAddress, ethers.MaxUint256);
  }
  const staking = (signer: HardhatEthersSigner = owner) =>
    routed(Staking__factory, proxyAddress, ModuleId.Staking, signer);
  return { owner, alice, bob, carol, attacker, proxyAddress, admin, staking, stakingImpl };
}

async function feeTokenFixture() {
  const [owner] = await ethers.getSigners();
  const token = await new FeeOnTransferERC20__factory(owner).deploy(100n); // 1%
  return { token, ...(await stakingProxyFor(token)) };
}

async function fullFeeTokenFixture() {
  const [owner] = await ethers.getSigners();
  const token = await new FeeOnTransferERC20__factory(owner).deploy(10_000n); // everything burnt
  return { token, ...(await stakingProxyFor(token)) };
}

async function reentrantTokenFixture() {
  const [owner] = await ethers.getSigners();
  const token = await new ReentrantERC20__factory(owner).deploy();
  return { token, ...(await stakingProxyFor(token)) };
}

/** System fixture where a period is running: alice 100 staked, 7_000 rewards funded. */
async function fundedFixture() {
  const sys = await deploySystemFixture();
  await sys.staking(sys.alice).stake(100n * E);
  await sys.staking(sys.owner).notifyRewardAmount(7_000n * E);
  return sys;
}

describe("Staking", function () {
  // ================================================================================================
  describe("initialize", function () {
    it("registers with token and duration, emitting RewardsDurationUpdated and Initialized(1)", async function () {
      const { admin, stakingImpl, token, proxyAddress, owner } = await loadFixture(deployBareFixture);
      const staking = routed(Staking__factory, proxyAddress, ModuleId.Staking, owner);
      const tx = admin.addImplementation(
        ModuleId.Staking,
        await stakingImpl.getAddress(),
        stakingImpl.interface.encodeFunctionData("initialize", [await token.getAddress(), 3n * DAY]),
      );
      await expect(tx).to.emit(staking, "RewardsDurationUpdated").withArgs(3n * DAY);
      await expect(tx).to.emit(staking, "Initialized").withArgs(1n);
      expect(await staking.stakingToken()).to.equal(await token.getAddress());
      expect(await staking.rewardsDuration()).to.equal(3n * DAY);
      expect(await staking.periodFinish()).to.equal(0n);
      expect(await staking.rewardRate()).to.equal(0n);
      expect(await staking.totalStaked()).to.equal(0n);
      expect(await staking.rewardPerToken()).to.equal(0n);
      expect(await staking.lastTimeRewardApplicable()).to.equal(0n);
    });

    it("rejects the zero token (ZeroAddress)", async function () {
      const { admin, stakingImpl } = await loadFixture(deployBareFixture);
      await expect(
        admin.addImplementation(
          ModuleId.Staking,
          await stakingImpl.getAddress(),
          stakingImpl.interface.encodeFunctionData("initialize", [ethers.ZeroAddress, D]),
        ),
      ).to.be.revertedWithCustomError(stakingImpl, "ZeroAddress").withArgs();
    });

    it("rejects a zero rewards duration (InvalidRewardsDuration(0))", async function () {
      const { admin, stakingImpl, token } = await loadFixture(deployBareFixture);
      await expect(
        admin.addImplementation(
          ModuleId.Staking,
          await stakingImpl.getAddress(),
          stakingImpl.interface.encodeFunctionData("initialize", [await token.getAddress(), 0n]),
        ),
      )
        .to.be.revertedWithCustomError(stakingImpl, "InvalidRewardsDuration")
        .withArgs(0n);
    });

    it("rejects a rewards duration above 365 days (InvalidRewardsDuration)", async function () {
      const { admin, stakingImpl, token } = await loadFixture(deployBareFixture);
      await expect(
        admin.addImplementation(
          ModuleId.Staking,
          await stakingImpl.getAddress(),
          stakingImpl.interface.encodeFunctionData("initialize", [await token.getAddress(), 365n * DAY + 1n]),
        ),
      )
        .to.be.revertedWithCustomError(stakingImpl, "InvalidRewardsDuration")
        .withArgs(365n * DAY + 1n);
    });

    it("accepts a duration of 1 second", async function () {
      const { admin, stakingImpl, token, proxyAddress, owner } = await loadFixture(deployBareFixture);
      await admin.addImplementation(
        ModuleId.Staking,
        await stakingImpl.getAddress(),
        stakingImpl.interface.encodeFunctionData("initialize", [await token.getAddress(), 1n]),
      );
      expect(await routed(Staking__factory, proxyAddress, ModuleId.Staking, owner).rewardsDuration()).to.equal(1n);
    });

    it("cannot run twice on the same storage (InvalidInitialization(1, 1)), by upgrade or by another id", async function () {
      const { admin, owner, token, staking } = await loadFixture(deploySystemFixture);
      const other = await new Staking__factory(owner).deploy();
      const init = other.interface.encodeFunctionData("initialize", [await token.getAddress(), 1n]);
      await expect(admin.upgradeImplementation(ModuleId.Staking, await other.getAddress(), init))
        .to.be.revertedWithCustomError(other, "InvalidInitialization")
        .withArgs(1n, 1n);
      // A second Staking id shares the Staking namespace, so it cannot re-initialize it either.
      await expect(admin.addImplementation(9, await other.getAddress(), init))
        .to.be.revertedWithCustomError(other, "InvalidInitialization")
        .withArgs(1n, 1n);
      expect(await staking().rewardsDuration()).to.equal(D);
    });

    it("cannot run through a plain routed call after registration (NotInitializing)", async function () {
      const { staking, owner, attacker, token } = await loadFixture(deploySystemFixture);
      for (const who of [owner, attacker]) {
        await expect(staking(who).initialize(await token.getAddress(), 1n)).to.be.revertedWithCustomError(
          staking(who),
          "NotInitializing",
        );
      }
      expect(await staking().rewardsDuration()).to.equal(D);
    });

    it("cannot run on the implementation itself (NotDelegateCall)", async function () {
      const { stakingImpl, token } = await loadFixture(deploySystemFixture);
      await expect(stakingImpl.initialize(await token.getAddress(), D)).to.be.revertedWithCustomError(
        stakingImpl,
        "NotDelegateCall",
      );
    });
  });

  // ================================================================================================
  describe("direct calls to the implementation", function () {
    it("every Staking function reverts NotDelegateCall when not called through the proxy", async function () {
      const { stakingImpl, owner } = await loadFixture(deploySystemFixture);
      const impl = stakingImpl.connect(owner);
      const fragments = impl.interface.fragments.filter((f): f is FunctionFragment => f.type === "function");
      const names = fragments.map((f) => f.name);
      expect(names).to.include.members([
        "initialize",
        "stake",
        "withdraw",
        "claimReward",
        "exit",
        "notifyRewardAmount",
        "setRewardsDuration",
        "stakingToken",
        "stakeOf",
        "totalStaked",
        "earned",
        "rewardPerToken",
        "lastTimeRewardApplicable",
        "rewardRate",
        "periodFinish",
        "rewardsDuration",
        "lockedUntil",
        "lockedStake",
        "stakeAt",
        "totalStakedAt",
        "totalRewardsFunded",
        "totalRewardsPaid",
        "unallocatedRewards",
      ]);
      for (const fragment of fragments) {
        const args = fragment.inputs.map(zeroOf);
        await expect(impl.getFunction(fragment.format("sighash"))(...args), fragment.name).to.be.revertedWithCustomError(
          impl,
          "NotDelegateCall",
        );
      }
    });
  });

  // ================================================================================================
  describe("stake", function () {
    it("pulls the tokens, credits the stake, emits Staked and returns the amount", async function () {
      const { staking, alice, token, proxyAddress } = await loadFixture(deploySystemFixture);
      const amount = 123n * E;
      expect(await staking(alice).stake.staticCall(amount)).to.equal(amount);
      const tx = await staking(alice).stake(amount);
      await expect(tx).to.emit(staking(alice), "Staked").withArgs(alice.address, amount);
      await expect(tx).to.emit(token, "Transfer").withArgs(alice.address, proxyAddress, amount);
      await expect(tx).to.changeTokenBalances(token, [alice, proxyAddress], [-amount, amount]);
      expect(await staking().stakeOf(alice.address)).to.equal(amount);
      expect(await staking().totalStaked()).to.equal(amount);
    });

    it("accumulates stakes of several accounts and several deposits", async function () {
      const { staking, alice, bob, token, proxyAddress } = await loadFixture(deploySystemFixture);
      await staking(alice).stake(10n);
      await staking(bob).stake(7n);
      await staking(alice).stake(5n);
      expect(await staking().stakeOf(alice.address)).to.equal(15n);
      expect(await staking().stakeOf(bob.address)).to.equal(7n);
      expect(await staking().totalStaked()).to.equal(22n);
      expect(await token.balanceOf(proxyAddress)).to.equal(22n);
    });

    it("accepts 1 wei", async function () {
      const { staking, alice } = await loadFixture(deploySystemFixture);
      await expect(staking(alice).stake(1n)).to.emit(staking(alice), "Staked").withArgs(alice.address, 1n);
      expect(await staking().stakeOf(alice.address)).to.equal(1n);
    });

    it("rejects 0 (ZeroAmount)", async function () {
      const { staking, alice } = await loadFixture(deploySystemFixture);
      await expect(staking(alice).stake(0n)).to.be.revertedWithCustomError(staking(alice), "ZeroAmount").withArgs();
    });

    it("rejects more than the balance (the token's ERC20InsufficientBalance bubbles up)", async function () {
      const { staking, alice, token, funded } = await loadFixture(deploySystemFixture);
      await expect(staking(alice).stake(funded + 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(alice.address, funded, funded + 1n);
      await expect(staking(alice).stake(ethers.MaxUint256))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(alice.address, funded, ethers.MaxUint256);
    });

    it("rejects a stake without allowance (ERC20InsufficientAllowance)", async function () {
      const { staking, alice, token, proxyAddress } = await loadFixture(deploySystemFixture);
      await token.connect(alice).approve(proxyAddress, 5n);
      await expect(staking(alice).stake(6n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientAllowance")
        .withArgs(proxyAddress, 5n, 6n);
    });

    it("handles stakes adding up to 2**208 - 1, the checkpoints' width, and refuses more (StakeTooLarge)", async function () {
      // The stake history is kept in OpenZeppelin Checkpoints (208-bit values), like ERC20Votes' supply cap.
      const { staking, alice, bob, carol, owner, token, proxyAddress } = await loadFixture(deploySystemFixture);
      const MAX_TOTAL = 2n ** 208n - 1n;
      await token.mint(alice.address, ethers.MaxUint256 - (await token.totalSupply()));
      const others = [bob, carol, owner];
      for (const who of others) await staking(who).stake(await token.balanceOf(who.address));
      const aliceShare = MAX_TOTAL - (await staking().totalStaked());
      await expect(staking(alice).stake(aliceShare + 1n))
        .to.be.revertedWithCustomError(staking(alice), "StakeTooLarge")
        .withArgs(MAX_TOTAL + 1n, MAX_TOTAL);
      await staking(alice).stake(aliceShare);
      expect(await staking().totalStaked()).to.equal(MAX_TOTAL);
      expect(await token.balanceOf(proxyAddress)).to.equal(MAX_TOTAL);
      expect(await staking().stakeOf(alice.address)).to.equal(aliceShare);
      await expect(staking(alice).stake(1n)).to.be.revertedWithCustomError(staking(alice), "StakeTooLarge");
      // and all of it comes back out, with the history kept
      const t = BigInt(await time.latest());
      await expect(staking(alice).withdraw(aliceShare)).to.emit(staking(alice), "Withdrawn").withArgs(alice.address, aliceShare);
      expect(await staking().totalStaked()).to.equal(MAX_TOTAL - aliceShare);
      expect(await staking().totalStakedAt(t)).to.equal(MAX_TOTAL);
      expect(await staking().stakeAt(alice.address, t)).to.equal(aliceShare);
    });

    it("checkpoints every stake change by second: stakeAt and totalStakedAt read the history", async function () {
      const { staking, alice, bob } = await loadFixture(deploySystemFixture);
      const t0 = (await now()) + 10n;
      await time.setNextBlockTimestamp(t0);
      await staking(alice).stake(100n);
      await time.setNextBlockTimestamp(t0 + 5n);
      await staking(bob).stake(30n);
      await time.setNextBlockTimestamp(t0 + 9n);
      await staking(alice).withdraw(40n);
      await time.setNextBlockTimestamp(t0 + 12n);
      await staking(alice).stake(1n);
      const at = async (t: bigint) => [await staking().stakeAt(alice.address, t), await staking().stakeAt(bob.address, t), await staking().totalStakedAt(t)];
      expect(await at(t0 - 1n)).to.deep.equal([0n, 0n, 0n]);
      expect(await at(t0)).to.deep.equal([100n, 0n, 100n]);
      expect(await at(t0 + 4n)).to.deep.equal([100n, 0n, 100n]);
      expect(await at(t0 + 5n)).to.deep.equal([100n, 30n, 130n]);
      expect(await at(t0 + 9n)).to.deep.equal([60n, 30n, 90n]);
      expect(await at(t0 + 11n)).to.deep.equal([60n, 30n, 90n]);
      expect(await at(t0 + 12n)).to.deep.equal([61n, 30n, 91n]);
      expect(await at(t0 + 1000n)).to.deep.equal([61n, 30n, 91n]);
      // never staked: no history at all
      expect(await staking().stakeAt(ethers.Wallet.createRandom().address, t0 + 5n)).to.equal(0n);
    });

    it("finds every past stake in a long history (binary search), with several changes in one second kept as the last", async function () {
      const { staking, alice } = await loadFixture(deploySystemFixture);
      const t0 = (await now()) + 10n;
      const expected: [bigint, bigint][] = []; // (second, stake at its end)
      let stake = 0n;
      for (let i = 0n; i < 21n; i++) {
        const t = t0 + 3n * i;
        await time.setNextBlockTimestamp(t);
        if (i % 3n === 2n) {
          await staking(alice).withdraw(2n);
          stake -= 2n;
        } else {
          await staking(alice).stake(5n + i);
          stake += 5n + i;
        }
        expected.push([t, stake]);
      }
      // Two changes in the same second (one block): the checkpoint holds the second one.
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        await staking(alice).stake(100n);
        await staking(alice).withdraw(1n);
        await time.setNextBlockTimestamp(t0 + 3n * 21n);
        await ethers.provider.send("evm_mine", []);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      stake += 99n;
      expected.push([t0 + 3n * 21n, stake]);
      for (let t = t0 - 2n; t <= t0 + 3n * 21n + 2n; t++) {
        const last = expected.filter(([at]) => at <= t).pop();
        expect(await staking().stakeAt(alice.address, t), `stake at ${t - t0}`).to.equal(last ? last[1] : 0n);
        expect(await staking().totalStakedAt(t)).to.equal(last ? last[1] : 0n);
      }
    });
  });

  // ================================================================================================
  describe("withdraw", function () {
    async function stakedFixture() {
      const sys = await deploySystemFixture();
      await sys.staking(sys.alice).stake(100n);
      await sys.staking(sys.bob).stake(50n);
      return sys;
    }

    it("pays back part of the stake and emits Withdrawn", async function () {
      const { staking, alice, token, proxyAddress } = await loadFixture(stakedFixture);
      const tx = await staking(alice).withdraw(40n);
      await expect(tx).to.emit(staking(alice), "Withdrawn").withArgs(alice.address, 40n);
      await expect(tx).to.changeTokenBalances(token, [alice, proxyAddress], [40n, -40n]);
      expect(await staking().stakeOf(alice.address)).to.equal(60n);
      expect(await staking().totalStaked()).to.equal(110n);
    });

    it("withdraws exactly the whole stake", async function () {
      const { staking, alice } = await loadFixture(stakedFixture);
      await expect(staking(alice).withdraw(100n)).to.emit(staking(alice), "Withdrawn").withArgs(alice.address, 100n);
      expect(await staking().stakeOf(alice.address)).to.equal(0n);
      expect(await staking().totalStaked()).to.equal(50n);
    });

    it("withdraws 1 wei", async function () {
      const { staking, alice } = await loadFixture(stakedFixture);
      await staking(alice).withdraw(1n);
      expect(await staking().stakeOf(alice.address)).to.equal(99n);
    });

    it("rejects stake + 1 (InsufficientStake)", async function () {
      const { staking, alice } = await loadFixture(stakedFixture);
      await expect(staking(alice).withdraw(101n))
        .to.be.revertedWithCustomError(staking(alice), "InsufficientStake")
        .withArgs(alice.address, 100n, 101n);
      await expect(staking(alice).withdraw(ethers.MaxUint256))
        .to.be.revertedWithCustomError(staking(alice), "InsufficientStake")
        .withArgs(alice.address, 100n, ethers.MaxUint256);
    });

    it("rejects a withdrawal by an account with no stake (InsufficientStake(account, 0, amount))", async function () {
      const { staking, carol } = await loadFixture(stakedFixture);
      await expect(staking(carol).withdraw(1n))
        .to.be.revertedWithCustomError(staking(carol), "InsufficientStake")
        .withArgs(carol.address, 0n, 1n);
    });

    it("rejects 0 (ZeroAmount)", async function () {
      const { staking, alice } = await loadFixture(stakedFixture);
      await expect(staking(alice).withdraw(0n)).to.be.revertedWithCustomError(staking(alice), "ZeroAmount").withArgs();
    });
  });

  // ================================================================================================
  describe("claimReward", function () {
    it("returns 0 without event or transfer when nothing accrued", async function () {
      const { staking, alice, token, proxyAddress } = await loadFixture(deploySystemFixture);
      await staking(alice).stake(100n); // staked, but no reward period
      expect(await staking(alice).claimReward.staticCall()).to.equal(0n);
      const tx = await staking(alice).claimReward();
      await expect(tx).not.to.emit(staking(alice), "RewardPaid");
      await expect(tx).not.to.emit(token, "Transfer");
      await expect(tx).to.changeTokenBalances(token, [alice, proxyAddress], [0n, 0n]);
      expect(await staking().totalRewardsPaid()).to.equal(0n);
    });

    it("returns 0 for an account that never staked, even during a period", async function () {
      const { staking, carol } = await loadFixture(fundedFixture);
      await time.increase(DAY);
      expect(await staking(carol).claimReward.staticCall()).to.equal(0n);
      await expect(staking(carol).claimReward()).not.to.emit(staking(carol), "RewardPaid");
    });

    it("pays what earned() shows (return value, event, balances), then only what accrued since", async function () {
      const { staking, owner, alice, token, proxyAddress } = await loadFixture(deploySystemFixture);
      const run = new Run(staking, token, owner, proxyAddress);
      const t0 = (await now()) + 100n;
      await run.stake(alice, 100n * E, t0);
      await run.notify(7_000n * E, t0 + 1n);
      await run.check(t0 + 1n + DAY);
      const shown = await staking().earned(alice.address);
      expect(shown).to.be.greaterThan(0n);
      expect(await staking(alice).claimReward.staticCall()).to.equal(shown); // evaluated at the same timestamp
      const paid = await run.claim(alice, t0 + 2n + DAY);
      expect(paid).to.be.greaterThan(shown);
      await run.check(t0 + 2n + DAY);
      expect(await staking().earned(alice.address)).to.equal(0n);
      expect(await staking().totalRewardsPaid()).to.equal(paid);
      const next = await run.claim(alice, t0 + 3n + DAY); // one second of rewards
      expect(next).to.be.greaterThan(0n);
      expect(next).to.be.lessThan(paid);
      await run.check(t0 + 3n + DAY);
    });
  });

  // ================================================================================================
  describe("exit", function () {
    it("withdraws the whole stake and pays the rewards", async function () {
      const { staking, alice, owner, token, proxyAddress } = await loadFixture(deploySystemFixture);
      const run = new Run(staking, token, owner, proxyAddress);
      const t0 = (await now()) + 10n;
      await run.stake(alice, 100n * E, t0);
      await run.notify(7_000n * E, t0 + 1n);
      const t = t0 + 1n + DAY;
      await time.setNextBlockTimestamp(t);
      const reward = run.model.claim(alice.address, t);
      run.model.withdraw(alice.address, 100n * E, t);
      const rate = (7_000n * E) / D;
      expect(reward).to.equal((100n * E * ((DAY * rate * PRECISION) / (100n * E))) / PRECISION); // closed form
      const tx = await staking(alice).exit();
      await expect(tx).to.emit(staking(alice), "Withdrawn").withArgs(alice.address, 100n * E);
      await expect(tx).to.emit(staking(alice), "RewardPaid").withArgs(alice.address, reward);
      await expect(tx).to.changeTokenBalances(token, [alice, proxyAddress], [100n * E + reward, -(100n * E + reward)]);
      await run.check(t);
    });

    it("with no stake left only claims", async function () {
      const { staking, alice, token } = await loadFixture(fundedFixture);
      await time.increase(DAY);
      await staking(alice).withdraw(100n * E);
      const pending = await staking().earned(alice.address);
      expect(pending).to.be.greaterThan(0n);
      const tx = await staking(alice).exit(); // no stake accrues after the withdrawal
      await expect(tx).not.to.emit(staking(alice), "Withdrawn");
      await expect(tx).to.emit(staking(alice), "RewardPaid").withArgs(alice.address, pending);
      await expect(tx).to.changeTokenBalance(token, alice, pending);
    });

    it("withdraws a 1-wei stake", async function () {
      const { staking, carol, token } = await loadFixture(deploySystemFixture);
      await staking(carol).stake(1n);
      const tx = await staking(carol).exit();
      await expect(tx).to.emit(staking(carol), "Withdrawn").withArgs(carol.address, 1n);
      await expect(tx).not.to.emit(staking(carol), "RewardPaid");
      await expect(tx).to.changeTokenBalance(token, carol, 1n);
      expect(await staking().stakeOf(carol.address)).to.equal(0n);
    });

    it("with neither stake nor rewards does nothing and does not revert", async function () {
      const { staking, carol, token } = await loadFixture(fundedFixture);
      const tx = await staking(carol).exit();
      await expect(tx).not.to.emit(staking(carol), "Withdrawn");
      await expect(tx).not.to.emit(staking(carol), "RewardPaid");
      await expect(tx).not.to.emit(token, "Transfer");
    });
  });

  // ================================================================================================
  describe("notifyRewardAmount", function () {
    it("is owner only (OwnableUnauthorizedAccount)", async function () {
      const { staking, attacker, alice } = await loadFixture(deploySystemFixture);
      for (const who of [attacker, alice]) {
        await expect(staking(who).notifyRewardAmount(D))
          .to.be.revertedWithCustomError(staking(who), "OwnableUnauthorizedAccount")
          .withArgs(who.address);
      }
    });

    it("rejects 0 (ZeroAmount)", async function () {
      const { staking } = await loadFixture(deploySystemFixture);
      await expect(staking().notifyRewardAmount(0n)).to.be.revertedWithCustomError(staking(), "ZeroAmount").withArgs();
    });

    it("rejects an amount below the duration (RewardTooSmall) and accepts exactly the duration", async function () {
      const { staking, token, owner, proxyAddress } = await loadFixture(deploySystemFixture);
      await expect(staking().notifyRewardAmount(D - 1n))
        .to.be.revertedWithCustomError(staking(), "RewardTooSmall")
        .withArgs(D - 1n, D);
      await expect(staking().notifyRewardAmount(1n))
        .to.be.revertedWithCustomError(staking(), "RewardTooSmall")
        .withArgs(1n, D);
      const t = (await now()) + 5n;
      await time.setNextBlockTimestamp(t);
      const tx = await staking().notifyRewardAmount(D);
      await expect(tx).to.emit(staking(), "RewardAdded").withArgs(D, t + D);
      await expect(tx).to.changeTokenBalances(token, [owner, proxyAddress], [-D, D]);
      expect(await staking().rewardRate()).to.equal(1n);
      expect(await staking().periodFinish()).to.equal(t + D);
      expect(await staking().lastTimeRewardApplicable()).to.equal(t);
      expect(await staking().totalRewardsFunded()).to.equal(D);
    });

    it("rejects a rate whose accumulator could overflow (RewardRateTooHigh) and accepts the largest safe one", async function () {
      const { staking, token, owner } = await loadFixture(deploySystemFixture);
      const maxRate = ethers.MaxUint256 / (D * 10n ** 18n);
      await token.mint(owner.address, (maxRate + 1n) * D);
      await expect(staking().notifyRewardAmount((maxRate + 1n) * D))
        .to.be.revertedWithCustomError(staking(), "RewardRateTooHigh")
        .withArgs(maxRate + 1n, maxRate);
      await staking().notifyRewardAmount(maxRate * D);
      expect(await staking().rewardRate()).to.equal(maxRate);
      // A staker can still stake, accrue over the whole period and leave: nothing overflows.
      await staking().stake(1n);
      await time.increase(D + 1n);
      expect(await staking().earned(owner.address)).to.be.greaterThan(0n);
      await staking().exit();
    });

    it("caps the rate by the accumulator's headroom: several periods at the cap with 1 wei staked never overflow", async function () {
      // With 1 wei staked, a period at rate r raises rewardPerToken by D * r * 1e18. A cap taken from the
      // full uint256 range allows that once; a second period at the same cap overflowed the accumulator
      // and froze every stake, withdrawal and claim. The cap is now the headroom left above it.
      const { staking, token, owner, alice } = await loadFixture(deploySystemFixture);
      const scale = D * PRECISION;
      const fullRangeCap = ethers.MaxUint256 / scale;
      await token.mint(owner.address, 4n * fullRangeCap * D);
      await staking(alice).stake(1n);
      let stored = 0n;
      for (let period = 0; period < 3; period++) {
        const cap = (ethers.MaxUint256 - stored) / scale;
        if (period > 0) {
          // What the full-range cap would still let through is refused now.
          await expect(staking().notifyRewardAmount(fullRangeCap * D))
            .to.be.revertedWithCustomError(staking(), "RewardRateTooHigh")
            .withArgs(fullRangeCap, cap);
        }
        await expect(staking().notifyRewardAmount((cap + 1n) * D))
          .to.be.revertedWithCustomError(staking(), "RewardRateTooHigh")
          .withArgs(cap + 1n, cap);
        // Half the headroom, then (last period) all of it.
        const rate = period === 2 ? cap : cap / 2n;
        await staking().notifyRewardAmount(rate * D);
        await time.increase(D);
        stored += D * rate * PRECISION;
        expect(await staking().rewardPerToken()).to.equal(stored);
        // Every path that settles the accumulator still works.
        await staking(alice).claimReward();
      }
      // The headroom is used up (less than one period at 1 wei per second): funding is refused, not frozen.
      expect(ethers.MaxUint256 - stored).to.be.lessThan(scale);
      await expect(staking().notifyRewardAmount(D)).to.be.revertedWithCustomError(staking(), "RewardRateTooHigh").withArgs(1n, 0n);
      await expect(staking(alice).exit()).to.emit(staking(alice), "Withdrawn").withArgs(alice.address, 1n);
      expect(await staking().totalRewardsPaid()).to.equal(stored / PRECISION);
    });

    it("rejects a small top-up only if the combined rate is zero", async function () {
      const { staking } = await loadFixture(deploySystemFixture);
      await staking().notifyRewardAmount(D); // rate 1 over D
      // with 1 * (D - 1) still undistributed, a 1-wei top-up gives (1 + D - 1) / D = 1
      const t = (await now()) + 1n;
      await time.setNextBlockTimestamp(t);
      await expect(staking().notifyRewardAmount(1n)).to.emit(staking(), "RewardAdded").withArgs(1n, t + D);
      expect(await staking().rewardRate()).to.equal(1n);
    });

    it("rejects the owner's tokens beyond balance (ERC20InsufficientBalance)", async function () {
      const { staking, token, owner, funded } = await loadFixture(deploySystemFixture);
      await expect(staking().notifyRewardAmount(funded + 1n))
        .to.be.revertedWithCustomError(token, "ERC20InsufficientBalance")
        .withArgs(owner.address, funded, funded + 1n);
    });

    it("rejects funding when the proxy's balance no longer covers stakes + rewards owed (Insolvent)", async function () {
      // No mock token shrinks balances by itself, so a negative rebase of the proxy's balance is
      // simulated by writing MockERC20's `_balances[proxy]` (OZ ERC20: mapping at slot 0).
      const { staking, alice, token, proxyAddress } = await loadFixture(deploySystemFixture);
      await staking(alice).stake(1_000n);
      const slot = keccak256(AbiCoder.defaultAbiCoder().encode(["address", "uint256"], [proxyAddress, 0n]));
      await setStorageAt(await token.getAddress(), slot, 999n);
      expect(await token.balanceOf(proxyAddress)).to.equal(999n);
      await expect(staking().notifyRewardAmount(D))
        .to.be.revertedWithCustomError(staking(), "Insolvent")
        .withArgs(999n + D, 1_000n + D);
      // restoring the balance makes the same funding pass: the check is exact
      await setStorageAt(await token.getAddress(), slot, 1_000n);
      await expect(staking().notifyRewardAmount(D)).to.emit(staking(), "RewardAdded");
    });
  });

  // ================================================================================================
  describe("setRewardsDuration", function () {
    it("is owner only (OwnableUnauthorizedAccount)", async function () {
      const { staking, attacker } = await loadFixture(deploySystemFixture);
      await expect(staking(attacker).setRewardsDuration(DAY))
        .to.be.revertedWithCustomError(staking(attacker), "OwnableUnauthorizedAccount")
        .withArgs(attacker.address);
    });

    it("sets the duration before any period and emits RewardsDurationUpdated", async function () {
      const { staking } = await loadFixture(deploySystemFixture);
      await expect(staking().setRewardsDuration(DAY)).to.emit(staking(), "RewardsDurationUpdated").withArgs(DAY);
      expect(await staking().rewardsDuration()).to.equal(DAY);
      await expect(staking().setRewardsDuration(1n)).to.emit(staking(), "RewardsDurationUpdated").withArgs(1n);
    });

    it("rejects 0 (InvalidRewardsDuration(0))", async function () {
      const { staking } = await loadFixture(deploySystemFixture);
      await expect(staking().setRewardsDuration(0n))
        .to.be.revertedWithCustomError(staking(), "InvalidRewardsDuration")
        .withArgs(0n);
    });

    it("accepts up to 365 days and rejects longer (InvalidRewardsDuration)", async function () {
      const { staking } = await loadFixture(deploySystemFixture);
      for (const tooLong of [365n * DAY + 1n, ethers.MaxUint256]) {
        await expect(staking().setRewardsDuration(tooLong))
          .to.be.revertedWithCustomError(staking(), "InvalidRewardsDuration")
          .withArgs(tooLong);
      }
      await expect(staking().setRewardsDuration(365n * DAY)).to.emit(staking(), "RewardsDurationUpdated").withArgs(365n * DAY);
      // The longest period still funds and streams.
      await staking().notifyRewardAmount(365n * DAY * 1_000n);
      expect(await staking().periodFinish()).to.equal(BigInt(await time.latest()) + 365n * DAY);
    });

    it("is rejected during a period up to its last second (RewardPeriodActive) and allowed at periodFinish", async function () {
      const { staking } = await loadFixture(fundedFixture);
      const finish = await staking().periodFinish();
      await expect(staking().setRewardsDuration(DAY))
        .to.be.revertedWithCustomError(staking(), "RewardPeriodActive")
        .withArgs(finish);
      await time.setNextBlockTimestamp(finish - 1n);
      await expect(staking().setRewardsDuration(DAY))
        .to.be.revertedWithCustomError(staking(), "RewardPeriodActive")
        .withArgs(finish);
      await time.setNextBlockTimestamp(finish);
      await expect(staking().setRewardsDuration(DAY)).to.emit(staking(), "RewardsDurationUpdated").withArgs(DAY);
    });

    it("the next period uses the new duration", async function () {
      const { staking } = await loadFixture(fundedFixture);
      const finish = await staking().periodFinish();
      await time.setNextBlockTimestamp(finish + 10n);
      await staking().setRewardsDuration(3n * DAY);
      const t = finish + 20n;
      await time.setNextBlockTimestamp(t);
      const amount = 3n * DAY * 1_000n + 17n;
      await expect(staking().notifyRewardAmount(amount))
        .to.emit(staking(), "RewardAdded")
        .withArgs(amount, t + 3n * DAY);
      expect(await staking().rewardRate()).to.equal(amount / (3n * DAY));
      expect(await staking().periodFinish()).to.equal(t + 3n * DAY);
    });
  });

  // ================================================================================================
  describe("reward math against the reference model", function () {
    it("single staker over a full period earns the whole stream (minus the rate's rounding)", async function () {
      const { staking, owner, alice, token, proxyAddress } = await loadFixture(deploySystemFixture);
      const run = new Run(staking, token, owner, proxyAddress);
      const S = 1_000n * E;
      const R = 70_000n * E + 12_345n; // not a multiple of D: rate rounds down
      const t0 = (await now()) + 100n;
      await run.stake(alice, S, t0);
      await run.check(t0 + 50n); // no period yet: nothing accrues
      expect(run.model.earned(alice.address, t0 + 50n)).to.equal(0n);
      await run.notify(R, t0 + 100n);
      const finish = t0 + 100n + D;
      await run.check(t0 + 100n + D / 2n);
      await run.check(finish - 1n);
      await run.check(finish);
      await run.check(finish + 3n * DAY); // nothing after the end
      // closed form, independent of the model's bookkeeping
      const rate = R / D;
      const closedForm = (S * ((D * rate * PRECISION) / S)) / PRECISION;
      expect(run.model.earned(alice.address, finish)).to.equal(closedForm);
      expect(closedForm).to.be.lessThanOrEqual(R);
      expect(R - closedForm).to.be.lessThan(D + 1n);
      const paid = await run.claim(alice, finish + 3n * DAY + 1n);
      expect(paid).to.equal(closedForm);
      await run.check(finish + 3n * DAY + 1n);
    });

    it("two stakers with different amounts and join times, plus a 1-wei staker and partial withdrawals", async function () {
      const { staking, owner, alice, bob, carol, token, proxyAddress } = await loadFixture(deploySystemFixture);
      const run = new Run(staking, token, owner, proxyAddress);
      const R = 12_345n * E + 6_789n;
      const t0 = (await now()) + 100n;
      await run.stake(alice, 100n * E, t0);
      await run.notify(R, t0 + 1n);
      const start = t0 + 1n;
      await run.check(start + D / 8n);
      await run.stake(bob, 300n * E, start + D / 4n);
      await run.stake(carol, 1n, start + D / 4n + 7n);
      await run.check(start + D / 3n);
      await run.stake(alice, 50n * E + 3n, start + D / 2n);
      await run.withdraw(bob, 100n * E, start + (3n * D) / 4n);
      await run.check(start + (3n * D) / 4n + 1n);
      const a1 = await run.claim(alice, start + (5n * D) / 6n);
      expect(a1).to.be.greaterThan(0n);
      await run.check(start + D);
      await run.check(start + D + 1_000n);
      const a2 = await run.claim(alice, start + D + 2_000n);
      const b = await run.claim(bob, start + D + 2_001n);
      const c = await run.claim(carol, start + D + 2_002n);
      await run.check(start + D + 2_003n);
      expect(b).to.be.greaterThan(0n);
      // What was paid never exceeds what was funded
      expect(a1 + a2 + b + c).to.be.lessThanOrEqual(R);
      expect(await staking().totalRewardsPaid()).to.equal(a1 + a2 + b + c);
    });

    it("staking after the period ended earns nothing; earlier stakers' rewards stop at periodFinish", async function () {
      const { staking, owner, alice, bob, token, proxyAddress } = await loadFixture(deploySystemFixture);
      const run = new Run(staking, token, owner, proxyAddress);
      const t0 = (await now()) + 100n;
      await run.stake(alice, 10n * E, t0);
      await run.notify(7_000n * E, t0 + 1n);
      const finish = t0 + 1n + D;
      await run.check(finish);
      const aliceAtFinish = run.model.earned(alice.address, finish);
      await run.stake(bob, 1_000n * E, finish + 100n);
      await run.check(finish + 10n * DAY);
      expect(run.model.earned(bob.address, finish + 10n * DAY)).to.equal(0n);
      expect(run.model.earned(alice.address, finish + 10n * DAY)).to.equal(aliceAtFinish);
      expect(await staking().lastTimeRewardApplicable()).to.equal(finish);
      expect(await run.claim(bob, finish + 10n * DAY + 1n)).to.equal(0n);
      expect(await run.claim(alice, finish + 10n * DAY + 2n)).to.equal(aliceAtFinish);
    });

    it("a top-up during a running period re-computes the rate from the received amount plus the undistributed rest", async function () {
      const { staking, owner, alice, bob, token, proxyAddress } = await loadFixture(deploySystemFixture);
      const run = new Run(staking, token, owner, proxyAddress);
      const t0 = (await now()) + 100n;
      await run.stake(alice, 100n * E, t0);
      await run.stake(bob, 33n * E, t0 + 3n);
      const R1 = 7_000n * E + 1n;
      await run.notify(R1, t0 + 10n);
      const rate1 = R1 / D;
      const finish1 = t0 + 10n + D;
      await run.check(t0 + 10n + D / 3n);
      const tTop = t0 + 10n + D / 3n + 1n;
      const R2 = 500n * E + 99n;
      await run.notify(R2, tTop);
      const expectedRate = (R2 + (finish1 - tTop) * rate1) / D; // written out, independent of the model
      expect(await staking().rewardRate()).to.equal(expectedRate);
      expect(run.model.rewardRate).to.equal(expectedRate);
      expect(await staking().periodFinish()).to.equal(tTop + D);
      expect(await staking().totalRewardsFunded()).to.equal(R1 + R2);
      await run.check(tTop + D / 2n);
      await run.check(tTop + D + 5n);
      const a = await run.claim(alice, tTop + D + 6n);
      const b = await run.claim(bob, tTop + D + 7n);
      expect(a + b).to.be.lessThanOrEqual(R1 + R2);
      await run.check(tTop + D + 8n);
    });

    it("rewards streamed while nobody is staked are carried into the next period, not stranded", async function () {
      // The review's PoC: half a period streams with nothing staked. Before the fix that half stayed in
      // the proxy for good; now it is unallocated and the next funding streams it to the stakers.
      const { staking, owner, alice, token, proxyAddress } = await loadFixture(deploySystemFixture);
      const run = new Run(staking, token, owner, proxyAddress);
      const R = 7_000n * E;
      const t0 = (await now()) + 100n;
      await run.notify(R, t0);
      await run.check(t0 + D / 4n);
      expect(await staking().rewardPerToken()).to.equal(0n); // nobody staked: accumulator idle
      const rate = R / D;
      expect(await staking().unallocatedRewards()).to.equal((D / 4n) * rate + (R - rate * D));
      await run.stake(alice, 50n * E, t0 + D / 2n);
      await run.check(t0 + D);
      const paid = await run.claim(alice, t0 + D + 1n);
      // alice got the second half of the stream; the first half (and the rate's remainder) waits
      expect(paid).to.equal((50n * E * (((D / 2n) * rate * PRECISION) / (50n * E))) / PRECISION);
      const carried = (D / 2n) * rate + (R - rate * D);
      expect(await staking().unallocatedRewards()).to.equal(carried);
      // The next funding streams it again: rate = (R2 + carried) / D, written out independently of the model.
      const R2 = 1_000n * E + 3n;
      await run.notify(R2, t0 + D + 10n);
      expect(await staking().rewardRate()).to.equal((R2 + carried) / D);
      expect(await staking().unallocatedRewards()).to.equal((R2 + carried) % D);
      await run.check(t0 + 2n * D + 10n);
      const paid2 = await run.claim(alice, t0 + 2n * D + 11n);
      await run.check(t0 + 2n * D + 11n);
      // Everything funded reached the staker except the last remainder and the accumulator's floor dust.
      const left = R + R2 - paid - paid2;
      expect(left).to.equal((R2 + carried) % D + (((R2 + carried) / D) * D - paid2));
      expect(left).to.be.lessThan(D + 1_000n);
      expect(await token.balanceOf(proxyAddress)).to.equal(50n * E + left);
    });

    it("carries the rate's rounding remainder into the next period", async function () {
      const { staking, owner, alice, token, proxyAddress } = await loadFixture(deploySystemFixture);
      const run = new Run(staking, token, owner, proxyAddress);
      const t0 = (await now()) + 100n;
      await run.stake(alice, 10n * E, t0);
      const R = 5n * D + (D - 1n); // remainder D - 1: almost one more wei per second
      await run.notify(R, t0 + 1n);
      expect(await staking().rewardRate()).to.equal(5n);
      expect(await staking().unallocatedRewards()).to.equal(D - 1n);
      await run.check(t0 + 1n + D);
      // 1 wei more makes the remainder a whole wei per second of the next period.
      await run.notify(1n, t0 + 2n + D);
      expect(await staking().rewardRate()).to.equal(1n);
      expect(await staking().unallocatedRewards()).to.equal(0n);
      await run.check(t0 + 2n + 2n * D);
      await run.claim(alice, t0 + 3n + 2n * D);
    });

    it("a gap with no stakers inside a period is skipped, then the accumulator resumes", async function () {
      const { staking, owner, alice, bob, token, proxyAddress } = await loadFixture(deploySystemFixture);
      const run = new Run(staking, token, owner, proxyAddress);
      const t0 = (await now()) + 100n;
      await run.stake(alice, 7n * E, t0);
      await run.notify(7_000n * E + 3n, t0 + 1n);
      await run.withdraw(alice, 7n * E, t0 + DAY);
      await run.check(t0 + 2n * DAY); // rewardPerTokenStored > 0 with totalStaked == 0
      await run.stake(bob, 3n * E, t0 + 3n * DAY);
      await run.check(t0 + 4n * DAY);
      await run.claim(alice, t0 + 4n * DAY + 1n);
      await run.claim(bob, t0 + 4n * DAY + 2n);
      await run.check(t0 + 4n * DAY + 3n);
    });

    it("an astronomically large total stake rounds the per-token reward to zero (matches the model)", async function () {
      const { staking, owner, alice, token, proxyAddress } = await loadFixture(deploySystemFixture);
      const run = new Run(staking, token, owner, proxyAddress);
      await token.mint(alice.address, ethers.MaxUint256 - (await token.totalSupply()));
      const t0 = (await now()) + 100n;
      await run.stake(alice, 2n ** 208n - 1n, t0); // the largest total stake
      await run.notify(D * 10n ** 6n, t0 + 1n);
      await run.check(t0 + 1n + D);
      expect(await staking().earned(alice.address)).to.equal(0n);
    });

    it("exit settles through the same math", async function () {
      const { staking, owner, alice, bob, token, proxyAddress } = await loadFixture(deploySystemFixture);
      const run = new Run(staking, token, owner, proxyAddress);
      const t0 = (await now()) + 100n;
      await run.stake(alice, 3n * E, t0);
      await run.stake(bob, 5n * E, t0 + 1n);
      await run.notify(1_234n * E + 5n, t0 + 2n);
      const t = t0 + 2n + D / 3n;
      await time.setNextBlockTimestamp(t);
      run.model.withdraw(bob.address, 5n * E, t);
      const reward = run.model.claim(bob.address, t);
      const tx = await staking(bob).exit();
      await expect(tx).to.emit(staking(bob), "RewardPaid").withArgs(bob.address, reward);
      await expect(tx).to.changeTokenBalance(token, bob, 5n * E + reward);
      await run.check(t + D);
    });
  });

  // ================================================================================================
  describe("fee-on-transfer token (1% fee)", function () {
    it("stake credits what arrived: event, return value, stakeOf, totalStaked == proxy balance", async function () {
      const { staking, alice, bob, token, proxyAddress } = await loadFixture(feeTokenFixture);
      expect(await staking(alice).stake.staticCall(10_000n)).to.equal(9_900n);
      await expect(staking(alice).stake(10_000n)).to.emit(staking(alice), "Staked").withArgs(alice.address, 9_900n);
      await expect(staking(bob).stake(E)).to.emit(staking(bob), "Staked").withArgs(bob.address, (E * 99n) / 100n);
      expect(await staking().stakeOf(alice.address)).to.equal(9_900n);
      expect(await staking().stakeOf(bob.address)).to.equal((E * 99n) / 100n);
      expect(await staking().totalStaked()).to.equal(9_900n + (E * 99n) / 100n);
      expect(await staking().totalStaked()).to.equal(await token.balanceOf(proxyAddress));
      // a transfer so small the fee rounds to zero arrives whole
      await expect(staking(alice).stake(99n)).to.emit(staking(alice), "Staked").withArgs(alice.address, 99n);
      expect(await staking().totalStaked()).to.equal(await token.balanceOf(proxyAddress));
    });

    it("notifyRewardAmount credits what arrived (event, funded total, rate) and rewards follow the model", async function () {
      const { staking, owner, alice, token, proxyAddress } = await loadFixture(feeTokenFixture);
      const run = new Run(staking, token, owner, proxyAddress);
      const t0 = (await now()) + 100n;
      await time.setNextBlockTimestamp(t0);
      await expect(staking(alice).stake(10_000n * E)).to.emit(staking(alice), "Staked").withArgs(alice.address, 9_900n * E);
      run.model.stake(alice.address, 9_900n * E, t0);
      const sent = 1_000n * E;
      const received = (sent * 99n) / 100n;
      await time.setNextBlockTimestamp(t0 + 1n);
      await expect(staking().notifyRewardAmount(sent))
        .to.emit(staking(), "RewardAdded")
        .withArgs(received, t0 + 1n + D);
      run.model.notify(received, t0 + 1n);
      expect(await staking().totalRewardsFunded()).to.equal(received);
      expect(await staking().rewardRate()).to.equal(received / D);
      expect(await token.balanceOf(proxyAddress)).to.equal(
        (await staking().totalStaked()) + (await staking().totalRewardsFunded()),
      );
      expect(run.model.stakeOf(alice.address)).to.equal(9_900n * E);
      await run.check(t0 + 1n + D);
      const reward = run.model.claim(alice.address, t0 + 2n + D);
      await time.setNextBlockTimestamp(t0 + 2n + D);
      const tx = await staking(alice).claimReward();
      await expect(tx).to.emit(staking(alice), "RewardPaid").withArgs(alice.address, reward);
      // the proxy sends `reward`, alice gets it minus the token's fee
      await expect(tx).to.changeTokenBalances(token, [alice, proxyAddress], [reward - (reward * 100n) / 10_000n, -reward]);
    });

    it("withdraw sends the credited stake; the token's fee is borne by the receiver", async function () {
      const { staking, alice, token, proxyAddress } = await loadFixture(feeTokenFixture);
      await staking(alice).stake(10_000n);
      const tx = await staking(alice).withdraw(9_900n);
      await expect(tx).to.emit(staking(alice), "Withdrawn").withArgs(alice.address, 9_900n);
      await expect(tx).to.changeTokenBalances(token, [alice, proxyAddress], [9_801n, -9_900n]);
      expect(await staking().totalStaked()).to.equal(0n);
      expect(await token.balanceOf(proxyAddress)).to.equal(0n);
    });

    it("a token that delivers nothing is rejected (NothingReceived) for stake and funding", async function () {
      const { staking, alice } = await loadFixture(fullFeeTokenFixture);
      await expect(staking(alice).stake(1_000n)).to.be.revertedWithCustomError(staking(alice), "NothingReceived").withArgs();
      await expect(staking().notifyRewardAmount(D)).to.be.revertedWithCustomError(staking(), "NothingReceived").withArgs();
      expect(await staking().totalStaked()).to.equal(0n);
    });
  });

  // ================================================================================================
  describe("reentrancy through a token callback", function () {
    async function armedFixture() {
      const env = await reentrantTokenFixture();
      // alice has stake so that a re-entered withdraw would otherwise be meaningful
      await env.staking(env.alice).stake(1_000n);
      await env.staking().notifyRewardAmount(D * 10n);
      return env;
    }

    async function arm(env: Awaited<ReturnType<typeof reentrantTokenFixture>>, calldata: string) {
      await env.token.arm(env.proxyAddress, routeCalldata(ModuleId.Staking, calldata));
    }

    it("control: an armed callback to a view of the proxy lets the transfer through", async function () {
      const env = await loadFixture(armedFixture);
      const iface = env.staking().interface;
      await arm(env, iface.encodeFunctionData("totalStaked"));
      await expect(env.staking(env.alice).stake(10n)).to.emit(env.staking(env.alice), "Staked").withArgs(env.alice.address, 10n);
      expect(await env.token.hookTarget()).to.equal(ethers.ZeroAddress); // the callback fired (and disarmed itself)
    });

    it("stake -> withdraw re-entry reverts ReentrancyGuardReentrantCall", async function () {
      const env = await loadFixture(armedFixture);
      await arm(env, env.staking().interface.encodeFunctionData("withdraw", [1n]));
      await expect(env.staking(env.alice).stake(10n)).to.be.revertedWithCustomError(
        env.staking(env.alice),
        "ReentrancyGuardReentrantCall",
      );
      expect(await env.staking().stakeOf(env.alice.address)).to.equal(1_000n);
    });

    it("withdraw -> stake re-entry reverts ReentrancyGuardReentrantCall", async function () {
      const env = await loadFixture(armedFixture);
      await arm(env, env.staking().interface.encodeFunctionData("stake", [1n]));
      await expect(env.staking(env.alice).withdraw(10n)).to.be.revertedWithCustomError(
        env.staking(env.alice),
        "ReentrancyGuardReentrantCall",
      );
    });

    it("claimReward -> exit and exit -> claimReward re-entries revert ReentrancyGuardReentrantCall", async function () {
      const env = await loadFixture(armedFixture);
      await time.increase(DAY);
      const iface = env.staking().interface;
      await arm(env, iface.encodeFunctionData("exit"));
      await expect(env.staking(env.alice).claimReward()).to.be.revertedWithCustomError(
        env.staking(env.alice),
        "ReentrancyGuardReentrantCall",
      );
      await arm(env, iface.encodeFunctionData("claimReward"));
      await expect(env.staking(env.alice).exit()).to.be.revertedWithCustomError(
        env.staking(env.alice),
        "ReentrancyGuardReentrantCall",
      );
    });

    it("notifyRewardAmount -> stake re-entry reverts ReentrancyGuardReentrantCall", async function () {
      const env = await loadFixture(armedFixture);
      await arm(env, env.staking().interface.encodeFunctionData("stake", [1n]));
      await expect(env.staking().notifyRewardAmount(D)).to.be.revertedWithCustomError(
        env.staking(),
        "ReentrancyGuardReentrantCall",
      );
    });

    it("even the owner cannot re-enter notifyRewardAmount from a callback (ReentrancyGuardReentrantCall)", async function () {
      const env = await loadFixture(armedFixture);
      // Make the token (the only contract that calls back) the proxy's owner, through its own callback.
      const tokenAddress = await env.token.getAddress();
      await env.admin.transferOwnership(tokenAddress);
      await env.token.arm(
        env.proxyAddress,
        routeCalldata(ModuleId.Admin, env.admin.interface.encodeFunctionData("acceptOwnership")),
      );
      await env.staking(env.alice).stake(10n);
      expect(await env.admin.owner()).to.equal(tokenAddress);
      // Now the callback passes onlyOwner and meets the lock held by the outer stake.
      await arm(env, env.staking().interface.encodeFunctionData("notifyRewardAmount", [D]));
      await expect(env.staking(env.alice).stake(10n)).to.be.revertedWithCustomError(
        env.staking(env.alice),
        "ReentrancyGuardReentrantCall",
      );
    });
  });

  // ================================================================================================
  describe("upgrade to StakingV2", function () {
    it("keeps stakes and reward state, emits MigratedToV2 and Initialized(2), and keeps working", async function () {
      const { staking, admin, owner, alice, bob, token, proxyAddress, stakingImpl } =
        await loadFixture(deploySystemFixture);
      const run = new Run(staking, token, owner, proxyAddress);
      const t0 = (await now()) + 100n;
      await run.stake(alice, 40n * E, t0);
      await run.stake(bob, 60n * E, t0 + 1n);
      await run.notify(7_000n * E + 11n, t0 + 2n);
      await run.claim(bob, t0 + 2n + DAY);
      const v2 = await new StakingV2__factory(owner).deploy();
      const v2Routed = routed(StakingV2__factory, proxyAddress, ModuleId.Staking, owner);
      const tUp = t0 + 2n * DAY;
      await time.setNextBlockTimestamp(tUp);
      const tx = await admin.upgradeImplementation(
        ModuleId.Staking,
        await v2.getAddress(),
        v2.interface.encodeFunctionData("migrateToV2", [D]),
      );
      await expect(tx).to.emit(v2Routed, "MigratedToV2").withArgs(owner.address, D);
      await expect(tx).to.emit(v2Routed, "Initialized").withArgs(2n);
      await expect(tx)
        .to.emit(admin, "ImplementationUpgraded")
        .withArgs(ModuleId.Staking, await stakingImpl.getAddress(), await v2.getAddress());
      expect(await v2Routed.version()).to.equal(2n);
      expect(await v2Routed.stakingToken()).to.equal(await token.getAddress());
      expect(await v2Routed.rewardsDuration()).to.equal(D);
      await run.check(tUp); // every view (earned, stakes, rate, finish, totals) unchanged by the upgrade
      // and the upgraded module keeps paying by the same math
      await run.stake(alice, 1n * E, tUp + 10n);
      await run.claim(alice, tUp + DAY);
      await run.claim(bob, tUp + DAY + 1n);
      await run.check(t0 + 2n + D + 1n);
    });

    it("migrateToV2 cannot run twice (InvalidInitialization(2, 2)) nor through a routed call (NotInitializing)", async function () {
      const { admin, owner, proxyAddress } = await loadFixture(deploySystemFixture);
      const v2 = await new StakingV2__factory(owner).deploy();
      const migrate = v2.interface.encodeFunctionData("migrateToV2", [D]);
      await admin.upgradeImplementation(ModuleId.Staking, await v2.getAddress(), migrate);
      const v2Routed = routed(StakingV2__factory, proxyAddress, ModuleId.Staking, owner);
      await expect(v2Routed.migrateToV2(D)).to.be.revertedWithCustomError(v2Routed, "NotInitializing");
      const v2b = await new StakingV2__factory(owner).deploy();
      await expect(admin.upgradeImplementation(ModuleId.Staking, await v2b.getAddress(), migrate))
        .to.be.revertedWithCustomError(v2b, "InvalidInitialization")
        .withArgs(2n, 2n);
      // nor can V1's initializer run again on the migrated storage
      await expect(
        admin.upgradeImplementation(
          ModuleId.Staking,
          await v2b.getAddress(),
          v2b.interface.encodeFunctionData("initialize", [ethers.ZeroAddress, 0n]),
        ),
      )
        .to.be.revertedWithCustomError(v2b, "InvalidInitialization")
        .withArgs(2n, 1n);
      await expect(v2.migrateToV2(D)).to.be.revertedWithCustomError(v2, "NotDelegateCall");
    });

    it("a token callback cannot run the migration while the owner's upgrade runs; the owner's migration does", async function () {
      // The review's PoC: the owner's migration first tops up rewards (a token transfer); the token's hook
      // re-enters the proxy with `0x01 ++ migrateToV2(attackerArgs)` while the initialization context is
      // open for V2. Before the fix the attacker's migration ran (with its arguments) and the owner's then
      // reverted InvalidInitialization(2, 2). Now only the owner may use the context: the hook's call is
      // refused (the token records the failure and lets the transfer go on) and the owner's migration runs.
      const env = await loadFixture(reentrantTokenFixture);
      const { admin, owner, token, proxyAddress } = env;
      const v2 = await new StakingV2__factory(owner).deploy();
      const v2Routed = routed(StakingV2__factory, proxyAddress, ModuleId.Staking, owner);
      const attackerDuration = 1n;
      await token.armQuiet(proxyAddress, routeCalldata(ModuleId.Staking, v2.interface.encodeFunctionData("migrateToV2", [attackerDuration])));
      const ownerDuration = 3n * DAY;
      const tx = admin.upgradeImplementation(
        ModuleId.Staking,
        await v2.getAddress(),
        v2.interface.encodeFunctionData("topUpAndMigrateToV2", [D * 10n, ownerDuration]),
      );
      await expect(tx).to.emit(v2Routed, "MigratedToV2").withArgs(owner.address, ownerDuration);
      await expect(tx).to.emit(v2Routed, "Initialized").withArgs(2n);
      // The hook did fire, inside the owner's upgrade, and its migration was refused: the token is not the owner.
      expect(await token.hookTarget()).to.equal(ethers.ZeroAddress);
      expect(await token.lastHookOk()).to.equal(false);
      expect(await token.lastHookResult()).to.equal(
        v2.interface.encodeErrorResult("OwnableUnauthorizedAccount", [await token.getAddress()]),
      );
      expect(await v2Routed.rewardsDuration()).to.equal(ownerDuration);
      expect(await admin.implementation(ModuleId.Staking)).to.equal(await v2.getAddress());
      // After the upgrade the context is closed for everyone, the owner included.
      await expect(v2Routed.migrateToV2(attackerDuration)).to.be.revertedWithCustomError(v2Routed, "NotInitializing");
    });
  });
});

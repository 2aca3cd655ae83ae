import { expect } from "chai";
import { ethers } from "hardhat";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { keccak256, toUtf8Bytes, type FunctionFragment, type ParamType } from "ethers";
import { Voting__factory } from "../../typechain-types";
import { ModuleId, routed } from "../../scripts/lib/routing";
import {
  DAY,
  MAX_VOTING_PERIOD,
  MIN_VOTING_PERIOD,
  PROPOSAL_THRESHOLD,
  QUORUM_BPS,
  deployBareFixture,
  deploySystemFixture,
} from "./fixtures";

const E = 10n ** 18n;
const BPS = 10_000n;

// LibVoting.Support and LibVoting.ProposalState
const Against = 0;
const For = 1;
const Abstain = 2;
const Active = 0n;
const Defeated = 1n;
const Succeeded = 2n;

async function now(): Promise<bigint> {
  return BigInt(await time.latest());
}

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

/** ceil(total * quorumBps / 10000): the quorum rule, written out. */
function quorumOf(total: bigint, quorumBps = BigInt(QUORUM_BPS)): bigint {
  return (total * quorumBps + BPS - 1n) / BPS;
}

/** System with stakes alice 600, bob 300, carol 100 (total 1000 tokens, quorum 10% = 100). */
async function stakedFixture() {
  const sys = await deploySystemFixture();
  await sys.staking(sys.alice).stake(600n * E);
  await sys.staking(sys.bob).stake(300n * E);
  await sys.staking(sys.carol).stake(100n * E);
  return sys;
}

/** stakedFixture plus proposal 1 by alice, open for one day. */
async function proposalFixture() {
  const sys = await stakedFixture();
  await sys.voting(sys.alice).propose("Proposal #1", DAY);
  const p = await sys.voting().getProposal(1n);
  return { ...sys, id: 1n, endTime: p.endTime, startTime: p.startTime };
}

describe("Voting", function () {
  // ================================================================================================
  describe("initialize", function () {
    async function register(min: bigint, max: bigint, quorumBps: bigint, threshold = 0n) {
      const bare = await loadFixture(deployBareFixture);
      const tx = bare.admin.addImplementation(
        ModuleId.Voting,
        await bare.votingImpl.getAddress(),
        bare.votingImpl.interface.encodeFunctionData("initialize", [min, max, quorumBps, threshold]),
      );
      return { ...bare, tx, voting: routed(Voting__factory, bare.proxyAddress, ModuleId.Voting, bare.owner) };
    }

    it("stores the config and emits VotingConfigured and Initialized(1)", async function () {
      const { tx, voting } = await register(MIN_VOTING_PERIOD, MAX_VOTING_PERIOD, BigInt(QUORUM_BPS), 5n * E);
      await expect(tx).to.emit(voting, "VotingConfigured").withArgs(MIN_VOTING_PERIOD, MAX_VOTING_PERIOD, QUORUM_BPS, 5n * E);
      await expect(tx).to.emit(voting, "Initialized").withArgs(1n);
      expect(await voting.votingConfig()).to.deep.equal([MIN_VOTING_PERIOD, MAX_VOTING_PERIOD, BigInt(QUORUM_BPS), 5n * E]);
      expect(await voting.proposalCount()).to.equal(0n);
    });

    it("rejects minVotingPeriod = 0 (InvalidVotingConfig)", async function () {
      const { tx, votingImpl } = await register(0n, 10n, 100n);
      await expect(tx).to.be.revertedWithCustomError(votingImpl, "InvalidVotingConfig").withArgs(0n, 10n, 100n);
    });

    it("rejects min > max (InvalidVotingConfig)", async function () {
      const { tx, votingImpl } = await register(11n, 10n, 100n);
      await expect(tx).to.be.revertedWithCustomError(votingImpl, "InvalidVotingConfig").withArgs(11n, 10n, 100n);
    });

    it("rejects quorum > 10000 bps (InvalidVotingConfig)", async function () {
      const { tx, votingImpl } = await register(1n, 10n, 10_001n);
      await expect(tx).to.be.revertedWithCustomError(votingImpl, "InvalidVotingConfig").withArgs(1n, 10n, 10_001n);
    });

    it("rejects max > 3650 days, so now + period always fits in uint64 (InvalidVotingConfig)", async function () {
      const cap = 3650n * 24n * 3600n;
      const { tx, votingImpl } = await register(1n, cap + 1n, 100n);
      await expect(tx).to.be.revertedWithCustomError(votingImpl, "InvalidVotingConfig").withArgs(1n, cap + 1n, 100n);
      const ok = await register(1n, cap, 100n);
      await expect(ok.tx).to.emit(ok.voting, "VotingConfigured").withArgs(1n, cap, 100n, 0n);
    });

    it("accepts the boundaries: min = max = 1, quorum = 10000", async function () {
      const { tx, voting } = await register(1n, 1n, 10_000n, ethers.MaxUint256);
      await expect(tx).to.emit(voting, "VotingConfigured").withArgs(1n, 1n, 10_000n, ethers.MaxUint256);
      expect(await voting.votingConfig()).to.deep.equal([1n, 1n, 10_000n, ethers.MaxUint256]);
    });

    it("accepts quorum = 0 and the widest allowed range (1 s .. 3650 days)", async function () {
      const max = 3650n * 24n * 3600n;
      const { tx, voting } = await register(1n, max, 0n);
      await expect(tx).to.emit(voting, "VotingConfigured").withArgs(1n, max, 0n, 0n);
    });

    it("cannot run twice (InvalidInitialization(1, 1)) nor through a routed call (NotInitializing)", async function () {
      const { admin, owner, attacker, voting } = await loadFixture(deploySystemFixture);
      const other = await new Voting__factory(owner).deploy();
      const init = other.interface.encodeFunctionData("initialize", [1n, 2n, 3n, 4n]);
      await expect(admin.upgradeImplementation(ModuleId.Voting, await other.getAddress(), init))
        .to.be.revertedWithCustomError(other, "InvalidInitialization")
        .withArgs(1n, 1n);
      await expect(admin.addImplementation(9, await other.getAddress(), init))
        .to.be.revertedWithCustomError(other, "InvalidInitialization")
        .withArgs(1n, 1n);
      for (const who of [owner, attacker]) {
        await expect(voting(who).initialize(1n, 2n, 3n, 4n)).to.be.revertedWithCustomError(voting(who), "NotInitializing");
      }
      expect(await voting().votingConfig()).to.deep.equal([MIN_VOTING_PERIOD, MAX_VOTING_PERIOD, BigInt(QUORUM_BPS), PROPOSAL_THRESHOLD]);
    });
  });

  // ================================================================================================
  describe("direct calls to the implementation", function () {
    it("every Voting function reverts NotDelegateCall when not called through the proxy", async function () {
      const { votingImpl, owner } = await loadFixture(deploySystemFixture);
      const impl = votingImpl.connect(owner);
      const fragments = impl.interface.fragments.filter((f): f is FunctionFragment => f.type === "function");
      expect(fragments.map((f) => f.name)).to.include.members([
        "initialize",
        "configure",
        "propose",
        "castVote",
        "getProposal",
        "state",
        "result",
        "getReceipt",
        "hasVoted",
        "proposalCount",
        "votingConfig",
        "proposalSnapshot",
        "getVotes",
      ]);
      for (const fragment of fragments) {
        await expect(
          impl.getFunction(fragment.format("sighash"))(...fragment.inputs.map(zeroOf)),
          fragment.name,
        ).to.be.revertedWithCustomError(impl, "NotDelegateCall");
      }
    });
  });

  // ================================================================================================
  describe("configure", function () {
    it("is owner only (OwnableUnauthorizedAccount)", async function () {
      const { voting, attacker, alice } = await loadFixture(deploySystemFixture);
      for (const who of [attacker, alice]) {
        await expect(voting(who).configure(1n, 2n, 3n, 4n))
          .to.be.revertedWithCustomError(voting(who), "OwnableUnauthorizedAccount")
          .withArgs(who.address);
      }
    });

    it("updates the config and emits VotingConfigured", async function () {
      const { voting } = await loadFixture(deploySystemFixture);
      await expect(voting().configure(60n, 120n, 5_000n, 7n)).to.emit(voting(), "VotingConfigured").withArgs(60n, 120n, 5_000n, 7n);
      expect(await voting().votingConfig()).to.deep.equal([60n, 120n, 5_000n, 7n]);
    });

    it("validates like initialize (InvalidVotingConfig)", async function () {
      const { voting } = await loadFixture(deploySystemFixture);
      for (const [min, max, q] of [
        [0n, 10n, 1n],
        [11n, 10n, 1n],
        [1n, 10n, 10_001n],
      ]) {
        await expect(voting().configure(min, max, q, 0n))
          .to.be.revertedWithCustomError(voting(), "InvalidVotingConfig")
          .withArgs(min, max, q);
      }
      await expect(voting().configure(10n, 10n, 10_000n, 0n)).to.emit(voting(), "VotingConfigured").withArgs(10n, 10n, 10_000n, 0n);
    });

    it("applies to proposals created afterwards only", async function () {
      const { voting, alice } = await loadFixture(stakedFixture);
      await voting(alice).propose("old rules", DAY);
      const before = await voting().getProposal(1n);
      expect(before.quorum).to.equal(100n * E);
      await voting().configure(2n * DAY, 3n * DAY, 5_000n, 0n);
      expect(await voting().getProposal(1n)).to.deep.equal(before);
      await expect(voting(alice).propose("new rules", DAY))
        .to.be.revertedWithCustomError(voting(), "InvalidVotingPeriod")
        .withArgs(DAY, 2n * DAY, 3n * DAY);
      await voting(alice).propose("new rules", 2n * DAY);
      expect((await voting().getProposal(2n)).quorum).to.equal(500n * E);
    });
  });

  // ================================================================================================
  describe("propose", function () {
    it("creates a proposal: ProposalCreated args, return value, proposalCount, stored fields", async function () {
      const { voting, alice } = await loadFixture(stakedFixture);
      expect(await voting(alice).propose.staticCall("Raise the cap", DAY)).to.equal(1n);
      const t = (await now()) + 10n;
      await time.setNextBlockTimestamp(t);
      await expect(voting(alice).propose("Raise the cap", DAY))
        .to.emit(voting(alice), "ProposalCreated")
        .withArgs(1n, alice.address, t, t + DAY, 100n * E, "Raise the cap");
      expect(await voting().proposalCount()).to.equal(1n);
      const p = await voting().getProposal(1n);
      expect(p.proposer).to.equal(alice.address);
      expect(p.startTime).to.equal(t);
      expect(p.endTime).to.equal(t + DAY);
      expect(p.quorum).to.equal(100n * E);
      expect(p.forVotes).to.equal(0n);
      expect(p.againstVotes).to.equal(0n);
      expect(p.abstainVotes).to.equal(0n);
      expect(p.descriptionHash).to.equal(keccak256(toUtf8Bytes("Raise the cap")));
      expect(await voting().state(1n)).to.equal(Active);
      // ids count up
      expect(await voting(alice).propose.staticCall("second", DAY)).to.equal(2n);
      await expect(voting(alice).propose("second", DAY)).to.emit(voting(), "ProposalCreated");
      expect(await voting().proposalCount()).to.equal(2n);
    });

    it("with a zero threshold any staker may propose; quorum = ceil(total stake at the snapshot * quorumBps / 10000)", async function () {
      const { voting, staking, carol, bob } = await loadFixture(deploySystemFixture);
      await staking(carol).stake(12_345n);
      const total = 12_345n;
      const t = (await now()) + 1n;
      await time.setNextBlockTimestamp(t);
      await expect(voting(carol).propose("", MIN_VOTING_PERIOD))
        .to.emit(voting(), "ProposalCreated")
        .withArgs(1n, carol.address, t, t + MIN_VOTING_PERIOD, quorumOf(total), "");
      expect((await voting().getProposal(1n)).quorum).to.equal(1_235n); // 1234.5 rounded up
      expect(await voting().proposalSnapshot(1n)).to.equal(t - 1n);
      // more stake afterwards does not move the quorum
      await staking(bob).stake(1_000_000n);
      expect((await voting().getProposal(1n)).quorum).to.equal(1_235n);
    });

    it("takes the quorum from the total stake at the snapshot, not from stake added in the proposal's own second", async function () {
      const { voting, staking, alice, bob } = await loadFixture(stakedFixture);
      // bob stakes 9000 more in the same block as alice's proposal (a flash stake around the proposal)
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        await staking(bob).stake(9_000n * E);
        await voting(alice).propose("same block", DAY);
        await ethers.provider.send("evm_mine", []);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      const p = await voting().getProposal(1n);
      expect(p.quorum).to.equal(quorumOf(1_000n * E)); // the 9000 staked at startTime is not in the snapshot
      expect(await staking().totalStakedAt(p.startTime - 1n)).to.equal(1_000n * E);
      expect(await voting().getVotes(1n, bob.address)).to.equal(300n * E);
      await expect(voting(bob).castVote(1n, For)).to.emit(voting(), "VoteCast").withArgs(bob.address, 1n, For, 300n * E);
    });

    it("accepts exactly the min and max voting periods", async function () {
      const { voting, alice } = await loadFixture(stakedFixture);
      let t = (await now()) + 1n;
      await time.setNextBlockTimestamp(t);
      await expect(voting(alice).propose("min", MIN_VOTING_PERIOD))
        .to.emit(voting(), "ProposalCreated")
        .withArgs(1n, alice.address, t, t + MIN_VOTING_PERIOD, 100n * E, "min");
      t += 1n;
      await time.setNextBlockTimestamp(t);
      await expect(voting(alice).propose("max", MAX_VOTING_PERIOD))
        .to.emit(voting(), "ProposalCreated")
        .withArgs(2n, alice.address, t, t + MAX_VOTING_PERIOD, 100n * E, "max");
    });

    it("rejects a period below min or above max (InvalidVotingPeriod)", async function () {
      const { voting, alice } = await loadFixture(stakedFixture);
      for (const period of [0n, MIN_VOTING_PERIOD - 1n, MAX_VOTING_PERIOD + 1n, 2n ** 64n - 1n]) {
        await expect(voting(alice).propose("x", period))
          .to.be.revertedWithCustomError(voting(alice), "InvalidVotingPeriod")
          .withArgs(period, MIN_VOTING_PERIOD, MAX_VOTING_PERIOD);
      }
      expect(await voting().proposalCount()).to.equal(0n);
    });

    it("rejects an account without stake (NoStake), including one that withdrew everything", async function () {
      const { voting, staking, attacker, carol } = await loadFixture(stakedFixture);
      await expect(voting(attacker).propose("x", DAY))
        .to.be.revertedWithCustomError(voting(attacker), "NoStake")
        .withArgs(attacker.address);
      await staking(carol).withdraw(100n * E);
      await expect(voting(carol).propose("x", DAY))
        .to.be.revertedWithCustomError(voting(carol), "NoStake")
        .withArgs(carol.address);
    });

    it("with a zero threshold 1 wei of stake is enough to propose; a 1-wei total still gives a quorum of 1 wei", async function () {
      const { voting, staking, alice } = await loadFixture(deploySystemFixture);
      await staking(alice).stake(1n);
      await expect(voting(alice).propose("tiny", DAY)).to.emit(voting(), "ProposalCreated");
      // Rounded up: a nonzero total and quorumBps never give a zero quorum.
      expect((await voting().getProposal(1n)).quorum).to.equal(1n);
    });

    it("computes the quorum at the largest total stake (2**208 - 1)", async function () {
      const { voting, staking, token, alice } = await loadFixture(deploySystemFixture);
      const stake = 2n ** 208n - 1n;
      await token.mint(alice.address, stake);
      await staking(alice).stake(stake - (await staking().totalStaked()));
      await voting(alice).propose("huge", DAY);
      expect((await voting().getProposal(1n)).quorum).to.equal(quorumOf(stake));
      await voting(alice).castVote(1n, For);
      await time.increase(DAY);
      expect(await voting().state(1n)).to.equal(Succeeded);
    });
  });

  // ================================================================================================
  describe("proposal threshold", function () {
    it("refuses a proposer whose stake at the snapshot is below the threshold (InsufficientProposerStake)", async function () {
      const { voting, staking, alice, carol } = await loadFixture(stakedFixture);
      await voting().configure(MIN_VOTING_PERIOD, MAX_VOTING_PERIOD, QUORUM_BPS, 100n * E + 1n);
      await expect(voting(carol).propose("x", DAY))
        .to.be.revertedWithCustomError(voting(), "InsufficientProposerStake")
        .withArgs(carol.address, 100n * E, 100n * E + 1n);
      // Stake added now is not in the snapshot (the end of the previous second): still refused in this block...
      await ethers.provider.send("evm_setAutomine", [false]);
      try {
        await staking(carol).stake(1n);
        await voting(carol).propose("flash", DAY);
        await ethers.provider.send("evm_mine", []);
      } finally {
        await ethers.provider.send("evm_setAutomine", [true]);
      }
      expect(await voting().proposalCount()).to.equal(0n);
      // ...and accepted from the next second on, at exactly the threshold.
      await expect(voting(carol).propose("x", DAY)).to.emit(voting(), "ProposalCreated");
      await expect(voting(alice).propose("y", DAY)).to.emit(voting(), "ProposalCreated");
    });

    it("the review's PoC: a 1-wei staker can no longer open a proposal and carry it alone", async function () {
      // Before: any staker could propose, and a proposal opened while the total stake was tiny had a
      // zero quorum, so 1 wei For passed it while the large stakers had not voted. With a threshold the
      // owner sets (deploy.ts defaults to one token), the 1-wei staker cannot propose at all.
      const { voting, staking, token, attacker, alice, proxyAddress } = await loadFixture(deploySystemFixture);
      await voting().configure(MIN_VOTING_PERIOD, MAX_VOTING_PERIOD, QUORUM_BPS, E);
      await token.mint(attacker.address, 1n);
      await token.connect(attacker).approve(proxyAddress, 1n);
      await staking(attacker).stake(1n);
      await expect(voting(attacker).propose("drain", MIN_VOTING_PERIOD))
        .to.be.revertedWithCustomError(voting(), "InsufficientProposerStake")
        .withArgs(attacker.address, 1n, E);
      // With stake in the snapshot, the quorum counts every staker, so 1 wei For cannot carry it.
      await staking(alice).stake(1_000n * E);
      await voting(alice).propose("real", MIN_VOTING_PERIOD);
      await voting(attacker).castVote(1n, For);
      await time.increase(MIN_VOTING_PERIOD);
      expect(await voting().state(1n)).to.equal(Defeated);
    });
  });

  // ================================================================================================
  describe("Voting while Staking is paused or removed", function () {
    it("keeps working while the Staking id is paused: weights from the checkpoints, locks kept", async function () {
      // Voting reads and writes Staking's namespace directly, not through the Staking id: pausing Staking
      // (which stops stake, withdraw and claims) does not stop governance, and the locks it writes hold
      // once Staking is unpaused.
      const { voting, staking, admin, alice, bob } = await loadFixture(stakedFixture);
      await admin.setPaused(ModuleId.Staking, true);
      await expect(staking(alice).withdraw(1n)).to.be.revertedWithCustomError(admin, "ImplementationPaused");
      await voting(alice).propose("while paused", DAY);
      const end = (await voting().getProposal(1n)).endTime;
      await expect(voting(bob).castVote(1n, Against)).to.emit(voting(), "VoteCast").withArgs(bob.address, 1n, Against, 300n * E);
      await admin.setPaused(ModuleId.Staking, false);
      await expect(staking(bob).withdraw(1n))
        .to.be.revertedWithCustomError(staking(bob), "StakeIsLocked")
        .withArgs(bob.address, 300n * E, end);
    });

    it("keeps working while the Staking id is removed, and the stakes and locks are there when it is re-added", async function () {
      const { voting, staking, admin, alice, stakingImpl } = await loadFixture(stakedFixture);
      await admin.removeImplementation(ModuleId.Staking);
      await expect(staking(alice).stakeOf(alice.address)).to.be.revertedWithCustomError(admin, "UnknownImplementation");
      await voting(alice).propose("while removed", DAY);
      const end = (await voting().getProposal(1n)).endTime;
      await expect(voting(alice).castVote(1n, For)).to.emit(voting(), "VoteCast").withArgs(alice.address, 1n, For, 600n * E);
      // The same implementation comes back (its namespace was never touched): the lock is in force.
      await admin.addImplementation(ModuleId.Staking, await stakingImpl.getAddress(), "0x");
      expect(await staking().stakeOf(alice.address)).to.equal(600n * E);
      await expect(staking(alice).withdraw(1n))
        .to.be.revertedWithCustomError(staking(alice), "StakeIsLocked")
        .withArgs(alice.address, 600n * E, end);
    });
  });

  // ================================================================================================
  describe("castVote", function () {
    it("For / Against / Abstain: VoteCast args, return value, tally, receipts", async function () {
      const { voting, staking, alice, bob, carol, id } = await loadFixture(proposalFixture);
      const cases: [HardhatEthersSigner, number, bigint][] = [
        [alice, For, 600n * E],
        [bob, Against, 300n * E],
        [carol, Abstain, 100n * E],
      ];
      for (const [who, support, weight] of cases) {
        expect(await staking().stakeOf(who.address)).to.equal(weight); // weight is the Staking stake
        expect(await voting(who).castVote.staticCall(id, support)).to.equal(weight);
        await expect(voting(who).castVote(id, support))
          .to.emit(voting(who), "VoteCast")
          .withArgs(who.address, id, support, weight);
        expect(await voting().hasVoted(id, who.address)).to.equal(true);
        expect(await voting().getReceipt(id, who.address)).to.deep.equal([true, BigInt(support), weight]);
      }
      const p = await voting().getProposal(id);
      expect([p.forVotes, p.againstVotes, p.abstainVotes]).to.deep.equal([600n * E, 300n * E, 100n * E]);
    });

    it("tallies each option separately and sums several voters", async function () {
      const { voting, alice, bob, carol, id } = await loadFixture(proposalFixture);
      await voting(bob).castVote(id, For);
      let p = await voting().getProposal(id);
      expect([p.forVotes, p.againstVotes, p.abstainVotes]).to.deep.equal([300n * E, 0n, 0n]);
      await voting(carol).castVote(id, For);
      p = await voting().getProposal(id);
      expect([p.forVotes, p.againstVotes, p.abstainVotes]).to.deep.equal([400n * E, 0n, 0n]);
      await voting(alice).castVote(id, Abstain);
      p = await voting().getProposal(id);
      expect([p.forVotes, p.againstVotes, p.abstainVotes]).to.deep.equal([400n * E, 0n, 600n * E]);
    });

    it("weighs the stake at the proposal's snapshot: stake added since does not count, later changes do not move the tally", async function () {
      const { voting, staking, alice, id } = await loadFixture(proposalFixture);
      await staking(alice).stake(50n * E);
      expect(await voting().getVotes(id, alice.address)).to.equal(600n * E);
      await voting(alice).castVote(id, For);
      expect((await voting().getReceipt(id, alice.address)).weight).to.equal(600n * E);
      await staking(alice).stake(1n * E); // staking more while locked is allowed
      expect(await staking().stakeOf(alice.address)).to.equal(651n * E);
      expect((await voting().getReceipt(id, alice.address)).weight).to.equal(600n * E);
      expect((await voting().getProposal(id)).forVotes).to.equal(600n * E);
    });

    it("caps the weight by the stake now: stake withdrawn since the snapshot no longer counts", async function () {
      const { voting, staking, bob, id } = await loadFixture(proposalFixture);
      await staking(bob).withdraw(120n * E); // bob has not voted: not locked
      expect(await voting().getVotes(id, bob.address)).to.equal(180n * E);
      await expect(voting(bob).castVote(id, Against)).to.emit(voting(), "VoteCast").withArgs(bob.address, id, Against, 180n * E);
      expect(await staking().lockedStake(bob.address)).to.equal(180n * E);
    });

    it("no stake counts twice: stake moved to another account after the snapshot has no weight there", async function () {
      // The review's PoC for weights taken from current stake: move the tokens after voting... or before.
      const { voting, staking, token, alice, attacker, proxyAddress, id } = await loadFixture(proposalFixture);
      await staking(alice).withdraw(600n * E); // not voted yet, so free to leave
      await token.connect(alice).transfer(attacker.address, 600n * E);
      await token.connect(attacker).approve(proxyAddress, 600n * E);
      await staking(attacker).stake(600n * E);
      await expect(voting(attacker).castVote(id, For)).to.be.revertedWithCustomError(voting(), "NoStake").withArgs(attacker.address);
      await expect(voting(alice).castVote(id, For)).to.be.revertedWithCustomError(voting(), "NoStake").withArgs(alice.address);
      expect((await voting().getProposal(id)).forVotes).to.equal(0n);
    });

    it("rejects a second vote (AlreadyVoted), whatever the option", async function () {
      const { voting, alice, id } = await loadFixture(proposalFixture);
      await voting(alice).castVote(id, Against);
      for (const support of [Against, For, Abstain]) {
        await expect(voting(alice).castVote(id, support))
          .to.be.revertedWithCustomError(voting(alice), "AlreadyVoted")
          .withArgs(id, alice.address);
      }
      expect((await voting().getProposal(id)).againstVotes).to.equal(600n * E);
    });

    it("is open until endTime - 1 and closed at and after endTime (VotingClosed)", async function () {
      const { voting, alice, bob, carol, id, endTime } = await loadFixture(proposalFixture);
      await time.setNextBlockTimestamp(endTime - 1n);
      await expect(voting(alice).castVote(id, For)).to.emit(voting(), "VoteCast");
      await time.setNextBlockTimestamp(endTime);
      await expect(voting(bob).castVote(id, For))
        .to.be.revertedWithCustomError(voting(bob), "VotingClosed")
        .withArgs(id, endTime);
      await time.setNextBlockTimestamp(endTime + DAY);
      await expect(voting(carol).castVote(id, Against))
        .to.be.revertedWithCustomError(voting(carol), "VotingClosed")
        .withArgs(id, endTime);
    });

    it("rejects an unknown proposal (UnknownProposal) for id 0 and count + 1", async function () {
      const { voting, alice } = await loadFixture(proposalFixture);
      for (const id of [0n, 2n, ethers.MaxUint256]) {
        await expect(voting(alice).castVote(id, For))
          .to.be.revertedWithCustomError(voting(alice), "UnknownProposal")
          .withArgs(id);
      }
    });

    it("rejects a voter without stake (NoStake)", async function () {
      const { voting, staking, attacker, carol, id } = await loadFixture(proposalFixture);
      await expect(voting(attacker).castVote(id, For))
        .to.be.revertedWithCustomError(voting(attacker), "NoStake")
        .withArgs(attacker.address);
      await staking(carol).withdraw(100n * E); // not voted, so not locked
      await expect(voting(carol).castVote(id, For))
        .to.be.revertedWithCustomError(voting(carol), "NoStake")
        .withArgs(carol.address);
      expect(await voting().hasVoted(id, carol.address)).to.equal(false);
    });

    it("rejects an out-of-range support value (ABI decoding, no reason)", async function () {
      const { voting, alice, id } = await loadFixture(proposalFixture);
      await expect(voting(alice).castVote(id, 3)).to.be.revertedWithoutReason();
    });

    it("a 1-wei stake votes with weight 1", async function () {
      const { voting, staking, alice, attacker, token, proxyAddress } = await loadFixture(stakedFixture);
      await token.mint(attacker.address, 1n);
      await token.connect(attacker).approve(proxyAddress, 1n);
      await staking(attacker).stake(1n);
      await voting(alice).propose("after the 1-wei stake", DAY);
      await expect(voting(attacker).castVote(1n, Abstain))
        .to.emit(voting(), "VoteCast")
        .withArgs(attacker.address, 1n, Abstain, 1n);
    });
  });

  // ================================================================================================
  describe("views of unknown / unvoted proposals", function () {
    it("getProposal, state and result revert UnknownProposal; receipts default to empty", async function () {
      const { voting, alice } = await loadFixture(proposalFixture);
      for (const id of [0n, 2n]) {
        await expect(voting().getProposal(id)).to.be.revertedWithCustomError(voting(), "UnknownProposal").withArgs(id);
        await expect(voting().state(id)).to.be.revertedWithCustomError(voting(), "UnknownProposal").withArgs(id);
        await expect(voting().result(id)).to.be.revertedWithCustomError(voting(), "UnknownProposal").withArgs(id);
      }
      expect(await voting().hasVoted(1n, alice.address)).to.equal(false);
      expect(await voting().getReceipt(1n, alice.address)).to.deep.equal([false, 0n, 0n]);
      expect(await voting().hasVoted(99n, alice.address)).to.equal(false);
    });
  });

  // ================================================================================================
  describe("state and result", function () {
    it("Active until endTime - 1; result() reverts VotingNotEnded until then and returns the final tally at the end", async function () {
      const { voting, alice, bob, id, endTime } = await loadFixture(proposalFixture);
      await voting(alice).castVote(id, For);
      await voting(bob).castVote(id, Against);
      expect(await voting().state(id)).to.equal(Active);
      await expect(voting().result(id)).to.be.revertedWithCustomError(voting(), "VotingNotEnded").withArgs(id, endTime);
      await time.increaseTo(endTime - 1n);
      expect(await voting().state(id)).to.equal(Active);
      await expect(voting().result(id)).to.be.revertedWithCustomError(voting(), "VotingNotEnded").withArgs(id, endTime);
      await time.increaseTo(endTime);
      expect(await voting().state(id)).to.equal(Succeeded);
      expect(await voting().result(id)).to.deep.equal([true, 600n * E, 300n * E, 0n]);
      await time.increase(30n * DAY);
      expect(await voting().state(id)).to.equal(Succeeded);
      expect(await voting().result(id)).to.deep.equal([true, 600n * E, 300n * E, 0n]);
    });

    // Stakes (in tokens) of alice, bob, carol; votes; expected outcome. Quorum is 10% of the total.
    type Vote = ["alice" | "bob" | "carol", number];
    const U = E;
    const cases: {
      name: string;
      stakes: [bigint, bigint, bigint];
      votes: Vote[];
      succeeded: boolean;
      tally: [bigint, bigint, bigint];
    }[] = [
      {
        name: "For alone reaching the quorum exactly -> Succeeded",
        stakes: [100n * U, 0n, 900n * U],
        votes: [["alice", For]],
        succeeded: true,
        tally: [100n * U, 0n, 0n],
      },
      {
        name: "For below the quorum, no Against -> Defeated (quorum not reached)",
        stakes: [100n * U - 1n, 0n, 900n * U + 1n],
        votes: [["alice", For]],
        succeeded: false,
        tally: [100n * U - 1n, 0n, 0n],
      },
      {
        name: "Abstain counts toward the quorum: For + Abstain == quorum -> Succeeded",
        stakes: [60n * U, 40n * U, 900n * U],
        votes: [
          ["alice", For],
          ["bob", Abstain],
        ],
        succeeded: true,
        tally: [60n * U, 0n, 40n * U],
      },
      {
        name: "For + Abstain == quorum - 1 wei -> Defeated",
        stakes: [60n * U, 40n * U - 1n, 900n * U + 1n],
        votes: [
          ["alice", For],
          ["bob", Abstain],
        ],
        succeeded: false,
        tally: [60n * U, 0n, 40n * U - 1n],
      },
      {
        name: "Against does not count toward the quorum: For > Against, For + Against >= quorum > For -> Defeated",
        stakes: [60n * U, 50n * U, 890n * U],
        votes: [
          ["alice", For],
          ["bob", Against],
        ],
        succeeded: false,
        tally: [60n * U, 50n * U, 0n],
      },
      {
        name: "For == Against with quorum -> Defeated",
        stakes: [100n * U, 100n * U, 800n * U],
        votes: [
          ["alice", For],
          ["bob", Against],
        ],
        succeeded: false,
        tally: [100n * U, 100n * U, 0n],
      },
      {
        name: "For == Against + 1 wei with quorum -> Succeeded",
        stakes: [100n * U + 1n, 100n * U, 800n * U - 1n],
        votes: [
          ["alice", For],
          ["bob", Against],
        ],
        succeeded: true,
        tally: [100n * U + 1n, 100n * U, 0n],
      },
      {
        name: "Abstain only, quorum reached -> Defeated (For must beat Against)",
        stakes: [500n * U, 500n * U, 0n],
        votes: [["alice", Abstain]],
        succeeded: false,
        tally: [0n, 0n, 500n * U],
      },
      {
        name: "no votes -> Defeated",
        stakes: [500n * U, 500n * U, 0n],
        votes: [],
        succeeded: false,
        tally: [0n, 0n, 0n],
      },
    ];

    for (const c of cases) {
      it(c.name, async function () {
        const sys = await loadFixture(deploySystemFixture);
        const who = { alice: sys.alice, bob: sys.bob, carol: sys.carol };
        const signers = [sys.alice, sys.bob, sys.carol];
        for (let i = 0; i < 3; i++) if (c.stakes[i] > 0n) await sys.staking(signers[i]).stake(c.stakes[i]);
        const total = c.stakes[0] + c.stakes[1] + c.stakes[2];
        const proposer = signers[c.stakes.findIndex((s) => s > 0n)];
        await sys.voting(proposer).propose(c.name, DAY);
        const p = await sys.voting().getProposal(1n);
        expect(p.quorum).to.equal(quorumOf(total));
        for (const [name, support] of c.votes) await sys.voting(who[name]).castVote(1n, support);
        expect(await sys.voting().state(1n)).to.equal(Active);
        await time.increaseTo(p.endTime);
        expect(await sys.voting().state(1n)).to.equal(c.succeeded ? Succeeded : Defeated);
        expect(await sys.voting().result(1n)).to.deep.equal([c.succeeded, ...c.tally]);
      });
    }

    it("a zero quorum (quorumBps = 0) still needs For > Against", async function () {
      const { voting, staking, alice, bob } = await loadFixture(deploySystemFixture);
      await voting().configure(MIN_VOTING_PERIOD, MAX_VOTING_PERIOD, 0n, 0n);
      await staking(alice).stake(10n);
      await staking(bob).stake(10n);
      await voting(alice).propose("a", DAY);
      await voting(alice).propose("b", DAY);
      await voting(alice).castVote(1n, For);
      const end = (await voting().getProposal(2n)).endTime;
      await time.increaseTo(end);
      expect((await voting().getProposal(1n)).quorum).to.equal(0n);
      expect(await voting().state(1n)).to.equal(Succeeded);
      expect(await voting().state(2n)).to.equal(Defeated);
    });
  });

  // ================================================================================================
  describe("stake lock (Voting -> Staking)", function () {
    it("voting locks the stake it counted: StakeLocked event, lockedUntil, withdraw/exit revert StakeIsLocked until the end", async function () {
      const { voting, staking, alice, token, id, endTime } = await loadFixture(proposalFixture);
      expect(await staking().lockedUntil(alice.address)).to.equal(0n);
      expect(await staking().lockedStake(alice.address)).to.equal(0n);
      const tx = voting(alice).castVote(id, For);
      await expect(tx).to.emit(voting(alice), "StakeLocked").withArgs(alice.address, 600n * E, endTime);
      expect(await staking().lockedUntil(alice.address)).to.equal(endTime);
      expect(await staking().lockedStake(alice.address)).to.equal(600n * E);
      for (const amount of [1n, 600n * E]) {
        await expect(staking(alice).withdraw(amount))
          .to.be.revertedWithCustomError(staking(alice), "StakeIsLocked")
          .withArgs(alice.address, 600n * E, endTime);
      }
      await expect(staking(alice).exit())
        .to.be.revertedWithCustomError(staking(alice), "StakeIsLocked")
        .withArgs(alice.address, 600n * E, endTime);
      await time.setNextBlockTimestamp(endTime - 1n);
      await expect(staking(alice).withdraw(1n))
        .to.be.revertedWithCustomError(staking(alice), "StakeIsLocked")
        .withArgs(alice.address, 600n * E, endTime);
      await time.setNextBlockTimestamp(endTime);
      const w = await staking(alice).withdraw(600n * E);
      await expect(w).to.emit(staking(alice), "Withdrawn").withArgs(alice.address, 600n * E);
      await expect(w).to.changeTokenBalance(token, alice, 600n * E);
      expect(await staking().lockedStake(alice.address)).to.equal(0n);
    });

    it("locks only what the vote counted: stake added after the snapshot can leave during the vote", async function () {
      const { voting, staking, alice, id, endTime } = await loadFixture(proposalFixture);
      await staking(alice).stake(50n * E); // after the snapshot: no weight, so not locked
      await voting(alice).castVote(id, For);
      await staking(alice).stake(7n * E); // after the vote: not locked either
      await expect(staking(alice).withdraw(57n * E + 1n))
        .to.be.revertedWithCustomError(staking(alice), "StakeIsLocked")
        .withArgs(alice.address, 600n * E, endTime);
      await expect(staking(alice).withdraw(57n * E)).to.emit(staking(alice), "Withdrawn").withArgs(alice.address, 57n * E);
      expect(await staking().stakeOf(alice.address)).to.equal(600n * E);
      await expect(staking(alice).exit()).to.be.revertedWithCustomError(staking(alice), "StakeIsLocked");
    });

    it("an expired lock is replaced by the next vote's weight, not kept at the old amount", async function () {
      const { voting, staking, alice, bob, id, endTime } = await loadFixture(proposalFixture);
      await voting(alice).castVote(id, For); // locks 600 until endTime
      await time.setNextBlockTimestamp(endTime);
      await staking(alice).withdraw(500n * E);
      await voting(bob).propose("next", DAY);
      const end2 = (await voting().getProposal(2n)).endTime;
      await expect(voting(alice).castVote(2n, For)).to.emit(voting(), "StakeLocked").withArgs(alice.address, 100n * E, end2);
      expect(await staking().lockedStake(alice.address)).to.equal(100n * E);
    });

    it("the lock does not block staking more or claiming rewards", async function () {
      const { voting, staking, alice, id } = await loadFixture(proposalFixture);
      const t = (await now()) + 1n;
      await time.setNextBlockTimestamp(t);
      await staking().notifyRewardAmount(7_000n * E);
      await voting(alice).castVote(id, For);
      // alice holds 600 of the 1000 staked for 3600 s of the stream
      const rate = (7_000n * E) / (7n * DAY);
      const expected = (600n * E * ((3600n * rate * E) / (1_000n * E))) / E;
      await time.setNextBlockTimestamp(t + 3600n);
      await expect(staking(alice).claimReward()).to.emit(staking(alice), "RewardPaid").withArgs(alice.address, expected);
      await expect(staking(alice).stake(1n)).to.emit(staking(alice), "Staked").withArgs(alice.address, 1n);
    });

    it("an account that did not vote withdraws freely during the vote", async function () {
      const { voting, staking, alice, bob, id } = await loadFixture(proposalFixture);
      await voting(alice).castVote(id, For);
      expect(await staking().lockedUntil(bob.address)).to.equal(0n);
      await expect(staking(bob).withdraw(300n * E)).to.emit(staking(bob), "Withdrawn").withArgs(bob.address, 300n * E);
      expect(await voting().hasVoted(id, bob.address)).to.equal(false);
    });

    it("lockedUntil keeps the latest end of overlapping proposals (StakeLocked only when it extends)", async function () {
      const { voting, staking, alice, bob } = await loadFixture(stakedFixture);
      await voting(bob).propose("long", 3n * DAY);
      await voting(bob).propose("short", DAY);
      const end1 = (await voting().getProposal(1n)).endTime;
      const end2 = (await voting().getProposal(2n)).endTime;
      expect(end2).to.be.lessThan(end1);
      await expect(voting(alice).castVote(1n, For)).to.emit(voting(), "StakeLocked").withArgs(alice.address, 600n * E, end1);
      await expect(voting(alice).castVote(2n, Against)).not.to.emit(voting(), "StakeLocked");
      expect(await staking().lockedUntil(alice.address)).to.equal(end1);
      // past the short one's end, still locked by the long one
      await time.setNextBlockTimestamp(end2);
      await expect(staking(alice).withdraw(1n))
        .to.be.revertedWithCustomError(staking(alice), "StakeIsLocked")
        .withArgs(alice.address, 600n * E, end1);
      // a later-ending proposal extends the lock
      await voting(bob).propose("later", 5n * DAY);
      const end3 = (await voting().getProposal(3n)).endTime;
      expect(end3).to.be.greaterThan(end1);
      await expect(voting(alice).castVote(3n, For)).to.emit(voting(), "StakeLocked").withArgs(alice.address, 600n * E, end3);
      expect(await staking().lockedUntil(alice.address)).to.equal(end3);
      await time.setNextBlockTimestamp(end1);
      await expect(staking(alice).withdraw(1n))
        .to.be.revertedWithCustomError(staking(alice), "StakeIsLocked")
        .withArgs(alice.address, 600n * E, end3);
      await time.setNextBlockTimestamp(end3);
      await expect(staking(alice).withdraw(1n)).to.emit(staking(alice), "Withdrawn").withArgs(alice.address, 1n);
    });

    it("a running lock grows to the larger weight of a later vote", async function () {
      const { voting, staking, alice, bob } = await loadFixture(stakedFixture);
      await voting(bob).propose("one", 3n * DAY);
      const end1 = (await voting().getProposal(1n)).endTime;
      await voting(alice).castVote(1n, For); // 600 until end1
      await staking(alice).stake(400n * E);
      await voting(bob).propose("two", DAY); // snapshot after the 400: alice weighs 1000 here
      await expect(voting(alice).castVote(2n, For)).to.emit(voting(), "StakeLocked").withArgs(alice.address, 1_000n * E, end1);
      await expect(staking(alice).withdraw(1n))
        .to.be.revertedWithCustomError(staking(alice), "StakeIsLocked")
        .withArgs(alice.address, 1_000n * E, end1);
    });

    it("one stake cannot be counted twice by moving it to another account before the end", async function () {
      const { voting, staking, token, alice, attacker, proxyAddress, id, endTime } = await loadFixture(proposalFixture);
      await voting(alice).castVote(id, For);
      // alice tries to withdraw to hand the tokens to attacker, who would vote again with them
      await expect(staking(alice).withdraw(600n * E))
        .to.be.revertedWithCustomError(staking(alice), "StakeIsLocked")
        .withArgs(alice.address, 600n * E, endTime);
      await expect(voting(attacker).castVote(id, For))
        .to.be.revertedWithCustomError(voting(attacker), "NoStake")
        .withArgs(attacker.address);
      // at the end the stake is free, but the vote is closed
      await time.setNextBlockTimestamp(endTime);
      await staking(alice).withdraw(600n * E);
      await token.connect(alice).transfer(attacker.address, 600n * E);
      await token.connect(attacker).approve(proxyAddress, 600n * E);
      await staking(attacker).stake(600n * E);
      await expect(voting(attacker).castVote(id, For))
        .to.be.revertedWithCustomError(voting(attacker), "VotingClosed")
        .withArgs(id, endTime);
      expect((await voting().getProposal(id)).forVotes).to.equal(600n * E);
    });
  });
});

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {LibStaking} from "./LibStaking.sol";

/**
 * @title LibVoting
 * @notice Storage and logic of the Voting module. Weights and quorum come from one snapshot: the stake
 * checkpoints Staking keeps (both modules run in the proxy's storage), read at the end of the second
 * before the proposal was created. A vote weighs the voter's stake at that snapshot, capped by its stake
 * now, and locks that much of its stake until the proposal ends; stake added after the snapshot has no
 * weight, so moving stake between accounts cannot count it twice.
 */
library LibVoting {
    /// @notice How a vote counts (the OpenZeppelin Governor convention).
    enum Support {
        Against,
        For,
        Abstain
    }

    /// @notice Lifecycle of a proposal.
    enum ProposalState {
        Active,
        Defeated,
        Succeeded
    }

    /// @notice One proposal: who opened it, its voting window [startTime, endTime), the quorum (stake
    /// needed in For + Abstain, from the snapshot), the running tally and the hash of its text.
    struct Proposal {
        address proposer;
        uint64 startTime;
        uint64 endTime;
        uint256 quorum;
        uint256 forVotes;
        uint256 againstVotes;
        uint256 abstainVotes;
        bytes32 descriptionHash;
    }

    /// @notice One account's vote on one proposal: whether it voted, how, and the stake counted.
    struct Receipt {
        bool hasVoted;
        Support support;
        uint256 weight;
    }

    /// @custom:storage-location erc7201:loadbalancer.storage.Voting
    struct Layout {
        uint64 initializedVersion;
        uint64 minVotingPeriod;
        uint64 maxVotingPeriod;
        // Quorum as a fraction of the total stake at the proposal's snapshot, in basis points.
        uint16 quorumBps;
        uint256 proposalCount;
        mapping(uint256 proposalId => Proposal) proposals;
        mapping(uint256 proposalId => mapping(address voter => Receipt)) receipts;
        // Stake a proposer needs at the snapshot (at least 1 wei in any case).
        uint256 proposalThreshold;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("loadbalancer.storage.Voting")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant STORAGE_SLOT = 0x12f6b66b8ad7611ccca9d5f22d4da8d31ba5c3e1da8328fe06840d49dad81600;

    /// @dev Basis points in one (the quorum's denominator).
    uint16 internal constant BPS = 10_000;

    /// @dev Upper bound of any voting period (about ten years), so `now + period` always fits in uint64.
    uint64 internal constant MAX_VOTING_PERIOD = 3650 days;

    /// @notice The voting configuration changed.
    /// @param minVotingPeriod Shortest allowed voting period, in seconds.
    /// @param maxVotingPeriod Longest allowed voting period, in seconds.
    /// @param quorumBps Quorum in basis points of the total stake at a proposal's snapshot.
    /// @param proposalThreshold Stake a proposer needs at the snapshot.
    event VotingConfigured(uint64 minVotingPeriod, uint64 maxVotingPeriod, uint16 quorumBps, uint256 proposalThreshold);

    /// @notice A proposal was opened.
    /// @param proposalId Its id.
    /// @param proposer The staker who opened it.
    /// @param startTime When voting opened; the snapshot is the second before.
    /// @param endTime When voting closes (votes are accepted strictly before).
    /// @param quorum For + Abstain stake needed for it to pass.
    /// @param description Its text (only the hash is stored).
    event ProposalCreated(
        uint256 indexed proposalId,
        address indexed proposer,
        uint64 startTime,
        uint64 endTime,
        uint256 quorum,
        string description
    );

    /// @notice A vote was cast.
    /// @param voter The voter.
    /// @param proposalId The proposal.
    /// @param support Against, For or Abstain.
    /// @param weight The voter's stake counted (and locked until the proposal ends).
    event VoteCast(address indexed voter, uint256 indexed proposalId, Support support, uint256 weight);

    /// @notice The configuration is out of range: minimum zero or above the maximum, maximum above
    /// 3650 days, or quorum above 10 000 basis points.
    /// @param minVotingPeriod The rejected minimum.
    /// @param maxVotingPeriod The rejected maximum.
    /// @param quorumBps The rejected quorum.
    error InvalidVotingConfig(uint64 minVotingPeriod, uint64 maxVotingPeriod, uint16 quorumBps);

    /// @notice The voting period is outside the configured range.
    /// @param period The requested period in seconds.
    /// @param minVotingPeriod The shortest allowed.
    /// @param maxVotingPeriod The longest allowed.
    error InvalidVotingPeriod(uint64 period, uint64 minVotingPeriod, uint64 maxVotingPeriod);

    /// @notice `account` has no stake that counts: none at the snapshot, or none left now.
    /// @param account The proposer or voter.
    error NoStake(address account);

    /// @notice The proposer's stake at the snapshot is below the proposal threshold.
    /// @param proposer The proposer.
    /// @param stake Its stake that counts (at the snapshot, capped by its stake now).
    /// @param threshold The stake needed.
    error InsufficientProposerStake(address proposer, uint256 stake, uint256 threshold);

    /// @notice No proposal has this id.
    /// @param proposalId The id.
    error UnknownProposal(uint256 proposalId);

    /// @notice The proposal's voting window is over.
    /// @param proposalId The proposal.
    /// @param endTime When voting closed.
    error VotingClosed(uint256 proposalId, uint64 endTime);

    /// @notice The result is not final before the proposal ends.
    /// @param proposalId The proposal.
    /// @param endTime When voting closes.
    error VotingNotEnded(uint256 proposalId, uint64 endTime);

    /// @notice `voter` already voted on this proposal.
    /// @param proposalId The proposal.
    /// @param voter The voter.
    error AlreadyVoted(uint256 proposalId, address voter);

    /// @notice The module's ERC-7201 namespace in the proxy's storage.
    /// @return $ The storage pointer at STORAGE_SLOT.
    function layout() internal pure returns (Layout storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    /// @notice Validates and stores the configuration; applies to proposals created from now on.
    /// @param minVotingPeriod Shortest allowed voting period in seconds; not zero.
    /// @param maxVotingPeriod Longest allowed voting period in seconds; at least the minimum, at most 3650 days.
    /// @param quorumBps Quorum in basis points; at most 10 000.
    /// @param proposalThreshold Stake a proposer needs at the snapshot (any value; 0 means any staker).
    function configure(uint64 minVotingPeriod, uint64 maxVotingPeriod, uint16 quorumBps, uint256 proposalThreshold)
        internal
    {
        if (minVotingPeriod == 0 || minVotingPeriod > maxVotingPeriod || maxVotingPeriod > MAX_VOTING_PERIOD || quorumBps > BPS) {
            revert InvalidVotingConfig(minVotingPeriod, maxVotingPeriod, quorumBps);
        }
        Layout storage $ = layout();
        $.minVotingPeriod = minVotingPeriod;
        $.maxVotingPeriod = maxVotingPeriod;
        $.quorumBps = quorumBps;
        $.proposalThreshold = proposalThreshold;
        emit VotingConfigured(minVotingPeriod, maxVotingPeriod, quorumBps, proposalThreshold);
    }

    /// @notice The instant a proposal's weights and quorum are read at: the end of the second before it
    /// was created, so nothing done in the proposal's own block (a flash stake) counts.
    /// @param p The proposal.
    /// @return A timestamp (startTime - 1).
    function snapshot(Proposal storage p) internal view returns (uint48) {
        return uint48(p.startTime - 1);
    }

    /// @notice The stake of `account` that counts at `timepoint`: its stake then, capped by its stake
    /// now (stake withdrawn since the snapshot no longer counts, stake added since never does).
    /// @param account The proposer or voter.
    /// @param timepoint The snapshot.
    /// @return The weight.
    function votingPower(address account, uint48 timepoint) internal view returns (uint256) {
        return Math.min(LibStaking.stakeAt(account, timepoint), LibStaking.layout().stakeOf[account]);
    }

    /**
     * @notice Opens a proposal; voting opens now and lasts `votingPeriod` seconds.
     * @dev The proposer needs at least max(proposalThreshold, 1 wei) of stake at the snapshot (capped by
     * its stake now). The quorum is `quorumBps` of the total stake at the snapshot, rounded up.
     * @param proposer The staker (msg.sender of the routed call).
     * @param description The proposal's text.
     * @param votingPeriod How long voting stays open, in seconds.
     * @return proposalId The new proposal's id (1, 2, ...).
     */
    function propose(address proposer, string calldata description, uint64 votingPeriod)
        internal
        returns (uint256 proposalId)
    {
        Layout storage $ = layout();
        if (votingPeriod < $.minVotingPeriod || votingPeriod > $.maxVotingPeriod) {
            revert InvalidVotingPeriod(votingPeriod, $.minVotingPeriod, $.maxVotingPeriod);
        }
        uint48 snapshotTime = uint48(block.timestamp - 1);
        uint256 power = votingPower(proposer, snapshotTime);
        if (power == 0) revert NoStake(proposer);
        uint256 threshold = $.proposalThreshold;
        if (power < threshold) revert InsufficientProposerStake(proposer, power, threshold);
        proposalId = ++$.proposalCount;
        Proposal storage p = $.proposals[proposalId];
        p.proposer = proposer;
        p.startTime = uint64(block.timestamp);
        p.endTime = uint64(block.timestamp) + votingPeriod;
        // mulDiv: the total (up to 2**208) times quorumBps needs no 512 bits today, but costs nothing to keep safe.
        p.quorum = Math.mulDiv(LibStaking.totalStakedAt(snapshotTime), $.quorumBps, BPS, Math.Rounding.Ceil);
        p.descriptionHash = keccak256(bytes(description));
        emit ProposalCreated(proposalId, proposer, p.startTime, p.endTime, p.quorum, description);
    }

    /// @notice Records one vote per account per proposal, weighted by {votingPower} at the proposal's
    /// snapshot, and locks that much of the voter's stake until the proposal ends.
    /// @param voter The voter (msg.sender of the routed call).
    /// @param proposalId The proposal.
    /// @param support Against, For or Abstain.
    /// @return weight The stake counted.
    function castVote(address voter, uint256 proposalId, Support support) internal returns (uint256 weight) {
        Proposal storage p = proposal(proposalId);
        if (block.timestamp >= p.endTime) revert VotingClosed(proposalId, p.endTime);
        Receipt storage receipt = layout().receipts[proposalId][voter];
        if (receipt.hasVoted) revert AlreadyVoted(proposalId, voter);
        weight = votingPower(voter, snapshot(p));
        if (weight == 0) revert NoStake(voter);
        receipt.hasVoted = true;
        receipt.support = support;
        receipt.weight = weight;
        if (support == Support.For) p.forVotes += weight;
        else if (support == Support.Against) p.againstVotes += weight;
        else p.abstainVotes += weight;
        LibStaking.lock(voter, weight, p.endTime);
        emit VoteCast(voter, proposalId, support, weight);
    }

    /// @notice A proposal by id; reverts with {UnknownProposal} if none.
    /// @param proposalId The id.
    /// @return p The proposal's storage.
    function proposal(uint256 proposalId) internal view returns (Proposal storage p) {
        p = layout().proposals[proposalId];
        if (p.startTime == 0) revert UnknownProposal(proposalId);
    }

    /// @notice Active until the end; then Succeeded when For + Abstain reach the quorum and For beats
    /// Against, else Defeated.
    /// @param proposalId The proposal.
    /// @return Its state now.
    function state(uint256 proposalId) internal view returns (ProposalState) {
        Proposal storage p = proposal(proposalId);
        if (block.timestamp < p.endTime) return ProposalState.Active;
        bool quorumReached = p.forVotes + p.abstainVotes >= p.quorum;
        return quorumReached && p.forVotes > p.againstVotes ? ProposalState.Succeeded : ProposalState.Defeated;
    }
}

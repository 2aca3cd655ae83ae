// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {LibStaking} from "./LibStaking.sol";

/**
 * @title LibVoting
 * @notice Storage and logic of the Voting module. A vote weighs the voter's stake in Staking, read
 * straight from Staking's namespace (both run in the proxy's storage), and locks that stake until the
 * proposal ends, so one stake cannot be counted twice by moving it between accounts.
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

    struct Proposal {
        address proposer;
        uint64 startTime;
        uint64 endTime;
        // Stake needed in For + Abstain votes, fixed at creation from the quorum fraction.
        uint256 quorum;
        uint256 forVotes;
        uint256 againstVotes;
        uint256 abstainVotes;
        bytes32 descriptionHash;
    }

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
        // Quorum as a fraction of total stake at proposal creation, in basis points.
        uint16 quorumBps;
        uint256 proposalCount;
        mapping(uint256 proposalId => Proposal) proposals;
        mapping(uint256 proposalId => mapping(address voter => Receipt)) receipts;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("loadbalancer.storage.Voting")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant STORAGE_SLOT = 0x12f6b66b8ad7611ccca9d5f22d4da8d31ba5c3e1da8328fe06840d49dad81600;

    uint16 internal constant BPS = 10_000;

    /// @dev Upper bound of any voting period (about ten years), so `now + period` always fits in uint64.
    uint64 internal constant MAX_VOTING_PERIOD = 3650 days;

    /// @notice The voting configuration changed.
    /// @param minVotingPeriod Shortest allowed voting period, in seconds.
    /// @param maxVotingPeriod Longest allowed voting period, in seconds.
    /// @param quorumBps Quorum in basis points of the total stake at proposal creation.
    event VotingConfigured(uint64 minVotingPeriod, uint64 maxVotingPeriod, uint16 quorumBps);

    /// @notice A proposal was opened.
    /// @param proposalId Its id.
    /// @param proposer The staker who opened it.
    /// @param startTime When voting opened.
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
    /// @param weight The voter's stake counted.
    event VoteCast(address indexed voter, uint256 indexed proposalId, Support support, uint256 weight);

    error InvalidVotingConfig(uint64 minVotingPeriod, uint64 maxVotingPeriod, uint16 quorumBps);
    error InvalidVotingPeriod(uint64 period, uint64 minVotingPeriod, uint64 maxVotingPeriod);
    error NoStake(address account);
    error UnknownProposal(uint256 proposalId);
    error VotingClosed(uint256 proposalId, uint64 endTime);
    error VotingNotEnded(uint256 proposalId, uint64 endTime);
    error AlreadyVoted(uint256 proposalId, address voter);

    /// @notice The module's ERC-7201 namespace in the proxy's storage.
    /// @return $ The storage pointer at STORAGE_SLOT.
    function layout() internal pure returns (Layout storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    function configure(uint64 minVotingPeriod, uint64 maxVotingPeriod, uint16 quorumBps) internal {
        if (minVotingPeriod == 0 || minVotingPeriod > maxVotingPeriod || maxVotingPeriod > MAX_VOTING_PERIOD || quorumBps > BPS) {
            revert InvalidVotingConfig(minVotingPeriod, maxVotingPeriod, quorumBps);
        }
        Layout storage $ = layout();
        $.minVotingPeriod = minVotingPeriod;
        $.maxVotingPeriod = maxVotingPeriod;
        $.quorumBps = quorumBps;
        emit VotingConfigured(minVotingPeriod, maxVotingPeriod, quorumBps);
    }

    /// @dev Any staker may propose; voting opens now and lasts `votingPeriod` seconds.
    function propose(address proposer, string calldata description, uint64 votingPeriod)
        internal
        returns (uint256 proposalId)
    {
        Layout storage $ = layout();
        if (votingPeriod < $.minVotingPeriod || votingPeriod > $.maxVotingPeriod) {
            revert InvalidVotingPeriod(votingPeriod, $.minVotingPeriod, $.maxVotingPeriod);
        }
        LibStaking.Layout storage staking = LibStaking.layout();
        if (staking.stakeOf[proposer] == 0) revert NoStake(proposer);
        proposalId = ++$.proposalCount;
        Proposal storage p = $.proposals[proposalId];
        p.proposer = proposer;
        p.startTime = uint64(block.timestamp);
        p.endTime = uint64(block.timestamp) + votingPeriod;
        // mulDiv: totalStaked * quorumBps may exceed 2**256 for tokens with a huge supply.
        p.quorum = Math.mulDiv(staking.totalStaked, $.quorumBps, BPS);
        p.descriptionHash = keccak256(bytes(description));
        emit ProposalCreated(proposalId, proposer, p.startTime, p.endTime, p.quorum, description);
    }

    /// @dev One vote per account per proposal, weighted by its current stake, which is then locked.
    function castVote(address voter, uint256 proposalId, Support support) internal returns (uint256 weight) {
        Proposal storage p = proposal(proposalId);
        if (block.timestamp >= p.endTime) revert VotingClosed(proposalId, p.endTime);
        Receipt storage receipt = layout().receipts[proposalId][voter];
        if (receipt.hasVoted) revert AlreadyVoted(proposalId, voter);
        weight = LibStaking.layout().stakeOf[voter];
        if (weight == 0) revert NoStake(voter);
        receipt.hasVoted = true;
        receipt.support = support;
        receipt.weight = weight;
        if (support == Support.For) p.forVotes += weight;
        else if (support == Support.Against) p.againstVotes += weight;
        else p.abstainVotes += weight;
        LibStaking.lockUntil(voter, p.endTime);
        emit VoteCast(voter, proposalId, support, weight);
    }

    function proposal(uint256 proposalId) internal view returns (Proposal storage p) {
        p = layout().proposals[proposalId];
        if (p.startTime == 0) revert UnknownProposal(proposalId);
    }

    /// @dev Active until the end; then Succeeded when For + Abstain reach the quorum and For beats Against.
    function state(uint256 proposalId) internal view returns (ProposalState) {
        Proposal storage p = proposal(proposalId);
        if (block.timestamp < p.endTime) return ProposalState.Active;
        bool quorumReached = p.forVotes + p.abstainVotes >= p.quorum;
        return quorumReached && p.forVotes > p.againstVotes ? ProposalState.Succeeded : ProposalState.Defeated;
    }
}

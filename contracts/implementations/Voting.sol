// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {InitializableModule} from "../core/InitializableModule.sol";
import {LibVoting} from "../libraries/LibVoting.sol";

/**
 * @title Voting
 * @notice Stake-weighted proposals: one vote per account per proposal (against / for / abstain). Weights
 * and quorum come from one snapshot of Staking's stake checkpoints, the second before the proposal was
 * created; a vote counts the voter's stake then (capped by its stake now) and keeps that much staked
 * until the proposal ends. Runs only through the load balancer, in the proxy's storage; logic and
 * storage live in {LibVoting}. It reads and locks stake in Staking's storage directly, so it keeps
 * working while the Staking id is paused or removed.
 */
contract Voting is InitializableModule {
    /**
     * @notice Sets the allowed voting-period range, the quorum (basis points of the total stake at a
     * proposal's snapshot) and the proposal threshold. Runs once, inside the owner's
     * register-and-initialize call.
     * @param minVotingPeriod Shortest allowed voting period in seconds; not zero.
     * @param maxVotingPeriod Longest allowed voting period in seconds; at least the minimum, at most 3650 days.
     * @param quorumBps Quorum in basis points; at most 10 000.
     * @param proposalThreshold Stake a proposer needs at the snapshot; 0 lets any staker propose.
     */
    function initialize(uint64 minVotingPeriod, uint64 maxVotingPeriod, uint16 quorumBps, uint256 proposalThreshold)
        external
        reinitializer(1)
    {
        LibVoting.configure(minVotingPeriod, maxVotingPeriod, quorumBps, proposalThreshold);
    }

    /// @notice Changes the voting-period range, quorum and proposal threshold for proposals created from
    /// now on. Owner only.
    /// @param minVotingPeriod Shortest allowed voting period in seconds; not zero.
    /// @param maxVotingPeriod Longest allowed voting period in seconds; at least the minimum, at most 3650 days.
    /// @param quorumBps Quorum in basis points; at most 10 000.
    /// @param proposalThreshold Stake a proposer needs at the snapshot; 0 lets any staker propose.
    function configure(uint64 minVotingPeriod, uint64 maxVotingPeriod, uint16 quorumBps, uint256 proposalThreshold)
        external
        onlyDelegateCall
        onlyOwner
    {
        LibVoting.configure(minVotingPeriod, maxVotingPeriod, quorumBps, proposalThreshold);
    }

    /// @notice Opens a proposal. The caller needs stake of at least the proposal threshold (and 1 wei)
    /// at the snapshot, the end of the previous second.
    /// @param description The proposal's text; only its hash is stored, the text is in the event.
    /// @param votingPeriod How long voting stays open, in seconds, within the configured range.
    /// @return proposalId The new proposal's id (1, 2, ...).
    function propose(string calldata description, uint64 votingPeriod)
        external
        onlyDelegateCall
        returns (uint256 proposalId)
    {
        return LibVoting.propose(msg.sender, description, votingPeriod);
    }

    /// @notice Votes on an active proposal with the caller's stake at the proposal's snapshot (capped by
    /// its stake now), and keeps that much staked until the proposal ends.
    /// @param proposalId The proposal.
    /// @param support Against (0), For (1) or Abstain (2).
    /// @return weight The stake counted.
    function castVote(uint256 proposalId, LibVoting.Support support)
        external
        onlyDelegateCall
        returns (uint256 weight)
    {
        return LibVoting.castVote(msg.sender, proposalId, support);
    }

    /// @notice A proposal's data and running tally.
    /// @param proposalId The proposal.
    /// @return The proposal.
    function getProposal(uint256 proposalId) external view onlyDelegateCall returns (LibVoting.Proposal memory) {
        return LibVoting.proposal(proposalId);
    }

    /// @notice The instant a proposal's weights and quorum are read at.
    /// @param proposalId The proposal.
    /// @return A timestamp: the end of the second before the proposal was created.
    function proposalSnapshot(uint256 proposalId) external view onlyDelegateCall returns (uint48) {
        return LibVoting.snapshot(LibVoting.proposal(proposalId));
    }

    /// @notice The weight an account's vote on a proposal would have now.
    /// @param proposalId The proposal.
    /// @param account The account.
    /// @return Its stake at the proposal's snapshot, capped by its stake now.
    function getVotes(uint256 proposalId, address account) external view onlyDelegateCall returns (uint256) {
        return LibVoting.votingPower(account, LibVoting.snapshot(LibVoting.proposal(proposalId)));
    }

    /// @notice Where a proposal stands.
    /// @param proposalId The proposal.
    /// @return Active, Defeated or Succeeded.
    function state(uint256 proposalId) external view onlyDelegateCall returns (LibVoting.ProposalState) {
        return LibVoting.state(proposalId);
    }

    /**
     * @notice The final result, readable only after the proposal ended.
     * @param proposalId The proposal.
     * @return succeeded Whether it passed.
     * @return forVotes Stake that voted For.
     * @return againstVotes Stake that voted Against.
     * @return abstainVotes Stake that abstained.
     */
    function result(uint256 proposalId)
        external
        view
        onlyDelegateCall
        returns (bool succeeded, uint256 forVotes, uint256 againstVotes, uint256 abstainVotes)
    {
        LibVoting.Proposal storage p = LibVoting.proposal(proposalId);
        if (block.timestamp < p.endTime) revert LibVoting.VotingNotEnded(proposalId, p.endTime);
        succeeded = LibVoting.state(proposalId) == LibVoting.ProposalState.Succeeded;
        return (succeeded, p.forVotes, p.againstVotes, p.abstainVotes);
    }

    /// @notice Whether and how an account voted on a proposal.
    /// @param proposalId The proposal.
    /// @param voter The account.
    /// @return Its receipt (all zero when it did not vote).
    function getReceipt(uint256 proposalId, address voter)
        external
        view
        onlyDelegateCall
        returns (LibVoting.Receipt memory)
    {
        return LibVoting.layout().receipts[proposalId][voter];
    }

    /// @notice Whether an account voted on a proposal.
    /// @param proposalId The proposal.
    /// @param voter The account.
    /// @return True when it voted.
    function hasVoted(uint256 proposalId, address voter) external view onlyDelegateCall returns (bool) {
        return LibVoting.layout().receipts[proposalId][voter].hasVoted;
    }

    /// @notice Number of proposals created.
    /// @return The count, which is also the id of the latest proposal.
    function proposalCount() external view onlyDelegateCall returns (uint256) {
        return LibVoting.layout().proposalCount;
    }

    /// @notice The current configuration.
    /// @return minVotingPeriod Shortest allowed voting period in seconds.
    /// @return maxVotingPeriod Longest allowed voting period in seconds.
    /// @return quorumBps Quorum in basis points of the total stake at a proposal's snapshot.
    /// @return proposalThreshold Stake a proposer needs at the snapshot.
    function votingConfig()
        external
        view
        onlyDelegateCall
        returns (uint64 minVotingPeriod, uint64 maxVotingPeriod, uint16 quorumBps, uint256 proposalThreshold)
    {
        LibVoting.Layout storage $ = LibVoting.layout();
        return ($.minVotingPeriod, $.maxVotingPeriod, $.quorumBps, $.proposalThreshold);
    }

    /// @notice Version counter kept in the module's own namespace.
    /// @return The version the module's storage is at (0 before initialization).
    function _initializedVersion() internal view override returns (uint64) {
        return LibVoting.layout().initializedVersion;
    }

    /// @notice Records the version the module's storage is at.
    /// @param version The new version.
    function _setInitializedVersion(uint64 version) internal override {
        LibVoting.layout().initializedVersion = version;
    }
}

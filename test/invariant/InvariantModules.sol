// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {LibStaking} from "../../contracts/libraries/LibStaking.sol";
import {LibVoting} from "../../contracts/libraries/LibVoting.sol";

/*
 * Test modules need nothing from the project's module base contracts (the registry accepts any contract
 * with code), so they do not inherit them: the harness keeps compiling when those bases change.
 */

/**
 * @title InvariantProbe
 * @notice A module that answers with its own (implementation) address: the routing properties call it
 * through the proxy to prove a call reached exactly the implementation the registry names.
 */
contract InvariantProbe {
    /// @dev The code's own address in every context (an immutable lives in code, not storage).
    address private immutable SELF = address(this);

    /// @notice The implementation that served this call.
    function probeSelf() external view returns (address) {
        return SELF;
    }
}

/**
 * @title InvariantLens
 * @notice A read-only module registered by the harness at a fixed id that no handler pauses or removes.
 * It reads Staking's and Voting's namespaces straight from the proxy's storage, so the properties can
 * check balances and tallies even while Staking or Voting is paused or upgraded.
 */
contract InvariantLens {
    /// @notice Staking totals and the proxy's token balance.
    function stakingTotals()
        external
        view
        returns (uint256 totalStaked, uint256 funded, uint256 paid, uint256 balance)
    {
        LibStaking.Layout storage $ = LibStaking.layout();
        return ($.totalStaked, $.totalRewardsFunded, $.totalRewardsPaid, $.token.balanceOf(address(this)));
    }

    /// @notice Rewards not yet paid nor claimable: what the running period will still stream (from now
    /// to its end) and the unallocated rewards the next funding streams again.
    function rewardsAhead() external view returns (uint256 remaining, uint256 unallocated) {
        LibStaking.Layout storage $ = LibStaking.layout();
        remaining = block.timestamp < $.periodFinish ? ($.periodFinish - block.timestamp) * $.rewardRate : 0;
        unallocated = LibStaking.unallocatedRewards();
    }

    /// @notice Stake, vote lock (end, and the amount locked now) and claimable rewards of each account.
    function accounts(address[] calldata who)
        external
        view
        returns (
            uint256[] memory stakes,
            uint256[] memory lockedUntil,
            uint256[] memory lockedAmount,
            uint256[] memory earned
        )
    {
        LibStaking.Layout storage $ = LibStaking.layout();
        stakes = new uint256[](who.length);
        lockedUntil = new uint256[](who.length);
        lockedAmount = new uint256[](who.length);
        earned = new uint256[](who.length);
        for (uint256 i; i < who.length; ++i) {
            stakes[i] = $.stakeOf[who[i]];
            lockedAmount[i] = LibStaking.lockedAmount(who[i]);
            lockedUntil[i] = LibStaking.lockedUntil(who[i]);
            earned[i] = LibStaking.earned(who[i]);
        }
    }

    /// @notice Number of proposals created.
    function proposalCount() external view returns (uint256) {
        return LibVoting.layout().proposalCount;
    }

    /**
     * @notice One proposal as the properties need it: its end, its stored tally, the sums of the
     * recorded individual votes (receipts) of `voters`, which of them voted (bit i = voters[i]), and its
     * quorum. Tallies are indexed by {LibVoting.Support}: [against, for, abstain]. Zeros for an unknown id.
     */
    function proposalState(uint256 proposalId, address[] calldata voters)
        external
        view
        returns (uint64 endTime, uint256[3] memory tally, uint256[3] memory receiptSums, uint256 votedMask, uint256 quorum)
    {
        LibVoting.Layout storage $ = LibVoting.layout();
        LibVoting.Proposal storage p = $.proposals[proposalId];
        endTime = p.endTime;
        quorum = p.quorum;
        tally = [p.againstVotes, p.forVotes, p.abstainVotes];
        for (uint256 i; i < voters.length; ++i) {
            LibVoting.Receipt storage r = $.receipts[proposalId][voters[i]];
            if (!r.hasVoted) continue;
            votedMask |= 1 << i;
            receiptSums[uint8(r.support)] += r.weight;
        }
    }

    /// @notice The staked token.
    function token() external view returns (IERC20) {
        return LibStaking.layout().token;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Staking} from "../implementations/Staking.sol";
import {LibStaking} from "../libraries/LibStaking.sol";

/// @notice A V2 of Staking for upgrade tests: same storage, one new function and a migration step that
/// takes arguments (so a migration run by someone else than the owner would be visible).
contract StakingV2 is Staking {
    /// @notice V2's migration ran, run by `caller`, setting the reward period length to `rewardsDuration`.
    event MigratedToV2(address caller, uint256 rewardsDuration);

    /// @notice V2's migration (reinitializer 2): sets the length of the next reward periods.
    /// @param rewardsDuration_ The new length in seconds.
    function migrateToV2(uint256 rewardsDuration_) public reinitializer(2) {
        LibStaking.layout().rewardsDuration = rewardsDuration_;
        emit MigratedToV2(msg.sender, rewardsDuration_);
    }

    /// @notice A migration as an owner might pass it to upgradeImplementation: first top up the rewards
    /// (a token transfer, so a token with hooks calls out here), then run {migrateToV2}.
    /// @param reward Reward tokens pulled from the owner and streamed.
    /// @param rewardsDuration_ The period length {migrateToV2} sets.
    function topUpAndMigrateToV2(uint256 reward, uint256 rewardsDuration_) external onlyDelegateCall onlyOwner {
        LibStaking.notifyRewardAmount(msg.sender, reward);
        migrateToV2(rewardsDuration_);
    }

    /// @notice Which implementation version serves the id.
    /// @return 2.
    function version() external pure returns (uint256) {
        return 2;
    }
}

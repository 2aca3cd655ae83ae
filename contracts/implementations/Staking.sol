// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {InitializableModule} from "../core/InitializableModule.sol";
import {LibStaking} from "../libraries/LibStaking.sol";

/**
 * @title Staking
 * @notice Stake one ERC-20 and earn rewards in it, streamed pro rata over a period the owner funds.
 * Runs only through the load balancer (id chosen at registration), in the proxy's storage; the logic
 * and storage live in {LibStaking}. Every function that moves tokens holds a transient reentrancy
 * lock; the lock's slot is the proxy's, so a token callback cannot re-enter any of them. (Voting
 * moves no tokens and takes no lock: a callback into it finds Staking's state already settled.)
 */
contract Staking is InitializableModule, ReentrancyGuardTransient {
    /**
     * @notice Sets the staked (and reward) token and the reward period length. Runs once, inside the
     * owner's register-and-initialize call.
     * @param token The staked and reward token.
     * @param rewardsDuration_ Length of a reward period in seconds; not zero.
     */
    function initialize(IERC20 token, uint256 rewardsDuration_) external reinitializer(1) {
        LibStaking.initialize(token, rewardsDuration_);
    }

    // ------------------------------------------------------------------ user actions

    /// @notice Stakes tokens; the stake credited is what actually arrived (fee-on-transfer safe).
    /// @param amount The amount to transfer in; not zero.
    /// @return received The amount credited.
    function stake(uint256 amount) external onlyDelegateCall nonReentrant returns (uint256 received) {
        return LibStaking.stake(msg.sender, amount);
    }

    /// @notice Withdraws part of the caller's stake. Reverts while the stake is locked by a vote.
    /// @param amount The amount; not zero, at most the caller's stake.
    function withdraw(uint256 amount) external onlyDelegateCall nonReentrant {
        LibStaking.withdraw(msg.sender, amount);
    }

    /// @notice Pays the caller's accrued rewards.
    /// @return reward The amount paid (zero when nothing accrued).
    function claimReward() external onlyDelegateCall nonReentrant returns (uint256 reward) {
        return LibStaking.claim(msg.sender);
    }

    /// @notice Withdraws the caller's whole stake and claims the rewards.
    function exit() external onlyDelegateCall nonReentrant {
        uint256 staked = LibStaking.layout().stakeOf[msg.sender];
        if (staked != 0) LibStaking.withdraw(msg.sender, staked);
        LibStaking.claim(msg.sender);
    }

    // ------------------------------------------------------------------ owner actions

    /// @notice Funds rewards from the owner and (re)starts the reward period.
    /// @param amount The amount to transfer in; what arrives must stream at least 1 wei per second.
    function notifyRewardAmount(uint256 amount) external onlyDelegateCall onlyOwner nonReentrant {
        LibStaking.notifyRewardAmount(msg.sender, amount);
    }

    /// @notice Sets the length of the next reward periods; only between periods.
    /// @param duration The new length in seconds; not zero.
    function setRewardsDuration(uint256 duration) external onlyDelegateCall onlyOwner {
        LibStaking.setRewardsDuration(duration);
    }

    // ------------------------------------------------------------------ views

    /// @notice The staked and reward token.
    function stakingToken() external view onlyDelegateCall returns (IERC20) {
        return LibStaking.layout().token;
    }

    /// @notice An account's stake.
    /// @param account The staker.
    /// @return The amount staked.
    function stakeOf(address account) external view onlyDelegateCall returns (uint256) {
        return LibStaking.layout().stakeOf[account];
    }

    /// @notice The sum of all stakes.
    function totalStaked() external view onlyDelegateCall returns (uint256) {
        return LibStaking.layout().totalStaked;
    }

    /// @notice Rewards an account can claim now.
    /// @param account The staker.
    /// @return The claimable amount.
    function earned(address account) external view onlyDelegateCall returns (uint256) {
        return LibStaking.earned(account);
    }

    /// @notice Accumulated reward per staked token, scaled by 1e18.
    function rewardPerToken() external view onlyDelegateCall returns (uint256) {
        return LibStaking.rewardPerToken();
    }

    /// @notice min(now, periodFinish).
    function lastTimeRewardApplicable() external view onlyDelegateCall returns (uint256) {
        return LibStaking.lastTimeRewardApplicable();
    }

    /// @notice Reward tokens streamed per second in the current period.
    function rewardRate() external view onlyDelegateCall returns (uint256) {
        return LibStaking.layout().rewardRate;
    }

    /// @notice End of the current reward period.
    function periodFinish() external view onlyDelegateCall returns (uint256) {
        return LibStaking.layout().periodFinish;
    }

    /// @notice Length of a reward period in seconds.
    function rewardsDuration() external view onlyDelegateCall returns (uint256) {
        return LibStaking.layout().rewardsDuration;
    }

    /// @notice Until when an account's stake cannot be withdrawn (it voted on a running proposal).
    /// @param account The staker.
    /// @return A timestamp; withdrawals succeed from this time on.
    function lockedUntil(address account) external view onlyDelegateCall returns (uint256) {
        return LibStaking.layout().lockedUntil[account];
    }

    /// @notice Rewards funded so far, counting what arrived.
    function totalRewardsFunded() external view onlyDelegateCall returns (uint256) {
        return LibStaking.layout().totalRewardsFunded;
    }

    /// @notice Rewards paid out so far.
    function totalRewardsPaid() external view onlyDelegateCall returns (uint256) {
        return LibStaking.layout().totalRewardsPaid;
    }

    function _initializedVersion() internal view override returns (uint64) {
        return LibStaking.layout().initializedVersion;
    }

    function _setInitializedVersion(uint64 version) internal override {
        LibStaking.layout().initializedVersion = version;
    }
}

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
     * @param rewardsDuration_ Length of a reward period in seconds; 1 to 365 days.
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

    /// @notice Withdraws part of the caller's stake. Stake that running votes counted stays until their
    /// proposals end ({lockedStake}, {lockedUntil}); the rest can leave at any time.
    /// @param amount The amount; not zero, at most the caller's stake.
    function withdraw(uint256 amount) external onlyDelegateCall nonReentrant {
        LibStaking.withdraw(msg.sender, amount);
    }

    /// @notice Pays the caller's accrued rewards.
    /// @return reward The amount paid (zero when nothing accrued).
    function claimReward() external onlyDelegateCall nonReentrant returns (uint256 reward) {
        return LibStaking.claim(msg.sender);
    }

    /// @notice Withdraws the caller's whole stake and claims the rewards; reverts while a vote locks stake.
    function exit() external onlyDelegateCall nonReentrant {
        uint256 staked = LibStaking.layout().stakeOf[msg.sender];
        if (staked != 0) LibStaking.withdraw(msg.sender, staked);
        LibStaking.claim(msg.sender);
    }

    // ------------------------------------------------------------------ owner actions

    /// @notice Funds rewards from the owner and (re)starts the reward period; the undistributed rest of
    /// a running period and the unallocated rewards ({unallocatedRewards}) stream with it.
    /// @param amount The amount to transfer in; what streams must come to at least 1 wei per second.
    function notifyRewardAmount(uint256 amount) external onlyDelegateCall onlyOwner nonReentrant {
        LibStaking.notifyRewardAmount(msg.sender, amount);
    }

    /// @notice Sets the length of the next reward periods; only between periods.
    /// @param duration The new length in seconds; 1 to 365 days.
    function setRewardsDuration(uint256 duration) external onlyDelegateCall onlyOwner {
        LibStaking.setRewardsDuration(duration);
    }

    // ------------------------------------------------------------------ views

    /// @notice The staked and reward token.
    /// @return The token.
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
    /// @return The total staked.
    function totalStaked() external view onlyDelegateCall returns (uint256) {
        return LibStaking.layout().totalStaked;
    }

    /// @notice An account's stake at the end of second `timepoint` (what Voting weighs votes by).
    /// @param account The staker.
    /// @param timepoint A timestamp; one not yet over gives the stake so far, which can still change.
    /// @return The stake then.
    function stakeAt(address account, uint48 timepoint) external view onlyDelegateCall returns (uint256) {
        return LibStaking.stakeAt(account, timepoint);
    }

    /// @notice The total stake at the end of second `timepoint` (what Voting takes the quorum from).
    /// @param timepoint A timestamp; one not yet over gives the total so far, which can still change.
    /// @return The total stake then.
    function totalStakedAt(uint48 timepoint) external view onlyDelegateCall returns (uint256) {
        return LibStaking.totalStakedAt(timepoint);
    }

    /// @notice Rewards an account can claim now.
    /// @param account The staker.
    /// @return The claimable amount.
    function earned(address account) external view onlyDelegateCall returns (uint256) {
        return LibStaking.earned(account);
    }

    /// @notice Accumulated reward per staked token, scaled by 1e18.
    /// @return The accumulator as of now.
    function rewardPerToken() external view onlyDelegateCall returns (uint256) {
        return LibStaking.rewardPerToken();
    }

    /// @notice The last second rewards stream for.
    /// @return min(now, periodFinish).
    function lastTimeRewardApplicable() external view onlyDelegateCall returns (uint256) {
        return LibStaking.lastTimeRewardApplicable();
    }

    /// @notice Reward tokens streamed per second in the current period.
    /// @return The rate, in token units per second.
    function rewardRate() external view onlyDelegateCall returns (uint256) {
        return LibStaking.layout().rewardRate;
    }

    /// @notice End of the current reward period.
    /// @return A timestamp (zero before the first funding).
    function periodFinish() external view onlyDelegateCall returns (uint256) {
        return LibStaking.layout().periodFinish;
    }

    /// @notice Length of a reward period in seconds.
    /// @return The length of the next periods.
    function rewardsDuration() external view onlyDelegateCall returns (uint256) {
        return LibStaking.layout().rewardsDuration;
    }

    /// @notice Until when an account's votes lock part of its stake.
    /// @param account The staker.
    /// @return A timestamp; from then on the whole stake can be withdrawn.
    function lockedUntil(address account) external view onlyDelegateCall returns (uint256) {
        return LibStaking.lockedUntil(account);
    }

    /// @notice Stake an account's running votes hold in place: a withdrawal must leave at least this much.
    /// @param account The staker.
    /// @return The locked amount now (zero once the lock ended).
    function lockedStake(address account) external view onlyDelegateCall returns (uint256) {
        return LibStaking.lockedAmount(account);
    }

    /// @notice Rewards funded so far, counting what arrived.
    /// @return The total funded.
    function totalRewardsFunded() external view onlyDelegateCall returns (uint256) {
        return LibStaking.layout().totalRewardsFunded;
    }

    /// @notice Rewards paid out so far.
    /// @return The total paid.
    function totalRewardsPaid() external view onlyDelegateCall returns (uint256) {
        return LibStaking.layout().totalRewardsPaid;
    }

    /// @notice Funded rewards no staker can earn yet (streamed while nothing was staked, and the rate's
    /// rounding remainders); the next {notifyRewardAmount} streams them again.
    /// @return The amount as of now.
    function unallocatedRewards() external view onlyDelegateCall returns (uint256) {
        return LibStaking.unallocatedRewards();
    }

    /// @notice Version counter kept in the module's own namespace.
    /// @return The version the module's storage is at (0 before initialization).
    function _initializedVersion() internal view override returns (uint64) {
        return LibStaking.layout().initializedVersion;
    }

    /// @notice Records the version the module's storage is at.
    /// @param version The new version.
    function _setInitializedVersion(uint64 version) internal override {
        LibStaking.layout().initializedVersion = version;
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/**
 * @title LibStaking
 * @notice Storage and logic of the Staking module: one ERC-20 is staked, and rewards in the same token,
 * funded by the owner, stream pro rata to stakers over a reward period (the StakingRewards model).
 * Voting reads stakes from this namespace and locks voted stake here.
 */
library LibStaking {
    using SafeERC20 for IERC20;

    /// @custom:storage-location erc7201:loadbalancer.storage.Staking
    struct Layout {
        uint64 initializedVersion;
        IERC20 token;
        uint256 rewardsDuration;
        uint256 periodFinish;
        uint256 rewardRate;
        uint256 lastUpdateTime;
        uint256 rewardPerTokenStored;
        uint256 totalStaked;
        uint256 totalRewardsFunded;
        uint256 totalRewardsPaid;
        mapping(address account => uint256) stakeOf;
        mapping(address account => uint256) userRewardPerTokenPaid;
        mapping(address account => uint256) rewards;
        // Set by Voting: stake that voted on a proposal stays until that proposal ends.
        mapping(address account => uint256) lockedUntil;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("loadbalancer.storage.Staking")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant STORAGE_SLOT = 0x69077864994a1fc264c2e0a7c7b1515fd792bf0507871508b277d11c6103f900;

    /// @dev Fixed-point scale of rewardPerToken.
    uint256 internal constant PRECISION = 1e18;

    /// @notice Stake was credited.
    /// @param account The staker.
    /// @param amount The amount credited: what actually arrived.
    event Staked(address indexed account, uint256 amount);

    /// @notice Stake was withdrawn.
    /// @param account The staker.
    /// @param amount The amount sent back.
    event Withdrawn(address indexed account, uint256 amount);

    /// @notice Rewards were paid.
    /// @param account The staker.
    /// @param reward The amount paid.
    event RewardPaid(address indexed account, uint256 reward);

    /// @notice The owner funded rewards and (re)started the reward period.
    /// @param reward The amount received.
    /// @param periodFinish When the new period ends.
    event RewardAdded(uint256 reward, uint256 periodFinish);

    /// @notice The reward period length changed.
    /// @param newDuration The new length in seconds.
    event RewardsDurationUpdated(uint256 newDuration);

    /// @notice A vote locked the account's stake.
    /// @param account The voter.
    /// @param until The stake cannot be withdrawn before this time.
    event StakeLocked(address indexed account, uint256 until);

    error ZeroAmount();
    error ZeroAddress();
    error InsufficientStake(address account, uint256 staked, uint256 requested);
    error StakeIsLocked(address account, uint256 until);
    error RewardPeriodActive(uint256 periodFinish);
    error InvalidRewardsDuration(uint256 duration);
    error RewardTooSmall(uint256 reward, uint256 duration);
    error RewardRateTooHigh(uint256 rewardRate, uint256 maxRewardRate);
    error Insolvent(uint256 balance, uint256 owed);
    error NothingReceived();

    /// @notice The module's ERC-7201 namespace in the proxy's storage.
    /// @return $ The storage pointer at STORAGE_SLOT.
    function layout() internal pure returns (Layout storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    // ------------------------------------------------------------------ reward math

    function lastTimeRewardApplicable() internal view returns (uint256) {
        return Math.min(block.timestamp, layout().periodFinish);
    }

    function rewardPerToken() internal view returns (uint256) {
        Layout storage $ = layout();
        if ($.totalStaked == 0) return $.rewardPerTokenStored;
        return $.rewardPerTokenStored
            + ((lastTimeRewardApplicable() - $.lastUpdateTime) * $.rewardRate * PRECISION) / $.totalStaked;
    }

    function earned(address account) internal view returns (uint256) {
        Layout storage $ = layout();
        return ($.stakeOf[account] * (rewardPerToken() - $.userRewardPerTokenPaid[account])) / PRECISION
            + $.rewards[account];
    }

    /// @dev Settles the global accumulator, and `account`'s rewards unless it is zero.
    function updateReward(address account) internal {
        Layout storage $ = layout();
        $.rewardPerTokenStored = rewardPerToken();
        $.lastUpdateTime = lastTimeRewardApplicable();
        if (account != address(0)) {
            $.rewards[account] = earned(account);
            $.userRewardPerTokenPaid[account] = $.rewardPerTokenStored;
        }
    }

    // ------------------------------------------------------------------ actions

    function initialize(IERC20 token, uint256 rewardsDuration) internal {
        if (address(token) == address(0)) revert ZeroAddress();
        if (rewardsDuration == 0) revert InvalidRewardsDuration(0);
        Layout storage $ = layout();
        $.token = token;
        $.rewardsDuration = rewardsDuration;
        emit RewardsDurationUpdated(rewardsDuration);
    }

    /// @dev Credits what actually arrived, so fee-on-transfer tokens cannot inflate stakes.
    function stake(address account, uint256 amount) internal returns (uint256 received) {
        if (amount == 0) revert ZeroAmount();
        updateReward(account);
        received = pull(account, amount);
        Layout storage $ = layout();
        $.totalStaked += received;
        $.stakeOf[account] += received;
        emit Staked(account, received);
    }

    function withdraw(address account, uint256 amount) internal {
        if (amount == 0) revert ZeroAmount();
        Layout storage $ = layout();
        uint256 staked = $.stakeOf[account];
        if (amount > staked) revert InsufficientStake(account, staked, amount);
        uint256 until = $.lockedUntil[account];
        if (block.timestamp < until) revert StakeIsLocked(account, until);
        updateReward(account);
        $.stakeOf[account] = staked - amount;
        $.totalStaked -= amount;
        emit Withdrawn(account, amount);
        $.token.safeTransfer(account, amount);
    }

    function claim(address account) internal returns (uint256 reward) {
        updateReward(account);
        Layout storage $ = layout();
        reward = $.rewards[account];
        if (reward == 0) return 0;
        $.rewards[account] = 0;
        $.totalRewardsPaid += reward;
        emit RewardPaid(account, reward);
        $.token.safeTransfer(account, reward);
    }

    /**
     * @dev Pulls `amount` from `funder` and streams what arrived over `rewardsDuration`, adding the
     * undistributed remainder of a running period. The stream is backed by construction (rate rounds
     * down); the balance check guards against tokens whose balances shrink on their own.
     */
    function notifyRewardAmount(address funder, uint256 amount) internal {
        if (amount == 0) revert ZeroAmount();
        updateReward(address(0));
        uint256 received = pull(funder, amount);
        Layout storage $ = layout();
        uint256 duration = $.rewardsDuration;
        uint256 undistributed = block.timestamp < $.periodFinish ? ($.periodFinish - block.timestamp) * $.rewardRate : 0;
        uint256 newRate = (received + undistributed) / duration;
        if (newRate == 0) revert RewardTooSmall(received, duration);
        // rewardPerToken multiplies elapsed time (at most `duration`), rate and PRECISION: a rate past
        // this bound would make every stake, withdraw and claim overflow, freezing all stakes.
        uint256 maxRate = type(uint256).max / (duration * PRECISION);
        if (newRate > maxRate) revert RewardRateTooHigh(newRate, maxRate);
        $.totalRewardsFunded += received;
        uint256 owed = $.totalStaked + $.totalRewardsFunded - $.totalRewardsPaid;
        uint256 balance = $.token.balanceOf(address(this));
        if (balance < owed) revert Insolvent(balance, owed);
        $.rewardRate = newRate;
        $.lastUpdateTime = block.timestamp;
        $.periodFinish = block.timestamp + duration;
        emit RewardAdded(received, $.periodFinish);
    }

    function setRewardsDuration(uint256 duration) internal {
        Layout storage $ = layout();
        if (block.timestamp < $.periodFinish) revert RewardPeriodActive($.periodFinish);
        if (duration == 0) revert InvalidRewardsDuration(0);
        $.rewardsDuration = duration;
        emit RewardsDurationUpdated(duration);
    }

    /// @dev Called by Voting: keeps `account`'s stake in place until at least `until`.
    function lockUntil(address account, uint256 until) internal {
        Layout storage $ = layout();
        if (until > $.lockedUntil[account]) {
            $.lockedUntil[account] = until;
            emit StakeLocked(account, until);
        }
    }

    /// @dev Transfers `amount` in and returns what the proxy actually received.
    function pull(address from, uint256 amount) private returns (uint256 received) {
        IERC20 token = layout().token;
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(from, address(this), amount);
        received = token.balanceOf(address(this)) - before;
        if (received == 0) revert NothingReceived();
    }
}

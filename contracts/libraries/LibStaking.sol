// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/**
 * @title LibStaking
 * @notice Storage and logic of the Staking module: one ERC-20 is staked, and rewards in the same token,
 * funded by the owner, stream pro rata to stakers over a reward period (the StakingRewards model).
 * What nobody can earn (the stream while nothing is staked, the rate's rounding remainder) is carried
 * into the next period. Every stake change is checkpointed by timestamp, so Voting can weigh votes and
 * quorum at one past instant; Voting also locks voted stake here.
 */
library LibStaking {
    using SafeERC20 for IERC20;

    /// @notice A stake (or the total stake) as it stands from second `time` on, until the next checkpoint.
    /// Same packing as OpenZeppelin's Checkpoints.Checkpoint208 (one slot); kept in plain Solidity arrays
    /// so every slot is one the storage analyzer can place (OpenZeppelin's library reaches array elements
    /// through an assembly-computed slot).
    struct StakeCheckpoint {
        uint48 time;
        uint208 stake;
    }

    /// @notice What the account's votes hold in place: at least `amount` of its stake stays staked
    /// until `until` (a proposal's end). Both only grow while the lock runs; an expired lock is replaced.
    struct VoteLock {
        uint48 until;
        uint208 amount;
    }

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
        // Set by Voting: the stake that votes counted stays until their proposals end.
        mapping(address account => VoteLock) voteLocks;
        // Stake history by timestamp (what Voting snapshots), and the total's; times strictly increase.
        mapping(address account => StakeCheckpoint[]) stakeCheckpoints;
        StakeCheckpoint[] totalStakeCheckpoints;
        // Funded rewards no staker can earn yet: streamed while nothing was staked, plus rounding
        // remainders of the rate. The next notifyRewardAmount streams them again.
        uint256 unallocatedRewards;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("loadbalancer.storage.Staking")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant STORAGE_SLOT = 0x69077864994a1fc264c2e0a7c7b1515fd792bf0507871508b277d11c6103f900;

    /// @dev Fixed-point scale of rewardPerToken.
    uint256 internal constant PRECISION = 1e18;

    /// @dev Longest reward period (one year): bounds `now + duration` and keeps the rate cap meaningful.
    uint256 internal constant MAX_REWARDS_DURATION = 365 days;

    /// @dev Largest total stake: the value width of the stake checkpoints (208 bits, as OpenZeppelin's
    /// Checkpoints and ERC20Votes' supply cap).
    uint256 internal constant MAX_TOTAL_STAKE = type(uint208).max;

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

    /// @notice A vote locked (more of) the account's stake, or locked it for longer.
    /// @param account The voter.
    /// @param amount Stake that must stay staked until `until`.
    /// @param until The lock ends at this time; from then on the whole stake can be withdrawn.
    event StakeLocked(address indexed account, uint256 amount, uint256 until);

    /// @notice An amount of zero was given where tokens must move.
    error ZeroAmount();

    /// @notice The zero address was given as the staking token.
    error ZeroAddress();

    /// @notice `account` asked to withdraw more than it has staked.
    /// @param account The staker.
    /// @param staked Its stake.
    /// @param requested The amount asked for.
    error InsufficientStake(address account, uint256 staked, uint256 requested);

    /// @notice The withdrawal would leave less than the stake `account`'s votes locked.
    /// @param account The staker.
    /// @param locked Stake that must stay until `until`.
    /// @param until When the lock ends.
    error StakeIsLocked(address account, uint256 locked, uint256 until);

    /// @notice The reward period length can change only between periods.
    /// @param periodFinish When the running period ends.
    error RewardPeriodActive(uint256 periodFinish);

    /// @notice A reward period must last 1 second to {MAX_REWARDS_DURATION} (365 days).
    /// @param duration The rejected length in seconds.
    error InvalidRewardsDuration(uint256 duration);

    /// @notice What would be streamed is less than 1 wei per second.
    /// @param reward The amount received.
    /// @param duration The period length in seconds.
    error RewardTooSmall(uint256 reward, uint256 duration);

    /// @notice The rate would let the reward accumulator overflow before the period ends.
    /// @param rewardRate The rate the funding would set, per second.
    /// @param maxRewardRate The largest rate the accumulator's remaining headroom allows.
    error RewardRateTooHigh(uint256 rewardRate, uint256 maxRewardRate);

    /// @notice The proxy's token balance no longer covers stakes plus funded, unpaid rewards.
    /// @param balance The proxy's balance (after the funding).
    /// @param owed Stakes plus funded, unpaid rewards.
    error Insolvent(uint256 balance, uint256 owed);

    /// @notice A transfer in delivered no tokens (e.g. a token whose fee takes everything).
    error NothingReceived();

    /// @notice The total stake would exceed {MAX_TOTAL_STAKE} (2**208 - 1), the checkpoints' width.
    /// @param totalStaked The total stake the deposit would make.
    /// @param maxTotalStaked The largest total stake.
    error StakeTooLarge(uint256 totalStaked, uint256 maxTotalStaked);

    /// @notice The module's ERC-7201 namespace in the proxy's storage.
    /// @return $ The storage pointer at STORAGE_SLOT.
    function layout() internal pure returns (Layout storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    // ------------------------------------------------------------------ reward math

    /// @notice The last second rewards stream for: min(now, periodFinish).
    /// @return A timestamp.
    function lastTimeRewardApplicable() internal view returns (uint256) {
        return Math.min(block.timestamp, layout().periodFinish);
    }

    /// @notice Reward accrued per staked token since the start, scaled by {PRECISION}.
    /// @return The accumulator, settled up to now.
    function rewardPerToken() internal view returns (uint256) {
        Layout storage $ = layout();
        if ($.totalStaked == 0) return $.rewardPerTokenStored;
        return $.rewardPerTokenStored
            + ((lastTimeRewardApplicable() - $.lastUpdateTime) * $.rewardRate * PRECISION) / $.totalStaked;
    }

    /// @notice Rewards `account` can claim now.
    /// @param account The staker.
    /// @return The claimable amount.
    function earned(address account) internal view returns (uint256) {
        Layout storage $ = layout();
        return ($.stakeOf[account] * (rewardPerToken() - $.userRewardPerTokenPaid[account])) / PRECISION
            + $.rewards[account];
    }

    /// @notice Funded rewards no staker can earn, as of now; the next funding streams them again.
    /// @return The stored amount plus what streamed since the last update while nothing was staked.
    function unallocatedRewards() internal view returns (uint256) {
        Layout storage $ = layout();
        if ($.totalStaked != 0) return $.unallocatedRewards;
        return $.unallocatedRewards + (lastTimeRewardApplicable() - $.lastUpdateTime) * $.rewardRate;
    }

    /**
     * @notice Settles the global accumulator, and `account`'s rewards unless it is zero.
     * @dev While nothing is staked, the stream has no one to go to: it is kept in `unallocatedRewards`
     * (the accumulator does not move) and re-streamed by the next funding.
     * @param account The account to settle, or zero for the global state only.
     */
    function updateReward(address account) internal {
        Layout storage $ = layout();
        uint256 applicable = lastTimeRewardApplicable();
        if ($.totalStaked == 0) {
            uint256 idle = (applicable - $.lastUpdateTime) * $.rewardRate;
            if (idle != 0) $.unallocatedRewards += idle;
        } else {
            $.rewardPerTokenStored = rewardPerToken();
        }
        $.lastUpdateTime = applicable;
        if (account != address(0)) {
            $.rewards[account] = earned(account);
            $.userRewardPerTokenPaid[account] = $.rewardPerTokenStored;
        }
    }

    // ------------------------------------------------------------------ stake history

    /// @notice `account`'s stake at the end of second `timepoint` (its last checkpoint at or before it).
    /// @param account The staker.
    /// @param timepoint A timestamp; a timepoint not yet over gives the stake so far, which can still change.
    /// @return The stake.
    function stakeAt(address account, uint48 timepoint) internal view returns (uint256) {
        return valueAt(layout().stakeCheckpoints[account], timepoint);
    }

    /// @notice The total stake at the end of second `timepoint`.
    /// @param timepoint A timestamp; a timepoint not yet over gives the total so far, which can still change.
    /// @return The total stake.
    function totalStakedAt(uint48 timepoint) internal view returns (uint256) {
        return valueAt(layout().totalStakeCheckpoints, timepoint);
    }

    // ------------------------------------------------------------------ actions

    /// @notice Sets the staked (and reward) token and the reward period length.
    /// @param token The token; not zero.
    /// @param rewardsDuration The period length in seconds, 1 to {MAX_REWARDS_DURATION}.
    function initialize(IERC20 token, uint256 rewardsDuration) internal {
        if (address(token) == address(0)) revert ZeroAddress();
        enforceRewardsDuration(rewardsDuration);
        Layout storage $ = layout();
        $.token = token;
        $.rewardsDuration = rewardsDuration;
        emit RewardsDurationUpdated(rewardsDuration);
    }

    /// @notice Pulls `amount` from `account` and credits what actually arrived, so fee-on-transfer
    /// tokens cannot inflate stakes.
    /// @param account The staker (msg.sender of the routed call).
    /// @param amount The amount to transfer in; not zero.
    /// @return received The amount credited.
    function stake(address account, uint256 amount) internal returns (uint256 received) {
        if (amount == 0) revert ZeroAmount();
        updateReward(account);
        received = pull(account, amount);
        Layout storage $ = layout();
        uint256 total = $.totalStaked + received;
        if (total > MAX_TOTAL_STAKE) revert StakeTooLarge(total, MAX_TOTAL_STAKE);
        setStake(account, $.stakeOf[account] + received, total);
        emit Staked(account, received);
    }

    /// @notice Sends `amount` of `account`'s stake back; the stake its running votes locked stays.
    /// @param account The staker (msg.sender of the routed call).
    /// @param amount The amount; not zero, at most the stake.
    function withdraw(address account, uint256 amount) internal {
        if (amount == 0) revert ZeroAmount();
        Layout storage $ = layout();
        uint256 staked = $.stakeOf[account];
        if (amount > staked) revert InsufficientStake(account, staked, amount);
        VoteLock memory voteLock = $.voteLocks[account];
        if (block.timestamp < voteLock.until && staked - amount < voteLock.amount) {
            revert StakeIsLocked(account, voteLock.amount, voteLock.until);
        }
        release(account, staked, amount);
    }

    /**
     * @notice Pays `amount` of `account`'s stake back: settles its rewards, records the smaller stake
     * (with checkpoints), emits {Withdrawn} and transfers.
     * @dev Checks nothing: {withdraw} checks the amount and the vote lock first.
     * @param account The staker.
     * @param staked Its stake before the withdrawal.
     * @param amount The amount to pay back, at most `staked`.
     */
    function release(address account, uint256 staked, uint256 amount) internal {
        updateReward(account);
        setStake(account, staked - amount, layout().totalStaked - amount);
        emit Withdrawn(account, amount);
        layout().token.safeTransfer(account, amount);
    }

    /// @notice Pays `account` its accrued rewards.
    /// @param account The staker (msg.sender of the routed call).
    /// @return reward The amount paid (zero when nothing accrued).
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
     * @notice Pulls `amount` from `funder` and streams, over `rewardsDuration`, what arrived plus the
     * undistributed rest of a running period plus the unallocated rewards (see {unallocatedRewards}).
     * @dev The rate rounds down; its remainder becomes the new unallocated amount, so no funded wei is
     * left behind for good. The stream is backed by construction; the balance check guards against
     * tokens whose balances shrink on their own. The rate is capped by the accumulator's headroom:
     * `rewardPerTokenStored` only grows, by at most `duration * rate * PRECISION` per period (1 wei
     * staked), so a cap taken from the full uint256 range would let a second period overflow it and
     * freeze every stake, withdrawal and claim.
     * @param funder The owner (msg.sender of the routed call).
     * @param amount The amount to transfer in; not zero.
     */
    function notifyRewardAmount(address funder, uint256 amount) internal {
        if (amount == 0) revert ZeroAmount();
        updateReward(address(0));
        uint256 received = pull(funder, amount);
        Layout storage $ = layout();
        uint256 duration = $.rewardsDuration;
        uint256 undistributed = block.timestamp < $.periodFinish ? ($.periodFinish - block.timestamp) * $.rewardRate : 0;
        uint256 streamed = received + undistributed + $.unallocatedRewards;
        uint256 newRate = streamed / duration;
        if (newRate == 0) revert RewardTooSmall(received, duration);
        // Over the period, rewardPerToken grows by at most elapsed (<= duration) * rate * PRECISION / 1:
        // it must fit in what is left above rewardPerTokenStored.
        uint256 maxRate = (type(uint256).max - $.rewardPerTokenStored) / (duration * PRECISION);
        if (newRate > maxRate) revert RewardRateTooHigh(newRate, maxRate);
        // What the rounded-down rate leaves out of this period (streamed mod duration) waits for the next.
        $.unallocatedRewards = streamed - newRate * duration;
        $.totalRewardsFunded += received;
        uint256 owed = $.totalStaked + $.totalRewardsFunded - $.totalRewardsPaid;
        uint256 balance = $.token.balanceOf(address(this));
        if (balance < owed) revert Insolvent(balance, owed);
        $.rewardRate = newRate;
        $.lastUpdateTime = block.timestamp;
        $.periodFinish = block.timestamp + duration;
        emit RewardAdded(received, $.periodFinish);
    }

    /// @notice Sets the length of the next reward periods; only between periods.
    /// @param duration The new length in seconds, 1 to {MAX_REWARDS_DURATION}.
    function setRewardsDuration(uint256 duration) internal {
        Layout storage $ = layout();
        if (block.timestamp < $.periodFinish) revert RewardPeriodActive($.periodFinish);
        enforceRewardsDuration(duration);
        $.rewardsDuration = duration;
        emit RewardsDurationUpdated(duration);
    }

    /**
     * @notice Called by Voting: keeps at least `amount` of `account`'s stake in place until `until`.
     * @dev A running lock only grows (the larger amount, the later end: each running vote keeps its
     * weight staked until its proposal's end, possibly longer); an expired lock is replaced.
     * @param account The voter.
     * @param amount The stake its vote counted.
     * @param until The proposal's end.
     */
    function lock(address account, uint256 amount, uint256 until) internal {
        VoteLock storage voteLock = layout().voteLocks[account];
        uint256 currentUntil = voteLock.until;
        uint256 currentAmount = block.timestamp < currentUntil ? voteLock.amount : 0;
        uint256 newAmount = Math.max(currentAmount, amount);
        uint256 newUntil = Math.max(currentUntil, until);
        if (newAmount == voteLock.amount && newUntil == currentUntil) return;
        // Both fit: amounts are at most MAX_TOTAL_STAKE, and proposal ends are at most ten years ahead.
        voteLock.amount = uint208(newAmount);
        voteLock.until = uint48(newUntil);
        emit StakeLocked(account, newAmount, newUntil);
    }

    /// @notice Stake of `account` its running votes hold in place now (zero once the lock ended).
    /// @param account The staker.
    /// @return The locked stake.
    function lockedAmount(address account) internal view returns (uint256) {
        VoteLock memory voteLock = layout().voteLocks[account];
        return block.timestamp < voteLock.until ? voteLock.amount : 0;
    }

    /// @notice When `account`'s vote lock ends (zero if it never voted).
    /// @param account The staker.
    /// @return A timestamp; from then on the whole stake can be withdrawn.
    function lockedUntil(address account) internal view returns (uint256) {
        return layout().voteLocks[account].until;
    }

    /// @dev Reverts with {InvalidRewardsDuration} outside 1 .. MAX_REWARDS_DURATION.
    function enforceRewardsDuration(uint256 duration) private pure {
        if (duration == 0 || duration > MAX_REWARDS_DURATION) revert InvalidRewardsDuration(duration);
    }

    /// @dev Records `account`'s and the total stake, and checkpoints both at this second. Values fit in
    /// 208 bits: {stake} caps the total at MAX_TOTAL_STAKE, and a stake is at most the total.
    function setStake(address account, uint256 newStake, uint256 newTotal) private {
        Layout storage $ = layout();
        $.stakeOf[account] = newStake;
        $.totalStaked = newTotal;
        checkpoint($.stakeCheckpoints[account], uint208(newStake));
        checkpoint($.totalStakeCheckpoints, uint208(newTotal));
    }

    /// @dev Appends `value` as of this second, or overwrites the checkpoint this second already has, so
    /// a history holds the last value of each second it changed in, in increasing time.
    function checkpoint(StakeCheckpoint[] storage history, uint208 value) private {
        // Timestamps fit in 48 bits for millions of years.
        uint48 now_ = uint48(block.timestamp);
        uint256 n = history.length;
        if (n != 0) {
            StakeCheckpoint storage last = history[n - 1];
            if (last.time == now_) {
                last.stake = value;
                return;
            }
        }
        history.push(StakeCheckpoint({time: now_, stake: value}));
    }

    /// @dev The value of the last checkpoint at or before `timepoint` (zero before the first): the latest
    /// one first (the usual case: no change since the snapshot), else a binary search.
    function valueAt(StakeCheckpoint[] storage history, uint48 timepoint) private view returns (uint256) {
        uint256 high = history.length;
        if (high == 0) return 0;
        StakeCheckpoint storage last = history[high - 1];
        if (last.time <= timepoint) return last.stake;
        uint256 low = 0;
        --high; // history[high] is after timepoint
        // Invariant: every checkpoint at index >= high is after timepoint; every one below low is not.
        while (low < high) {
            uint256 mid = Math.average(low, high);
            if (history[mid].time > timepoint) high = mid;
            else low = mid + 1;
        }
        return high == 0 ? 0 : history[high - 1].stake;
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

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ILoadBalancer} from "../../contracts/interfaces/ILoadBalancer.sol";
import {Staking} from "../../contracts/implementations/Staking.sol";
import {Voting} from "../../contracts/implementations/Voting.sol";
import {LibVoting} from "../../contracts/libraries/LibVoting.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {StakingV2} from "../../contracts/mocks/StakingV2.sol";
import {InvariantActor} from "./InvariantActor.sol";
import {InvariantCoreFactory, InvariantStakingFactory} from "./InvariantFactories.sol";
import {InvariantLens, InvariantProbe} from "./InvariantModules.sol";

/**
 * @title LoadBalancerInvariants
 * @notice Invariant harness of the whole system for Echidna and Medusa (and the Hardhat replays of
 * their failures). The constructor deploys the real proxy, Staking, Voting and a token and registers
 * them through an owner actor; the fuzzer calls the handlers below in random order with random
 * arguments and time jumps, and after every call checks the `echidna_` properties.
 *
 * Who acts: the fuzzer's own sender never matters. Every handler names an actor by a seed: three users,
 * an attacker (a staker that is never offered ownership) and the owner (whoever currently owns the
 * proxy: ownership moves between the first owner and the users through transfer-then-accept). Each actor
 * is a separate {InvariantActor} contract, so the proxy sees distinct msg.senders without cheat codes.
 *
 * How properties are kept: handlers never `assert` (under Echidna's property mode an assertion would
 * roll back the evidence with the call). A transition that must not happen (a non-owner's admin call
 * succeeded, a locked withdrawal went through, a second vote counted) sets a ghost flag, and the state
 * properties compare the system with a ghost model the handlers maintain from successful calls.
 */
contract LoadBalancerInvariants {
    // ------------------------------------------------------------------ configuration

    uint8 internal constant ADMIN_ID = 0;
    uint8 internal constant STAKING_ID = 1;
    uint8 internal constant VOTING_ID = 2;
    uint8 internal constant PROBE_ID = 3;
    /// @dev The read-only lens; no handler pauses or removes it, so a failing lens call is itself a finding.
    uint8 internal constant LENS_ID = 200;

    uint256 internal constant REWARDS_DURATION = 3 days;
    uint64 internal constant MIN_VOTING_PERIOD = 1 hours;
    uint64 internal constant MAX_VOTING_PERIOD = 3 days;
    uint16 internal constant QUORUM_BPS = 1000;
    /// @dev Stake a proposer needs at the snapshot; small, so the fuzzer meets it and falls short of it.
    uint256 internal constant PROPOSAL_THRESHOLD = 1000;
    uint256 internal constant INITIAL_BALANCE = 1e30;
    uint256 internal constant MAX_AMOUNT = 1e24;
    /// @dev Caps the proposals the properties loop over (each loop step is one lens call).
    uint256 internal constant MAX_PROPOSALS = 12;

    /// @notice Where the factories must be placed before the harness is deployed (see InvariantFactories.sol).
    address public constant CORE_FACTORY = 0x00000000000000000000000000000000fAc70001;
    address public constant STAKING_FACTORY = 0x00000000000000000000000000000000FAC70002;

    uint256 internal constant USERS = 3;
    /// @dev Stakers are the users and the attacker.
    uint256 internal constant STAKERS = USERS + 1;

    // ------------------------------------------------------------------ system under test

    MockERC20 public immutable token;
    address public immutable proxy;
    address internal immutable stakingA;
    address internal immutable stakingB;
    address internal immutable votingImpl;
    uint256 internal immutable versionA;
    uint256 internal immutable versionB;
    address internal immutable probeA;
    address internal immutable probeB;
    address internal immutable lensImpl;

    InvariantActor[] internal stakers; // users 0..USERS-1, then the attacker
    InvariantActor public immutable firstOwner;
    InvariantActor public immutable attacker;

    // ------------------------------------------------------------------ ghost model

    struct Entry {
        address implementation;
        bool paused;
    }

    /// @dev A stake (or the total) as it stood at the end of second `time`.
    struct StakePoint {
        uint256 time;
        uint256 stake;
    }

    mapping(uint8 id => Entry) internal registry;
    address internal ghostOwner;
    address internal ghostPending;

    mapping(address actor => uint256) internal ghostStake;
    mapping(address actor => uint256) internal ghostLockEnd;
    mapping(address actor => uint256) internal ghostLockAmount;
    /// @dev Every stake change by time, and the total's: the model's own stake history, to check that
    /// votes and quorum come from the proposal's snapshot without reading the system's checkpoints.
    mapping(address actor => StakePoint[]) internal ghostStakeHistory;
    StakePoint[] internal ghostTotalHistory;
    uint256 internal ghostTotalStaked;
    uint256 internal ghostRewardsFunded;
    uint256 internal ghostRewardsReceived;

    uint256 internal ghostProposals;
    mapping(uint256 proposalId => uint64) internal ghostEnd;
    mapping(uint256 proposalId => uint256) internal ghostStart;
    mapping(uint256 proposalId => uint256) internal ghostQuorum;
    mapping(uint256 proposalId => mapping(address actor => bool)) internal ghostVoted;
    mapping(uint256 proposalId => mapping(address actor => uint256)) internal ghostWeight;
    mapping(uint256 proposalId => uint256[3]) internal ghostTally; // by LibVoting.Support
    mapping(uint256 proposalId => uint256) internal ghostVotedMask; // bit i = stakers[i] voted

    // Transitions that must never happen (see the contract's notice).
    bool internal nonOwnerAdminSucceeded;
    bool internal ownershipBypassed;
    bool internal routedToWrongTarget;
    bool internal unroutableCallPassed;
    bool internal lockedStakeLeft;
    bool internal doubleVoteCounted;
    bool internal wrongVoteWeight;
    bool internal proposalBelowThreshold;
    bool internal payoutMismatch;

    /// @notice A ghost flag was raised; `what` names the transition (for traces and replays).
    event Violation(string what, address actor, uint256 detail);

    constructor() {
        require(CORE_FACTORY.code.length != 0 && STAKING_FACTORY.code.length != 0, "factories not predeployed");
        firstOwner = new InvariantActor();
        (address token_, address proxy_, address voting_) =
            InvariantCoreFactory(CORE_FACTORY).deployCore(address(firstOwner));
        token = MockERC20(token_);
        proxy = proxy_;
        votingImpl = voting_;
        (stakingA, stakingB) = _deployStakingImplementations();
        versionA = _versionOf(stakingA);
        versionB = _versionOf(stakingB);
        probeA = address(new InvariantProbe());
        probeB = address(new InvariantProbe());
        lensImpl = address(new InvariantLens());

        for (uint256 i; i < USERS; ++i) stakers.push(new InvariantActor());
        attacker = new InvariantActor();
        stakers.push(attacker);

        _mustAdmin(abi.encodeCall(
            ILoadBalancer.addImplementation,
            (STAKING_ID, stakingA, abi.encodeCall(Staking.initialize, (IERC20(address(token)), REWARDS_DURATION)))
        ));
        _mustAdmin(abi.encodeCall(
            ILoadBalancer.addImplementation,
            (VOTING_ID, votingImpl, abi.encodeCall(Voting.initialize, (MIN_VOTING_PERIOD, MAX_VOTING_PERIOD, QUORUM_BPS, PROPOSAL_THRESHOLD)))
        ));
        _mustAdmin(abi.encodeCall(ILoadBalancer.addImplementation, (PROBE_ID, probeA, "")));
        _mustAdmin(abi.encodeCall(ILoadBalancer.addImplementation, (LENS_ID, lensImpl, "")));
        registry[STAKING_ID] = Entry(stakingA, false);
        registry[VOTING_ID] = Entry(votingImpl, false);
        registry[PROBE_ID] = Entry(probeA, false);
        registry[LENS_ID] = Entry(lensImpl, false);
        ghostOwner = address(firstOwner);

        _fund(firstOwner);
        for (uint256 i; i < STAKERS; ++i) _fund(stakers[i]);
    }

    /**
     * @dev The Staking implementation registered at id 1 (`a`) and the one the owner upgrades it to and
     * back from (`b`, a V2 with the same storage). Planted-bug fixtures override this.
     */
    function _deployStakingImplementations() internal virtual returns (address a, address b) {
        return InvariantStakingFactory(STAKING_FACTORY).deployStaking();
    }

    // ================================================================== handlers: users

    function stake(uint8 actorSeed, uint256 amount) external {
        InvariantActor a = _staker(actorSeed);
        amount = 1 + (amount % MAX_AMOUNT);
        (bool ok, bytes memory ret) = _route(a, STAKING_ID, abi.encodeCall(Staking.stake, (amount)));
        if (ok) _setGhostStake(a, ghostStake[address(a)] + abi.decode(ret, (uint256)));
    }

    function withdraw(uint8 actorSeed, uint256 amount) external {
        InvariantActor a = _staker(actorSeed);
        uint256 staked = ghostStake[address(a)];
        amount = staked == 0 ? 1 : 1 + (amount % staked);
        uint256 before = token.balanceOf(address(a));
        (bool ok,) = _route(a, STAKING_ID, abi.encodeCall(Staking.withdraw, (amount)));
        if (!ok) return;
        if (_lockBreached(a, staked - amount)) _flagLockedStakeLeft(a, amount);
        _setGhostStake(a, staked - amount);
        // withdraw pays principal only
        if (token.balanceOf(address(a)) - before != amount) _flag("withdraw paid a wrong amount", a, amount);
    }

    function claimReward(uint8 actorSeed) external {
        InvariantActor a = _staker(actorSeed);
        uint256 before = token.balanceOf(address(a));
        (bool ok,) = _route(a, STAKING_ID, abi.encodeCall(Staking.claimReward, ()));
        if (ok) ghostRewardsReceived += token.balanceOf(address(a)) - before;
    }

    function exit(uint8 actorSeed) external {
        InvariantActor a = _staker(actorSeed);
        uint256 staked = ghostStake[address(a)];
        uint256 before = token.balanceOf(address(a));
        (bool ok,) = _route(a, STAKING_ID, abi.encodeCall(Staking.exit, ()));
        if (!ok) return;
        if (staked != 0 && _lockBreached(a, 0)) _flagLockedStakeLeft(a, staked);
        if (staked != 0) _setGhostStake(a, 0);
        uint256 received = token.balanceOf(address(a)) - before;
        if (received < staked) _flag("exit returned less than the stake", a, received);
        else ghostRewardsReceived += received - staked;
    }

    function propose(uint8 actorSeed, uint64 period) external {
        if (ghostProposals >= MAX_PROPOSALS) return;
        InvariantActor a = _staker(actorSeed);
        period = MIN_VOTING_PERIOD + (period % (MAX_VOTING_PERIOD - MIN_VOTING_PERIOD + 1));
        (bool ok, bytes memory ret) = _route(a, VOTING_ID, abi.encodeCall(Voting.propose, ("invariant", period)));
        if (!ok) return;
        uint256 id = abi.decode(ret, (uint256));
        ghostProposals = id;
        ghostEnd[id] = uint64(block.timestamp) + period;
        ghostStart[id] = block.timestamp;
        // Weights and quorum come from the end of the second before the proposal (the snapshot).
        uint256 power = _ghostVotingPower(a, block.timestamp - 1);
        if (power == 0 || power < PROPOSAL_THRESHOLD) {
            proposalBelowThreshold = true;
            emit Violation("proposal opened below the threshold", address(a), power);
        }
        ghostQuorum[id] = _ceilDiv(_ghostAt(ghostTotalHistory, block.timestamp - 1) * QUORUM_BPS, 10_000);
    }

    function castVote(uint8 actorSeed, uint256 proposalSeed, uint8 supportSeed) external {
        if (ghostProposals == 0) return;
        InvariantActor a = _staker(actorSeed);
        uint256 id = 1 + (proposalSeed % ghostProposals);
        uint8 support = supportSeed % 3;
        (bool ok, bytes memory ret) = _route(
            a, VOTING_ID, abi.encodeCall(Voting.castVote, (id, LibVoting.Support(support)))
        );
        if (ok) _recordVote(a, id, support, abi.decode(ret, (uint256)));
    }

    /**
     * @notice Two user actions of one actor in one `batch` call through the admin module (each entry runs
     * as if sent on its own, with the actor as msg.sender): stake, withdraw, vote or claim, in any order
     * (`ops`: low 2 bits the first, next 2 bits the second). The batch succeeds only if both do; then the
     * model applies both, so double votes, locked withdrawals and accounting errors inside a batch are
     * caught like single calls. On a proxy without `batch` the call just reverts.
     */
    function batchUserActions(uint8 actorSeed, uint8 ops, uint256 proposalSeed, uint256 amount) external {
        InvariantActor a = _staker(actorSeed);
        uint8[2] memory kinds = [ops % 4, (ops / 4) % 4];
        bytes[] memory calls = new bytes[](2);
        uint256[2] memory args;
        uint256[2] memory ids;
        for (uint256 i; i < 2; ++i) {
            (calls[i], args[i], ids[i]) = _userCall(kinds[i], a, proposalSeed, i == 0 ? amount : amount >> 128);
        }
        (bool ok, bytes memory ret) = _route(a, ADMIN_ID, abi.encodeWithSignature("batch(bytes[])", calls));
        if (!ok) return;
        bytes[] memory results = abi.decode(ret, (bytes[]));
        for (uint256 i; i < 2; ++i) _applyUserCall(kinds[i], a, args[i], ids[i], results[i]);
    }

    /// @dev One routed user action: 0 stake, 1 withdraw, 2 vote, 3 claim. Returns the call, its amount
    /// (stake/withdraw) or support (vote), and the proposal id (vote).
    function _userCall(uint8 kind, InvariantActor a, uint256 proposalSeed, uint256 amount)
        internal
        view
        returns (bytes memory call, uint256 arg, uint256 id)
    {
        if (kind == 0) {
            arg = 1 + (amount % MAX_AMOUNT);
            call = abi.encodePacked(STAKING_ID, abi.encodeCall(Staking.stake, (arg)));
        } else if (kind == 1) {
            uint256 staked = ghostStake[address(a)];
            arg = staked == 0 ? 1 : 1 + (amount % staked);
            call = abi.encodePacked(STAKING_ID, abi.encodeCall(Staking.withdraw, (arg)));
        } else if (kind == 2) {
            id = ghostProposals == 0 ? 1 : 1 + (proposalSeed % ghostProposals);
            arg = amount % 3;
            call = abi.encodePacked(VOTING_ID, abi.encodeCall(Voting.castVote, (id, LibVoting.Support(uint8(arg)))));
        } else {
            call = abi.encodePacked(STAKING_ID, abi.encodeCall(Staking.claimReward, ()));
        }
    }

    /// @dev The model's side of a user action that succeeded inside a batch.
    function _applyUserCall(uint8 kind, InvariantActor a, uint256 arg, uint256 id, bytes memory result) internal {
        if (kind == 0) {
            _setGhostStake(a, ghostStake[address(a)] + abi.decode(result, (uint256)));
        } else if (kind == 1) {
            uint256 left = ghostStake[address(a)] - arg;
            if (_lockBreached(a, left)) _flagLockedStakeLeft(a, arg);
            _setGhostStake(a, left);
        } else if (kind == 2) {
            _recordVote(a, id, uint8(arg), abi.decode(result, (uint256)));
        } else {
            ghostRewardsReceived += abi.decode(result, (uint256));
        }
    }

    /**
     * @dev The model's side of a successful vote: a second vote on the same proposal is a violation, and
     * the weight must be the voter's stake at the proposal's snapshot capped by its stake now. The vote
     * keeps its weight staked until the proposal ends: a running lock grows to the larger amount and the
     * later end; an expired one is replaced.
     */
    function _recordVote(InvariantActor a, uint256 id, uint8 support, uint256 weight) internal {
        if (ghostVoted[id][address(a)]) {
            doubleVoteCounted = true;
            emit Violation("second vote counted", address(a), id);
            return;
        }
        if (weight != _ghostVotingPower(a, ghostStart[id] - 1)) {
            wrongVoteWeight = true;
            emit Violation("vote weight differs from the stake at the snapshot", address(a), weight);
        }
        ghostVoted[id][address(a)] = true;
        ghostVotedMask[id] |= 1 << _indexOf(a);
        ghostWeight[id][address(a)] = weight;
        ghostTally[id][support] += weight;
        if (block.timestamp >= ghostLockEnd[address(a)]) ghostLockAmount[address(a)] = 0;
        if (weight > ghostLockAmount[address(a)]) ghostLockAmount[address(a)] = weight;
        if (ghostEnd[id] > ghostLockEnd[address(a)]) ghostLockEnd[address(a)] = ghostEnd[id];
    }

    // ================================================================== handlers: the owner

    function ownerNotifyReward(uint256 amount) external {
        amount = REWARDS_DURATION + (amount % MAX_AMOUNT);
        InvariantActor o = _owner();
        token.mint(address(o), amount);
        (bool ok,) = _route(o, STAKING_ID, abi.encodeCall(Staking.notifyRewardAmount, (amount)));
        if (ok) ghostRewardsFunded += amount;
    }

    function ownerSetRewardsDuration(uint256 duration) external {
        duration = 1 hours + (duration % 7 days);
        _route(_owner(), STAKING_ID, abi.encodeCall(Staking.setRewardsDuration, (duration)));
    }

    function ownerSetPaused(uint8 idSeed, bool paused) external {
        uint8 id = uint8(1 + (idSeed % 3)); // Staking, Voting or the probe; never the lens
        (bool ok,) = _route(_owner(), ADMIN_ID, abi.encodeCall(ILoadBalancer.setPaused, (id, paused)));
        if (ok) registry[id].paused = paused;
    }

    /// @notice Re-points Staking between its two implementations (storage is kept).
    function ownerUpgradeStaking() external {
        address next = registry[STAKING_ID].implementation == stakingA ? stakingB : stakingA;
        (bool ok,) = _route(_owner(), ADMIN_ID, abi.encodeCall(ILoadBalancer.upgradeImplementation, (STAKING_ID, next, "")));
        if (ok) registry[STAKING_ID].implementation = next;
    }

    function ownerUpgradeProbe() external {
        address next = registry[PROBE_ID].implementation == probeA ? probeB : probeA;
        (bool ok,) = _route(_owner(), ADMIN_ID, abi.encodeCall(ILoadBalancer.upgradeImplementation, (PROBE_ID, next, "")));
        if (ok) registry[PROBE_ID].implementation = next;
    }

    function ownerRemoveProbe() external {
        (bool ok,) = _route(_owner(), ADMIN_ID, abi.encodeCall(ILoadBalancer.removeImplementation, (PROBE_ID)));
        if (ok) delete registry[PROBE_ID];
    }

    function ownerAddProbe(bool useB) external {
        address impl = useB ? probeB : probeA;
        (bool ok,) = _route(_owner(), ADMIN_ID, abi.encodeCall(ILoadBalancer.addImplementation, (PROBE_ID, impl, "")));
        if (ok) registry[PROBE_ID] = Entry(impl, false);
    }

    /**
     * @notice The owner tries to register an invalid implementation (no code, the proxy itself, the admin
     * module, or one already serving another id: Voting's or the lens's) at a free id or over the probe:
     * it must be refused, so the model does not change and {echidna_only_owner_changes_registry} catches
     * any registry write that got through.
     */
    function ownerTriesInvalidImplementation(uint8 which, bool upgrade) external {
        address[5] memory invalid = [address(0xdead), proxy, _adminModule(), votingImpl, lensImpl];
        address impl = invalid[which % 5];
        _route(
            _owner(),
            ADMIN_ID,
            upgrade
                ? abi.encodeCall(ILoadBalancer.upgradeImplementation, (PROBE_ID, impl, ""))
                : abi.encodeCall(ILoadBalancer.addImplementation, (4, impl, ""))
        );
    }

    /// @notice The owner starts a transfer to a user or to the first owner (never to the attacker), or
    /// cancels a pending one by proposing the zero address.
    function ownerTransferOwnership(uint8 toSeed) external {
        uint256 pick = toSeed % (USERS + 2);
        address to = pick == USERS + 1 ? address(0) : pick == USERS ? address(firstOwner) : address(stakers[pick]);
        (bool ok,) = _route(_owner(), ADMIN_ID, abi.encodeCall(ILoadBalancer.transferOwnership, (to)));
        if (ok) ghostPending = to;
    }

    /// @notice Any actor (the attacker included) tries to accept ownership: only the pending owner may.
    function acceptOwnership(uint8 actorSeed) external {
        InvariantActor a = _anyActor(actorSeed);
        (bool ok,) = _route(a, ADMIN_ID, abi.encodeCall(ILoadBalancer.acceptOwnership, ()));
        if (!ok) return;
        if (address(a) != ghostPending) {
            ownershipBypassed = true;
            emit Violation("ownership accepted by a non-pending account", address(a), 0);
        }
        ghostOwner = address(a);
        ghostPending = address(0);
    }

    // ================================================================== handlers: non-owners

    /**
     * @notice A non-owner (the attacker, or a user who is not the owner now) tries an owner-only action:
     * every one must revert. `op` picks the action, `id` and `value` its arguments.
     */
    function nonOwnerAdmin(uint8 actorSeed, uint8 op, uint8 id, uint256 value) external {
        InvariantActor a = _anyActor(actorSeed);
        if (address(a) == ghostOwner) a = attacker;
        if (address(a) == ghostOwner) return; // unreachable while the attacker is never offered ownership
        bytes memory data;
        uint8 route = ADMIN_ID;
        op %= 10;
        if (op == 0) data = abi.encodeCall(ILoadBalancer.addImplementation, (id, probeB, ""));
        else if (op == 1) data = abi.encodeCall(ILoadBalancer.upgradeImplementation, (id, value % 2 == 0 ? probeA : probeB, ""));
        else if (op == 2) data = abi.encodeCall(ILoadBalancer.removeImplementation, (id));
        else if (op == 3) data = abi.encodeCall(ILoadBalancer.setPaused, (id, value % 2 == 0));
        else if (op == 4) data = abi.encodeCall(ILoadBalancer.transferOwnership, (address(a)));
        else if (op == 5) {
            route = STAKING_ID;
            value = REWARDS_DURATION + (value % MAX_AMOUNT);
            token.mint(address(a), value);
            data = abi.encodeCall(Staking.notifyRewardAmount, (value));
        } else if (op == 6) {
            route = STAKING_ID;
            data = abi.encodeCall(Staking.setRewardsDuration, (1 + (value % 7 days)));
        } else if (op == 7) {
            route = VOTING_ID;
            data = abi.encodeCall(Voting.configure, (1, uint64(1 + (value % 30 days)), uint16(value % 10_001), 0));
        } else if (op == 8) {
            // The admin module's batch keeps msg.sender: owner-only calls inside it stay owner-only.
            bytes[] memory calls = new bytes[](1);
            calls[0] = abi.encodePacked(ADMIN_ID, abi.encodeCall(ILoadBalancer.setPaused, (id, value % 2 == 0)));
            data = abi.encodeWithSignature("batch(bytes[])", calls);
        } else {
            // Initializers run only inside the owner's register call.
            route = STAKING_ID;
            data = abi.encodeCall(Staking.initialize, (IERC20(address(a)), 1 + (value % 30 days)));
        }
        (bool ok,) = _route(a, route, data);
        if (ok) {
            nonOwnerAdminSucceeded = true;
            emit Violation("owner-only action succeeded for a non-owner", address(a), op);
        }
    }

    // ================================================================== handlers: routing

    /**
     * @notice Calls id `id` through the proxy and checks the outcome against the registry model:
     * registered and unpaused -> served by exactly that implementation; paused -> ImplementationPaused;
     * unregistered -> UnknownImplementation. Stateless, so it records instead of asserting.
     */
    function probeRouting(uint8 id) external {
        if (id == ADMIN_ID) {
            // No calldata at all: not even an id byte to route by.
            (bool empty, bytes memory err) = proxy.call("");
            if (empty || keccak256(err) != keccak256(abi.encodeWithSelector(ILoadBalancer.EmptyCalldata.selector))) {
                unroutableCallPassed = true;
                emit Violation("empty calldata did not revert with EmptyCalldata", address(0), 0);
            }
            return;
        }
        (bool ok, bytes memory ret) = _probe(id);
        _checkProbe(id, ok, ret);
    }

    // ================================================================== properties

    /// @notice Only the owner changes the registry or ownership: the registry equals the model built
    /// from the owner's successful calls, and no non-owner's owner-only call ever succeeded.
    function echidna_only_owner_changes_registry() external view returns (bool) {
        if (nonOwnerAdminSucceeded) return false;
        ILoadBalancer.ModuleInfo[] memory infos = abi.decode(
            _view(ADMIN_ID, abi.encodeCall(ILoadBalancer.implementations, ())), (ILoadBalancer.ModuleInfo[])
        );
        uint256 expected;
        for (uint8 id = 1; id <= PROBE_ID; ++id) if (registry[id].implementation != address(0)) ++expected;
        ++expected; // the lens
        if (infos.length != expected) return false;
        for (uint256 i; i < infos.length; ++i) {
            Entry memory e = registry[infos[i].id];
            if (e.implementation != infos[i].implementation || e.paused != infos[i].paused) return false;
        }
        return true;
    }

    /// @notice Ownership changes only through transfer (by the owner) then accept (by the pending owner).
    function echidna_ownership_two_step() external view returns (bool) {
        if (ownershipBypassed || nonOwnerAdminSucceeded) return false;
        address owner_ = abi.decode(_view(ADMIN_ID, abi.encodeCall(ILoadBalancer.owner, ())), (address));
        address pending = abi.decode(_view(ADMIN_ID, abi.encodeCall(ILoadBalancer.pendingOwner, ())), (address));
        return owner_ == ghostOwner && pending == ghostPending;
    }

    /// @notice A call to a registered, unpaused id is served by exactly the registered implementation.
    function echidna_routing_reaches_registered_implementation() external view returns (bool) {
        if (routedToWrongTarget) return false;
        for (uint8 id = 1; id <= PROBE_ID; ++id) {
            Entry memory e = registry[id];
            if (e.implementation == address(0) || e.paused) continue;
            (bool ok, bytes memory ret) = _probe(id);
            if (!ok || !_servedBy(id, e.implementation, ret)) return false;
        }
        return true;
    }

    /// @notice A call to an unregistered or paused id always reverts, with the router's own error.
    function echidna_unregistered_or_paused_ids_revert() external view returns (bool) {
        if (unroutableCallPassed) return false;
        uint8[5] memory ids = [STAKING_ID, VOTING_ID, PROBE_ID, 4, 255];
        for (uint256 i; i < ids.length; ++i) {
            uint8 id = ids[i];
            Entry memory e = registry[id];
            if (e.implementation != address(0) && !e.paused) continue;
            (bool ok, bytes memory ret) = _probe(id);
            if (ok || keccak256(ret) != keccak256(_routerError(id))) return false;
        }
        return true;
    }

    /// @notice The proxy's token balance covers every stake plus every funded, unpaid reward; and what is
    /// owed (paid, claimable now, still to stream in the running period) plus the unallocated rewards
    /// that the next funding streams again never exceeds what was funded: carrying unallocated rewards
    /// over takes nothing that is owed to a staker.
    function echidna_solvent() external view returns (bool) {
        (uint256 totalStaked, uint256 funded, uint256 paid, uint256 balance) = _totals();
        if (paid > funded || balance < totalStaked + (funded - paid)) return false;
        (,,, uint256[] memory earned) = _accounts();
        (uint256 remaining, uint256 unallocated) =
            abi.decode(_view(LENS_ID, abi.encodeCall(InvariantLens.rewardsAhead, ())), (uint256, uint256));
        uint256 claimable;
        for (uint256 i; i < STAKERS; ++i) claimable += earned[i];
        return paid + claimable + remaining + unallocated <= funded;
    }

    /// @notice totalStaked is the sum of the stakes, and each stake is what its owner put in minus
    /// what it took out.
    function echidna_total_stake_is_sum_of_stakes() external view returns (bool) {
        if (payoutMismatch) return false;
        (uint256 totalStaked,,,) = _totals();
        (uint256[] memory stakes,,,) = _accounts();
        uint256 sum;
        for (uint256 i; i < STAKERS; ++i) {
            if (stakes[i] != ghostStake[address(stakers[i])]) return false;
            sum += stakes[i];
        }
        return sum == totalStaked;
    }

    /// @notice Rewards paid never exceed rewards funded (nor do paid plus still claimable rewards), and
    /// the books match what the owner funded and the stakers received.
    function echidna_rewards_paid_within_funded() external view returns (bool) {
        (, uint256 funded, uint256 paid,) = _totals();
        (,,, uint256[] memory earned) = _accounts();
        uint256 claimable;
        for (uint256 i; i < STAKERS; ++i) claimable += earned[i];
        return paid <= funded && paid + claimable <= funded && funded == ghostRewardsFunded
            && paid == ghostRewardsReceived;
    }

    /// @notice Each proposal's tally equals the sum of its individual votes (the receipts, and the votes
    /// the harness saw succeed), by support.
    function echidna_tally_is_sum_of_votes() external view returns (bool) {
        for (uint256 id = 1; id <= ghostProposals; ++id) {
            (, uint256[3] memory tally, uint256[3] memory receipts,,) = _proposal(id);
            uint256[3] memory ghost = ghostTally[id];
            for (uint256 s; s < 3; ++s) if (tally[s] != receipts[s] || tally[s] != ghost[s]) return false;
        }
        return true;
    }

    /// @notice While a proposal runs, its tally never exceeds the stake its voters keep locked (and
    /// still have) until its end.
    function echidna_tally_within_locked_stake() external view returns (bool) {
        (uint256[] memory stakes, uint256[] memory lockedUntil, uint256[] memory lockedAmount,) = _accounts();
        (uint256 totalStaked,,,) = _totals();
        for (uint256 id = 1; id <= ghostProposals; ++id) {
            uint64 end = ghostEnd[id];
            if (block.timestamp >= end) continue;
            (, uint256[3] memory tally,, uint256 voted,) = _proposal(id);
            uint256 locked;
            for (uint256 i; i < STAKERS; ++i) {
                if (voted & (1 << i) == 0) continue;
                if (lockedUntil[i] < end) return false;
                locked += stakes[i] < lockedAmount[i] ? stakes[i] : lockedAmount[i];
            }
            uint256 votes = tally[0] + tally[1] + tally[2];
            if (votes > locked || votes > totalStaked) return false;
        }
        return true;
    }

    /// @notice An account votes at most once per proposal: a second vote never succeeds, and the
    /// recorded voters are exactly the ones whose (first) vote succeeded.
    function echidna_one_vote_per_account() external view returns (bool) {
        if (doubleVoteCounted) return false;
        for (uint256 id = 1; id <= ghostProposals; ++id) {
            (,,, uint256 voted,) = _proposal(id);
            if (voted != ghostVotedMask[id]) return false;
        }
        return true;
    }

    /// @notice Weights and quorum come from one snapshot, the end of the second before the proposal:
    /// every vote weighed the voter's stake then (capped by its stake at voting time), every quorum is
    /// the configured share of the total stake then (rounded up), and no proposal opened below the
    /// proposal threshold. The model keeps its own stake history; it never reads the checkpoints.
    function echidna_weights_and_quorum_from_snapshot() external view returns (bool) {
        if (wrongVoteWeight || proposalBelowThreshold) return false;
        for (uint256 id = 1; id <= ghostProposals; ++id) {
            (,,,, uint256 quorum) = _proposal(id);
            if (quorum != ghostQuorum[id]) return false;
        }
        return true;
    }

    /// @notice Stake that voted cannot leave before the proposal ends: no withdrawal or exit succeeded
    /// while locked, and every voter of a running proposal still has at least the stake it voted with.
    function echidna_locked_stake_stays_until_end() external view returns (bool) {
        if (lockedStakeLeft) return false;
        (uint256[] memory stakes,,,) = _accounts();
        for (uint256 id = 1; id <= ghostProposals; ++id) {
            if (block.timestamp >= ghostEnd[id]) continue;
            for (uint256 i; i < STAKERS; ++i) {
                if (stakes[i] < ghostWeight[id][address(stakers[i])]) return false;
            }
        }
        return true;
    }

    // ================================================================== internals

    function _staker(uint8 seed) internal view returns (InvariantActor) {
        return stakers[seed % STAKERS];
    }

    function _indexOf(InvariantActor a) internal view returns (uint256) {
        for (uint256 i; i < STAKERS; ++i) if (stakers[i] == a) return i;
        revert("not a staker");
    }

    /// @dev Users, the attacker and the first owner.
    function _anyActor(uint8 seed) internal view returns (InvariantActor) {
        uint256 pick = seed % (STAKERS + 1);
        return pick == STAKERS ? firstOwner : stakers[pick];
    }

    /// @dev Whoever owns the proxy now (in the model): the first owner or a user it handed ownership to.
    function _owner() internal view returns (InvariantActor) {
        return InvariantActor(ghostOwner);
    }

    function _route(InvariantActor a, uint8 id, bytes memory data) internal returns (bool ok, bytes memory ret) {
        return a.exec(proxy, abi.encodePacked(id, data));
    }

    function _mustAdmin(bytes memory data) private {
        (bool ok, bytes memory ret) = _route(firstOwner, ADMIN_ID, data);
        if (!ok) {
            // solhint-disable-next-line no-inline-assembly
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    function _fund(InvariantActor a) private {
        token.mint(address(a), INITIAL_BALANCE);
        (bool ok,) = a.exec(address(token), abi.encodeCall(IERC20.approve, (proxy, type(uint256).max)));
        require(ok, "approve failed");
    }

    /// @dev A static call through the proxy that must succeed (the lens and the admin loupe never pause).
    function _view(uint8 id, bytes memory data) internal view returns (bytes memory ret) {
        bool ok;
        (ok, ret) = proxy.staticcall(abi.encodePacked(id, data));
        require(ok, "view through the proxy failed");
    }

    function _totals() internal view returns (uint256, uint256, uint256, uint256) {
        return abi.decode(
            _view(LENS_ID, abi.encodeCall(InvariantLens.stakingTotals, ())), (uint256, uint256, uint256, uint256)
        );
    }

    /// @dev Stakes, lock ends, amounts locked now and claimable rewards of the stakers, in order.
    function _accounts()
        internal
        view
        returns (uint256[] memory, uint256[] memory, uint256[] memory, uint256[] memory)
    {
        return abi.decode(
            _view(LENS_ID, abi.encodeCall(InvariantLens.accounts, (_stakerAddresses()))),
            (uint256[], uint256[], uint256[], uint256[])
        );
    }

    function _proposal(uint256 id)
        internal
        view
        returns (uint64, uint256[3] memory, uint256[3] memory, uint256, uint256)
    {
        return abi.decode(
            _view(LENS_ID, abi.encodeCall(InvariantLens.proposalState, (id, _stakerAddresses()))),
            (uint64, uint256[3], uint256[3], uint256, uint256)
        );
    }

    /// @dev The model's stake change: the actor's stake and the total, recorded in both histories.
    function _setGhostStake(InvariantActor a, uint256 newStake) internal {
        ghostTotalStaked = ghostTotalStaked + newStake - ghostStake[address(a)];
        ghostStake[address(a)] = newStake;
        _record(ghostStakeHistory[address(a)], newStake);
        _record(ghostTotalHistory, ghostTotalStaked);
    }

    /// @dev Appends `value` at this second, or overwrites this second's entry.
    function _record(StakePoint[] storage history, uint256 value) private {
        uint256 n = history.length;
        if (n != 0 && history[n - 1].time == block.timestamp) history[n - 1].stake = value;
        else history.push(StakePoint(block.timestamp, value));
    }

    /// @dev The value a history held at the end of second `t` (zero before its first entry).
    function _ghostAt(StakePoint[] storage history, uint256 t) internal view returns (uint256) {
        for (uint256 i = history.length; i != 0; --i) {
            if (history[i - 1].time <= t) return history[i - 1].stake;
        }
        return 0;
    }

    /// @dev The model's vote weight: the stake at the end of second `snapshot`, capped by the stake now.
    function _ghostVotingPower(InvariantActor a, uint256 snapshot) internal view returns (uint256) {
        uint256 then = _ghostAt(ghostStakeHistory[address(a)], snapshot);
        uint256 current = ghostStake[address(a)];
        return then < current ? then : current;
    }

    /// @dev Whether leaving `left` staked breaks the actor's running vote lock (in the model).
    function _lockBreached(InvariantActor a, uint256 left) internal view returns (bool) {
        return block.timestamp < ghostLockEnd[address(a)] && left < ghostLockAmount[address(a)];
    }

    function _ceilDiv(uint256 a, uint256 b) private pure returns (uint256) {
        return a == 0 ? 0 : (a - 1) / b + 1;
    }

    function _stakerAddresses() internal view returns (address[] memory out) {
        out = new address[](STAKERS);
        for (uint256 i; i < STAKERS; ++i) out[i] = address(stakers[i]);
    }

    /// @dev A call that identifies the implementation serving `id` (see {_servedBy}).
    function _probe(uint8 id) internal view returns (bool ok, bytes memory ret) {
        bytes memory data;
        if (id == STAKING_ID) data = abi.encodeCall(StakingV2.version, ());
        else if (id == VOTING_ID) data = abi.encodeCall(Voting.proposalCount, ());
        else if (id == LENS_ID) data = abi.encodeCall(InvariantLens.token, ());
        else data = abi.encodeCall(InvariantProbe.probeSelf, ());
        (ok, ret) = proxy.staticcall(abi.encodePacked(id, data));
        // Staking V1 has no version(): its revert is empty. Report it as served by V1.
        if (id == STAKING_ID && !ok && ret.length == 0) return (true, abi.encode(uint256(1)));
    }

    /// @dev Whether the answer `ret` of {_probe} proves `implementation` served the call.
    function _servedBy(uint8 id, address implementation, bytes memory ret) internal view returns (bool) {
        if (ret.length != 32) return false;
        if (id == STAKING_ID) return abi.decode(ret, (uint256)) == (implementation == stakingA ? versionA : versionB);
        if (id == VOTING_ID) return implementation == votingImpl;
        if (id == LENS_ID) return abi.decode(ret, (address)) == address(token);
        return abi.decode(ret, (address)) == implementation;
    }

    /// @dev What {_probe} reports for a Staking implementation: its version(), or 1 if it has none.
    function _versionOf(address implementation) private view returns (uint256) {
        (bool ok, bytes memory ret) = implementation.staticcall(abi.encodeCall(StakingV2.version, ()));
        return ok && ret.length == 32 ? abi.decode(ret, (uint256)) : 1;
    }

    function _adminModule() internal view returns (address) {
        return abi.decode(_view(ADMIN_ID, abi.encodeCall(ILoadBalancer.adminModule, ())), (address));
    }

    function _routerError(uint8 id) internal view returns (bytes memory) {
        return registry[id].implementation == address(0)
            ? abi.encodeWithSelector(ILoadBalancer.UnknownImplementation.selector, id)
            : abi.encodeWithSelector(ILoadBalancer.ImplementationPaused.selector, id);
    }

    function _checkProbe(uint8 id, bool ok, bytes memory ret) internal {
        Entry memory e = registry[id];
        if (e.implementation == address(0) || e.paused) {
            if (ok || keccak256(ret) != keccak256(_routerError(id))) {
                unroutableCallPassed = true;
                emit Violation("unregistered or paused id did not revert as expected", address(0), id);
            }
        } else if (!ok || !_servedBy(id, e.implementation, ret)) {
            routedToWrongTarget = true;
            emit Violation("call not served by the registered implementation", e.implementation, id);
        }
    }

    function _flagLockedStakeLeft(InvariantActor a, uint256 amount) private {
        lockedStakeLeft = true;
        emit Violation("locked stake left before the proposal ended", address(a), amount);
    }

    function _flag(string memory what, InvariantActor a, uint256 detail) private {
        payoutMismatch = true;
        emit Violation(what, address(a), detail);
    }
}

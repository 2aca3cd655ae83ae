// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title ILoadBalancer
 * @notice The complete external interface of the load-balancer proxy.
 *
 * Every call to the proxy is `bytes1(id) ++ calldata`: the first byte names a module, the rest
 * is that module's ordinary ABI-encoded calldata, which the proxy delegatecalls unchanged.
 * Id 0 is the built-in, immutable admin module ({LoadBalancerAdmin}) that implements the functions
 * below; ids 1..255 are the registered implementations (Staking, Voting, ...).
 *
 * The proxy contract itself exposes no function selectors, so no routed call can ever be captured
 * by a proxy function (no selector clash is possible by construction).
 */
interface ILoadBalancer {
    /// @notice One row of the registry, as returned by {implementations}.
    struct ModuleInfo {
        uint8 id;
        address implementation;
        bool paused;
    }

    // ------------------------------------------------------------------ events

    /// @notice Ownership moved from `previousOwner` to `newOwner` (construction or {acceptOwnership}).
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The owner proposed `newOwner`; it becomes owner when it calls {acceptOwnership}.
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);

    /// @notice Implementation `implementation` was registered under `id`.
    event ImplementationAdded(uint8 indexed id, address indexed implementation);

    /// @notice Id `id` was re-pointed from `previousImplementation` to `newImplementation`; its storage is kept.
    event ImplementationUpgraded(uint8 indexed id, address indexed previousImplementation, address indexed newImplementation);

    /// @notice Id `id` (last pointing to `implementation`) was removed; calls to it now revert.
    event ImplementationRemoved(uint8 indexed id, address indexed implementation);

    /// @notice The circuit breaker of `id` was switched: calls to a paused id revert.
    event ImplementationPauseChanged(uint8 indexed id, bool paused);

    // ------------------------------------------------------------------ errors

    /// @notice A routed call named an id with no registered implementation.
    error UnknownImplementation(uint8 id);

    /// @notice A routed call named an id whose circuit breaker is on.
    error ImplementationPaused(uint8 id);

    /// @notice The proxy was called with no calldata at all (not even an id byte).
    error EmptyCalldata();

    /// @notice `account` is not the owner.
    error OwnableUnauthorizedAccount(address account);

    /// @notice The zero address cannot be proposed as owner.
    error OwnableInvalidOwner(address owner);

    /// @notice `implementation` is the zero address, has no code, is the proxy or is the admin module.
    error InvalidImplementation(address implementation);

    /// @notice Id 0 belongs to the admin module and cannot be registered, changed, removed or paused.
    error ReservedId(uint8 id);

    /// @notice `id` is already registered (use {upgradeImplementation} to re-point it).
    error ImplementationAlreadyRegistered(uint8 id, address implementation);

    /// @notice {upgradeImplementation} was asked to re-point `id` to the implementation it already has.
    error ImplementationUnchanged(uint8 id, address implementation);

    /// @notice {setPaused} was asked to set the state `id` already has.
    error PauseUnchanged(uint8 id, bool paused);

    // ------------------------------------------------------------------ ownership

    /// @notice The current owner: the only account that may change the registry, pause, or fund rewards.
    function owner() external view returns (address);

    /// @notice The account proposed by {transferOwnership}, or zero.
    function pendingOwner() external view returns (address);

    /**
     * @notice Starts a two-step ownership transfer; `newOwner` must call {acceptOwnership}.
     * @dev Owner only. Proposing again replaces the pending owner.
     */
    function transferOwnership(address newOwner) external;

    /// @notice Completes a transfer started by {transferOwnership}. Pending owner only.
    function acceptOwnership() external;

    // ------------------------------------------------------------------ registry

    /**
     * @notice Registers `implementation` under the free id `id` and, when `initData` is not empty,
     * delegatecalls it with `initData` in the same transaction, so no one can front-run the initializer.
     * @dev Owner only. The initializer runs with the initialization context open for `implementation`
     * (see {LoadBalancerModule-initializer}); its revert data bubbles up unchanged.
     */
    function addImplementation(uint8 id, address implementation, bytes calldata initData) external;

    /**
     * @notice Re-points the registered id `id` to `newImplementation`, keeping the storage it uses, and
     * optionally runs `migrationData` on it atomically (a versioned reinitializer).
     * @dev Owner only. The pause state of the id is kept.
     */
    function upgradeImplementation(uint8 id, address newImplementation, bytes calldata migrationData) external;

    /// @notice Unregisters `id`; later calls to it revert with {UnknownImplementation}. Owner only.
    function removeImplementation(uint8 id) external;

    /// @notice Switches the circuit breaker of `id`. Owner only.
    function setPaused(uint8 id, bool paused) external;

    // ------------------------------------------------------------------ loupe

    /// @notice The implementation registered under `id`, or zero. Id 0 returns the admin module.
    function implementation(uint8 id) external view returns (address);

    /// @notice Whether the circuit breaker of `id` is on.
    function isPaused(uint8 id) external view returns (bool);

    /// @notice Every registered id (ascending), its implementation and pause state; the admin module is not listed.
    function implementations() external view returns (ModuleInfo[] memory);

    /// @notice The immutable admin module that serves id 0.
    function adminModule() external view returns (address);

    // ------------------------------------------------------------------ batching

    /**
     * @notice Makes several routed calls in one transaction, in order, each exactly as if it had been
     * sent to the proxy on its own: every entry is `bytes1(id) ++ calldata`, delegatecalled to the
     * proxy's own router, so it passes the same checks (unknown id, paused id, no calldata), runs with
     * the caller as `msg.sender`, and may target any id, the admin module included.
     * @dev Not payable, on purpose: a delegatecall passes the batch's `msg.value` on to every call, so a
     * payable batch would let each call count the same ether again (the multicall `msg.value`
     * double-spend). Inside a batch every call sees `msg.value == 0`; send value with a single call.
     * The first call that reverts reverts the whole batch with its revert data unchanged.
     * @param calls The routed calldata of each call (`bytes1(id) ++ calldata`).
     * @return results The return data of each call, in order.
     */
    function batch(bytes[] calldata calls) external returns (bytes[] memory results);
}

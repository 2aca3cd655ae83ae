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
    /// @notice One row of the registry, as returned by {implementations}: the module `id`, the
    /// `implementation` serving it and whether its circuit breaker is on (`paused`).
    struct ModuleInfo {
        uint8 id;
        address implementation;
        bool paused;
    }

    // ------------------------------------------------------------------ events

    /// @notice Ownership moved (at construction, or by {acceptOwnership}).
    /// @param previousOwner The owner before (zero at construction).
    /// @param newOwner The owner now.
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// @notice The owner proposed a new owner, who becomes owner when it calls {acceptOwnership}; a
    /// zero `newOwner` means the owner cancelled the pending transfer.
    /// @param previousOwner The current owner.
    /// @param newOwner The proposed owner, or zero when the transfer was cancelled.
    event OwnershipTransferStarted(address indexed previousOwner, address indexed newOwner);

    /// @notice An implementation was registered.
    /// @param id The module id it serves.
    /// @param implementation The implementation contract.
    event ImplementationAdded(uint8 indexed id, address indexed implementation);

    /// @notice An id was re-pointed to a new implementation; its storage is kept.
    /// @param id The module id.
    /// @param previousImplementation The implementation it served before.
    /// @param newImplementation The implementation it serves now.
    event ImplementationUpgraded(uint8 indexed id, address indexed previousImplementation, address indexed newImplementation);

    /// @notice An id was removed; calls to it now revert with {UnknownImplementation}. A paused id
    /// emits {ImplementationPauseChanged}(id, false) first: removal clears its pause flag.
    /// @param id The module id.
    /// @param implementation The implementation it served last.
    event ImplementationRemoved(uint8 indexed id, address indexed implementation);

    /// @notice The circuit breaker of an id was switched: calls to a paused id revert.
    /// @param id The module id.
    /// @param paused Whether calls to `id` are now refused.
    event ImplementationPauseChanged(uint8 indexed id, bool paused);

    // ------------------------------------------------------------------ errors

    /// @notice A routed call named an id with no registered implementation.
    /// @param id The id named by the call's first byte.
    error UnknownImplementation(uint8 id);

    /// @notice A routed call named an id whose circuit breaker is on.
    /// @param id The id named by the call's first byte.
    error ImplementationPaused(uint8 id);

    /// @notice The proxy was called with no calldata at all (not even an id byte).
    error EmptyCalldata();

    /// @notice `account` is not the owner (or, for {acceptOwnership}, not the pending owner).
    /// @param account The caller.
    error OwnableUnauthorizedAccount(address account);

    /// @notice The proxy cannot be deployed with the zero address as its first owner.
    /// @param owner The rejected owner.
    error OwnableInvalidOwner(address owner);

    /// @notice `implementation` is the zero address, has no code, is the proxy or is the admin module.
    /// @param implementation The rejected implementation.
    error InvalidImplementation(address implementation);

    /// @notice `implementation` already serves the id `id`: one implementation serves at most one id, so
    /// pausing an id always stops its code (remove it from `id` first to move it).
    /// @param implementation The rejected implementation.
    /// @param id The id it is registered under.
    error ImplementationInUse(address implementation, uint8 id);

    /// @notice Id 0 belongs to the admin module and cannot be registered, changed, removed or paused.
    /// @param id The rejected id (0).
    error ReservedId(uint8 id);

    /// @notice `id` is already registered (use {upgradeImplementation} to re-point it).
    /// @param id The taken id.
    /// @param implementation The implementation registered under it.
    error ImplementationAlreadyRegistered(uint8 id, address implementation);

    /// @notice {upgradeImplementation} was asked to re-point `id` to the implementation it already has.
    /// @param id The id.
    /// @param implementation Its current implementation.
    error ImplementationUnchanged(uint8 id, address implementation);

    /// @notice {setPaused} was asked to set the state `id` already has.
    /// @param id The id.
    /// @param paused Its current state.
    error PauseUnchanged(uint8 id, bool paused);

    // ------------------------------------------------------------------ ownership

    /// @notice The only account that may change the registry, pause, or fund rewards.
    /// @return The current owner.
    function owner() external view returns (address);

    /// @notice The account proposed by {transferOwnership}.
    /// @return The pending owner, or zero.
    function pendingOwner() external view returns (address);

    /**
     * @notice Starts a two-step ownership transfer; `newOwner` must call {acceptOwnership}. Proposing
     * the zero address cancels a pending transfer (as OpenZeppelin's Ownable2Step).
     * @dev Owner only. Proposing again replaces the pending owner.
     * @param newOwner The proposed owner, or zero to cancel.
     */
    function transferOwnership(address newOwner) external;

    /// @notice Completes a transfer started by {transferOwnership}. Pending owner only.
    function acceptOwnership() external;

    // ------------------------------------------------------------------ registry

    /**
     * @notice Registers `implementation` under the free id `id` and, when `initData` is not empty,
     * delegatecalls it with `initData` in the same transaction, so no one can front-run the initializer.
     * @dev Owner only. The initializer runs with the initialization context open for `implementation`
     * (see {InitializableModule-reinitializer}); its revert data bubbles up unchanged. A module
     * registered without `initData` stays uninitialized: to initialize it later, the owner removes and
     * re-adds it with `initData` in one {batch} (its namespaced storage is kept).
     * @param id A free id in 1..255.
     * @param implementation A contract other than the proxy and the admin module, not registered under
     * another id ({ImplementationInUse}).
     * @param initData Calldata for the implementation's initializer, or empty for none.
     */
    function addImplementation(uint8 id, address implementation, bytes calldata initData) external;

    /**
     * @notice Re-points the registered id `id` to `newImplementation`, keeping the storage it uses, and
     * optionally runs `migrationData` on it atomically (a versioned reinitializer).
     * @dev Owner only. The pause state of the id is kept.
     * @param id A registered id.
     * @param newImplementation The new implementation; must differ from the current one and not be
     * registered under another id ({ImplementationInUse}).
     * @param migrationData Calldata for a `reinitializer` of the new implementation, or empty for none.
     */
    function upgradeImplementation(uint8 id, address newImplementation, bytes calldata migrationData) external;

    /// @notice Unregisters an id; later calls to it revert with {UnknownImplementation}. Owner only.
    /// Clears the id's pause flag (emitting {ImplementationPauseChanged} when it was set) and frees its
    /// implementation to be registered again, under this id or another.
    /// @param id A registered id.
    function removeImplementation(uint8 id) external;

    /// @notice Switches the circuit breaker of an id. Owner only.
    /// @param id A registered id.
    /// @param paused True to refuse calls to `id`, false to serve them again.
    function setPaused(uint8 id, bool paused) external;

    // ------------------------------------------------------------------ loupe

    /// @notice The implementation registered under an id.
    /// @param id Any id; 0 returns the admin module.
    /// @return The implementation, or zero when `id` is free.
    function implementation(uint8 id) external view returns (address);

    /// @notice Whether the circuit breaker of an id is on.
    /// @param id Any id.
    /// @return True when calls to `id` are refused.
    function isPaused(uint8 id) external view returns (bool);

    /// @notice The live registry, for tools and UIs; the admin module (id 0) is not listed.
    /// @return Every registered id in ascending order, with its implementation and pause state.
    function implementations() external view returns (ModuleInfo[] memory);

    /// @notice The immutable admin module that serves id 0.
    /// @return Its address.
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

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TransientSlot} from "@openzeppelin/contracts/utils/TransientSlot.sol";
import {ILoadBalancer} from "../interfaces/ILoadBalancer.sol";

/**
 * @title LibLoadBalancer
 * @notice Storage and rules of the proxy itself: owner, registry, pause flags, and the transient
 * initialization context. Used by the proxy's hot path (slot arithmetic only), by the admin module,
 * and by every module that needs the owner.
 */
library LibLoadBalancer {
    using TransientSlot for *;

    /// @notice One registry slot: the implementation and its circuit breaker, packed so the hot path
    /// reads both with a single SLOAD.
    struct Module {
        address implementation;
        bool paused;
    }

    /// @custom:storage-location erc7201:loadbalancer.storage.LoadBalancer
    struct Layout {
        // A fixed array, not a mapping: the entry of id `i` sits at slot ROOT + i, so routing needs no keccak.
        Module[256] modules;
        // Bit i set <=> id i is registered; the loupe enumerates it.
        uint256 registeredIds;
        address owner;
        address pendingOwner;
        // The id each registered implementation serves (0: none; id 0 is never registered), so one
        // implementation cannot serve two ids and escape the pause of one of them.
        mapping(address implementation => uint8 id) idOf;
    }

    /// @dev keccak256(abi.encode(uint256(keccak256("loadbalancer.storage.LoadBalancer")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant STORAGE_SLOT = 0x13e249253a846412c22329a98490c6f16f1bbf70b742efd1f2029f4b88c7b200;

    /// @dev Transient slot holding the implementation whose initializer may run right now (zero when none).
    /// keccak256(abi.encode(uint256(keccak256("loadbalancer.transient.Initializing")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 internal constant INITIALIZING_SLOT = 0xb56e92b2649b0e6b54b1051b762a278f9b82bdb0a34a06d99f256e231816f400;

    /// @notice The admin module's id: served by the immutable admin module, never by the registry.
    uint8 internal constant ADMIN_ID = 0;

    /// @notice The module's ERC-7201 namespace in the proxy's storage.
    /// @return $ The storage pointer at STORAGE_SLOT.
    function layout() internal pure returns (Layout storage $) {
        // solhint-disable-next-line no-inline-assembly
        assembly {
            $.slot := STORAGE_SLOT
        }
    }

    // ------------------------------------------------------------------ ownership

    /// @notice The proxy's owner.
    /// @return The owner's address.
    function owner() internal view returns (address) {
        return layout().owner;
    }

    /// @notice Reverts with {ILoadBalancer-OwnableUnauthorizedAccount} unless `account` is the owner.
    /// @param account The account to check (usually msg.sender).
    function enforceOwner(address account) internal view {
        if (account != layout().owner) revert ILoadBalancer.OwnableUnauthorizedAccount(account);
    }

    /// @notice Makes `newOwner` the owner, clears any pending transfer and emits {ILoadBalancer-OwnershipTransferred}.
    /// @param newOwner The new owner.
    function setOwner(address newOwner) internal {
        Layout storage $ = layout();
        address previous = $.owner;
        $.owner = newOwner;
        delete $.pendingOwner;
        emit ILoadBalancer.OwnershipTransferred(previous, newOwner);
    }

    // ------------------------------------------------------------------ registry

    /// @notice Reverts with {ILoadBalancer-InvalidImplementation} for the zero address, a code-less
    /// address, the proxy itself or the admin module.
    /// @param implementation The candidate implementation.
    /// @param adminModule The admin module's address.
    function enforceValidImplementation(address implementation, address adminModule) internal view {
        if (
            implementation.code.length == 0 || implementation == address(this) || implementation == adminModule
        ) revert ILoadBalancer.InvalidImplementation(implementation);
    }

    /// @notice Reverts with {ILoadBalancer-ImplementationInUse} when `implementation` already serves an id.
    /// @dev One implementation under two ids would keep running under the second while the first is paused.
    /// @param implementation The candidate implementation.
    function enforceNotInUse(address implementation) internal view {
        uint8 id = layout().idOf[implementation];
        if (id != 0) revert ILoadBalancer.ImplementationInUse(implementation, id);
    }

    /// @notice Reverts with {ILoadBalancer-ReservedId} for the admin module's id 0.
    /// @param id The id to check.
    function enforceNotReserved(uint8 id) internal pure {
        if (id == ADMIN_ID) revert ILoadBalancer.ReservedId(id);
    }

    /// @notice The implementation registered under `id`; reverts with {ILoadBalancer-UnknownImplementation} if none.
    /// @param id A module id.
    /// @return implementation The registered implementation.
    function registered(uint8 id) internal view returns (address implementation) {
        implementation = layout().modules[id].implementation;
        if (implementation == address(0)) revert ILoadBalancer.UnknownImplementation(id);
    }

    // ------------------------------------------------------------------ initialization context

    /**
     * @notice Delegatecalls `implementation` with `data` while the initialization context names it, so
     * one `reinitializer` function of it accepts the call. Revert data bubbles up unchanged.
     * @dev The context is single-use: the first `reinitializer` that accepts it closes it
     * ({consumeInitializing}), and only a call made by the owner may do so, so a callback (a token hook,
     * a re-entrant call through the proxy) cannot run an initializer with its own arguments.
     * @param implementation The implementation being registered or upgraded to.
     * @param data Calldata for its initializer.
     */
    function initialize(address implementation, bytes calldata data) internal {
        INITIALIZING_SLOT.asAddress().tstore(implementation);
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory returndata) = implementation.delegatecall(data);
        // Closed before returning, so a later call in the same transaction finds no open context.
        INITIALIZING_SLOT.asAddress().tstore(address(0));
        if (!ok) {
            // solhint-disable-next-line no-inline-assembly
            assembly {
                revert(add(returndata, 0x20), mload(returndata))
            }
        }
    }

    /// @notice The implementation whose initializer may run now, or zero.
    /// @return The implementation the open initialization context names.
    function initializing() internal view returns (address) {
        return INITIALIZING_SLOT.asAddress().tload();
    }

    /**
     * @notice Closes the initialization context if it names `implementation` and the caller is the owner.
     * @dev Reverts {ILoadBalancer-OwnableUnauthorizedAccount} for any other caller: inside the owner's
     * register or upgrade call, msg.sender is the owner (delegatecalls keep it), while a callback from a
     * token or any other contract arrives with its own address. A revert undoes the closing, so a
     * refused caller cannot use up the owner's context.
     * @param implementation The implementation whose initializer wants to run (its own address).
     * @param caller The initializer's msg.sender.
     * @return True when the context was open for `implementation` (and is now closed).
     */
    function consumeInitializing(address implementation, address caller) internal returns (bool) {
        if (initializing() != implementation) return false;
        enforceOwner(caller);
        INITIALIZING_SLOT.asAddress().tstore(address(0));
        return true;
    }
}

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

    function owner() internal view returns (address) {
        return layout().owner;
    }

    /// @dev Reverts unless `account` is the owner.
    function enforceOwner(address account) internal view {
        if (account != layout().owner) revert ILoadBalancer.OwnableUnauthorizedAccount(account);
    }

    function setOwner(address newOwner) internal {
        Layout storage $ = layout();
        address previous = $.owner;
        $.owner = newOwner;
        delete $.pendingOwner;
        emit ILoadBalancer.OwnershipTransferred(previous, newOwner);
    }

    // ------------------------------------------------------------------ registry

    /// @dev Rejects the zero address, code-less addresses, the proxy itself and the admin module.
    function enforceValidImplementation(address implementation, address adminModule) internal view {
        if (
            implementation.code.length == 0 || implementation == address(this) || implementation == adminModule
        ) revert ILoadBalancer.InvalidImplementation(implementation);
    }

    function enforceNotReserved(uint8 id) internal pure {
        if (id == ADMIN_ID) revert ILoadBalancer.ReservedId(id);
    }

    /// @dev The implementation registered under `id`; reverts with {UnknownImplementation} if none.
    function registered(uint8 id) internal view returns (address implementation) {
        implementation = layout().modules[id].implementation;
        if (implementation == address(0)) revert ILoadBalancer.UnknownImplementation(id);
    }

    // ------------------------------------------------------------------ initialization context

    /**
     * @dev Delegatecalls `implementation` with `data` while the initialization context names it, so its
     * `initializer`/`reinitializer` functions accept the call. Revert data bubbles up unchanged.
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

    /// @dev The implementation whose initializer may run now, or zero.
    function initializing() internal view returns (address) {
        return INITIALIZING_SLOT.asAddress().tload();
    }
}

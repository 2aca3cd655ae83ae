// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ILoadBalancer} from "../interfaces/ILoadBalancer.sol";
import {LibLoadBalancer} from "../libraries/LibLoadBalancer.sol";
import {LoadBalancerModule} from "./LoadBalancerModule.sol";

/**
 * @title LoadBalancerAdmin
 * @notice The admin module: ownership, registry, circuit breakers and loupe of a {LoadBalancer}.
 * Deployed by the proxy's constructor and served under the reserved id 0; it runs only by delegatecall
 * from that proxy, in the proxy's storage.
 */
contract LoadBalancerAdmin is ILoadBalancer, LoadBalancerModule {
    // ------------------------------------------------------------------ ownership

    /// @inheritdoc ILoadBalancer
    function owner() external view onlyDelegateCall returns (address) {
        return LibLoadBalancer.owner();
    }

    /// @inheritdoc ILoadBalancer
    function pendingOwner() external view onlyDelegateCall returns (address) {
        return LibLoadBalancer.layout().pendingOwner;
    }

    /// @inheritdoc ILoadBalancer
    function transferOwnership(address newOwner) external onlyDelegateCall onlyOwner {
        // Zero is accepted: it cancels a pending transfer (no one can accept as the zero address).
        LibLoadBalancer.layout().pendingOwner = newOwner;
        emit OwnershipTransferStarted(msg.sender, newOwner);
    }

    /// @inheritdoc ILoadBalancer
    function acceptOwnership() external onlyDelegateCall {
        if (msg.sender != LibLoadBalancer.layout().pendingOwner) revert OwnableUnauthorizedAccount(msg.sender);
        LibLoadBalancer.setOwner(msg.sender);
    }

    // ------------------------------------------------------------------ registry

    /// @inheritdoc ILoadBalancer
    function addImplementation(uint8 id, address implementation_, bytes calldata initData)
        external
        onlyDelegateCall
        onlyOwner
    {
        LibLoadBalancer.enforceNotReserved(id);
        LibLoadBalancer.enforceValidImplementation(implementation_, SELF);
        LibLoadBalancer.Layout storage $ = LibLoadBalancer.layout();
        address existing = $.modules[id].implementation;
        if (existing != address(0)) revert ImplementationAlreadyRegistered(id, existing);
        LibLoadBalancer.enforceNotInUse(implementation_);
        $.modules[id] = LibLoadBalancer.Module({implementation: implementation_, paused: false});
        $.registeredIds |= 1 << id;
        $.idOf[implementation_] = id;
        emit ImplementationAdded(id, implementation_);
        if (initData.length != 0) LibLoadBalancer.initialize(implementation_, initData);
    }

    /// @inheritdoc ILoadBalancer
    function upgradeImplementation(uint8 id, address newImplementation, bytes calldata migrationData)
        external
        onlyDelegateCall
        onlyOwner
    {
        LibLoadBalancer.enforceNotReserved(id);
        address previous = LibLoadBalancer.registered(id);
        if (newImplementation == previous) revert ImplementationUnchanged(id, previous);
        LibLoadBalancer.enforceValidImplementation(newImplementation, SELF);
        LibLoadBalancer.enforceNotInUse(newImplementation);
        LibLoadBalancer.Layout storage $ = LibLoadBalancer.layout();
        $.modules[id].implementation = newImplementation;
        delete $.idOf[previous];
        $.idOf[newImplementation] = id;
        emit ImplementationUpgraded(id, previous, newImplementation);
        if (migrationData.length != 0) LibLoadBalancer.initialize(newImplementation, migrationData);
    }

    /// @inheritdoc ILoadBalancer
    function removeImplementation(uint8 id) external onlyDelegateCall onlyOwner {
        LibLoadBalancer.enforceNotReserved(id);
        address previous = LibLoadBalancer.registered(id);
        LibLoadBalancer.Layout storage $ = LibLoadBalancer.layout();
        // Removal clears the pause flag with the entry: say so, so indexers tracking pauses stay right.
        if ($.modules[id].paused) emit ImplementationPauseChanged(id, false);
        delete $.modules[id];
        delete $.idOf[previous];
        $.registeredIds &= ~(uint256(1) << id);
        emit ImplementationRemoved(id, previous);
    }

    /// @inheritdoc ILoadBalancer
    function setPaused(uint8 id, bool paused) external onlyDelegateCall onlyOwner {
        LibLoadBalancer.enforceNotReserved(id);
        LibLoadBalancer.registered(id);
        LibLoadBalancer.Module storage module = LibLoadBalancer.layout().modules[id];
        if (module.paused == paused) revert PauseUnchanged(id, paused);
        module.paused = paused;
        emit ImplementationPauseChanged(id, paused);
    }

    // ------------------------------------------------------------------ loupe

    /// @inheritdoc ILoadBalancer
    function implementation(uint8 id) external view onlyDelegateCall returns (address) {
        if (id == LibLoadBalancer.ADMIN_ID) return SELF;
        return LibLoadBalancer.layout().modules[id].implementation;
    }

    /// @inheritdoc ILoadBalancer
    function isPaused(uint8 id) external view onlyDelegateCall returns (bool) {
        return LibLoadBalancer.layout().modules[id].paused;
    }

    /// @inheritdoc ILoadBalancer
    function implementations() external view onlyDelegateCall returns (ModuleInfo[] memory infos) {
        LibLoadBalancer.Layout storage $ = LibLoadBalancer.layout();
        uint256 bits = $.registeredIds;
        uint256 count = 0;
        for (uint256 b = bits; b != 0; b &= b - 1) ++count;
        infos = new ModuleInfo[](count);
        uint256 n = 0;
        for (uint256 id = 1; id < 256 && n < count; ++id) {
            if (bits & (1 << id) == 0) continue;
            LibLoadBalancer.Module storage module = $.modules[id];
            infos[n] = ModuleInfo({id: uint8(id), implementation: module.implementation, paused: module.paused});
            ++n;
        }
    }

    /// @inheritdoc ILoadBalancer
    function adminModule() external view onlyDelegateCall returns (address) {
        return SELF;
    }

    // ------------------------------------------------------------------ batching

    /// @inheritdoc ILoadBalancer
    function batch(bytes[] calldata calls) external onlyDelegateCall returns (bytes[] memory results) {
        results = new bytes[](calls.length);
        for (uint256 i; i < calls.length; ++i) {
            bytes calldata item = calls[i];
            // solhint-disable-next-line no-inline-assembly
            assembly ("memory-safe") {
                // Copy the call to free memory and delegatecall the proxy itself (address() is the proxy
                // here): its router checks and routes the call exactly as if it had been sent on its own,
                // in this context, so msg.sender is kept (and msg.value is 0: this function is not payable).
                let ptr := mload(0x40)
                calldatacopy(ptr, item.offset, item.length)
                let ok := delegatecall(gas(), address(), ptr, item.length, 0x00, 0x00)
                // The same memory then holds the return data as a `bytes` (length word, then data)...
                mstore(ptr, returndatasize())
                returndatacopy(add(ptr, 0x20), 0x00, returndatasize())
                // ...or, on failure, the revert data to bubble up unchanged.
                if iszero(ok) { revert(add(ptr, 0x20), returndatasize()) }
                mstore(add(add(results, 0x20), shl(5, i)), ptr) // results[i] = that bytes
                mstore(0x40, add(ptr, and(add(returndatasize(), 0x3f), not(0x1f)))) // allocate it, word-aligned
            }
        }
    }
}

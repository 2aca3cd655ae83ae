// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LibLoadBalancer} from "../libraries/LibLoadBalancer.sol";

/**
 * @title LoadBalancerModule
 * @notice Base of every contract the proxy delegatecalls (the admin module and all implementations).
 * It holds no storage: modules keep their state in ERC-7201 namespaces of the proxy's storage.
 */
abstract contract LoadBalancerModule {
    /// @notice The module was called directly instead of through a proxy's delegatecall.
    error NotDelegateCall();

    /// @notice An initializer ran outside {ILoadBalancer-addImplementation}/{ILoadBalancer-upgradeImplementation}.
    error NotInitializing();

    /// @notice The module's storage is already at `version` or later.
    error InvalidInitialization(uint64 currentVersion, uint64 requestedVersion);

    /// @notice The module's storage was initialized (or migrated).
    /// @param version The version its storage is at now.
    event Initialized(uint64 version);

    /// @dev The module's own address in every context: an immutable lives in code, not storage.
    address internal immutable SELF = address(this);

    /// @dev Only through a delegatecall (the proxy's); a direct call would act on the module's own empty storage.
    modifier onlyDelegateCall() {
        if (address(this) == SELF) revert NotDelegateCall();
        _;
    }

    /// @dev Only the proxy's owner.
    modifier onlyOwner() {
        LibLoadBalancer.enforceOwner(msg.sender);
        _;
    }

    /**
     * @dev Runs the function at most once per module storage for each `version` (ascending), and only
     * inside the owner's register-and-initialize (or upgrade-and-migrate) call for this very
     * implementation: the proxy opens that context in transient storage just for the call.
     */
    modifier reinitializer(uint64 version) {
        if (address(this) == SELF) revert NotDelegateCall();
        if (LibLoadBalancer.initializing() != SELF) revert NotInitializing();
        uint64 current = _initializedVersion();
        if (current >= version) revert InvalidInitialization(current, version);
        _setInitializedVersion(version);
        _;
        emit Initialized(version);
    }

    /// @dev Version counter kept in the module's own namespace.
    function _initializedVersion() internal view virtual returns (uint64);

    function _setInitializedVersion(uint64 version) internal virtual;
}

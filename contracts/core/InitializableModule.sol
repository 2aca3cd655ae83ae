// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LibLoadBalancer} from "../libraries/LibLoadBalancer.sol";
import {LoadBalancerModule} from "./LoadBalancerModule.sol";

/**
 * @title InitializableModule
 * @notice Base of every implementation the proxy registers (Staking, Voting, ...): a module with its
 * own storage namespace, initialized (and later migrated) only through the owner's atomic
 * register-and-initialize or upgrade-and-migrate call.
 */
abstract contract InitializableModule is LoadBalancerModule {
    /// @notice An initializer ran outside {ILoadBalancer-addImplementation}/{ILoadBalancer-upgradeImplementation}
    /// for this implementation, or after another initializer already used that call's context.
    error NotInitializing();

    /// @notice The module's storage is already at `currentVersion`, not below `requestedVersion`.
    /// @param currentVersion The version the storage is at.
    /// @param requestedVersion The version the initializer would set.
    error InvalidInitialization(uint64 currentVersion, uint64 requestedVersion);

    /// @notice The module's storage was initialized (or migrated).
    /// @param version The version its storage is at now.
    event Initialized(uint64 version);

    /**
     * @dev Runs the function at most once per module storage for each `version` (ascending), and only
     * inside the owner's register-and-initialize (or upgrade-and-migrate) call for this very
     * implementation: the proxy opens that context in transient storage just for the call. The context
     * is single-use and only the owner may use it: the first initializer that runs closes it, and a
     * caller other than the owner (e.g. a token callback re-entering the proxy while the owner's
     * migration runs) reverts {ILoadBalancer-OwnableUnauthorizedAccount}.
     */
    modifier reinitializer(uint64 version) {
        if (address(this) == SELF) revert NotDelegateCall();
        if (!LibLoadBalancer.consumeInitializing(SELF, msg.sender)) revert NotInitializing();
        uint64 current = _initializedVersion();
        if (current >= version) revert InvalidInitialization(current, version);
        _setInitializedVersion(version);
        _;
        emit Initialized(version);
    }

    /// @notice Version counter kept in the module's own namespace.
    /// @return The version the module's storage is at (0 before initialization).
    function _initializedVersion() internal view virtual returns (uint64);

    /// @notice Records the version the module's storage is at.
    /// @param version The new version.
    function _setInitializedVersion(uint64 version) internal virtual;
}

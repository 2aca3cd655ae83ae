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
}

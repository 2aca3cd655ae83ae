// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {InitializableModule} from "../core/InitializableModule.sol";

/// @notice Test module exercising the proxy's routing: return data, msg.value, and every kind of revert.
contract RoutingProbe is InitializableModule {
    error ProbeError(uint256 code, string why);

    /// @custom:storage-location erc7201:loadbalancer.storage.RoutingProbe
    struct Layout {
        uint64 initializedVersion;
        uint256 counter;
        uint256 initValue;
    }

    // keccak256(abi.encode(uint256(keccak256("loadbalancer.storage.RoutingProbe")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant SLOT = 0x680bcb693d7428db6ad527de3ce3b841ee9ae0df98df666deab3a65ce36e2e00;

    function _layout() private pure returns (Layout storage $) {
        assembly {
            $.slot := SLOT
        }
    }

    function initialize(uint256 value) public reinitializer(1) {
        _layout().initValue = value;
    }

    /// @dev A second-version initializer, for the single-use context test.
    function initializeV2(uint256 value) public reinitializer(2) {
        _layout().initValue = value;
    }

    /// @dev Runs both initializers in one call: the context serves the first only.
    function initializeBoth(uint256 v1, uint256 v2) external {
        initialize(v1);
        initializeV2(v2);
    }

    /// @dev Initializer that calls back into the proxy: proves the init context names only this module.
    function initializeAndCall(bytes calldata proxyCalldata) external reinitializer(1) {
        (bool ok, bytes memory ret) = address(this).call(proxyCalldata);
        if (!ok) {
            assembly {
                revert(add(ret, 0x20), mload(ret))
            }
        }
    }

    function initValue() external view returns (uint256) {
        return _layout().initValue;
    }

    function echo(bytes calldata data) external pure returns (bytes memory) {
        return data;
    }

    /// @dev The exact calldata this module received: proves the router forwards the payload byte for byte.
    function msgData() external pure returns (bytes memory) {
        return msg.data;
    }

    function whoAmI() external view returns (address self, address sender) {
        return (address(this), msg.sender);
    }

    function deposit() external payable returns (uint256 value, uint256 balance) {
        return (msg.value, address(this).balance);
    }

    function increment() external returns (uint256) {
        return ++_layout().counter;
    }

    function counter() external view returns (uint256) {
        return _layout().counter;
    }

    function failCustom(uint256 code) external pure {
        revert ProbeError(code, "custom");
    }

    function failString() external pure {
        revert("probe: plain string reason");
    }

    function failPanic(uint256 divisor) external pure returns (uint256) {
        return 1 / divisor;
    }

    function failEmpty() external pure {
        revert();
    }

    function _initializedVersion() internal view override returns (uint64) {
        return _layout().initializedVersion;
    }

    function _setInitializedVersion(uint64 version) internal override {
        _layout().initializedVersion = version;
    }
}

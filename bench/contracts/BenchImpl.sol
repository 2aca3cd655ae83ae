// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";

/**
 * @title BenchImpl
 * @notice The one implementation every proxy of the gas benchmark routes to (bench/, not product code).
 * Both functions are pure, so a call costs the same whether it runs directly or in a proxy's context:
 * the difference between the two is exactly the proxy's overhead.
 */
contract BenchImpl {
    /// @notice Small case: 36 bytes of calldata, 32 bytes of return data.
    function echo(uint256 x) external pure returns (uint256) {
        return x;
    }

    /// @notice Large case: about 1 KB of calldata and of return data.
    function echoBytes(bytes calldata data) external pure returns (bytes memory) {
        return data;
    }
}

/**
 * @title BenchImplUUPS
 * @notice {BenchImpl} as a UUPS implementation, for the OpenZeppelin ERC1967Proxy row. Upgrades are
 * refused: the benchmark never upgrades, it only needs the realistic implementation contract.
 */
contract BenchImplUUPS is BenchImpl, UUPSUpgradeable {
    error UpgradesDisabled();

    function _authorizeUpgrade(address) internal pure override {
        revert UpgradesDisabled();
    }
}

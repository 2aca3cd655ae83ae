// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// The reference proxies of the gas benchmark. Importing them here makes Hardhat compile them (with the
// project's compiler settings, so every row is built the same way) and emit their artifacts.
import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {TransparentUpgradeableProxy} from "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";
import {Clones} from "@openzeppelin/contracts/proxy/Clones.sol";
import {SolidStateDiamond} from "@solidstate/contracts/proxy/diamond/SolidStateDiamond.sol";
import {LibClone} from "solady/src/utils/LibClone.sol";

/// @notice EIP-2535 diamond: the SolidState reference implementation, unchanged.
contract BenchDiamond is SolidStateDiamond {}

/**
 * @notice Creation code of the minimal proxies that are deployed by library code rather than by a
 * contract's constructor, so the benchmark can deploy them with a plain creation transaction (and
 * measure deployment gas the same way for every row), plus OpenZeppelin's own {Clones.clone} to prove
 * that the EIP-1167 code deployed that way is byte-for-byte the one OpenZeppelin deploys.
 */
contract BenchInitCodes {
    /// @notice Solady's minimal ERC-1967 proxy (LibClone.deployERC1967) for `implementation`.
    function soladyERC1967(address implementation) external pure returns (bytes memory) {
        return LibClone.initCodeERC1967(implementation);
    }

    /// @notice The canonical EIP-1167 minimal proxy for `implementation`: the bytes OpenZeppelin's
    /// {Clones.clone} passes to CREATE (Solady's LibClone.clone deploys a different, 44-byte variant).
    function eip1167(address implementation) external pure returns (bytes memory) {
        return abi.encodePacked(
            hex"3d602d80600a3d3981f3363d3d373d3d3d363d73", implementation, hex"5af43d82803e903d91602b57fd5bf3"
        );
    }

    /// @notice OpenZeppelin Clones.clone(`implementation`); the benchmark compares its runtime code.
    function ozClone(address implementation) external returns (address) {
        return Clones.clone(implementation);
    }
}

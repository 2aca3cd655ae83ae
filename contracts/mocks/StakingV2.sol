// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Staking} from "../implementations/Staking.sol";

/// @notice A V2 of Staking for upgrade tests: same storage, one new function and a migration step.
contract StakingV2 is Staking {
    event MigratedToV2();

    function migrateToV2() external reinitializer(2) {
        emit MigratedToV2();
    }

    function version() external pure returns (uint256) {
        return 2;
    }
}

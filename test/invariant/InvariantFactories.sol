// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {LoadBalancer} from "../../contracts/core/LoadBalancer.sol";
import {Staking} from "../../contracts/implementations/Staking.sol";
import {Voting} from "../../contracts/implementations/Voting.sol";
import {MockERC20} from "../../contracts/mocks/MockERC20.sol";
import {StakingV2} from "../../contracts/mocks/StakingV2.sol";

/*
 * Why factories: the harness deploys the whole system in its constructor, and a contract embeds the
 * creation code of everything it creates. With the real proxy, Staking, StakingV2, Voting and the token
 * inside, the harness's init code would exceed the 49,152-byte EIP-3860 limit that Hardhat enforces (the
 * regression tests deploy the harness there). So the big creation codes live in these two factories,
 * placed at fixed addresses before the harness is deployed: Medusa `predeployedContracts`, Echidna
 * `deployContracts`, Hardhat `hardhat_setCode` (they have no constructor and no immutables, so their
 * runtime code is all they need). Each stays under the 24,576-byte runtime limit.
 */

/// @notice Deploys the token, the proxy (with its admin module) and Voting for the invariant harness.
contract InvariantCoreFactory {
    /// @return token A fresh mock token; proxy A proxy owned by `owner`; voting A Voting implementation.
    function deployCore(address owner) external returns (address token, address proxy, address voting) {
        token = address(new MockERC20("Invariant Token", "INV"));
        proxy = address(new LoadBalancer(owner));
        voting = address(new Voting());
    }
}

/// @notice Deploys the two Staking implementations the harness upgrades between (same storage).
contract InvariantStakingFactory {
    /// @return v1 A Staking implementation; v2 A StakingV2 implementation.
    function deployStaking() external returns (address v1, address v2) {
        v1 = address(new Staking());
        v2 = address(new StakingV2());
    }
}

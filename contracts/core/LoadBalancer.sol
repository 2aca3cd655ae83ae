// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ILoadBalancer} from "../interfaces/ILoadBalancer.sol";
import {LibLoadBalancer} from "../libraries/LibLoadBalancer.sol";
import {LoadBalancerAdmin} from "./LoadBalancerAdmin.sol";

/**
 * @title LoadBalancer
 * @notice A proxy that routes each call, by a one-byte implementation id, to one of several
 * implementations (Staking, Voting, ...) that all run in this contract's storage.
 *
 * Calldata is `bytes1(id) ++ payload`. The proxy delegatecalls the implementation registered under `id`
 * with `payload`, forwarding msg.value, and returns or reverts with the implementation's data unchanged.
 * Id 0 is the admin module (ownership, registry, pause, loupe; see {ILoadBalancer}), deployed here and
 * immutable. The contract declares no function, so Solidity emits no selector dispatcher: a routed call
 * can never reach a proxy function by accident, and routing pays no dispatch cost.
 */
contract LoadBalancer {
    /// @notice The admin module serving id 0, deployed by the constructor.
    address private immutable ADMIN;

    /// @notice Deploys the admin module and sets the first owner.
    /// @param initialOwner The first owner of the proxy (use a multisig in production).
    constructor(address initialOwner) {
        if (initialOwner == address(0)) revert ILoadBalancer.OwnableInvalidOwner(address(0));
        ADMIN = address(new LoadBalancerAdmin());
        LibLoadBalancer.setOwner(initialOwner);
    }

    /**
     * @notice Routes `bytes1(id) ++ payload` to the implementation of `id` (the admin module for id 0).
     * @dev The hot path: one SLOAD (implementation and pause flag share a slot at ROOT + id, no keccak),
     * one DELEGATECALL, and the copies. Not memory-safe on purpose: it never returns to Solidity code.
     */
    fallback() external payable { // solhint-disable-line no-complex-fallback
        address admin = ADMIN;
        // `LibLoadBalancer.layout().modules[0]`; the entry of id `i` sits at modulesSlot + i.
        bytes32 modulesSlot = LibLoadBalancer.STORAGE_SLOT;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            let id := shr(248, calldataload(0))
            let target := admin
            switch id
            case 0 {
                // Admin call, or no calldata at all: then there is not even an id byte to route by.
                if iszero(calldatasize()) {
                    mstore(0x00, shl(224, 0xc047a184)) // EmptyCalldata()
                    revert(0x00, 0x04)
                }
            }
            default {
                // Module{address implementation; bool paused} packs as `paused << 160 | implementation`.
                let entry := sload(add(modulesSlot, id))
                target := entry
                // One comparison rejects both a zero entry (unknown id) and a set pause flag:
                // entry - 1 < 2**160 - 1  <=>  implementation != 0 and paused == false.
                if iszero(lt(sub(entry, 1), 0xffffffffffffffffffffffffffffffffffffffff)) {
                    // entry == 0 ? UnknownImplementation(id) : ImplementationPaused(id)
                    mstore(0x00, shl(224, xor(0xcffa7b38, mul(iszero(iszero(entry)), xor(0xcffa7b38, 0x5c88513c)))))
                    mstore(0x04, id)
                    revert(0x00, 0x24)
                }
            }
            let size := sub(calldatasize(), 1)
            calldatacopy(0x00, 0x01, size)
            let ok := delegatecall(gas(), target, 0x00, size, 0x00, 0x00)
            returndatacopy(0x00, 0x00, returndatasize())
            if iszero(ok) { revert(0x00, returndatasize()) }
            return(0x00, returndatasize())
        }
    }
}

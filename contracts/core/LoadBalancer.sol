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

    /// @dev Slot of `LibLoadBalancer.layout().modules[0]`, i.e. `LibLoadBalancer.STORAGE_SLOT`, repeated
    /// as a number because inline assembly only takes number constants (it then pushes it inline).
    /// Every routing test would fail if the two ever differed.
    bytes32 private constant MODULES_SLOT = 0x13e249253a846412c22329a98490c6f16f1bbf70b742efd1f2029f4b88c7b200;

    /// @notice Deploys the admin module and sets the first owner.
    /// @param initialOwner The first owner of the proxy (use a multisig in production).
    constructor(address initialOwner) {
        if (initialOwner == address(0)) revert ILoadBalancer.OwnableInvalidOwner(address(0));
        ADMIN = address(new LoadBalancerAdmin());
        LibLoadBalancer.setOwner(initialOwner);
    }

    /**
     * @notice Routes `bytes1(id) ++ payload` to the implementation of `id` (the admin module for id 0).
     * @dev The hot path (ids 1..255) is the first assembly block: one SLOAD (implementation and pause
     * flag share a slot at ROOT + id, no keccak), one combined unknown/paused check, one DELEGATECALL,
     * and the copies; docs/BENCHMARK.md measures it against the floor of any storage-lookup proxy.
     * Not memory-safe on purpose: it never returns to Solidity code.
     */
    fallback() external payable { // solhint-disable-line no-complex-fallback
        // solhint-disable-next-line no-inline-assembly
        assembly {
            // Copy all the calldata to memory offset 31: the id byte lands in the last byte of word 0
            // (bytes 0..30 are still zero: nothing wrote them in this call frame), so mload(0) is the id
            // without a shift, and the payload starts at offset 32, ready to be forwarded.
            calldatacopy(0x1f, 0x00, calldatasize())
            let id := mload(0x00)
            if id {
                // `LibLoadBalancer.layout().modules[id]` sits at STORAGE_SLOT + id; Module{address
                // implementation; bool paused} packs as `paused << 160 | implementation`.
                let entry := sload(add(MODULES_SLOT, id))
                // One comparison rejects both a zero entry (unknown id) and a set pause flag:
                // entry - 1 < 2**160 - 1  <=>  implementation != 0 and paused == false.
                if iszero(lt(sub(entry, 1), 0xffffffffffffffffffffffffffffffffffffffff)) {
                    // entry == 0 ? UnknownImplementation(id) : ImplementationPaused(id)
                    mstore(0x00, shl(224, xor(0xcffa7b38, mul(iszero(iszero(entry)), xor(0xcffa7b38, 0x5c88513c)))))
                    mstore(0x04, id)
                    revert(0x00, 0x24)
                }
                // DELEGATECALL uses the low 160 bits of `entry`: the implementation (paused is 0 here).
                let ok := delegatecall(gas(), entry, 0x20, sub(calldatasize(), 1), 0x00, 0x00)
                returndatacopy(0x00, 0x00, returndatasize())
                if ok { return(0x00, returndatasize()) }
                revert(0x00, returndatasize())
            }
        }
        // Id 0, off the hot path: the admin module.
        address admin = ADMIN;
        // solhint-disable-next-line no-inline-assembly
        assembly {
            // No calldata at all also reads as id 0: refuse it, there is not even an id byte to route by.
            if iszero(calldatasize()) {
                mstore(0x00, shl(224, 0xc047a184)) // EmptyCalldata()
                revert(0x00, 0x04)
            }
            // The payload is still at memory offset 32, where the first block copied it.
            let ok := delegatecall(gas(), admin, 0x20, sub(calldatasize(), 1), 0x00, 0x00)
            returndatacopy(0x00, 0x00, returndatasize())
            if ok { return(0x00, returndatasize()) }
            revert(0x00, returndatasize())
        }
    }
}

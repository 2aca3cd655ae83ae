// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title BenchDriver
 * @notice Measures, inside one transaction, the gas of a first (cold) and a second (warm) identical
 * call to `target`. Each row of the gas benchmark calls {measure} in a fresh transaction, so every
 * account and storage slot the call touches starts cold, for the direct call and for every proxy alike.
 *
 * The two measured windows contain only `GAS`, the pushes of the CALL arguments, the `CALL` itself and
 * the next `GAS`: the calldata is copied to memory before the first window (so neither window pays
 * memory expansion for it) and return data is not copied back (out size 0). The windows are the same
 * bytecode for every target, so their constant part cancels when the benchmark subtracts the direct
 * call from a proxied one.
 */
contract BenchDriver {
    /// @notice One measurement: gas of the first and of the second call to `target`.
    event Measured(address indexed target, uint256 cold, uint256 warm);

    /// @notice A measured call reverted; its revert data follows in the returndata of the revert.
    error MeasuredCallFailed(address target);

    /**
     * @notice Calls `target` twice with `data` and reports each call's gas.
     * @param target The contract to call (an implementation, or a proxy with the routed calldata).
     * @param data The calldata, sent unchanged both times.
     * @return cold Gas of the first call (CALL included: cold account access of `target`).
     * @return warm Gas of the second call, in the same transaction.
     */
    function measure(address target, bytes calldata data) external returns (uint256 cold, uint256 warm) {
        bool ok1;
        bool ok2;
        // solhint-disable-next-line no-inline-assembly
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let len := data.length
            calldatacopy(ptr, data.offset, len)
            let g0 := gas()
            ok1 := call(gas(), target, 0, ptr, len, 0, 0)
            let g1 := gas()
            ok2 := call(gas(), target, 0, ptr, len, 0, 0)
            let g2 := gas()
            cold := sub(g0, g1)
            warm := sub(g1, g2)
        }
        if (!ok1 || !ok2) revert MeasuredCallFailed(target);
        emit Measured(target, cold, warm);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/**
 * @title InvariantActor
 * @notice One participant of the invariant campaign (a user, the owner, or the attacker). The harness
 * that deployed it is the only caller; it forwards any call, so the proxy sees this contract as
 * msg.sender. Actors instead of cheat-code pranks: the same harness runs unchanged under Echidna,
 * Medusa and Hardhat (the regression tests replay the campaign's calls there).
 */
contract InvariantActor {
    address private immutable HARNESS;

    constructor() {
        HARNESS = msg.sender;
    }

    /// @notice Calls `target` with `data` as this actor; never reverts itself.
    function exec(address target, bytes calldata data) external returns (bool ok, bytes memory ret) {
        require(msg.sender == HARNESS, "InvariantActor: not the harness");
        // solhint-disable-next-line avoid-low-level-calls
        (ok, ret) = target.call(data);
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Test helper: a contract account (e.g. the proxy's owner) that makes several calls in one transaction.
contract CallBatcher {
    struct Call {
        address target;
        bytes data;
    }

    function run(Call[] calldata calls) external payable {
        for (uint256 i; i < calls.length; ++i) {
            (bool ok, bytes memory ret) = calls[i].target.call(calls[i].data);
            if (!ok) {
                assembly {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
        }
    }
}

// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice Test token that, once armed, calls `hookTarget` with `payload` in the middle of the next
/// transfer (like an ERC-777 hook), to prove the proxy's modules cannot be re-entered. Armed with `arm`,
/// a failing callback fails the transfer; armed with `armQuiet`, the transfer goes on and the callback's
/// outcome is kept in `lastHookOk` / `lastHookResult` (an attacker's token that tries and moves on).
contract ReentrantERC20 is ERC20 {
    // Not `target`: a public getter of that name clashes with ethers' BaseContract.target in the typings.
    address public hookTarget;
    bytes public payload;
    bool public quiet;
    bool public lastHookOk;
    bytes public lastHookResult;

    constructor() ERC20("Reentrant Token", "REE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function arm(address target_, bytes calldata payload_) external {
        hookTarget = target_;
        payload = payload_;
        quiet = false;
    }

    function armQuiet(address target_, bytes calldata payload_) external {
        hookTarget = target_;
        payload = payload_;
        quiet = true;
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        address t = hookTarget;
        if (t != address(0) && from != address(0)) {
            delete hookTarget;
            (bool ok, bytes memory ret) = t.call(payload);
            if (quiet) {
                lastHookOk = ok;
                lastHookResult = ret;
            } else if (!ok) {
                assembly {
                    revert(add(ret, 0x20), mload(ret))
                }
            }
        }
    }
}

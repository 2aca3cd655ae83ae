// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

// OpenZeppelin's TimelockController, unchanged, compiled with the project's pinned compiler so that
// scripts/deploy.ts (and its typechain factory) can make it the proxy's owner: every registry change,
// pause and funding then waits the timelock's delay (README "Owner power"). Nothing is declared here.
// solhint-disable-next-line no-unused-import
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

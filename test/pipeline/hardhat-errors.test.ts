/** describeHardhatError: Hardhat's HH606 reasons as one line (the file, its pragma, the compilers the project has). */
import { expect } from "chai";
import { describeHardhatError } from "../../scripts/audit/hardhat-errors";

// Hardhat 2's HH606 text (hardhat/src/builtin-tasks/compile.ts), as it prints it.
const HH606 = `HH606: The project cannot be compiled, see reasons below.

The Solidity version pragma statement in these files doesn't match any of the configured compilers in your config. Change the pragma or configure additional compiler versions in your hardhat config.

  * contracts/LayoutAt.sol (^0.8.29)
  * contracts/Other.sol (>=0.8.30 <0.9.0)

These files import other files that use a different and incompatible version of Solidity:

  * contracts/Importer.sol (0.8.28) imports contracts/LayoutAt.sol (^0.8.29)

To learn more, run the command again with --verbose

Read about compiler configuration at https://v2.hardhat.org/config`;

describe("describeHardhatError", function () {
  it("turns HH606's reasons into one line with every file, its pragma and the project's compilers", function () {
    expect(describeHardhatError(HH606, ["0.8.28", "0.8.28"])).to.equal(
      "cannot compile contracts/LayoutAt.sol (pragma ^0.8.29) matches no configured compiler; " +
        "contracts/Other.sol (pragma >=0.8.30 <0.9.0) matches no configured compiler; " +
        "contracts/Importer.sol (pragma 0.8.28) imports files that need another Solidity version imports contracts/LayoutAt.sol (^0.8.29) " +
        "(the project's compilers: 0.8.28)",
    );
  });

  it("keeps any other error's first line", function () {
    expect(describeHardhatError("HH700: Artifact for contract \"X\" not found.\nmore")).to.equal('HH700: Artifact for contract "X" not found.');
  });
});

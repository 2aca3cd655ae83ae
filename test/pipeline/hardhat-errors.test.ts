/**
 * describeHardhatError: Hardhat's HH606 reasons as one line (the file, its pragma, the compilers the project
 * has); explainCompilerError: a compiler error's cause when the line uses syntax newer than the project's
 * compilers; locateSolcError: solc's byte offsets as file:line:col; withoutStackFrames: tool output without
 * the frames under its messages.
 */
import { expect } from "chai";
import { locateSolcError } from "../../scripts/audit/analyzers/compile-errors";
import { describeHardhatError, explainCompilerError, newerSyntaxHint } from "../../scripts/audit/hardhat-errors";
import { lastLines, withoutStackFrames } from "../../scripts/audit/reports/model";

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

describe("explainCompilerError and newerSyntaxHint", function () {
  const lines: Record<string, string[]> = {
    "contracts/Vault.sol": ["pragma solidity >=0.8.20;", "contract Vault layout at 0x1000 {"],
    "contracts/Types.sol": ["pragma solidity >=0.8.0;", "type Amount is uint256;", "error Empty();"],
  };
  const read = (file: string, line: number): string | undefined => lines[file]?.[line - 1];

  it("names the feature and the version a ParserError's line needs when every compiler of the project is older", function () {
    expect(explainCompilerError("hardhat compile exited with 1: contracts/Vault.sol:2:16: ParserError: Expected '{' but got identifier", ["0.8.28"], read)).to.equal(
      "hardhat compile exited with 1: contracts/Vault.sol:2:16: ParserError: Expected '{' but got identifier: `layout at` (a custom storage base slot) needs solc >= 0.8.29 (the project's compilers: 0.8.28)",
    );
    expect(newerSyntaxHint("type Amount is uint256;", ["0.8.7", "0.6.12"])).to.equal("user-defined value types (`type T is ...`) needs solc >= 0.8.8 (the project's compilers: 0.8.7, 0.6.12)");
    expect(newerSyntaxHint("    error Empty();", ["0.8.3"])).to.include("custom errors");
    expect(newerSyntaxHint("using {add as +} for Fixed global;", ["0.8.18"])).to.include("user-defined operators").and.include(">= 0.8.19");
    expect(newerSyntaxHint("using Lib for Fixed global;", ["0.8.12"])).to.include(">= 0.8.13");
  });

  it("adds nothing when a compiler of the project has the feature, the line does not use it, or the message names no line", function () {
    expect(newerSyntaxHint("contract Vault layout at 0x1000 {", ["0.8.28", "0.8.29"])).to.equal(undefined);
    expect(newerSyntaxHint("contract Vault layout at 0x1000 {", ["0.8.30"])).to.equal(undefined);
    expect(newerSyntaxHint("uint256 layoutAt;", ["0.8.28"])).to.equal(undefined);
    expect(newerSyntaxHint("contract Vault layout at 0x1000 {", [])).to.equal(undefined);
    const plain = "contracts/Types.sol:1:1: ParserError: Expected pragma";
    expect(explainCompilerError(plain, ["0.8.28"], read)).to.equal(plain);
    expect(explainCompilerError("hardhat compile exited with 1", ["0.8.28"], read)).to.equal("hardhat compile exited with 1");
    expect(explainCompilerError("contracts/Gone.sol:2:1: ParserError: x", ["0.8.28"], read)).to.equal("contracts/Gone.sol:2:1: ParserError: x");
  });

  it("locates a solc error's byte offset as file:line:col (multi-byte characters before it counted once)", function () {
    const source = Buffer.from("// é\ncontract A layout at 1 {}\n", "utf8");
    const start = source.indexOf("layout");
    expect(locateSolcError({ severity: "error", type: "ParserError", message: "Expected '{' but got identifier", sourceLocation: { file: "contracts/A.sol", start, end: start + 6 } }, () => source)).to.equal(
      "contracts/A.sol:2:12: ParserError: Expected '{' but got identifier",
    );
    expect(locateSolcError({ severity: "error", type: "DeclarationError", message: "x\ny" }, () => undefined)).to.equal("DeclarationError: x");
    expect(locateSolcError({ severity: "error", message: "m", sourceLocation: { file: "@oz/X.sol", start: 3, end: 4 } }, () => undefined)).to.equal("@oz/X.sol: Error: m");
  });
});

describe("withoutStackFrames", function () {
  it("keeps a tool's messages and leaves out JavaScript and Python stack frames", function () {
    const hardhat = [
      "Error HH600: Compilation failed",
      "HardhatError: HH600: Compilation failed",
      "    at SimpleTaskDefinition.action (/x/node_modules/hardhat/src/builtin-tasks/compile.ts:504:15)",
      "    at processTicksAndRejections (node:internal/process/task_queues:95:5)",
      "    at async Environment.run (/x/runtime-environment.ts:184:14)",
    ];
    expect(withoutStackFrames(hardhat)).to.deep.equal(["Error HH600: Compilation failed", "HardhatError: HH600: Compilation failed"]);
    const python = ["Traceback (most recent call last):", '  File "/x/slither/__main__.py", line 12, in main', "    run(args)", "KeyError: 'ast'"];
    expect(withoutStackFrames(python)).to.deep.equal(["KeyError: 'ast'"]);
    expect(lastLines(hardhat.join("\n"))).to.equal("Error HH600: Compilation failed\nHardhatError: HH600: Compilation failed");
    expect(withoutStackFrames(["at least one test failed", "  attached to the run"])).to.deep.equal(["at least one test failed", "  attached to the run"]);
  });
});

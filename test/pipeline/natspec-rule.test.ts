/**
 * The project's solhint rule `loadbalancer/natspec-complete` (scripts/lint/solhint-plugin-loadbalancer),
 * which checks the NatSpec solhint 6.2.4's `use-natspec` leaves out: custom errors, and the @return of
 * functions with unnamed return values. Run through solhint itself, so a plugin that fails to load (which
 * solhint only warns about) fails these tests; and the repository's contracts must pass it with the
 * committed .solhint.json, so `npm test` keeps the NatSpec complete even where `npm run lint:sol` is not run.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import path from "node:path";

// solhint ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const solhint = require("solhint") as {
  processStr(source: string, config: object): { messages: { ruleId: string; message: string; line: number }[] };
};

const ROOT = path.resolve(__dirname, "../..");
const RULE = "loadbalancer/natspec-complete";
const CONFIG = { plugins: ["loadbalancer"], rules: { [RULE]: "error" } };

function lint(body: string): string[] {
  const source = `// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\n\ninterface I {\n${body}\n}\n`;
  return solhint
    .processStr(source, CONFIG)
    .messages.filter((m) => m.ruleId === RULE)
    .map((m) => m.message);
}

describe("solhint rule loadbalancer/natspec-complete", function () {
  it("requires @notice and every @param, by name and in order, on custom errors", function () {
    expect(lint("    error E(uint256 a);")).to.deep.equal([
      "Missing @notice tag in error 'E'",
      "@param of error 'E' must be [a] in order, found []",
    ]);
    expect(lint("    /// @notice n\n    /// @param b x\n    /// @param a y\n    error E(uint256 a, uint256 b);")).to.deep.equal([
      "@param of error 'E' must be [a, b] in order, found [b, a]",
    ]);
    expect(lint("    /// @notice n\n    /// @param a y\n    error E(uint256 a, uint256 b);")).to.deep.equal([
      "@param of error 'E' must be [a, b] in order, found [a]",
    ]);
    expect(lint("    /// @notice n\n    error E(uint256);")).to.deep.equal([
      "Unnamed parameter in error 'E': name every parameter so @param can document it",
    ]);
    expect(lint("    /// @dev only dev\n    error E();")).to.deep.equal(["Missing @notice tag in error 'E'"]);
  });

  it("accepts complete error NatSpec in /// and /** */ style", function () {
    expect(lint("    /// @notice n\n    /// @param a y\n    /// @param b z\n    error E(uint256 a, address b);")).to.deep.equal([]);
    expect(lint("    /**\n     * @notice n\n     * @param a y\n     */\n    error E(uint256 a);")).to.deep.equal([]);
    expect(lint("    /// @notice n\n    error E();")).to.deep.equal([]);
  });

  it("does not take a comment separated from the error by code or a plain // comment", function () {
    expect(lint("    /// @notice n\n    /// @param a y\n    error D(uint256 a);\n    error E(uint256 a);")).to.deep.equal([
      "Missing @notice tag in error 'E'",
      "@param of error 'E' must be [a] in order, found []",
    ]);
    expect(lint("    /* @notice n */\n    error E();")).to.deep.equal(["Missing @notice tag in error 'E'"]);
  });

  it("requires one @return per return value of external functions whose returns are not all named", function () {
    expect(lint("    /// @notice n\n    function f() external view returns (address);")).to.deep.equal([
      "Function 'f' returns 1 value(s) but has 0 @return tag(s)",
    ]);
    expect(lint("    /// @notice n\n    /// @return x\n    function f() external view returns (address, bool);")).to.deep.equal([
      "Function 'f' returns 2 value(s) but has 1 @return tag(s)",
    ]);
    expect(lint("    /// @notice n\n    /// @return The a\n    /// @return b The b\n    function f() external view returns (address, bool ok);")).to.deep.equal([
      "@return 2 of function 'f' must start with its name 'ok'",
    ]);
  });

  it("accepts documented returns, @inheritdoc, functions without returns, all-named returns and internal functions", function () {
    expect(lint("    /// @notice n\n    /// @return The owner.\n    function f() external view returns (address);")).to.deep.equal([]);
    expect(lint("    /// @inheritdoc X\n    function f() external view returns (address);")).to.deep.equal([]);
    expect(lint("    /// @notice n\n    function f() external;")).to.deep.equal([]);
    // All named: use-natspec checks those (this rule stays out of its way).
    expect(lint("    function f() external view returns (address a);")).to.deep.equal([]);
    const library = `// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\nlibrary L {\n    function g() internal pure returns (uint256) { return 1; }\n}\n`;
    expect(solhint.processStr(library, CONFIG).messages.filter((m) => m.ruleId === RULE)).to.deep.equal([]);
  });

  it("passes on this repository's contracts with the committed .solhint.json (use-natspec included)", function () {
    const cli = require.resolve("solhint/solhint.js", { paths: [ROOT] });
    const run = spawnSync(process.execPath, [cli, "-f", "json", "contracts/**/*.sol"], { cwd: ROOT, encoding: "utf8" });
    const reports = JSON.parse(run.stdout) as { ruleId: string; filePath: string; line: number; message: string }[];
    const natspec = reports.filter((r) => r.ruleId === RULE || r.ruleId === "use-natspec");
    expect(natspec.map((r) => `${r.filePath}:${r.line} ${r.message}`)).to.deep.equal([]);
    expect(run.stderr).not.to.match(/Could not load solhint-plugin-loadbalancer/);
  });
});

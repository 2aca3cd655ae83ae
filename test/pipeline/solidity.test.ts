import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { contractNames, lineText, nsloc, parseSource, SourceIndex, symbolAt } from "../../scripts/audit/solidity";

describe("audit solidity helpers", function () {
  describe("nsloc", function () {
    it("counts non-blank, non-comment lines", function () {
      const src = [
        "// SPDX-License-Identifier: MIT", // comment
        "pragma solidity 0.8.28;", // 1
        "", // blank
        "/// @title A", // natspec
        "/**", //
        " * block comment", //
        " */", //
        "contract A {", // 2
        "    uint256 x; // trailing comment", // 3
        "    /* inline */ uint256 y;", // 4
        "    /* only a comment */", //
        "   ", // blank
        "}", // 5
      ].join("\n");
      expect(nsloc(src)).to.equal(5);
    });

    it("treats comment markers inside strings as code", function () {
      const src = 'string s = "http://x/*y";\nstring t = \'*/\';\n// c';
      expect(nsloc(src)).to.equal(2);
    });

    it("counts code after a block comment closes on the same line", function () {
      expect(nsloc("/* a\n b */ uint x;\n")).to.equal(1);
      expect(nsloc("/* a\n b */\n")).to.equal(0);
    });

    it("handles escaped quotes and CRLF line endings", function () {
      expect(nsloc('string s = "a\\"//b";\r\n// x\r\nuint y;')).to.equal(2);
      expect(nsloc("")).to.equal(0);
    });
  });

  describe("contract names and symbols", function () {
    const src = [
      "pragma solidity 0.8.28;", // 1
      "interface I { function f() external; }", // 2
      "library L {}", // 3
      "abstract contract A is I {", // 4
      "    uint256 public total;", // 5
      "    constructor() {}", // 6
      "    function f() external {", // 7
      "        total += 1;", // 8
      "    }", // 9
      "    receive() external payable {}", // 10
      "}", // 11
      "function free() pure returns (uint256) { return 1; }", // 12
    ].join("\n");

    it("lists contracts, interfaces and libraries in order", function () {
      expect(contractNames(src)).to.deep.equal(["I", "L", "A"]);
    });

    it("names the enclosing Contract.member of a line", function () {
      expect(symbolAt(src, 8)).to.equal("A.f");
      expect(symbolAt(src, 5)).to.equal("A.total");
      expect(symbolAt(src, 6)).to.equal("A.constructor");
      expect(symbolAt(src, 10)).to.equal("A.receive");
      expect(symbolAt(src, 11)).to.equal("A");
      expect(symbolAt(src, 12)).to.equal("free");
      expect(symbolAt(src, 1)).to.equal(undefined);
    });

    it("returns nothing for unparsable source", function () {
      expect(contractNames("this is not solidity {{{")).to.deep.equal([]);
    });

    it("never throws on broken Solidity: the tolerant parser's null children are dropped", function () {
      // The repro: a syntax error in a contract body made the scope computation crash.
      const broken = "pragma solidity 0.8.28;\ncontract A {\n    function broken( { uint x = ; }\n    function g() external {}\n}\n";
      expect(contractNames(broken)).to.deep.equal(["A"]);
      expect(() => symbolAt(broken, 4)).to.not.throw();
      for (const src of [
        "pragma solidity 0.8.28;\ncontract A {\n function f() external { function broken( { uint x = ; } }\n}\n",
        "pragma solidity 0.8.28;\nfunction broken( { uint x = ; }\ncontract A {}\n",
        "contract {",
        "}}}}",
        "import",
        "contract A is { }",
        "library L { struct S { uint a; ",
        "\u0000\uffff",
      ]) {
        expect(() => contractNames(src), src).to.not.throw();
        expect(contractNames(src).every((n) => typeof n === "string" && n.length > 0), src).to.equal(true);
        for (let line = 0; line <= src.split("\n").length + 1; line++) expect(() => symbolAt(src, line), `${src} @${line}`).to.not.throw();
      }
    });

    it("never throws on prefixes and one-line deletions of this repository's contracts", function () {
      const repo = path.resolve(__dirname, "..", "..");
      const files = ["core/LoadBalancer.sol", "implementations/Voting.sol"].map((f) => path.join(repo, "contracts", f));
      let parsed = 0;
      for (const file of files) {
        const source = readFileSync(file, "utf8");
        const lines = source.split("\n");
        const variants = [
          ...[0.15, 0.3, 0.45, 0.6, 0.75, 0.9].map((f) => source.slice(0, Math.floor(source.length * f))),
          ...[0.2, 0.4, 0.5, 0.6, 0.8].map((f) => {
            const k = Math.floor(lines.length * f);
            return [...lines.slice(0, k), ...lines.slice(k + 1)].join("\n");
          }),
        ];
        for (const variant of variants) {
          const index = new SourceIndex(() => variant);
          for (let line = 1; line <= variant.split("\n").length; line += 5) index.symbolAt("x.sol", line);
          contractNames(variant);
          if (parseSource(variant)) parsed++;
        }
      }
      expect(parsed, "the tolerant parser still yields trees for broken variants").to.be.greaterThan(0);
    });

    it("normalizes a line's whitespace", function () {
      expect(lineText("a\n    uint256   x;  \nb", 2)).to.equal("uint256 x;");
      expect(lineText("a", 5)).to.equal("");
    });
  });
});

/** The documentation test's reader (doc-commands.ts): what it extracts, and every rule it enforces. */
import { expect } from "chai";
import { blockCommands, parseDocument, stripComment } from "./doc-commands";

const doc = (...lines: string[]) => parseDocument("DOC.md", lines.join("\n"));
const FENCE = "```";

describe("documentation test: reading command blocks", function () {
  it("takes each command as written: trailing comments dropped (not inside quotes), continuations joined", function () {
    expect(stripComment("npm run audit -- --profile quick   # laptop")).to.equal("npm run audit -- --profile quick");
    expect(stripComment('echo "a # b" # c')).to.equal('echo "a # b"');
    expect(stripComment("echo a#b")).to.equal("echo a#b");
    expect(stripComment("# only a comment")).to.equal("");
    const body = ["# heading comment", "", "npm ci && npm test   # both", "npx hardhat audit \\", "  --profile quick", "PATH=$PWD/x:$PATH medusa fuzz"].map((text, i) => ({ text, line: i + 10 }));
    expect(blockCommands(body)).to.deep.equal([
      { command: "npm ci && npm test", line: 12 },
      { command: "npx hardhat audit --profile quick", line: 13 },
      { command: "PATH=$PWD/x:$PATH medusa fuzz", line: 15 },
    ]);
  });

  it("reads the marker: runs with their exit code, files, JSON and output; skips with their reasons; setups", function () {
    const d = doc(
      "text",
      "<!-- doc-test",
      "setup: fixture-project uups-vault at ../my-project",
      "`npm run audit -- --json`: exit 1; json; writes audit/report.json audit/raw/; prints Gate; needs .tools/bin/medusa; note why; alone",
      "`npm run audit`: skip: the whole ci profile, run by .ci/run",
      "-->",
      `${FENCE}sh`,
      "npm run audit -- --json   # summary",
      "npm run audit",
      FENCE,
    );
    expect(d.errors).to.deep.equal([]);
    expect(d.blocks).to.have.length(1);
    expect(d.blocks[0].setup).to.deep.equal([{ kind: "fixture-project", name: "uups-vault", at: "../my-project" }]);
    expect(d.blocks[0].commands).to.deep.equal([
      {
        command: "npm run audit -- --json",
        line: 8,
        run: { exit: 1, writes: ["audit/report.json", "audit/raw/"], json: true, prints: ["Gate"], needs: [".tools/bin/medusa"], notes: ["why"], alone: true },
        skip: undefined,
      },
      { command: "npm run audit", line: 9, run: undefined, skip: "the whole ci profile, run by .ci/run" },
    ]);
  });

  it("`*` skips every command of a block, with one reason", function () {
    const d = doc("<!-- doc-test `*`: skip: needs a running node on port 8545 -->", `${FENCE}bash`, "npx hardhat node", "npx hardhat run x.ts", FENCE);
    expect(d.errors).to.deep.equal([]);
    expect(d.blocks[0].commands.map((c) => c.skip)).to.deep.equal(["needs a running node on port 8545", "needs a running node on port 8545"]);
  });

  it("fails on a command block without a marker, and on a fence without an info string", function () {
    const d = doc("intro", "", `${FENCE}sh`, "npm run audit", FENCE, "", FENCE, "a diagram", FENCE, "", `${FENCE}ts`, "const a = 1;", FENCE);
    expect(d.errors).to.have.length(2);
    expect(d.errors[0]).to.match(/^DOC\.md:3: sh block is not marked: put <!-- doc-test/);
    expect(d.errors[1]).to.match(/^DOC\.md:7: a code block needs an info string/);
  });

  it("fails on a command the marker does not mention, and on a marker line naming no command of its block (stale)", function () {
    const d = doc("<!-- doc-test", "`npm run audit -- --profile quick`: exit 0", "`npm run audit -- --only lint`: exit 1", "-->", `${FENCE}sh`, "npm run audit -- --profile quick", "npm run audit -- --only storage", FENCE);
    expect(d.errors).to.deep.equal([
      "DOC.md:3: `npm run audit -- --only lint` is not a command of the block below (line 5): a stale doc-test line",
      "DOC.md:7: `npm run audit -- --only storage` is neither run nor skipped: add a line for it to the doc-test marker at line 1",
    ]);
  });

  it("fails on a skip without a reason, a run without its exit code, an unknown clause, a command named twice, a `*` that runs", function () {
    const d = doc(
      "<!-- doc-test",
      "`a`: skip:",
      "`b`: writes x",
      "`c`: exit 0; sometimes",
      "`d`: exit 0",
      "`d`: exit 1",
      "-->",
      `${FENCE}sh`,
      "a",
      "b",
      "c",
      "d",
      FENCE,
      "<!-- doc-test `*`: exit 0 -->",
      `${FENCE}sh`,
      "e",
      FENCE,
    );
    expect(d.errors.join("\n")).to.include("DOC.md:2: `a`: a skip needs its reason").and.include("DOC.md:3: `b`: a command the test runs needs its documented exit code").and.include('DOC.md:4: `c`: unknown clause "sometimes"').and.include("DOC.md:6: `d` has more than one doc-test line").and.include("DOC.md:14: `*` can only skip");
    // a, b and c have no valid line, e's only line is refused: each is reported unmarked too.
    expect(d.errors.filter((e) => e.includes("is neither run nor skipped"))).to.have.length(4);
  });

  it("a marker before a block that is not a command block is an error (it would never run)", function () {
    const d = doc("<!-- doc-test `x`: exit 0 -->", `${FENCE}ts`, "x", FENCE);
    expect(d.errors).to.deep.equal(["DOC.md:1: a doc-test marker before a ts block (only sh, bash, shell, console, zsh blocks are run)"]);
  });
});

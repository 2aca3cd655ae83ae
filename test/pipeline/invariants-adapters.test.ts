/**
 * The invariant engines' output adapters, on real Medusa 1.5.1 recordings
 * (fixtures/medusa: a run on the planted-bug harness and a clean run) and on
 * Echidna samples constructed from its documented text format
 * (fixtures/echidna/README.md: Echidna cannot be installed here).
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { parseEchidnaCallLine, parseEchidnaOutput } from "../../scripts/audit/adapters/echidna";
import {
  medusaFailures,
  normalizeAddress,
  parseMedusaCallLine,
  parseMedusaOutput,
  parseMedusaSequenceJson,
  readMedusaTestResults,
  splitArgs,
} from "../../scripts/audit/adapters/medusa";

const FIXTURES = path.join(__dirname, "fixtures");
const read = (rel: string): string => readFileSync(path.join(FIXTURES, rel), "utf8");

describe("invariant adapters", function () {
  describe("medusa stdout (recorded, planted-bug harness)", function () {
    const out = parseMedusaOutput(read("medusa/bug/medusa.stdout.log"));

    it("reads every test's final status", function () {
      const props = out.tests.filter((t) => t.kind === "property");
      expect(props).to.have.length(11);
      const failed = props.filter((t) => t.status === "failed").map((t) => t.name).sort();
      expect(failed).to.deep.equal(["echidna_locked_stake_stays_until_end", "echidna_tally_within_locked_stake"]);
      expect(out.tests.filter((t) => t.kind === "assertion").every((t) => t.status === "passed")).to.equal(true);
      expect(out.summary).to.deep.equal({ passed: 26, failed: 2 });
    });

    it("reads each failure's shrunk sequence with senders and arguments", function () {
      expect(out.failures.map((f) => f.property)).to.deep.equal([
        "echidna_locked_stake_stays_until_end",
        "echidna_tally_within_locked_stake",
      ]);
      const seq = out.failures[0].callSequence;
      expect(seq.map((s) => s.function)).to.deep.equal([
        "stake(uint8,uint256)",
        "propose(uint8,uint64)",
        "castVote(uint8,uint256,uint8)",
        "withdraw(uint8,uint256)",
      ]);
      expect(seq[0].target).to.equal("LockBypassInvariants");
      expect(seq[0].sender).to.equal("0x0000000000000000000000000000000000020000");
      expect(seq[1].args).to.deep.equal(["4", "0"]);
      expect(seq.every((s) => s.timeDelay === 0 && s.blockDelay === 0)).to.equal(true);
    });

    it("reads progress: calls, rate, branches, and the compile time", function () {
      expect(out.progress?.calls).to.be.greaterThan(1000);
      expect(out.progress?.branches).to.be.greaterThan(1000);
      expect(out.compileSeconds).to.be.a("number");
      expect(out.lcov).to.match(/lcov\.info$/);
    });
  });

  describe("medusa test_results JSON (recorded)", function () {
    const dir = path.join(FIXTURES, "medusa/bug");
    const files = readMedusaTestResults(dir);

    it("parses every sequence file with exact calldata and delays", function () {
      expect(files).to.have.length(4);
      for (const f of files) {
        expect(f.calls.length).to.be.greaterThan(0);
        for (const c of f.calls) {
          expect(c.calldata).to.match(/^0x[0-9a-f]{8}/);
          expect(c.sender).to.match(/^0x[0-9a-f]{40}$/);
          expect(c.timeDelay).to.be.a("number");
        }
      }
    });

    it("matches stdout failures to their files (the name of the broken test is only on stdout)", function () {
      const text = parseMedusaOutput(read("medusa/bug/medusa.stdout.log"));
      const failures = medusaFailures(text, files, dir);
      expect(failures).to.have.length(2);
      for (const f of failures) {
        expect(f.source).to.equal("medusa-test-results");
        expect(f.file).to.match(/^test_results\/\d+-[0-9a-f-]+\.json$/);
        expect(f.callSequence.every((c) => c.calldata !== undefined)).to.equal(true);
      }
      expect(failures[0].callSequence.map((c) => c.function)).to.deep.equal(
        text.failures[0].callSequence.map((c) => c.function),
      );
      expect(new Set(failures.map((f) => f.file)).size).to.equal(2);
    });

    it("falls back to the stdout sequence when no file matches", function () {
      const text = parseMedusaOutput(read("medusa/bug/medusa.stdout.log"));
      const failures = medusaFailures(text, [], dir);
      expect(failures.map((f) => f.source)).to.deep.equal(["medusa-text", "medusa-text"]);
      expect(failures[0].callSequence).to.have.length(4);
    });

    it("rejects a file that is not a sequence", function () {
      expect(() => parseMedusaSequenceJson("{}")).to.throw(/array/);
    });
  });

  describe("medusa stdout (recorded, clean harness)", function () {
    const out = parseMedusaOutput(read("medusa/clean/medusa.stdout.log"));
    it("has every property passing and no failure", function () {
      expect(out.failures).to.deep.equal([]);
      expect(out.tests.filter((t) => t.kind === "property")).to.have.length(11);
      expect(out.tests.every((t) => t.status === "passed")).to.equal(true);
      expect(out.summary?.failed).to.equal(0);
    });
  });

  describe("medusa helpers", function () {
    it("splits arguments at top-level commas only", function () {
      expect(splitArgs(`1, [2, 3], "a, b", (4, 5)`)).to.deep.equal(["1", "[2, 3]", `"a, b"`, "(4, 5)"]);
      expect(splitArgs("")).to.deep.equal([]);
    });
    it("reads progress past a minute and an hour (elapsed 1m00s, 1h02m03s)", function () {
      const line = (elapsed: string): string =>
        `⇾ fuzz: elapsed:    ${elapsed}, calls:      82112 (  1395/sec), seq/s:     23, branches:   1868, corpus:    87, failures: 0/1368, gas/s:     90472515`;
      expect(parseMedusaOutput(line("1m00s")).progress).to.deep.include({ elapsedSeconds: 60, calls: 82112, branches: 1868 });
      expect(parseMedusaOutput(line("1h02m03s")).progress?.elapsedSeconds).to.equal(3723);
    });

    it("pads medusa's short addresses", function () {
      expect(normalizeAddress("0x10000")).to.equal("0x0000000000000000000000000000000000010000");
    });
    it("parses a call line's metadata", function () {
      const c = parseMedusaCallLine(
        "H.f(uint8,bool)(3, true) (block=40, time=7212, gas=12500000, gasprice=0, value=5, sender=0x30000)",
      );
      expect(c).to.include({ function: "f(uint8,bool)", target: "H", block: 40, time: 7212, value: "5" });
      expect(c?.args).to.deep.equal(["3", "true"]);
    });
  });

  describe("echidna text (constructed from the documented format)", function () {
    it("reads a failing campaign: statuses, the final shrunk sequence, waits and delays", function () {
      const out = parseEchidnaOutput(read("echidna/failed.constructed.txt"));
      expect(out.tests).to.have.length(11);
      expect(out.tests.filter((t) => t.status === "failed").map((t) => t.name)).to.deep.equal([
        "echidna_locked_stake_stays_until_end",
      ]);
      expect(out.failures).to.have.length(1);
      const seq = out.failures[0].callSequence;
      // The final report's sequence (5 steps), not the unshrunk one of the "falsified!" event.
      expect(seq.map((s) => s.function)).to.deep.equal(["stake", "propose", "castVote", "*wait*", "withdraw"]);
      expect(seq[0]).to.deep.include({ target: "LockBypassInvariants", sender: "0x0000000000000000000000000000000000020000", timeDelay: 300, blockDelay: 12 });
      expect(seq[0].args).to.deep.equal(["0", "1000"]);
      expect(seq[3]).to.deep.include({ function: "*wait*", timeDelay: 600, blockDelay: 50 });
      expect(seq[4]).to.deep.include({ timeDelay: 0, blockDelay: 0 });
      expect(out).to.include({ instructions: 10231, codehashes: 14, corpusSize: 37, totalCalls: 30112, seed: "4183740017163207616" });
      expect(out.progress).to.deep.include({ failed: 1, total: 11, calls: 30112 });
    });

    it("reads a passing campaign", function () {
      const out = parseEchidnaOutput(read("echidna/passed.constructed.txt"));
      expect(out.failures).to.deep.equal([]);
      expect(out.tests).to.have.length(11);
      expect(out.tests.every((t) => t.status === "passed")).to.equal(true);
      expect(out.seed).to.equal("-2711409316724121002");
    });

    it("reads older and unusual verdicts", function () {
      const out = parseEchidnaOutput(
        [
          "echidna_a:  passed! 🎉",
          "f(uint256): could not evaluate ☣",
          "  VMFailure (Revert \"x\")",
          "echidna_b: fuzzing (120/50000)",
          "AssertionFailed(..): passing",
        ].join("\n"),
      );
      expect(out.tests).to.deep.equal([
        { name: "echidna_a", kind: "property", status: "passed" },
        { name: "f(uint256)", kind: "assertion", status: "error", detail: 'VMFailure (Revert "x")' },
        { name: "echidna_b", kind: "property", status: "not-run" },
        { name: "AssertionFailed(..)", kind: "assertion", status: "passed" },
      ]);
    });

    it("parses call lines with gas, value and string arguments", function () {
      expect(parseEchidnaCallLine(`C.f("a, b",[1, 2]) Gas: 100 Value: 7 Time delay: 3 seconds`)).to.deep.equal({
        function: "f",
        args: [`"a, b"`, "[1, 2]"],
        target: "C",
        value: "7",
        timeDelay: 3,
        blockDelay: 0,
      });
      expect(parseEchidnaCallLine("*wait* Block delay: 9")).to.deep.equal({ function: "*wait*", args: [], timeDelay: 0, blockDelay: 9 });
    });
  });
});

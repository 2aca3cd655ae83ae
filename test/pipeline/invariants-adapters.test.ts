/**
 * The invariant engines' output adapters, on real Medusa 1.5.1 recordings
 * (fixtures/medusa: runs on the planted-bug harnesses and a clean run) and on
 * Echidna samples we constructed from Echidna's source, one per output shape
 * of 2.0 to 2.3 (fixtures/echidna/README.md: Echidna cannot be installed here).
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { AbiCoder, FunctionFragment, Interface } from "ethers";
import {
  echidnaFailures,
  EchidnaReproducerError,
  parseEchidnaCallLine,
  parseEchidnaOutput,
  parseEchidnaReproducer,
  readEchidnaReproducers,
  type EchidnaSenders,
  type EchidnaTextResult,
} from "../../scripts/audit/adapters/echidna";
import {
  bytesForStrings,
  decodeHaskellString,
  EchidnaValueError,
  encodeEchidnaCall,
  parseEchidnaArgs,
  parseEchidnaLiteral,
  printEchidnaValue,
  showHaskellBytes,
} from "../../scripts/audit/adapters/echidna-values";
import {
  CampaignConfigError,
  collectEchidna,
  ECHIDNA_DEFAULT_SENDERS,
  echidnaSenders,
  mergeEchidna,
  paradeRuns,
} from "../../scripts/audit/invariants/campaign";
import type { PropertyFailure } from "../../scripts/audit/invariants/types";
import {
  medusaEffectiveDelays,
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
      expect(props).to.have.length(12);
      const failed = props.filter((t) => t.status === "failed").map((t) => t.name).sort();
      expect(failed).to.deep.equal(["echidna_locked_stake_stays_until_end", "echidna_tally_within_locked_stake"]);
      expect(out.tests.filter((t) => t.kind === "assertion").every((t) => t.status === "passed")).to.equal(true);
      expect(out.summary).to.deep.equal({ passed: 29, failed: 2 });
    });

    it("reads each failure's shrunk sequence with senders and arguments", function () {
      expect(out.failures.map((f) => f.property)).to.deep.equal([
        "echidna_locked_stake_stays_until_end",
        "echidna_tally_within_locked_stake",
      ]);
      const seq = out.failures[0].callSequence;
      // Stake; a proposal a block (and a second) later, so the stake is in its snapshot; then one batch
      // of the same actor's vote and withdrawal.
      expect(seq.map((s) => s.function)).to.deep.equal([
        "stake(uint8,uint256)",
        "propose(uint8,uint64)",
        "batchUserActions(uint8,uint8,uint256,uint256)",
      ]);
      expect(seq[0].target).to.equal("LockBypassInvariants");
      expect(seq[0].sender).to.equal("0x0000000000000000000000000000000000020000");
      expect(seq[1].args).to.deep.equal(["0", "4691007231655428"]);
      expect(seq.map((s) => [s.blockDelay, s.timeDelay])).to.deep.equal([[0, 0], [1, 1], [0, 0]]);
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
      expect(files).to.have.length(2);
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
      expect(failures[0].callSequence).to.have.length(3);
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

  describe("medusa delays as Medusa applied them (recorded: fixtures/medusa/delays)", function () {
    // A seeded sequence, unshrunk: stake; propose +1 block +1 s; castVote +7200 s with no block delay; withdraw.
    const dir = path.join(FIXTURES, "medusa/delays");
    const [file] = readMedusaTestResults(dir);
    const raw = JSON.parse(readFileSync(file.file, "utf8")) as { blockNumberDelay: number; blockTimestampDelay: number }[];
    const text = parseMedusaOutput(read("medusa/delays/medusa.stdout.log"));

    it("drops the timestamp delay of a call Medusa added to the pending block (no block-number delay)", function () {
      expect(raw.map((e) => [e.blockNumberDelay, e.blockTimestampDelay])).to.deep.equal([[0, 0], [1, 1], [0, 7200], [0, 0]]);
      expect(file.calls.map((c) => c.function)).to.deep.equal([
        "stake(uint8,uint256)", "propose(uint8,uint64)", "castVote(uint8,uint256,uint8)", "withdraw(uint8,uint256)",
      ]);
      expect(file.calls.map((c) => [c.blockDelay, c.timeDelay])).to.deep.equal([[0, 0], [1, 1], [0, 0], [0, 0]]);
    });

    it("agrees with the block and time Medusa printed for each call", function () {
      const printed = text.failures[0].callSequence;
      expect(printed.map((c) => c.function)).to.deep.equal(file.calls.map((c) => c.function));
      // stdout delays are differences of the printed block/time (the first call's is relative to deployment).
      for (let k = 1; k < printed.length; k++) {
        expect([file.calls[k].blockDelay, file.calls[k].timeDelay], printed[k].function).to.deep.equal([printed[k].blockDelay, printed[k].timeDelay]);
      }
    });

    it("keeps the first call's delays and a block-number delay's timestamp delay", function () {
      expect(medusaEffectiveDelays(0, 0, 300)).to.deep.equal({ blockDelay: 0, timeDelay: 300 });
      expect(medusaEffectiveDelays(3, 2, 300)).to.deep.equal({ blockDelay: 2, timeDelay: 300 });
      expect(medusaEffectiveDelays(3, 0, 300)).to.deep.equal({ blockDelay: 0, timeDelay: 0 });
    });
  });

  describe("medusa, payable planted bug (recorded: fixtures/medusa/payable)", function () {
    const dir = path.join(FIXTURES, "medusa/payable");
    const text = parseMedusaOutput(read("medusa/payable/medusa.stdout.log"));
    const failures = medusaFailures(text, readMedusaTestResults(dir), dir);
    const byName = (p: string): PropertyFailure => failures.find((f) => f.property === p) as PropertyFailure;

    it("reports each failure once although medusa prints it when found and again in its summary", function () {
      expect(text.failures.map((f) => f.property)).to.deep.equal(["echidna_deposits_within_cap", "echidna_paid_at_most_deposited"]);
      expect(text.summary).to.deep.equal({ passed: 3, failed: 2 });
      expect(failures.map((f) => f.source)).to.deep.equal(["medusa-test-results", "medusa-test-results"]);
    });

    it("carries each call's sender, msg.value, gas price and delays from the sequence files", function () {
      const cap = byName("echidna_deposits_within_cap").callSequence;
      expect(cap).to.have.length(1);
      expect(cap[0]).to.deep.include({
        function: "deposit()",
        calldata: "0xd0e30db0",
        sender: "0x0000000000000000000000000000000000020000",
        value: "16465795577469268785", // 0xe48241d69340f331
        gasPrice: "1",
        gas: 12500000,
        timeDelay: 29689,
        blockDelay: 1891,
      });
      const refund = byName("echidna_paid_at_most_deposited").callSequence;
      expect(refund.map((c) => [c.function, c.sender, c.value])).to.deep.equal([
        ["deposit()", "0x0000000000000000000000000000000000020000", "1"],
        ["refund(uint8)", "0x0000000000000000000000000000000000030000", undefined],
      ]);
    });

    it("reads the same values from stdout (decimal value=, short sender=)", function () {
      const cap = text.failures[0].callSequence[0];
      expect(cap).to.deep.include({ function: "deposit()", sender: "0x0000000000000000000000000000000000020000", value: "16465795577469268785" });
    });
  });

  describe("echidna printed values (Haskell literals, arrays, tuples)", function () {
    const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);

    it("decodes string escapes: names, \\SOH vs \\SO\\&H, decimal/hex/octal, \\^X, \\&, quotes", function () {
      expect(decodeHaskellString(`"abc\\NUL\\188"`)).to.deep.equal(bytes(0x61, 0x62, 0x63, 0, 188));
      expect(decodeHaskellString(`"\\SOH"`)).to.deep.equal(bytes(1));
      expect(decodeHaskellString(`"\\SO\\&H"`)).to.deep.equal(bytes(14, 0x48));
      expect(decodeHaskellString(`"\\188\\&1"`)).to.deep.equal(bytes(188, 0x31));
      expect(decodeHaskellString(`"\\x41\\o101\\65\\^A\\DEL\\t\\n\\"\\\\"`)).to.deep.equal(bytes(0x41, 0x41, 0x41, 1, 127, 9, 10, 0x22, 0x5c));
      expect(decodeHaskellString(`"a\\   \\b"`)).to.deep.equal(bytes(0x61, 0x62)); // a string gap
      expect(() => decodeHaskellString(`"\\QQ"`)).to.throw(/unknown escape/);
      expect(() => decodeHaskellString("abc")).to.throw(/not a string literal/);
    });

    it("prints bytes exactly as GHC's show does (round trip of every byte)", function () {
      expect(showHaskellBytes(bytes(0x61, 0x62, 0x63, 0, 188, 0x31))).to.equal(`"abc\\NUL\\188\\&1"`);
      expect(showHaskellBytes(bytes(1, 0x32, 127, 255, 14, 0x48))).to.equal(`"\\SOH2\\DEL\\255\\SO\\&H"`);
      expect(showHaskellBytes(bytes(0, 0x31, 10, 0x22))).to.equal(`"\\NUL1\\n\\""`);
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      expect(decodeHaskellString(showHaskellBytes(all))).to.deep.equal(all);
    });

    it("parses integers, negative integers and addresses (with or without a label)", function () {
      expect(parseEchidnaLiteral("115792089237316195423570985008687907853269984665640564039457584007913129639935")).to.deep.equal({ kind: "int", value: 2n ** 256n - 1n });
      expect(parseEchidnaLiteral("-5")).to.deep.equal({ kind: "int", value: -5n });
      expect(parseEchidnaLiteral("0x10000")).to.deep.equal({ kind: "address", value: 0x10000n });
      expect(parseEchidnaArgs("0x10000 «alice»,true").printed).to.deep.equal(["0x10000", "true"]);
    });

    it("parses arrays, tuples and their nesting; splits call arguments at top-level commas", function () {
      const { values, printed } = parseEchidnaArgs(`"a, b",[(0x30000, 7), (0x10000, 0)],[[1, 2], [], [3]]`);
      expect(printed).to.deep.equal([`"a, b"`, "[(0x30000, 7), (0x10000, 0)]", "[[1, 2], [], [3]]"]);
      expect(values[1]).to.deep.equal({
        kind: "array",
        items: [
          { kind: "tuple", items: [{ kind: "address", value: 0x30000n }, { kind: "int", value: 7n }] },
          { kind: "tuple", items: [{ kind: "address", value: 0x10000n }, { kind: "int", value: 0n }] },
        ],
      });
      expect(values.map(printEchidnaValue)).to.deep.equal(printed);
      expect(() => parseEchidnaLiteral("[1, 2")).to.throw(EchidnaValueError);
    });

    describe("ABI encoding, one literal shape at a time", function () {
      const iface = new Interface([
        "function s(string)", "function b(bytes)", "function b4(bytes4)", "function i(int16)", "function u(uint8)",
        "function a(address)", "function f(bool)", "function arr(uint8[2])", "function dyn(uint256[][])",
        "function tup((address,bool)[])", "function nested((uint8,(string,bytes2)))",
      ]);
      const roundTrip = (sig: string, printed: string[]): unknown[] => {
        const fn = iface.getFunction(sig) as FunctionFragment;
        const data = encodeEchidnaCall(fn, printed.map(parseEchidnaLiteral));
        expect(data.slice(0, 10)).to.equal(fn.selector);
        // Decode with strings read as bytes: the raw bytes the contract receives.
        return AbiCoder.defaultAbiCoder().decode(fn.inputs.map(bytesForStrings), `0x${data.slice(10)}`).toArray(true);
      };

      it("a Haskell-escaped string reaches the contract byte for byte, even when not UTF-8", function () {
        expect(roundTrip("s", [`"abc\\NUL\\188\\&1"`])).to.deep.equal(["0x61626300bc31"]);
      });
      it("dynamic bytes", function () {
        expect(roundTrip("b", [`"\\SOH2\\DEL\\255\\SO\\&H"`])).to.deep.equal(["0x01327fff0e48"]);
      });
      it("fixed bytes, which must have their exact size", function () {
        expect(roundTrip("b4", [`"\\NUL1\\n\\""`])).to.deep.equal(["0x00310a22"]);
        expect(() => roundTrip("b4", [`"abc"`])).to.throw(/bytes4 needs 4 bytes, got 3/);
      });
      it("negative and unsigned integers", function () {
        expect(roundTrip("i", ["-5"])).to.deep.equal([-5n]);
        expect(roundTrip("u", ["255"])).to.deep.equal([255n]);
        expect(() => roundTrip("u", ["256"])).to.throw();
      });
      it("addresses and booleans", function () {
        expect(roundTrip("a", ["0x10000"])).to.deep.equal(["0x0000000000000000000000000000000000010000"]);
        expect(roundTrip("f", ["false"])).to.deep.equal([false]);
        expect(() => roundTrip("f", ["1"])).to.throw(/cannot take the int 1/);
      });
      it("fixed-size arrays, which must have their exact length", function () {
        expect(roundTrip("arr", ["[7, 255]"])).to.deep.equal([[7n, 255n]]);
        expect(() => roundTrip("arr", ["[7]"])).to.throw(/needs 2 items, got 1/);
      });
      it("nested dynamic arrays, empty ones included", function () {
        expect(roundTrip("dyn", ["[[1, 2], [], [3]]"])).to.deep.equal([[[1n, 2n], [], [3n]]]);
      });
      it("arrays of tuples", function () {
        expect(roundTrip("tup", ["[(0x10000, true), (0x20000, false)]"])).to.deep.equal([
          [["0x0000000000000000000000000000000000010000", true], ["0x0000000000000000000000000000000000020000", false]],
        ]);
      });
      it("tuples inside tuples, with a string and fixed bytes", function () {
        expect(roundTrip("nested", [`(3, ("h\\233llo", "\\255\\NUL"))`])).to.deep.equal([[3n, ["0x68e96c6c6f", "0xff00"]]]);
        expect(() => roundTrip("nested", ["(3, 4)"])).to.throw(EchidnaValueError);
      });
    });
  });

  describe("echidna reproducer files (constructed from Echidna's source: fixtures/echidna/README.md)", function () {
    it("reads sender, destination, value, gas, delays and the typed call (2.3 form, padded words)", function () {
      const calls = parseEchidnaReproducer(read("echidna/vault-2.3.3/corpus/reproducers/2948313160795283766.txt"));
      expect(calls).to.deep.equal([
        {
          function: "deposit()", args: [], calldata: "0xd0e30db0", sender: "0x0000000000000000000000000000000000010000",
          target: "0x00a329c0648769a73afac7f9381e08fb43dbea72", gas: 12500000, value: "3", timeDelay: 15, blockDelay: 1,
        },
        { function: "*wait*", args: [], timeDelay: 120, blockDelay: 9 },
        {
          function: "refund(uint8)", args: ["0"], calldata: "0x04e799bd0000000000000000000000000000000000000000000000000000000000000000",
          sender: "0x0000000000000000000000000000000000030000", target: "0x00a329c0648769a73afac7f9381e08fb43dbea72", gas: 12500000,
          timeDelay: 0, blockDelay: 0,
        },
      ]);
    });

    it("reads 2.0.5's unpadded words", function () {
      const calls = parseEchidnaReproducer(read("echidna/vault-2.0.5/corpus/reproducers/-3412876654203318775.txt"));
      expect(calls.map((c) => [c.function, c.sender, c.value, c.timeDelay, c.blockDelay])).to.deep.equal([
        ["deposit()", "0x0000000000000000000000000000000000010000", "2", 600, 40],
        ["refund(uint8)", "0x0000000000000000000000000000000000030000", undefined, 5, 1],
      ]);
    });

    it("turns every AbiValue shape into the signature, the printed arguments and the same calldata as the printed call", function () {
      const [call] = parseEchidnaReproducer(read("echidna/literals-2.3.3/corpus/reproducers/5512009876123450987.txt"));
      expect(call.function).to.equal("store(string,bytes,bytes4,int16,uint8[2],(address,bool)[],uint256[][])");
      expect(call).to.deep.include({ sender: "0x0000000000000000000000000000000000020000", value: "129", gas: 400000 });
      const printed = parseEchidnaOutput(read("echidna/literals-2.3.3/echidna.stdout.txt")).failures[0].callSequence[0];
      expect(call.args).to.deep.equal(printed.args);
      const fn = FunctionFragment.from(`function ${call.function}`);
      expect(encodeEchidnaCall(fn, printed.args.map(parseEchidnaLiteral))).to.equal(call.calldata);
      const decoded = AbiCoder.defaultAbiCoder().decode(fn.inputs.map(bytesForStrings), `0x${(call.calldata as string).slice(10)}`).toArray(true);
      expect(decoded).to.deep.equal([
        "0x616263" + "00bc31", "0x01327fff0e48", "0x00310a22", -5n, [7n, 255n],
        [["0x0000000000000000000000000000000000010000", true], ["0x0000000000000000000000000000000000020000", false]],
        [[1n, 2n], [], [3n]],
      ]);
    });

    it("rejects what is not a reproducer, and transactions it cannot replay", function () {
      expect(() => parseEchidnaReproducer("{}")).to.throw(EchidnaReproducerError, /array/);
      expect(() => parseEchidnaReproducer("nope")).to.throw(EchidnaReproducerError, /not JSON/);
      const create = `[{"call":{"contents":"\\"\\\\NUL\\"","tag":"SolCreate"},"delay":["0x0","0x0"],"dst":"0x1","gas":1,"gasprice":"0x0","src":"0x2","value":"0x0"}]`;
      expect(() => parseEchidnaReproducer(create)).to.throw(/SolCreate transactions are not replayed/);
      expect(readEchidnaReproducers(path.join(FIXTURES, "echidna/none"))).to.deep.equal([]);
    });
  });

  describe("echidna text output (constructed samples: fixtures/echidna/README.md)", function () {
    const parse = (f: string): EchidnaTextResult => parseEchidnaOutput(read(`echidna/${f}`));
    const status = (r: EchidnaTextResult): Record<string, string> => Object.fromEntries(r.tests.map((t) => [t.name, t.status]));

    it("2.3.3 run: Reason lines, hex Value, one-sender sequences without from:, live events, saved reproducers", function () {
      const out = parse("vault-2.3.3/echidna.stdout.txt");
      expect(out.finalReport).to.equal(true);
      expect(status(out)).to.deep.equal({ echidna_deposits_within_cap: "failed", echidna_paid_at_most_deposited: "failed" });
      const [cap, refund] = out.failures;
      expect(cap).to.deep.include({ source: "echidna-text", reason: "ReturnFalse" });
      expect(cap.callSequence).to.deep.equal([
        { function: "deposit", args: [], target: "EtherVaultBugInvariants", value: "20000000000000000000", timeDelay: 0, blockDelay: 0 },
      ]);
      expect(refund.callSequence.map((c) => [c.function, c.sender, c.value, c.timeDelay, c.blockDelay])).to.deep.equal([
        ["deposit", "0x0000000000000000000000000000000000010000", "3", 15, 1],
        ["*wait*", undefined, undefined, 120, 9],
        ["refund", "0x0000000000000000000000000000000000030000", undefined, 0, 0],
      ]);
      expect(out).to.deep.include({ instructions: 701, codehashes: 1, corpusSize: 4, totalCalls: 188410, seed: "7731402295031558811" });
      expect(out.progress).to.deep.include({ failed: 2, total: 2, calls: 188410 });
      expect(out.savedReproducers).to.have.length(2);
    });

    it("2.0/2.1 wording: fuzzing (N/M), shrinking (n/m), names without contract, Event sequence", function () {
      const out = parse("vault-2.0.5/echidna.stdout.txt");
      expect(out.tests).to.deep.equal([
        { name: "echidna_deposits_within_cap", kind: "property", status: "passed", detail: "held for 48112 of 1000000000 calls (the run stopped before its test limit)" },
        { name: "echidna_paid_at_most_deposited", kind: "property", status: "failed" },
      ]);
      expect(out.failures[0].callSequence.map((c) => [c.function, c.args, c.sender, c.value])).to.deep.equal([
        ["deposit", [], "0x0000000000000000000000000000000000010000", "2"],
        ["refund", ["4"], "0x0000000000000000000000000000000000030000", undefined],
      ]);
      const more = parse("statuses-2.0.txt");
      expect(status(more)).to.deep.equal({
        echidna_supply_constant: "passed",
        echidna_never_checked: "not-run",
        echidna_balances_sum: "passed",
        echidna_owner_set: "failed",
        echidna_reverting: "error",
        "transfer(address,uint256,(uint8,bytes))": "failed",
      });
      expect(more.tests.find((t) => t.name === "echidna_reverting")?.detail).to.equal('VMFailure (Revert "\\NUL\\NUL")');
      const owner = more.failures.find((f) => f.property === "echidna_owner_set") as PropertyFailure;
      expect(owner.callSequence).to.deep.equal([]);
      const transfer = more.failures.find((f) => f.kind === "assertion") as PropertyFailure;
      expect(transfer.callSequence[0]).to.deep.include({ function: "approve", gas: 30000, gasPrice: "1000000000" });
      expect(transfer.callSequence[1]).to.deep.include({ function: "transfer", value: "129", timeDelay: 7 });
      expect(transfer.callSequence[1].args).to.deep.equal(["0x10000", "5", `(3, "\\NUL\\255")`]);
    });

    it("2.2 wording: passing, shrinking N/M, Gas / Gas price / Value, an optimization test, tuple signatures", function () {
      const out = parse("statuses-2.2.txt");
      expect(status(out)).to.deep.equal({
        echidna_balances_sum: "passed",
        echidna_total_supply: "failed",
        optimize_supply: "passed",
        "settle((address,uint256)[],bytes4)": "failed",
      });
      expect(out.tests.find((t) => t.name === "optimize_supply")).to.deep.include({ kind: "optimization", detail: "max value: 1200" });
      const total = out.failures[0].callSequence;
      expect(total[0]).to.deep.include({ function: "mint", gas: 30000, gasPrice: "1000000000", value: "129", timeDelay: 5, blockDelay: 2 });
      expect(total[0].args).to.deep.equal(["0x10000", "-5", `"ab\\NUL\\188\\&1"`, "[1, 2, 3]"]);
      expect(total.map((c) => c.function)).to.deep.equal(["mint", "*wait*", "burn"]);
      const settle = out.failures[1];
      expect(settle).to.deep.include({ property: "settle((address,uint256)[],bytes4)", kind: "assertion" });
      expect(settle.callSequence[0]).to.deep.include({ value: "1000000000000000000" });
      expect(settle.callSequence[0].sender).to.equal(undefined);
      expect(out.totalCalls).to.equal(50002);
    });

    it("2.3.2 wording: verified, passing, passed!, failed with no transactions made", function () {
      const out = parse("statuses-2.3.2.txt");
      expect(out.tests).to.deep.equal([
        { name: "echidna_proved_bound", kind: "property", status: "passed", detail: "verified (symbolic execution)" },
        { name: "echidna_balances_sum", kind: "property", status: "passed" },
        { name: "echidna_after_limit", kind: "property", status: "passed" },
        { name: "echidna_starts_broken", kind: "property", status: "failed", detail: "failed with no transactions made" },
      ]);
      expect(out.failures).to.deep.equal([{ property: "echidna_starts_broken", kind: "property", callSequence: [], source: "echidna-text" }]);
    });

    it("2.3.3 wording: a failure that needed no transaction, a Reason before a shrinking sequence, labels", function () {
      const out = parse("statuses-2.3.3.txt");
      expect(status(out)).to.deep.equal({ echidna_starts_broken: "failed", echidna_reverting: "error", "pay(address,uint96)": "failed" });
      expect(out.failures[0]).to.deep.include({ property: "echidna_starts_broken", reason: "ReturnFalse", callSequence: [] });
      const pay = out.failures[1];
      expect(pay).to.deep.include({ reason: "ErrorRevert", kind: "assertion" });
      expect(pay.callSequence.map((c) => [c.function, c.args, c.sender, c.value, c.timeDelay])).to.deep.equal([
        ["grant", ["0x10000"], "0x0000000000000000000000000000000000030000", undefined, 44],
        ["pay", ["0x20000", "79228162514264337593543950335"], "0x0000000000000000000000000000000000010000", "1", 0],
      ]);
    });

    it("2.2.7 runs on the lock harness: the final shrunk sequence, not the live event's; a passing campaign", function () {
      const out = parse("failed.constructed.txt");
      expect(out.tests).to.have.length(11);
      expect(out.tests.filter((t) => t.status === "failed").map((t) => t.name)).to.deep.equal(["echidna_locked_stake_stays_until_end"]);
      expect(out.failures).to.have.length(1);
      const seq = out.failures[0].callSequence;
      expect(seq.map((s) => s.function)).to.deep.equal(["stake", "propose", "castVote", "*wait*", "withdraw"]);
      expect(seq[0]).to.deep.include({ target: "LockBypassInvariants", sender: "0x0000000000000000000000000000000000020000", timeDelay: 300, blockDelay: 12 });
      expect(seq[0].args).to.deep.equal(["0", "1000"]);
      expect(seq[3]).to.deep.include({ function: "*wait*", timeDelay: 600, blockDelay: 50 });
      expect(out).to.include({ instructions: 10231, codehashes: 14, corpusSize: 37, totalCalls: 30112, seed: "4183740017163207616" });
      const passed = parse("passed.constructed.txt");
      expect(passed.failures).to.deep.equal([]);
      expect(passed.tests.every((t) => t.status === "passed")).to.equal(true);
      expect(passed.seed).to.equal("-2711409316724121002");
    });

    it("a run killed before its final report: live falsified! events with their unshrunk sequences", function () {
      const out = parse("killed-2.2.7.txt");
      expect(out.finalReport).to.equal(false);
      expect(out.failures.map((f) => [f.property, f.kind, f.source, f.callSequence.length])).to.deep.equal([
        ["echidna_total_supply", "property", "echidna-live", 2],
        ["settle((address,uint256)[],bytes4)", "assertion", "echidna-live", 1],
      ]);
      expect(out.failures[0].callSequence[0]).to.deep.include({ value: "5000000000000000000", timeDelay: 1800, blockDelay: 150 });
      expect(out.failures[1].callSequence[0].args).to.deep.equal(["[(0x30000, 7)]", `"\\DEL\\SOH\\SO\\&H"`]);
      expect(out.progress).to.deep.include({ failed: 2, total: 3, calls: 12010 });
    });
  });

  describe("echidna failures: reproducer files first, the text as the fallback", function () {
    const senders: EchidnaSenders = { candidates: ["0x10000", "0x20000", "0x30000"].map(normalizeAddress), source: "sender in echidna.yaml" };
    const vault = path.join(FIXTURES, "echidna/vault-2.3.3");
    const text = parseEchidnaOutput(read("echidna/vault-2.3.3/echidna.stdout.txt"));

    it("matches each final-report failure to its reproducer: exact sender and value, even where the text has no from:", function () {
      const failures = echidnaFailures(text, readEchidnaReproducers(path.join(vault, "corpus")), FIXTURES, senders);
      expect(failures.map((f) => [f.property, f.source, f.file])).to.deep.equal([
        ["echidna_deposits_within_cap", "echidna-reproducer", "echidna/vault-2.3.3/corpus/reproducers/6177950208838143402.txt"],
        ["echidna_paid_at_most_deposited", "echidna-reproducer", "echidna/vault-2.3.3/corpus/reproducers/2948313160795283766.txt"],
      ]);
      expect(failures[0].callSequence[0]).to.deep.include({
        function: "deposit()", sender: "0x0000000000000000000000000000000000020000", value: "20000000000000000000", target: "EtherVaultBugInvariants",
      });
      expect(failures[0].unknownSender).to.equal(undefined);
    });

    it("without reproducers: a one-sender sequence names the campaign's senders as candidates, never the deployer alone", function () {
      const failures = echidnaFailures(text, [], FIXTURES, senders);
      expect(failures.map((f) => f.source)).to.deep.equal(["echidna-text", "echidna-text"]);
      expect(failures[0].unknownSender?.candidates).to.deep.equal(senders.candidates);
      expect(failures[0].unknownSender?.note).to.match(/from: only when a sequence has several senders.*sender in echidna\.yaml/);
      // Several senders: every call names its own.
      expect(failures[1].unknownSender).to.equal(undefined);
    });

    it("does not take a reproducer whose calls differ (sender, value or arguments)", function () {
      const files = readEchidnaReproducers(path.join(vault, "corpus"));
      const [refund] = text.failures.slice(1);
      const other = { ...refund, callSequence: refund.callSequence.map((c, i) => (i === 0 ? { ...c, value: "4" } : c)) };
      expect(echidnaFailures({ ...text, failures: [other] }, files, FIXTURES, senders)[0].source).to.equal("echidna-text");
      const wrongSender = { ...refund, callSequence: refund.callSequence.map((c, i) => (i === 2 ? { ...c, sender: senders.candidates[1] } : c)) };
      expect(echidnaFailures({ ...text, failures: [wrongSender] }, files, FIXTURES, senders)[0].source).to.equal("echidna-text");
    });

    it("2.0.5: matches the reproducer written with unpadded words", function () {
      const t = parseEchidnaOutput(read("echidna/vault-2.0.5/echidna.stdout.txt"));
      const [f] = echidnaFailures(t, readEchidnaReproducers(path.join(FIXTURES, "echidna/vault-2.0.5/corpus")), FIXTURES, senders);
      expect(f).to.deep.include({ source: "echidna-reproducer" });
      expect(f.callSequence.map((c) => c.function)).to.deep.equal(["deposit()", "refund(uint8)"]);
    });

    it("2.2.3 killed: pairs a live event printed without its sequence with the one unshrunk reproducer", function () {
      const t = parseEchidnaOutput(read("echidna/killed-2.2.3/echidna.stdout.txt"));
      expect(t.failures[0].callSequence).to.deep.equal([]);
      const [f] = echidnaFailures(t, readEchidnaReproducers(path.join(FIXTURES, "echidna/killed-2.2.3/corpus")), FIXTURES, senders);
      expect(f).to.deep.include({ property: "echidna_deposits_within_cap", source: "echidna-reproducer-unshrunk" });
      expect(f.callSequence.map((c) => [c.function, c.sender, c.value])).to.deep.equal([
        ["withdraw(uint256)", "0x0000000000000000000000000000000000010000", undefined],
        ["deposit()", "0x0000000000000000000000000000000000020000", "7000000000000000000"],
      ]);
    });

    it("echidna-parade: per-process corpora, and the merge keeps the best sequence (exact and shrunk), not the shortest", function () {
      const dir = path.join(FIXTURES, "echidna/parade");
      const outs = ["initial", "gen.1.0", "gen.1.1"].map((d) => path.join(dir, d, "echidna.out"));
      const runs = paradeRuns(outs, path.join(dir, "campaign-corpus"));
      expect(runs.map((r) => path.relative(dir, r.corpusDir))).to.deep.equal(["campaign-corpus", "gen.1.0/corpus", "gen.1.1/corpus"]);
      const merged = collectEchidna(runs, FIXTURES, senders);
      expect(merged.finalReport).to.equal(true);
      expect(merged.tests.map((t) => [t.name, t.status, t.detail])).to.deep.equal([
        ["echidna_deposits_within_cap", "failed", "ReturnFalse"],
        ["echidna_paid_at_most_deposited", "failed", "ReturnFalse"],
      ]);
      const paid = merged.failures.find((f) => f.property === "echidna_paid_at_most_deposited") as PropertyFailure;
      expect(paid).to.deep.include({ source: "echidna-reproducer", file: "echidna/parade/gen.1.1/corpus/reproducers/7092351876120049934.txt" });
      expect(paid.callSequence.map((c) => [c.sender, c.value])).to.deep.equal([
        ["0x0000000000000000000000000000000000020000", "1"],
        ["0x0000000000000000000000000000000000030000", undefined],
      ]);
      // gen.1.0 alone (killed): the unshrunk reproducer of its live event.
      const killed = collectEchidna([runs[1]], FIXTURES, senders);
      expect(killed.failures[0]).to.deep.include({ source: "echidna-reproducer-unshrunk", file: "echidna/parade/gen.1.0/corpus/reproducers-unshrunk/3090876512299401772.txt" });
      expect(merged.totalCalls).to.equal(70112 + 9020 + 61877);
    });

    it("mergeEchidna: a failure's best source wins over a shorter sequence", function () {
      const t: EchidnaTextResult = { tests: [{ name: "p", kind: "property", status: "failed" }], failures: [], finalReport: true, savedReproducers: [] };
      const step = { function: "f()", args: [], timeDelay: 0, blockDelay: 0 };
      const live: PropertyFailure = { property: "p", kind: "property", source: "echidna-live", callSequence: [step] };
      const exact: PropertyFailure = { property: "p", kind: "property", source: "echidna-reproducer", callSequence: [step, step] };
      const empty: PropertyFailure = { property: "p", kind: "property", source: "echidna-text", callSequence: [] };
      expect(mergeEchidna([{ text: t, failures: [live] }, { text: t, failures: [exact] }]).failures).to.deep.equal([exact]);
      expect(mergeEchidna([{ text: t, failures: [exact] }, { text: t, failures: [empty] }]).failures).to.deep.equal([exact]);
    });
  });

  describe("echidna campaign senders", function () {
    it("reads the campaign's senders from echidna.yaml, ascending, else Echidna's defaults", function () {
      const ROOT = path.resolve(__dirname, "../..");
      expect(echidnaSenders(path.join(ROOT, "test/invariant/echidna.yaml"), ROOT)).to.deep.equal({
        candidates: ["0x10000", "0x20000", "0x30000"].map(normalizeAddress),
        source: "sender in test/invariant/echidna.yaml",
      });
      const dir = mkdtempSync(path.join(tmpdir(), "echidna-senders-"));
      try {
        writeFileSync(path.join(dir, "a.yaml"), `sender: ["0x30000", "abc", 4096]\n`);
        expect(echidnaSenders(path.join(dir, "a.yaml"), dir).candidates).to.deep.equal(["0xabc", "0x1000", "0x30000"].map(normalizeAddress));
        writeFileSync(path.join(dir, "b.yaml"), "testMode: property\n");
        expect(echidnaSenders(path.join(dir, "b.yaml"), dir)).to.deep.equal({ candidates: ECHIDNA_DEFAULT_SENDERS, source: "Echidna's default senders; b.yaml sets none" });
        writeFileSync(path.join(dir, "c.yaml"), "sender: [zz]\n");
        expect(() => echidnaSenders(path.join(dir, "c.yaml"), dir)).to.throw(CampaignConfigError, /c.yaml: sender "zz" is not an address/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });

  describe("echidna call lines", function () {
    it("parses a call line with gas, hex value and string/array arguments", function () {
      expect(parseEchidnaCallLine(`C.f("a, b",[1, 2]) Gas: 100 Value: 0x81 Time delay: 3 seconds`)).to.deep.equal({
        function: "f",
        args: [`"a, b"`, "[1, 2]"],
        target: "C",
        value: "129",
        gas: 100,
        timeDelay: 3,
        blockDelay: 0,
      });
      expect(parseEchidnaCallLine("*wait* Block delay: 9")).to.deep.equal({ function: "*wait*", args: [], timeDelay: 0, blockDelay: 9 });
      expect(parseEchidnaCallLine("0xdeadbeef from: 0x0000000000000000000000000000000000010000")).to.deep.include({ function: "*calldata*", calldata: "0xdeadbeef" });
    });
  });
});

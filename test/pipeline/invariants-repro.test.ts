/**
 * Failing invariant sequences -> regression tests: the generator
 * (scripts/audit/invariants/repro.ts), its CLI arguments, and the Hardhat
 * replay (scripts/audit/invariants/replay.ts) of an Echidna-style sequence
 * (names and arguments only, a *wait* step, time and block delays, a call
 * without a printed sender). The replay of real Medusa failures on the planted
 * bug is in invariants-teeth.test.ts, senders and msg.value of both engines in
 * invariants-replay.test.ts; committed regression tests live in test/unit/repro/.
 */
import { expect } from "chai";
import { id, type TransactionReceipt } from "ethers";
import hre from "hardhat";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { medusaFailures, parseMedusaOutput, readMedusaTestResults } from "../../scripts/audit/adapters/medusa";
import { BUG_ARTIFACTS, compileBugBuild } from "../../scripts/audit/invariants/bug-build";
import { parseReproArgs } from "../../scripts/audit/invariants/repro-cli";
import { generateReproTests, reproHash, reproSource, senderCandidates } from "../../scripts/audit/invariants/repro";
import { encodeStep, replayInvariantSequence } from "../../scripts/audit/invariants/replay";
import type { CallStep, PropertyFailure } from "../../scripts/audit/invariants/types";
import type { FailuresFile } from "../../scripts/audit/stages/invariants";

const ROOT = path.resolve(__dirname, "../..");
const BUG = path.join(__dirname, "fixtures/medusa/bug");

function recordedFailures(): PropertyFailure[] {
  const text = parseMedusaOutput(readFileSync(path.join(BUG, "medusa.stdout.log"), "utf8"));
  return medusaFailures(text, readMedusaTestResults(BUG), ROOT);
}

describe("invariant reproducers", function () {
  let tmp: string;
  beforeEach(function () {
    tmp = mkdtempSync(path.join(tmpdir(), "invariants-repro-"));
  });
  afterEach(function () {
    rmSync(tmp, { recursive: true, force: true });
  });

  it("parses the CLI options", function () {
    expect(parseReproArgs(["--input", "a.json", "--out=dir", "--harness", "H", "--artifacts", "x"])).to.deep.equal({
      input: "a.json",
      out: "dir",
      harness: "H",
      artifactsDir: "x",
    });
    expect(() => parseReproArgs(["--nope"])).to.throw(/unknown option/);
    expect(() => parseReproArgs(["--input"])).to.throw(/needs a value/);
  });

  it("writes one test per failure, named by property and sequence hash, once", function () {
    const failures = recordedFailures();
    const input = path.join(tmp, "failures.json");
    const data: FailuresFile = {
      generatedAt: "2026-11-26T08:57:00.000Z",
      engine: "medusa",
      engineVersion: "1.5.1",
      harness: "LockBypassInvariants",
      artifactsDir: "cache/invariant-bug/artifacts",
      failures,
    };
    writeFileSync(input, JSON.stringify(data));
    const out = path.join(tmp, "repro");
    const first = generateReproTests({ root: ROOT, input, out });
    expect(first.map((r) => r.written)).to.deep.equal([true, true]);
    expect(readdirSync(out).sort()).to.deep.equal(
      failures.map((f) => `${f.property}-${reproHash("LockBypassInvariants", f)}.test.ts`).sort(),
    );
    const src = readFileSync(path.join(out, `${failures[0].property}-${reproHash("LockBypassInvariants", failures[0])}.test.ts`), "utf8");
    expect(src).to.include(`const HARNESS = "LockBypassInvariants";`);
    expect(src).to.include(`const ARTIFACTS: string | undefined = "cache/invariant-bug/artifacts";`);
    expect(src).to.include(failures[0].callSequence[0].calldata as string);
    expect(src).to.include(`expect(await harness.getFunction("${failures[0].property}")()).to.equal(true);`);
    expect(src).to.match(/import \{ replayInvariantSequence \} from "(\.\.\/)+.*scripts\/audit\/invariants\/replay";/);
    expect(generateReproTests({ root: ROOT, input, out }).map((r) => r.written)).to.deep.equal([false, false]);

    // Retargeted at the real harness: the project's own build.
    const re = generateReproTests({ root: ROOT, input, out: path.join(tmp, "re"), harness: "LoadBalancerInvariants" });
    const reSrc = readFileSync(path.join(ROOT, re[0].file), "utf8");
    expect(reSrc).to.include(`const HARNESS = "LoadBalancerInvariants";`);
    expect(reSrc).to.include("const ARTIFACTS: string | undefined = undefined;");
    expect(reSrc).to.include("Found on LockBypassInvariants; replayed here on LoadBalancerInvariants");
  });

  it("checks the last call's status for an assertion failure", function () {
    const failure: PropertyFailure = {
      property: "stake(uint8,uint256)",
      kind: "assertion",
      source: "medusa-text",
      callSequence: [{ function: "stake(uint8,uint256)", args: ["1", "2"], timeDelay: 0, blockDelay: 0 }],
    };
    const src = reproSource({
      failure, engine: "medusa", engineVersion: "1.5.1", foundOn: "H", harness: "H", artifactsDir: undefined, importBase: "../../..", generatedAt: "2026-01-01",
    });
    expect(src).to.include("expect(receipts.map((r) => r.status)).to.not.include(0);");
  });

  it("replays a sequence whose sender is unknown from each candidate, and says why", function () {
    const failure: PropertyFailure = {
      property: "echidna_x",
      kind: "property",
      source: "echidna-text",
      callSequence: [{ function: "deposit()", args: [], value: "5", timeDelay: 0, blockDelay: 0 }],
      unknownSender: { candidates: ["0x0000000000000000000000000000000000010000", "0x0000000000000000000000000000000000020000"], note: "one of sender in echidna.yaml" },
    };
    const src = reproSource({
      failure, engine: "echidna", engineVersion: "2.3.3", foundOn: "H", harness: "H", artifactsDir: undefined, importBase: "../../..", generatedAt: "2026-01-01",
    });
    expect(src).to.include(`const SENDERS: string[] = ["0x0000000000000000000000000000000000010000","0x0000000000000000000000000000000000020000"];`);
    expect(src).to.include("// echidna did not print who sent these calls: one of sender in echidna.yaml.");
    expect(src).to.include("for (const sender of SENDERS) {");
    expect(src).to.include("sequence: SEQUENCE, sender });");
    expect(src).to.include(`{ function: "deposit()", args: [], timeDelay: 0, blockDelay: 0, value: "5" },`);
    // An older failures file without candidates: Echidna's default senders, said so.
    const old: PropertyFailure = { ...failure, unknownSender: undefined };
    expect(senderCandidates(old)?.note).to.match(/assumed Echidna's default senders/);
    expect(senderCandidates({ ...old, callSequence: [{ ...old.callSequence[0], sender: "0x0000000000000000000000000000000000010000" }] })).to.equal(undefined);
  });

  it("skips a live failure Echidna printed without its sequence", function () {
    const input = path.join(tmp, "failures.json");
    const data: FailuresFile = {
      generatedAt: "2026-11-26T08:57:00.000Z", engine: "echidna", engineVersion: "2.2.3", harness: "H", artifactsDir: "artifacts",
      failures: [{ property: "echidna_x", kind: "property", source: "echidna-live", callSequence: [] }],
    };
    writeFileSync(input, JSON.stringify(data));
    const r = generateReproTests({ root: ROOT, input, out: path.join(tmp, "out") });
    expect(r).to.deep.equal([{ property: "echidna_x", file: "", written: false, skipped: r[0].skipped }]);
    expect(r[0].skipped).to.match(/printed no call sequence/);
  });

  it("explains a missing failures file", function () {
    expect(() => generateReproTests({ root: ROOT, input: path.join(tmp, "none.json") })).to.throw(/run the invariant stage first/);
  });

  describe("Hardhat replay of an Echidna-style sequence", function () {
    let snapshot: string | undefined;
    before(async function () {
      // Instrumented contracts (solidity-coverage) cost different gas than the engines' runs.
      if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) this.skip();
      snapshot = (await hre.network.provider.send("evm_snapshot", [])) as string;
    });
    after(async function () {
      if (snapshot) await hre.network.provider.send("evm_revert", [snapshot]);
    });

    const sender = (n: number): string => `0x${(n * 0x10000).toString(16).padStart(40, "0")}`;
    // Echidna prints no calldata: the replay encodes from the signature; a *wait* only moves time.
    // The proposal comes 60 s after the stake (weights come from the second before the proposal), the
    // vote in the proposal's block.
    const sequence: CallStep[] = [
      { function: "stake(uint8,uint256)", args: ["0", "1000"], sender: sender(2), timeDelay: 300, blockDelay: 12 },
      { function: "propose(uint8,uint64)", args: ["0", "3600"], sender: sender(1), timeDelay: 60, blockDelay: 1 },
      { function: "castVote(uint8,uint256,uint8)", args: ["0", "0", "1"], sender: sender(3), timeDelay: 0, blockDelay: 0 },
      { function: "*wait*", args: [], timeDelay: 600, blockDelay: 50 },
      { function: "withdraw(uint8,uint256)", args: ["0", "1000"], sender: sender(1), timeDelay: 0, blockDelay: 0 },
      { function: "ownerSetPaused(uint8,bool)", args: ["1", "false"], timeDelay: 0, blockDelay: 0 },
    ];
    const emitted = (r: TransactionReceipt, signature: string): number => r.logs.filter((l) => l.topics[0] === id(signature)).length;

    it("refuses a call without a sender unless told which of the campaign's senders to use", async function () {
      let refused: Error | undefined;
      try {
        await replayInvariantSequence(hre, { harness: "LoadBalancerInvariants", sequence });
      } catch (e) {
        refused = e as Error;
      }
      expect(refused?.message).to.match(/call 5 \(ownerSetPaused\(uint8,bool\)\) has no sender: .*pass `sender`/);
    });

    it("deploys the harness as the engines do, keeps order and timing, and the real system holds", async function () {
      // The last call printed no sender (one-sender Echidna sequences do not): sent from the chosen one.
      const { harness, receipts, lastTimestamp } = await replayInvariantSequence(hre, { harness: "LoadBalancerInvariants", sequence, sender: sender(2) });
      expect(receipts).to.have.length(5);
      expect(receipts.map((r) => r.from.toLowerCase())).to.deep.equal([sender(2), sender(1), sender(3), sender(1), sender(2)]);
      expect(receipts.every((r) => r.status === 1), "handlers never revert").to.equal(true);
      const blocks = await Promise.all(receipts.map((r) => hre.ethers.provider.getBlock(r.blockNumber)));
      const t = blocks.map((b) => Number(b?.timestamp));
      // stake; propose 60 s later, castVote in the same block; withdraw 600 s after that (the wait).
      expect(t[1] - t[0]).to.equal(60);
      expect(receipts[2].blockNumber).to.equal(receipts[1].blockNumber);
      expect(t[3] - t[2]).to.equal(600);
      expect(lastTimestamp).to.equal(t[4]);
      // The proposal opened with the stake in its snapshot and the vote counted, locking the stake for
      // an hour: the real Staking refused the withdrawal.
      expect(emitted(receipts[1], "ProposalCreated(uint256,address,uint64,uint64,uint256,string)")).to.equal(1);
      expect(emitted(receipts[2], "VoteCast(address,uint256,uint8,uint256)")).to.equal(1);
      expect(emitted(receipts[3], "Withdrawn(address,uint256)")).to.equal(0);
      expect(await harness.getFunction("echidna_locked_stake_stays_until_end")()).to.equal(true);
      expect(await harness.getFunction("echidna_tally_within_locked_stake")()).to.equal(true);
    });

    it("encodes bool arguments from their printed form", async function () {
      const { harness } = await replayInvariantSequence(hre, { harness: "LoadBalancerInvariants", sequence: [] });
      const data = encodeStep(harness, { function: "ownerSetPaused(uint8,bool)", args: ["1", "false"], timeDelay: 0, blockDelay: 0 });
      expect(harness.interface.decodeFunctionData("ownerSetPaused", data).toArray()).to.deep.equal([1n, false]);
      expect(() => encodeStep(harness, { function: "nope()", args: [], timeDelay: 0, blockDelay: 0 })).to.throw();
    });
  });

  describe("the committed regression tests (test/unit/repro/)", function () {
    // They are the recorded planted-bug failures (fixtures/medusa/bug) retargeted at the real harness
    // (docs/INVARIANTS.md). A recording that no longer breaks the planted bug - the contracts changed
    // under it - would leave them passing without testing anything.
    this.timeout(5 * 60_000);
    let snapshot: string | undefined;
    before(async function () {
      if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) this.skip();
      compileBugBuild(ROOT);
      snapshot = (await hre.network.provider.send("evm_snapshot", [])) as string;
    });
    after(async function () {
      if (snapshot) await hre.network.provider.send("evm_revert", [snapshot]);
    });

    it("are the recording's failures, one file each", function () {
      const committed = readdirSync(path.join(ROOT, "test/unit/repro")).filter((f) => f.endsWith(".test.ts")).sort();
      const expected = recordedFailures().map((f) => `${f.property}-${reproHash("LoadBalancerInvariants", f)}.test.ts`);
      expect(committed).to.deep.equal(expected.sort());
    });

    it("each recorded sequence breaks its property on the planted bug and holds on the real system", async function () {
      for (const f of recordedFailures()) {
        const bug = await replayInvariantSequence(hre, { harness: "LockBypassInvariants", artifactsDir: BUG_ARTIFACTS, sequence: f.callSequence });
        expect(await bug.harness.getFunction(f.property)(), `${f.property} on the planted bug`).to.equal(false);
        const real = await replayInvariantSequence(hre, { harness: "LoadBalancerInvariants", sequence: f.callSequence });
        expect(await real.harness.getFunction(f.property)(), `${f.property} on the real system`).to.equal(true);
      }
    });
  });
});

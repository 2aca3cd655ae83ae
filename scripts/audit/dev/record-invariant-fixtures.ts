/**
 * Records real Medusa runs on the planted-bug build into test/pipeline/fixtures/medusa/<name>/:
 * medusa's stdout and the test_results/ sequence files.
 *
 * - `payable` (default): the payable planted-bug harness (test/fixtures/invariant-bug/
 *   EtherVaultInvariants.sol: EtherVaultBugInvariants), fuzzed until both properties break (a payable
 *   deposit from a non-deployer sender; a deposit then the owner's refund: two senders).
 * - `bug`: the lock-bypass planted bug (LockBypassInvariants), fresh corpus, the quick budget, stopping
 *   at the first broken property and shrinking as configured (what the teeth test runs). The committed
 *   regression tests in test/unit/repro/ are generated from it (docs/INVARIANTS.md).
 * - `delays`: the lock-bypass harness (LockBypassInvariants) with one sequence seeded into the corpus
 *   and shrinking off, to record what Medusa does with a timestamp delay on a call without a
 *   block-number delay: stake; propose (+1 block, +1 s; the proposal runs 1 h); castVote with
 *   +7200 s and no block delay; withdraw. Medusa runs the vote in the proposal's block (so the
 *   vote counts, locks the stake, and the planted bug lets it leave); had the 7200 s applied, the
 *   vote would come after the proposal's end.
 *
 *   npx ts-node --transpile-only scripts/audit/dev/record-invariant-fixtures.ts [payable [seconds] | bug | delays]
 *
 * It compiles the planted-bug build first (bug-build.ts: one compile of the sources on disk).
 * Needs medusa in .tools (npm run tools:install). Keeps nothing but the two outputs; prints what the
 * run found so the README's table can be checked against it.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getCreateAddress, Interface } from "ethers";
import { BUG_ARTIFACTS as ARTIFACTS, compileBugBuild } from "../invariants/bug-build";
import { findArtifact, loadCampaignConfig, loadMedusaConfig, runCampaign } from "../invariants/campaign";

const ROOT = path.resolve(__dirname, "../../..");
const FIXTURES = path.join(ROOT, "test/pipeline/fixtures/medusa");

/** One element of Medusa's call-sequence JSON (what its corpus holds), for a plain call. */
function medusaElement(to: string, from: string, abi: Interface, fn: string, args: (number | bigint)[], blockNumberDelay: number, blockTimestampDelay: number) {
  const f = abi.getFunction(fn);
  if (!f) throw new Error(`the harness has no ${fn}`);
  return {
    call: {
      from,
      to,
      nonce: 0,
      value: "0x0",
      gasLimit: 12_500_000,
      gasPrice: "0x0",
      gasFeeCap: "0x0",
      gasTipCap: "0x0",
      data: abi.encodeFunctionData(f, args),
      dataAbiValues: { methodSignature: f.format("sighash"), inputValues: args.map(String) },
      AccessList: null,
      SkipNonceChecks: true,
      SkipFromEOACheck: true,
    },
    blockNumberDelay,
    blockTimestampDelay,
  };
}

/** Writes the `delays` seed into `corpusDir`/call_sequences (Medusa replays its corpus before fuzzing). */
function seedDelays(corpusDir: string): void {
  const medusa = loadMedusaConfig(ROOT, loadCampaignConfig(ROOT));
  const deployer = `0x${BigInt(medusa.fuzzing.deployerAddress ?? "0x30000").toString(16).padStart(40, "0")}`;
  const predeployed = Object.keys((medusa.fuzzing.predeployedContracts ?? {}) as Record<string, string>).length;
  // Medusa deploys the predeployed contracts, then the target, all from the deployer.
  const harness = getCreateAddress({ from: deployer, nonce: predeployed }).toLowerCase();
  const file = findArtifact(path.join(ROOT, ARTIFACTS), "LockBypassInvariants");
  if (!file) throw new Error(`no LockBypassInvariants under ${ARTIFACTS}`);
  const abi = new Interface((JSON.parse(readFileSync(file, "utf8")) as { abi: never }).abi);
  const user = "0x0000000000000000000000000000000000010000";
  const sequence = [
    medusaElement(harness, user, abi, "stake", [0, 999_999], 0, 0),
    medusaElement(harness, user, abi, "propose", [0, 0], 1, 1),
    medusaElement(harness, user, abi, "castVote", [0, 0, 1], 0, 7200),
    medusaElement(harness, user, abi, "withdraw", [0, 999_999], 0, 0),
  ];
  mkdirSync(path.join(corpusDir, "call_sequences"), { recursive: true });
  writeFileSync(path.join(corpusDir, "call_sequences", "seed-delays.json"), `${JSON.stringify(sequence, null, 1)}\n`);
}

async function main(): Promise<void> {
  const name = process.argv[2] === "delays" || process.argv[2] === "bug" ? process.argv[2] : "payable";
  const seconds = Number((name === "payable" && process.argv[2] !== "payable" ? process.argv[2] : process.argv[3]) ?? 40);
  compileBugBuild(ROOT);
  const out = path.join(FIXTURES, name);
  const tmp = mkdtempSync(path.join(tmpdir(), "record-invariants-"));
  try {
    const corpusDir = path.join(tmp, "corpus");
    if (name === "delays") seedDelays(corpusDir);
    const result = await runCampaign({
      root: ROOT,
      profile: "quick",
      rawDir: path.join(tmp, "raw"),
      corpusDir,
      signal: new AbortController().signal,
      log: (m) => console.log(`[medusa] ${m}`),
      engine: "medusa",
      workers: 1,
      offline: true,
      artifactsDir: ARTIFACTS,
      ...(name === "payable"
        ? // Both planted bugs: do not stop at the first.
          { harness: "EtherVaultBugInvariants", seconds, stopOnFirstFailure: false }
        : name === "bug"
          ? { harness: "LockBypassInvariants" }
          : // The seed breaks the lock while the corpus is replayed; keep it as it is.
            { harness: "LockBypassInvariants", seconds: 20, stopOnFirstFailure: true, shrink: false }),
    });
    if (result.status !== "failed") throw new Error(`expected failures, got ${result.status}: ${result.reason ?? result.stderrTail ?? ""}`);
    rmSync(out, { recursive: true, force: true });
    mkdirSync(path.join(out, "test_results"), { recursive: true });
    cpSync(path.join(tmp, "raw", "medusa.stdout.log"), path.join(out, "medusa.stdout.log"));
    const results = path.join(corpusDir, "test_results");
    for (const n of readdirSync(results)) cpSync(path.join(results, n), path.join(out, "test_results", n));
    for (const f of result.failures) {
      console.log(`${f.property} (${f.source}, ${f.file}):`);
      for (const s of f.callSequence) {
        console.log(`  ${s.function} [${s.args.join(", ")}] from ${s.sender} value ${s.value ?? 0} gas price ${s.gasPrice ?? 0} +${s.timeDelay}s +${s.blockDelay} blocks`);
      }
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exitCode = 1;
});

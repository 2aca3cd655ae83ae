/**
 * Records the Medusa fixture of the payable planted-bug harness (test/fixtures/invariant-bug/
 * EtherVaultInvariants.sol: EtherVaultBugInvariants) into test/pipeline/fixtures/medusa/payable/:
 * medusa's stdout and the test_results/ sequence files of a real run that breaks both properties
 * (a payable deposit from a non-deployer sender; a deposit then the owner's refund: two senders).
 *
 *   npx ts-node --transpile-only scripts/audit/dev/record-invariant-fixtures.ts [seconds]
 *
 * It compiles the planted-bug build first (bug-build.ts: one compile of the sources on disk).
 *
 * Needs medusa in .tools (npm run tools:install). Keeps nothing but the two outputs; prints what the
 * run found so the README's table can be checked against it.
 */
import { cpSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BUG_ARTIFACTS as ARTIFACTS, compileBugBuild } from "../invariants/bug-build";
import { runCampaign } from "../invariants/campaign";

const ROOT = path.resolve(__dirname, "../../..");
const OUT = path.join(ROOT, "test/pipeline/fixtures/medusa/payable");
const HARNESS = "EtherVaultBugInvariants";

async function main(): Promise<void> {
  const seconds = Number(process.argv[2] ?? 40);
  compileBugBuild(ROOT);
  const tmp = mkdtempSync(path.join(tmpdir(), "record-invariants-"));
  try {
    const result = await runCampaign({
      root: ROOT,
      profile: "quick",
      rawDir: path.join(tmp, "raw"),
      corpusDir: path.join(tmp, "corpus"),
      signal: new AbortController().signal,
      log: (m) => console.log(`[medusa] ${m}`),
      engine: "medusa",
      harness: HARNESS,
      artifactsDir: ARTIFACTS,
      seconds,
      workers: 1,
      offline: true,
      // Both planted bugs: do not stop at the first.
      stopOnFirstFailure: false,
    });
    if (result.status !== "failed") throw new Error(`expected failures, got ${result.status}: ${result.reason ?? result.stderrTail ?? ""}`);
    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(path.join(OUT, "test_results"), { recursive: true });
    cpSync(path.join(tmp, "raw", "medusa.stdout.log"), path.join(OUT, "medusa.stdout.log"));
    const results = path.join(tmp, "corpus", "test_results");
    for (const n of readdirSync(results)) cpSync(path.join(results, n), path.join(OUT, "test_results", n));
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

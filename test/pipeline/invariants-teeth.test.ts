/**
 * The invariant campaign has teeth: on a build with one planted bug
 * (test/fixtures/invariant-bug: Staking whose withdraw/exit ignore the vote
 * lock) Medusa breaks the lock properties within the ci profile's budget (the
 * one the CI gate runs; Medusa stops at the first broken property, measured at
 * 94 to 20,567 calls, 8 to 49 s on this machine, so the quick budget alone
 * would make the test depend on luck and load) and returns a call sequence,
 * which replays on Hardhat; on the real system the quick budget passes. Real
 * runs of the real tool, ~1 minute (both campaigns run in parallel, one worker
 * each).
 *
 * Runs when medusa is already provisioned (.tools/, e.g. by an earlier audit
 * or `npm run tools:install`), else it is skipped with the reason. With
 * AUDIT_INVARIANT_TEETH=1 (CI) it provisions medusa itself and never skips.
 */
import { expect } from "chai";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import hre from "hardhat";
import { BUG_ARTIFACTS, compileBugBuild } from "../../scripts/audit/invariants/bug-build";
import { loadCampaignConfig, runCampaign, type CampaignResult } from "../../scripts/audit/invariants/campaign";
import { replayInvariantSequence } from "../../scripts/audit/invariants/replay";
import { MEDUSA_DEMANDED, requireRealMedusa } from "./real-medusa";

const ROOT = path.resolve(__dirname, "../..");
/** What the planted bug breaks (both fail on the same withdrawal); nothing else may fail. */
const LOCK_PROPERTIES = ["echidna_locked_stake_stays_until_end", "echidna_tally_within_locked_stake"];

describe("invariant campaign teeth (planted bug, real medusa)", function () {
  const demanded = MEDUSA_DEMANDED;
  // Provisioning on a fresh machine (pip venv + building medusa with Go) takes minutes; the campaigns ~1.
  this.timeout(demanded ? 20 * 60_000 : 8 * 60_000);
  const { quick, ci } = loadCampaignConfig(ROOT).budgets;
  let tmp: string;
  let bug: CampaignResult;
  let clean: CampaignResult;

  before(async function () {
    await requireRealMedusa(this, ROOT);
    // One compile of the sources on disk: Medusa loads every build-info file, the replay the artifacts.
    const built = compileBugBuild(ROOT);
    if (built.forcedBecause) console.log(`      [planted-bug build] it ${built.forcedBecause}: compiled again with --force`);

    tmp = mkdtempSync(path.join(tmpdir(), "invariants-teeth-"));
    const common = { root: ROOT, profile: "quick" as const, signal: new AbortController().signal, log: () => undefined, engine: "medusa" as const, workers: 1 };
    // Fresh corpora: nothing carried over from earlier runs.
    [bug, clean] = await Promise.all([
      runCampaign({ ...common, profile: "ci", harness: "LockBypassInvariants", artifactsDir: BUG_ARTIFACTS, rawDir: path.join(tmp, "bug"), corpusDir: path.join(tmp, "bug/corpus") }),
      runCampaign({ ...common, harness: "LoadBalancerInvariants", rawDir: path.join(tmp, "clean"), corpusDir: path.join(tmp, "clean/corpus") }),
    ]);
    console.log(
      `      planted bug: ${bug.status} in ${(bug.durationMs / 1000).toFixed(1)}s (${bug.calls ?? "?"} calls); ` +
        `clean: ${clean.status} in ${(clean.durationMs / 1000).toFixed(1)}s (${clean.calls ?? "?"} calls, ${clean.callsPerSecond ?? "?"}/s)`,
    );
  });

  after(function () {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it(`breaks the lock properties of the planted bug within the ci budget (${ci.seconds}s, stopping at the first), with a call sequence`, function () {
    expect(bug.status, bug.reason ?? bug.stderrTail).to.equal("failed");
    expect(bug.engine).to.equal("medusa");
    const broken = bug.failures.map((f) => f.property);
    expect(broken.some((p) => LOCK_PROPERTIES.includes(p)), broken.join(", ")).to.equal(true);
    expect(broken.every((p) => LOCK_PROPERTIES.includes(p)), `unrelated property failed: ${broken.join(", ")}`).to.equal(true);
    for (const f of bug.failures) {
      expect(f.source).to.equal("medusa-test-results");
      // A vote, then the locked stake leaving: as single calls or inside one batch.
      const fns = f.callSequence.map((s) => s.function);
      const batched = fns.includes("batchUserActions(uint8,uint8,uint256,uint256)");
      expect(fns.includes("castVote(uint8,uint256,uint8)") || batched, fns.join(" ")).to.equal(true);
      expect(fns.some((fn) => fn === "withdraw(uint8,uint256)" || fn === "exit(uint8)") || batched, fns.join(" ")).to.equal(true);
      for (const s of f.callSequence) {
        expect(s.sender).to.match(/^0x[0-9a-f]{40}$/);
        expect(s.calldata).to.match(/^0x[0-9a-f]+$/);
      }
    }
  });

  it(`passes the quick budget (${quick.seconds}s) on the real system, every property checked`, function () {
    expect(clean.status, clean.reason ?? clean.stderrTail).to.equal("passed");
    expect(clean.failures).to.deep.equal([]);
    const props = clean.properties.filter((p) => p.kind === "property");
    expect(props).to.have.length(12);
    expect(props.every((p) => p.status === "passed")).to.equal(true);
    expect(clean.calls).to.be.greaterThan(0);
    expect(clean.coverage.branches).to.be.greaterThan(0);
    expect(clean.coverage.lines?.pct).to.be.greaterThan(0);
  });

  it("replays each failing sequence on Hardhat: broken on the buggy build, holding on the real one", async function () {
    expect(bug.failures.length).to.be.greaterThan(0);
    const snapshot = (await hre.network.provider.send("evm_snapshot", [])) as string;
    try {
      for (const f of bug.failures) {
        const onBug = await replayInvariantSequence(hre, { harness: "LockBypassInvariants", artifactsDir: BUG_ARTIFACTS, sequence: f.callSequence });
        expect(await onBug.harness.getFunction(f.property)(), `${f.property} on the planted bug`).to.equal(false);
        const onReal = await replayInvariantSequence(hre, { harness: "LoadBalancerInvariants", sequence: f.callSequence });
        expect(await onReal.harness.getFunction(f.property)(), `${f.property} on the real system`).to.equal(true);
      }
    } finally {
      await hre.network.provider.send("evm_revert", [snapshot]);
    }
  });
});

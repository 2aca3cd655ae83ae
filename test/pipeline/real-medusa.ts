/**
 * The before-all step of the tests that run the real Medusa (invariants-teeth, shards-e2e): skip under
 * solidity-coverage (an instrumented build tests coverage, not the fuzzer); use the provisioned Medusa,
 * or skip with the reason when there is none - unless AUDIT_INVARIANT_TEETH=1 (CI) demands it, which
 * provisions it and never skips.
 */
import hre from "hardhat";
import { ensureMedusa, ToolUnavailableError } from "../../scripts/audit/tools/provision";

/** Whether CI demands the real-Medusa tests (AUDIT_INVARIANT_TEETH=1): then they provision and never skip. */
export const MEDUSA_DEMANDED = process.env.AUDIT_INVARIANT_TEETH === "1";

export async function requireRealMedusa(ctx: Mocha.Context, root: string): Promise<void> {
  if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) ctx.skip();
  try {
    await ensureMedusa({ root, log: (m) => console.log(`      [provision] ${m}`), offline: !MEDUSA_DEMANDED });
  } catch (e) {
    if (!MEDUSA_DEMANDED && e instanceof ToolUnavailableError) {
      console.log(`      skipped: ${e.message} (AUDIT_INVARIANT_TEETH=1 provisions it)`);
      ctx.skip();
    }
    throw e;
  }
}

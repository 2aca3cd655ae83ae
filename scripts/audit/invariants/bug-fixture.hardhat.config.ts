/**
 * A separate, small build for the invariant campaign's planted-bug fixtures (LockBypassStaking; the
 * payable EtherVault harnesses): the project's config plus test/fixtures/invariant-bug, with its own
 * artifacts and cache under cache/invariant-bug/ so the buggy variants never enter the default build
 * (artifacts/, typechain-types/, other audit stages).
 *
 *   npx hardhat --config scripts/audit/invariants/bug-fixture.hardhat.config.ts compile --force
 *
 * (--force: crytic-compile loads every build-info file, and an incremental compile keeps the old one
 * beside the new; the tests compile it through bug-build.ts, which forces only when the build is stale.)
 *
 * (It lives here, not in test/, because `hardhat test` would load any .ts file under test/ as a test.)
 */
import path from "node:path";
import { subtask } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_GET_SOURCE_PATHS } from "hardhat/builtin-tasks/task-names";
import { getAllFilesMatching } from "hardhat/internal/util/fs-utils";
import type { HardhatUserConfig } from "hardhat/config";
import base from "../../../hardhat.config";
import { BUG_ARTIFACTS } from "./bug-build";

const ROOT = path.resolve(__dirname, "../../..");
const FIXTURE_DIR = path.join(ROOT, "test/fixtures/invariant-bug");
const KEEP = ["contracts", "test/invariant", "test/fixtures/invariant-bug"].map((d) => path.join(ROOT, d) + path.sep);

// Only what the harness needs: the product, the harnesses and this fixture (not the gas benchmark).
subtask(TASK_COMPILE_SOLIDITY_GET_SOURCE_PATHS, async (_args, _hre, runSuper) => {
  const sources: string[] = await runSuper();
  const fixture = await getAllFilesMatching(FIXTURE_DIR, (f) => f.endsWith(".sol"));
  return [...new Set([...sources, ...fixture])].filter((f) => KEEP.some((k) => f.startsWith(k)));
});

const config: HardhatUserConfig = {
  ...base,
  paths: {
    root: ROOT,
    sources: "./contracts",
    tests: "./test/fixtures/invariant-bug",
    artifacts: `./${BUG_ARTIFACTS}`,
    cache: "./cache/invariant-bug/cache",
  },
  // Typings come from the default build only.
  typechain: { ...base.typechain, dontOverrideCompile: true },
};

export default config;

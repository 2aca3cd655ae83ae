/**
 * Builds the planted-bug fixtures (scripts/audit/invariants/bug-fixture.hardhat.config.ts into
 * cache/invariant-bug/) as one compile of the sources on disk, for the tests and scripts that fuzz and
 * replay them (invariants-teeth, invariants-replay, scripts/audit/dev/record-invariant-fixtures.ts).
 *
 * Why not a plain `hardhat compile`: after a source changes, Hardhat recompiles incrementally and
 * keeps the earlier build-info file beside the new one. crytic-compile (Medusa's and Echidna's
 * front end) loads every build-info file in the folder, so the engine may deploy the old copy of a
 * recompiled harness while the Hardhat replay reads the new artifacts: the fuzzer's failure then
 * does not replay. The same staleness check as the audit's compile stage (build.ts `buildStaleness`)
 * decides, and a stale build is compiled again once with `--force`.
 *
 * This module does not import the bug config itself: loading it would register its source filter
 * in the calling Hardhat process.
 */
import { spawnSync } from "node:child_process";
import path from "node:path";
import { buildStaleness } from "../build";

/** The planted-bug build's Hardhat config, repository-relative. */
export const BUG_CONFIG = "scripts/audit/invariants/bug-fixture.hardhat.config.ts";
/** Where that build's artifacts go (paths.artifacts of BUG_CONFIG), repository-relative. */
export const BUG_ARTIFACTS = "cache/invariant-bug/artifacts";

export interface BugBuildResult {
  /** Why the first compile left a stale build (then it was compiled again with --force). */
  forcedBecause?: string;
}

/**
 * Compiles the planted-bug build and makes sure it is a single, current compile.
 * @param root repository root
 * @throws Error naming the compile's output when Hardhat fails, or the staleness left after `--force`
 */
export function compileBugBuild(root: string, timeoutMs = 5 * 60_000): BugBuildResult {
  const hardhatCli = require.resolve("hardhat/internal/cli/cli.js", { paths: [root] });
  const compile = (force: boolean): void => {
    const args = [hardhatCli, "--config", BUG_CONFIG, "compile", "--quiet", ...(force ? ["--force"] : [])];
    const r = spawnSync(process.execPath, args, { cwd: root, encoding: "utf8", timeout: timeoutMs });
    if (r.status !== 0) {
      throw new Error(`planted-bug build failed (${BUG_CONFIG}${force ? ", --force" : ""}):\n${r.stdout ?? ""}\n${r.stderr ?? r.error?.message ?? ""}`);
    }
  };
  const artifactsDir = path.join(root, BUG_ARTIFACTS);
  const build = { artifactsDir, buildInfoDir: path.join(artifactsDir, "build-info"), buildInfoFiles: [] };
  compile(false);
  const stale = buildStaleness(root, build);
  if (!stale) return {};
  compile(true);
  const still = buildStaleness(root, build);
  if (still) throw new Error(`the planted-bug build ${BUG_ARTIFACTS} ${still}, even after compile --force`);
  return { forcedBecause: stale };
}

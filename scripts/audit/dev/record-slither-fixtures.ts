/**
 * Re-records test/pipeline/fixtures/slither/ from REAL runs of the pinned
 * Slither (provisioned into .tools/ if needed):
 *
 *   npx hardhat compile && npx ts-node --transpile-only scripts/audit/dev/record-slither-fixtures.ts
 *
 *   clean.json                 slither on this repository's build (the clean system)
 *   reentrant.json             slither on test/fixtures/slither/ReentrantVault.sol (fixture project)
 *   no-build.stderr.log        slither pointed at a missing build: no JSON, a traceback (fixture root replaced by <fixture>)
 *   upgradeability/*.json      slither-check-upgradeability runs of the upgradeability stage, and
 *                              failure.json (a contract that does not exist: success false, exit 0)
 *   meta.json                  the roots the absolute paths in the recordings refer to, versions
 *
 * The files are saved exactly as Slither wrote them.
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { listBuildInfoFiles } from "../tools/build-info";
import { ensureSlither } from "../tools/provision";
import { runProvisioned } from "../tools/run-provisioned";
import { runSlitherStage } from "../stages/slither";
import { runUpgradeabilityStage } from "../stages/slither-upgradeability";
import { makeFixtureProject, stageContext } from "./slither-fixture";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const OUT = path.join(ROOT, "test", "pipeline", "fixtures", "slither");

async function main(): Promise<void> {
  const log = (m: string): void => console.error(`[record] ${m}`);
  const tools = await ensureSlither({ root: ROOT, log });
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(path.join(OUT, "upgradeability"), { recursive: true });
  const scratch = mkdtempSync(path.join(tmpdir(), "record-slither-"));

  // 1. The repository's own build.
  const artifactsDir = path.join(ROOT, "artifacts");
  const buildInfoDir = path.join(artifactsDir, "build-info");
  const build = { artifactsDir, buildInfoDir, buildInfoFiles: listBuildInfoFiles(buildInfoDir), solcVersion: "0.8.28" };
  const repoCtx = stageContext(ROOT, build, path.join(scratch, "repo"), log);
  const clean = await runSlitherStage(repoCtx);
  if (clean.status !== "passed") throw new Error(`slither on the repository: ${clean.status} ${clean.reason ?? ""}`);
  copyFileSync(path.join(repoCtx.rawDir, "slither", "slither.json"), path.join(OUT, "clean.json"));
  const upgrade = await runUpgradeabilityStage(repoCtx);
  if (upgrade.status !== "passed") throw new Error(`upgradeability: ${upgrade.status} ${upgrade.reason ?? ""}`);
  const upRaw = path.join(repoCtx.rawDir, "slither-upgradeability");
  // One JSON per comparison, and the check list; not the session's job and status files.
  for (const f of readdirSync(upRaw).filter((n) => n.endsWith(".json") && !n.startsWith("session"))) copyFileSync(path.join(upRaw, f), path.join(OUT, "upgradeability", f));

  // 2. The reentrancy fixture.
  const fixture = makeFixtureProject(path.join(ROOT, "test", "fixtures", "slither", "ReentrantVault.sol"), ROOT);
  const fixtureCtx = stageContext(fixture.root, fixture.build, path.join(scratch, "fixture"), log);
  const reentrant = await runSlitherStage(fixtureCtx, { toolsDir: path.join(ROOT, ".tools") });
  if (reentrant.status !== "passed") throw new Error(`slither on the fixture: ${reentrant.status} ${reentrant.reason ?? ""}`);
  copyFileSync(path.join(fixtureCtx.rawDir, "slither", "slither.json"), path.join(OUT, "reentrant.json"));

  // 3. Failures. slither-check-upgradeability on a contract that does not exist: success false, exit 0.
  const failureJson = path.join(scratch, "failure.json");
  await runProvisioned(tools.checkUpgradeability, [".", "NoSuchContract", "--proxy-name", "ReentrantVault", "--compile-force-framework", "hardhat", "--hardhat-ignore-compile", "--npx-disable", "--json", failureJson], {
    cwd: fixture.root,
    signal: new AbortController().signal,
    rawDir: scratch,
    logName: "failure",
  });
  copyFileSync(failureJson, path.join(OUT, "upgradeability", "failure.json"));
  // slither with no build where the artifacts should be: a traceback on stderr, exit 1, no JSON at all.
  const noBuild = await runProvisioned(tools.slither, [".", "--compile-force-framework", "hardhat", "--hardhat-ignore-compile", "--hardhat-artifacts-directory", "no-such-artifacts", "--npx-disable", "--json", path.join(scratch, "nobuild.json")], {
    cwd: fixture.root,
    signal: new AbortController().signal,
    rawDir: scratch,
    logName: "no-build",
  });
  writeFileSync(path.join(OUT, "no-build.stderr.log"), noBuild.stderr.split(fixture.root).join("<fixture>"));

  writeFileSync(
    path.join(OUT, "meta.json"),
    `${JSON.stringify({ repoRoot: ROOT, fixtureRoot: fixture.root, slither: tools.slither.version, cryticCompile: tools.cryticCompile.version, recordedAt: new Date().toISOString().slice(0, 10) }, null, 2)}\n`,
  );
  rmSync(scratch, { recursive: true, force: true });
  rmSync(fixture.root, { recursive: true, force: true });
  log(`recorded into ${path.relative(ROOT, OUT)}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});

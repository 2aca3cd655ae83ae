/**
 * The Slither stages' work done the old way, one tool process per job: `slither` once, and
 * `slither-check-upgradeability` once per comparison (plus `--list-detectors-json`), on exactly the
 * command lines the shared session (stages/slither-session.ts) runs in one process. Used by the
 * equivalence test (test/pipeline/slither-session.test.ts: same raw outputs, same findings) and by
 * `npm run bench:audit` (the hand-run reference). Not used by the audit itself.
 */
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { buildEnv } from "../stages/slither-common";
import type { SlitherPart, UpgradeabilityJob, UpgradeabilityPart } from "../stages/slither-session";
import type { SlitherTools } from "../tools/provision";
import { runProvisioned, type ProvisionedRun } from "../tools/run-provisioned";
import type { StageContext } from "../types";

function fresh(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
}

/** `slither <part.argv>` in its own process, outputs into a fresh part.raw. */
export function runSlitherCli(ctx: StageContext, tools: SlitherTools, part: SlitherPart): Promise<ProvisionedRun> {
  fresh(part.raw);
  return runProvisioned(tools.slither, part.argv, { cwd: ctx.root, signal: ctx.signal, rawDir: part.raw, logName: "slither", env: buildEnv(ctx, tools.slither) });
}

/**
 * `slither-check-upgradeability --list-detectors-json` (into part.checksFile) and one process per
 * comparison, one after the other, outputs into a fresh part.raw.
 */
export async function runUpgradeabilityCli(ctx: StageContext, tools: SlitherTools, part: UpgradeabilityPart): Promise<{ job: UpgradeabilityJob; process: ProvisionedRun }[]> {
  fresh(part.raw);
  const tool = tools.checkUpgradeability;
  const env = buildEnv(ctx, tool);
  const list = await runProvisioned(tool, ["--list-detectors-json"], { cwd: ctx.root, signal: ctx.signal, rawDir: part.raw, logName: "list-detectors", env });
  writeFileSync(part.checksFile, list.stdout);
  const runs: { job: UpgradeabilityJob; process: ProvisionedRun }[] = [];
  for (const job of part.jobs) {
    runs.push({ job, process: await runProvisioned(tool, job.argv, { cwd: ctx.root, signal: ctx.signal, rawDir: part.raw, logName: job.name, env }) });
  }
  return runs;
}

/** A command line a reader can paste into a POSIX shell. */
export function shellCommand(program: string, argv: readonly string[]): string {
  return [program, ...argv].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`)).join(" ");
}

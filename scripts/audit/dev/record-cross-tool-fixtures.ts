/**
 * Records the real outputs the cross-tool matching (scripts/audit/findings/merge.ts) is tested on, into
 * test/pipeline/fixtures/cross-tool/ (unmodified; `meta.json` names the roots the absolute paths refer to):
 *
 *   npx ts-node --transpile-only scripts/audit/dev/record-cross-tool-fixtures.ts
 *
 *   slither.json              slither (the slither stage's flags) on test/fixtures/findings/CrossToolVault.sol
 *   solhint.json              solhint -f json on the same file, with solhint-config.json
 *   upgradeability/*.json     slither-check-upgradeability on test/fixtures/findings/PlainProxyUpgrade.sol:
 *                             CounterV1 and CounterV2 behind NaiveProxy, and CounterV1 -> CounterV2
 *   meta.json                 the fixture roots, the tools' versions
 *
 * The storage analyzer's side is not recorded: the tests run it on the same file (it is this
 * repository's code, and a recording of it would only go stale).
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { runSlitherStage } from "../stages/slither";
import { buildFlags } from "../stages/slither-common";
import { ensureSlither } from "../tools/provision";
import { runProvisioned } from "../tools/run-provisioned";
import { makeFixtureProject, stageContext } from "./slither-fixture";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const FIXTURES = path.join(ROOT, "test", "fixtures", "findings");
const OUT = path.join(ROOT, "test", "pipeline", "fixtures", "cross-tool");

/** solhint's recommended rules, with the security rules that have a Slither counterpart switched on. */
export const CROSS_TOOL_SOLHINT_CONFIG = {
  extends: "solhint:recommended",
  rules: {
    "compiler-version": "off",
    "avoid-low-level-calls": "warn",
    "no-unchecked-calls": "warn",
    "avoid-tx-origin": "warn",
    "not-rely-on-time": "warn",
    "no-inline-assembly": "warn",
  },
};

export const UPGRADEABILITY_RUNS = [
  { name: "CounterV1-vs-NaiveProxy", args: ["CounterV1", "--proxy-name", "NaiveProxy"] },
  { name: "CounterV2-vs-NaiveProxy", args: ["CounterV2", "--proxy-name", "NaiveProxy"] },
  { name: "CounterV1-to-CounterV2", args: ["CounterV1", "--new-contract-name", "CounterV2"] },
] as const;

async function main(): Promise<void> {
  const log = (m: string): void => console.error(`[record] ${m}`);
  const tools = await ensureSlither({ root: ROOT, log });
  rmSync(OUT, { recursive: true, force: true });
  mkdirSync(path.join(OUT, "upgradeability"), { recursive: true });
  const scratch = mkdtempSync(path.join(tmpdir(), "record-cross-tool-"));

  // 1. Slither and solhint on one contract.
  const vault = makeFixtureProject(path.join(FIXTURES, "CrossToolVault.sol"), ROOT);
  const ctx = stageContext(vault.root, vault.build, path.join(scratch, "vault"), log);
  const slither = await runSlitherStage(ctx, { toolsDir: path.join(ROOT, ".tools") });
  if (slither.status !== "passed") throw new Error(`slither: ${slither.status} ${slither.reason ?? ""}`);
  copyFileSync(path.join(ctx.rawDir, "slither", "slither.json"), path.join(OUT, "slither.json"));
  const config = path.join(OUT, "solhint-config.json");
  writeFileSync(config, `${JSON.stringify(CROSS_TOOL_SOLHINT_CONFIG, null, 2)}\n`);
  const solhint = await execa(path.join(ROOT, "node_modules", ".bin", "solhint"), ["-f", "json", "--config", config, vault.source], { cwd: vault.root, reject: false });
  writeFileSync(path.join(OUT, "solhint.json"), solhint.stdout);

  // 2. slither-check-upgradeability on the plain proxy and its upgrade.
  const upgrade = makeFixtureProject(path.join(FIXTURES, "PlainProxyUpgrade.sol"), ROOT);
  const upCtx = stageContext(upgrade.root, upgrade.build, path.join(scratch, "upgrade"), log);
  for (const run of UPGRADEABILITY_RUNS) {
    const file = path.join(OUT, "upgradeability", `${run.name}.json`);
    await runProvisioned(tools.checkUpgradeability, [".", ...run.args, ...buildFlags(upCtx, upgrade.build.artifactsDir), "--json", file], {
      cwd: upgrade.root,
      signal: new AbortController().signal,
      rawDir: scratch,
      logName: run.name,
    });
  }

  writeFileSync(
    path.join(OUT, "meta.json"),
    `${JSON.stringify(
      {
        $comment: "Recorded by scripts/audit/dev/record-cross-tool-fixtures.ts; the absolute paths in the outputs are under these roots.",
        vaultRoot: vault.root,
        upgradeRoot: upgrade.root,
        slither: tools.slither.version,
        solhint: (JSON.parse(await import("node:fs").then((fs) => fs.readFileSync(path.join(ROOT, "node_modules", "solhint", "package.json"), "utf8"))) as { version: string }).version,
        recordedAt: new Date().toISOString().slice(0, 10),
      },
      null,
      2,
    )}\n`,
  );
  rmSync(scratch, { recursive: true, force: true });
  rmSync(vault.root, { recursive: true, force: true });
  rmSync(upgrade.root, { recursive: true, force: true });
  log(`recorded into ${path.relative(ROOT, OUT)}`);
}

if (require.main === module) {
  main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}

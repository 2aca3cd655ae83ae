/**
 * Records REAL tool outputs for the adapter tests (npm run audit:record-fixtures).
 *
 * Builds a throwaway Hardhat project in a temp directory from
 * test/pipeline/fixtures/project/ (small contracts with known lint problems,
 * a failing, a pending and passing tests, an uncovered function), using this
 * repository's hardhat.config.ts, .solhint.json, .solcover.js and
 * node_modules; runs the whole audit pipeline on it (--profile ci), then
 * copies each tool's raw output into test/pipeline/fixtures/recorded/.
 * It also re-lints a copy of Vault.sol with lines inserted above the
 * findings, so the fingerprint test runs on real solhint output.
 *
 * Re-run it after upgrading solhint, mocha, hardhat-gas-reporter or
 * solidity-coverage, and commit the changed fixtures.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { main } from "../run";
import { createFixtureProject, REPO } from "./fixture-project";
import { packageVersion, resolveNodeTool, runNodeTool } from "../exec";

const RECORDED = path.join(REPO, "test", "pipeline", "fixtures", "recorded");

/** Lines inserted into Vault.sol (after the pragma) for the "moved" lint run. */
export const MOVED_PREFIX = "\n// inserted line 1: moves every finding below it\n\n// inserted line 3\n";

async function record(): Promise<void> {
  const root = createFixtureProject();
  const out = path.join(root, "audit-out");
  const chunks: string[] = [];
  const stdout = { write: (s: string) => chunks.push(s) } as unknown as NodeJS.WriteStream;
  const code = await main(["--root", root, "--out", out, "--profile", "ci", "--json"], {
    stdout,
    stderr: process.stderr,
    cwd: root,
    env: { ...process.env, CI: "true" },
  });
  if (code === 2) throw new Error("the pipeline could not run on the fixture project");
  const raw = path.join(out, "raw");
  rmSync(RECORDED, { recursive: true, force: true });
  mkdirSync(RECORDED, { recursive: true });
  const copy = (from: string, to: string): void => cpSync(path.join(raw, from), path.join(RECORDED, to));
  copy("lint/solhint.stdout.log", "solhint.json");
  copy("test/mocha-junit.xml", "mocha-junit.xml");
  copy("test/gas-reporter.json", "gas-reporter.json");
  copy("coverage/coverage-summary.json", "coverage-summary.json");
  copy("coverage/mocha-junit.xml", "coverage-mocha-junit.xml");

  // The same lint after inserting lines above every finding of Vault.sol.
  const vault = path.join(root, "contracts", "Vault.sol");
  const source = readFileSync(vault, "utf8");
  const pragmaEnd = source.indexOf("\n", source.indexOf("pragma solidity")) + 1;
  const moved = source.slice(0, pragmaEnd) + MOVED_PREFIX + source.slice(pragmaEnd);
  writeFileSync(vault, moved);
  mkdirSync(path.join(RECORDED, "moved", "contracts"), { recursive: true });
  writeFileSync(path.join(RECORDED, "moved", "contracts", "Vault.sol"), moved);
  const solhint = resolveNodeTool(root, "solhint")!;
  const run = await runNodeTool(solhint, ["-f", "json", "contracts/Vault.sol"], {
    root,
    signal: new AbortController().signal,
    rawDir: path.join(root, "moved-lint"),
    logName: "solhint",
  });
  writeFileSync(path.join(RECORDED, "moved", "solhint.json"), run.stdout);

  const meta = {
    $comment: "Recorded by scripts/audit/dev/record-fixtures.ts; `root` is the temp project the tools ran in (paths in the outputs are under it).",
    root,
    recordedAt: new Date().toISOString(),
    pipelineExitCode: code,
    tools: Object.fromEntries(
      ["solhint", "mocha", "mocha-junit-reporter", "hardhat-gas-reporter", "solidity-coverage", "hardhat"].map((p) => [p, packageVersion(REPO, p)]),
    ),
    summary: JSON.parse(chunks.join("")) as unknown,
  };
  writeFileSync(path.join(RECORDED, "meta.json"), JSON.stringify(meta, null, 2) + "\n");
  rmSync(root, { recursive: true, force: true });
  process.stdout.write(`recorded into ${path.relative(REPO, RECORDED)}/ (pipeline exit ${code})\n`);
}

if (require.main === module) {
  record().catch((e: unknown) => {
    process.stderr.write(`record-fixtures: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  });
}

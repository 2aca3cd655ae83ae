/**
 * A throwaway Hardhat project built from test/pipeline/fixtures/project/,
 * configured exactly like this repository (its hardhat.config.ts, solhint
 * and solidity-coverage settings, node_modules). The fixture recorder and
 * the end-to-end pipeline test run the real audit on it.
 */
import { cpSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const REPO = path.resolve(__dirname, "..", "..", "..");
export const FIXTURE_PROJECT = path.join(REPO, "test", "pipeline", "fixtures", "project");

export function createFixtureProject(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "audit-fixture-"));
  cpSync(path.join(FIXTURE_PROJECT, "contracts"), path.join(root, "contracts"), { recursive: true });
  mkdirSync(path.join(root, "test", "unit"), { recursive: true });
  // Stored as .txt so this repository's own mocha run never loads it.
  cpSync(path.join(FIXTURE_PROJECT, "unit-test.ts.txt"), path.join(root, "test", "unit", "Vault.test.ts"));
  for (const f of [".solhint.json", ".solcover.js", "tsconfig.json"]) cpSync(path.join(REPO, f), path.join(root, f));
  writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "audit-fixture", version: "0.0.0", private: true }) + "\n");
  writeFileSync(
    path.join(root, "hardhat.config.ts"),
    `// This repository's Hardhat config (solc override, plugins, mocha/gas settings), rooted here.\nexport { default } from ${JSON.stringify(path.join(REPO, "hardhat.config"))};\n`,
  );
  symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"), "dir");
  return root;
}

/**
 * A throwaway Hardhat project configured like this repository (its hardhat.config.ts, node_modules)
 * holding only `files` (project-relative path -> content), e.g. `contracts/Case.sol`. For running the
 * analyzer tasks exactly as a user runs them on code of their own.
 */
export function createProjectWith(files: Record<string, string>): string {
  const root = mkdtempSync(path.join(os.tmpdir(), "audit-project-"));
  for (const [file, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), content);
  }
  cpSync(path.join(REPO, "tsconfig.json"), path.join(root, "tsconfig.json"));
  writeFileSync(path.join(root, "package.json"), JSON.stringify({ name: "audit-scratch", version: "0.0.0", private: true }) + "\n");
  writeFileSync(
    path.join(root, "hardhat.config.ts"),
    `// This repository's Hardhat config (solc override, plugins), rooted here.\nexport { default } from ${JSON.stringify(path.join(REPO, "hardhat.config"))};\n`,
  );
  symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"), "dir");
  return root;
}

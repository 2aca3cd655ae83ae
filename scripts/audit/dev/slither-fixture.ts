/**
 * A throw-away Hardhat-shaped project around one fixture contract (e.g.
 * test/fixtures/slither/ReentrantVault.sol), for running the slither stage on
 * code that must stay out of the product's build: the source is copied to
 * <dir>/contracts/, compiled with the project's pinned solcjs and the same
 * settings as hardhat.config.ts, and written as a Hardhat build-info, which is
 * all crytic-compile reads with --hardhat-ignore-compile.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { BuildRef, StageContext } from "../types";

const SETTINGS = {
  optimizer: { enabled: true, runs: 10_000 },
  evmVersion: "cancun",
  outputSelection: {
    "*": {
      "*": ["abi", "evm.bytecode", "evm.deployedBytecode", "evm.methodIdentifiers", "metadata", "storageLayout"],
      "": ["ast"],
    },
  },
};

export interface FixtureProject {
  root: string;
  build: BuildRef;
  /** Repository-relative path of the contract inside the fixture project. */
  source: string;
}

/** Builds the fixture project in a new temp directory (synchronous solcjs: a second or two for one file). */
export function makeFixtureProject(contractFile: string, repoRoot: string): FixtureProject {
  const root = mkdtempSync(path.join(tmpdir(), "slither-fixture-"));
  const source = `contracts/${path.basename(contractFile)}`;
  mkdirSync(path.join(root, "contracts"), { recursive: true });
  copyFileSync(contractFile, path.join(root, source));
  // crytic-compile recognizes a Hardhat project by its config file.
  writeFileSync(path.join(root, "hardhat.config.js"), "module.exports = { solidity: '0.8.28' };\n");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require(require.resolve("solc", { paths: [repoRoot] })) as { compile(input: string): string; version(): string };
  const input = { language: "Solidity", sources: { [source]: { content: readFileSync(contractFile, "utf8") } }, settings: SETTINGS };
  const output = JSON.parse(solc.compile(JSON.stringify(input))) as { errors?: { severity: string; formattedMessage: string }[] };
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(`fixture ${contractFile} does not compile: ${errors[0].formattedMessage}`);
  const longVersion = solc.version().replace(/\.Emscripten\.clang$/, "") + ".Emscripten.clang";
  const artifactsDir = path.join(root, "artifacts");
  const buildInfoDir = path.join(artifactsDir, "build-info");
  mkdirSync(buildInfoDir, { recursive: true });
  const file = path.join(buildInfoDir, "fixture.json");
  writeFileSync(file, JSON.stringify({ id: "fixture", _format: "hh-sol-build-info-1", solcVersion: "0.8.28", solcLongVersion: longVersion, input, output }));
  return { root, source, build: { artifactsDir, buildInfoDir, buildInfoFiles: [file], solcVersion: "0.8.28" } };
}

/** A StageContext for running a stage directly (tests, fixture recording). */
export function stageContext(root: string, build: BuildRef, outDir: string, log: (m: string) => void = () => undefined): StageContext {
  return {
    root,
    outDir,
    rawDir: path.join(outDir, "raw"),
    profile: "ci",
    build,
    upstream: new Map(),
    log,
    signal: new AbortController().signal,
    plan: ["compile", "slither"],
  };
}

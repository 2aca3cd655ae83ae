import fs from "node:fs";
import path from "node:path";
import { subtask } from "hardhat/config";
import {
  TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD,
  TASK_COMPILE_SOLIDITY_GET_SOURCE_PATHS,
  TASK_TEST_GET_TEST_FILES,
} from "hardhat/builtin-tasks/task-names";
import { getAllFilesMatching } from "hardhat/internal/util/fs-utils";
import type { HardhatUserConfig } from "hardhat/config";
// `npx hardhat audit:repro`: failing invariant sequences -> regression tests (docs/INVARIANTS.md).
import "./scripts/audit/invariants/repro-task";
import "@nomicfoundation/hardhat-chai-matchers";
import "@nomicfoundation/hardhat-ethers";
import "@typechain/hardhat";
import "hardhat-gas-reporter";
import "solidity-coverage";
import { loadBalancerResolver } from "./scripts/lib/gasReporterResolver";
import { solcJsBuild } from "./scripts/audit/solcjs";
import "./scripts/audit/hardhat-task";
import "./scripts/audit/analyzers/tasks";

/**
 * The one Solidity version of this project's contracts. scripts/audit/solcjs.ts maps it (and the other
 * versions the analyzer fixtures use) to a pinned `solc` npm package: solcjs is the compiler, because no
 * native solc can be downloaded on our machines.
 */
export const SOLIDITY_VERSION = "0.8.28";

// Compile with the pinned solcjs builds (scripts/audit/solcjs.ts) instead of downloading a native solc.
subtask(TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD, async (args: { solcVersion: string }, _hre, runSuper) => {
  return solcJsBuild(args.solcVersion) ?? runSuper();
});

/**
 * Solidity that is part of the one build but not of the product: the invariant harnesses and the gas
 * benchmark's reference proxies. Compiling them with everything else gives every stage (fuzzers,
 * benchmark, analyzers) the same build-info; analyzers and Slither scope themselves to contracts/.
 */
export const EXTRA_SOURCE_ROOTS = ["test/invariant", "bench/contracts"];

subtask(TASK_COMPILE_SOLIDITY_GET_SOURCE_PATHS, async (_args, hre, runSuper) => {
  const sources: string[] = await runSuper();
  for (const root of EXTRA_SOURCE_ROOTS) {
    const dir = path.join(hre.config.paths.root, root);
    if (!fs.existsSync(dir)) continue;
    sources.push(...(await getAllFilesMatching(dir, (f) => f.endsWith(".sol"))));
  }
  return sources;
});

/**
 * The tests that exercise the contracts, and so the ones `npx hardhat coverage` measures them with
 * (the audit's coverage stage reads the same folder from `scope.tests` of audit/policy.json).
 */
export const CONTRACT_TESTS = "test/unit";

/**
 * Test files live under test/; test/fixtures/ holds inputs of tests, never tests: among them whole
 * Hardhat projects with test suites of their own (test/fixtures/projects/), which the audit's
 * end-to-end tests run in their own copies. Under `hardhat coverage` without `--testfiles`, only
 * CONTRACT_TESTS run: the audit-pipeline tests (test/pipeline/, test/docs/) test the harness's
 * TypeScript, not the contracts, and on an instrumented build they measure nothing and cannot pass
 * (instrumented bytecode breaks the gas benchmark's deployment limits and Slither's reading of the
 * build-info). Files named on the command line always run as given.
 */
subtask(TASK_TEST_GET_TEST_FILES, async (args: { testFiles: string[] }, hre, runSuper) => {
  const files: string[] = await runSuper(args);
  if (args.testFiles.length > 0) return files;
  const underCoverage = (hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING === true;
  const fixtures = path.join(hre.config.paths.tests, "fixtures") + path.sep;
  const contractTests = path.join(hre.config.paths.root, CONTRACT_TESTS) + path.sep;
  return files.filter((f) => {
    const file = path.resolve(f);
    return !file.startsWith(fixtures) && (!underCoverage || file.startsWith(contractTests));
  });
});

const config: HardhatUserConfig = {
  solidity: {
    version: SOLIDITY_VERSION,
    settings: {
      optimizer: { enabled: true, runs: 10_000 },
      evmVersion: "cancun",
      // Later analyzers (storage, selectors, Slither) read these from artifacts/build-info.
      outputSelection: {
        "*": {
          "*": ["abi", "evm.bytecode", "evm.deployedBytecode", "evm.methodIdentifiers", "metadata", "storageLayout"],
          "": ["ast"],
        },
      },
    },
  },
  paths: {
    sources: "./contracts",
    tests: "./test",
    cache: "./cache",
    artifacts: "./artifacts",
  },
  typechain: {
    outDir: "typechain-types",
    target: "ethers-v6",
  },
  gasReporter: {
    enabled: process.env.REPORT_GAS === "true",
    currency: "USD",
    offline: true,
    reportPureAndViewMethods: false,
    // Attribute routed calls (bytes1(id) ++ calldata) to the implementation method they reach.
    proxyResolver: loadBalancerResolver,
    // NO_COLOR (set by the audit pipeline for its raw logs) keeps ANSI codes out of the table.
    noColors: process.env.NO_COLOR !== undefined,
  },
  mocha: {
    timeout: 120_000,
    // The audit's test stage adds its JUnit reporter through the wrapper config
    // (scripts/audit/project/inject.js), as for any project.
  },
};

export default config;

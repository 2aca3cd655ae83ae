/**
 * The settings the audit's stages need, injected around a project's own Hardhat config - never by asking
 * the user to edit theirs. Loaded by the wrapper config that ./hardhat-project.ts writes for every audit
 * (`hardhat --config <wrapper>`), with the project's own `hardhat/config` module, so the extensions land
 * in the Hardhat instance that runs. Plain CommonJS: a JavaScript-only project can load it.
 *
 * What it adds (each only when the audit asks for it through AUDIT_* environment variables):
 * - the compiler outputs every stage reads (ast, storageLayout, method identifiers, bytecode, metadata),
 *   merged into each configured compiler's outputSelection;
 * - offline compilers: AUDIT_SOLC_BUILDS (JSON: version -> {compilerPath, isSolcJs, version, longVersion})
 *   answers TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD before Hardhat tries to download a native solc;
 * - AUDIT_JUNIT_FILE: mocha's spec output plus JUnit XML (mocha-multi-reporters and mocha-junit-reporter
 *   resolved from the harness's node_modules);
 * - AUDIT_GAS_JSON: hardhat-gas-reporter's JSON output, when the project uses that plugin (version 2:
 *   version 1 has no JSON output and replaces mocha's reporter). It is turned off otherwise, whatever
 *   REPORT_GAS says - hardhat-toolbox reads any non-empty REPORT_GAS as "on";
 * - the task `audit:project-facts`, which prints (as one JSON line) what the audit needs to know of the
 *   project: its paths, compiler versions, and which plugins (coverage, gas reporter) it loaded.
 */
"use strict";

const REQUIRED_OUTPUTS = ["abi", "evm.bytecode", "evm.deployedBytecode", "evm.methodIdentifiers", "metadata", "storageLayout"];

function withOutputs(settings) {
  const selection = { ...((settings && settings.outputSelection) || {}) };
  const all = { ...(selection["*"] || {}) };
  all["*"] = [...new Set([...(all["*"] || []), ...REQUIRED_OUTPUTS])];
  all[""] = [...new Set([...(all[""] || []), "ast"])];
  selection["*"] = all;
  return { ...(settings || {}), outputSelection: selection };
}

function packageVersion(name, root) {
  try {
    return require(require.resolve(`${name}/package.json`, { paths: [root] })).version;
  } catch {
    return undefined;
  }
}

module.exports = function inject(hardhatConfig, harness) {
  const { extendConfig, subtask, task } = hardhatConfig;
  const solcBuilds = process.env.AUDIT_SOLC_BUILDS ? JSON.parse(process.env.AUDIT_SOLC_BUILDS) : {};

  extendConfig((config) => {
    for (const compiler of [...config.solidity.compilers, ...Object.values(config.solidity.overrides)]) {
      compiler.settings = withOutputs(compiler.settings);
    }
    if (process.env.AUDIT_JUNIT_FILE) {
      config.mocha = {
        ...config.mocha,
        reporter: harness.resolve("mocha-multi-reporters"),
        // mocha-multi-reporters loads the reporters it names from its own node_modules (the harness's).
        reporterOptions: {
          reporterEnabled: "spec, mocha-junit-reporter",
          mochaJunitReporterReporterOptions: { mochaFile: process.env.AUDIT_JUNIT_FILE, includePending: true },
        },
      };
    }
    if (config.gasReporter !== undefined) {
      const json = process.env.AUDIT_GAS_JSON;
      config.gasReporter = {
        ...config.gasReporter,
        enabled: json !== undefined,
        ...(json !== undefined ? { outputJSON: true, outputJSONFile: json, offline: true, noColors: true } : {}),
      };
    }
  });

  subtask("compile:solidity:solc:get-build", async (args, _hre, runSuper) => {
    return solcBuilds[args.solcVersion] || runSuper(args);
  });

  task("audit:project-facts", "Prints what the audit needs to know of this project (one JSON line)", async (_args, hre) => {
    const compilers = [...hre.config.solidity.compilers, ...Object.values(hre.config.solidity.overrides)].map((c) => c.version);
    const facts = {
      hardhatVersion: require(require.resolve("hardhat/package.json", { paths: [hre.config.paths.root] })).version,
      paths: hre.config.paths,
      compilers: [...new Set(compilers)],
      plugins: {
        coverage: "coverage" in hre.tasks,
        gasReporter: hre.config.gasReporter !== undefined,
        typechain: "typechain" in hre.tasks,
      },
      versions: {
        gasReporter: packageVersion("hardhat-gas-reporter", hre.config.paths.root),
        solidityCoverage: packageVersion("solidity-coverage", hre.config.paths.root),
      },
    };
    process.stdout.write(`AUDIT_PROJECT_FACTS ${JSON.stringify(facts)}\n`);
  });
};

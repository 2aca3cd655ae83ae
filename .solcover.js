// solidity-coverage settings (read by `hardhat coverage` and the audit pipeline's coverage stage).
// Which tests run: `npx hardhat coverage` runs test/unit only (CONTRACT_TESTS in hardhat.config.ts);
// the audit's coverage stage names the scope's test files itself (--testfiles).
module.exports = {
  // Paths relative to contracts/: test doubles are not part of the audited code.
  skipFiles: ["mocks"],
  // coverage/lcov.info, coverage/coverage-summary.json, HTML report and a console table.
  istanbulReporter: ["html", "lcov", "json-summary", "text"],
};

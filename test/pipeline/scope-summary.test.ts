import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gasMetrics, parseGasReporterJson } from "../../scripts/audit/adapters/gas-reporter";
import { auditOutputs, computeScope, gitState, NO_COMMIT } from "../../scripts/audit/scope";
import { inScopeContracts } from "../../scripts/audit/stages/gas";
import { STAGES } from "../../scripts/audit/stages";
import { formatTable, summaryRows } from "../../scripts/audit/summary";
import type { AuditReport } from "../../scripts/audit/types";
import { finding, recorded, stage, tempDir } from "./helpers";

function write(root: string, files: Record<string, string>): void {
  for (const [f, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), content);
  }
}

describe("audit scope, gas scope and summary", function () {
  it("scope lists contracts/ sources except mocks, with contract names and nSLOC", function () {
    const root = tempDir();
    write(root, {
      "contracts/core/A.sol": "// SPDX\npragma solidity 0.8.28;\n\n/// @title A\ncontract A {\n  uint256 x;\n}\ninterface IA {}\n",
      "contracts/mocks/M.sol": "pragma solidity 0.8.28;\ncontract M {}\n",
      "contracts/README.md": "not solidity",
    });
    expect(computeScope(root)).to.deep.equal([{ file: "contracts/core/A.sol", contracts: ["A", "IA"], nsloc: 5 }]);
  });

  it("scope never throws: broken Solidity gives what the parser recovers, an unreadable file an empty entry", function () {
    const root = tempDir();
    write(root, {
      "contracts/Broken.sol": "pragma solidity 0.8.28;\ncontract Broken {\n    function broken( { uint x = ; }\n}\n",
      "contracts/Half.sol": "pragma solidity 0.8.28;\nlibrary Half { function f(uint a) internal { if (a > ",
    });
    mkdirSync(path.join(root, "contracts", "Folder.sol")); // a directory with a .sol name is not a file
    write(root, { "contracts/Folder.sol/Inner.sol": "contract Inner {}\n" });
    const scope = computeScope(root);
    expect(scope.map((e) => e.file)).to.deep.equal(["contracts/Broken.sol", "contracts/Folder.sol/Inner.sol", "contracts/Half.sol"]);
    expect(scope[0]).to.deep.equal({ file: "contracts/Broken.sol", contracts: ["Broken"], nsloc: 4 });
  });

  it("reports an unknown, dirty commit outside a git repository", async function () {
    expect(await gitState(tempDir())).to.deep.equal({ commit: NO_COMMIT, dirty: true });
  });

  it("the audit's own outputs do not make a project's tree dirty; any other change does", async function () {
    const root = tempDir();
    write(root, { "contracts/A.sol": "pragma solidity 0.8.28;\ncontract A {}\n" });
    const git = (...args: string[]): void => void execFileSync("git", args, { cwd: root, stdio: "ignore" });
    git("init", "-q");
    git("-c", "user.email=a@b.c", "-c", "user.name=t", "add", ".");
    git("-c", "user.email=a@b.c", "-c", "user.name=t", "commit", "-qm", "x");
    write(root, { "audit/report.md": "# r\n", "audit/raw/lint/solhint.json": "[]", "audit/junit.xml": "<x/>", "audit/coverage/index.html": "", "audit/cache/lint/0a1b/entry.json": "{}" });
    const clean = await gitState(root, auditOutputs("audit"));
    expect(clean.commit).to.match(/^[0-9a-f]{40}$/);
    expect(clean.dirty).to.equal(false);
    expect((await gitState(root)).dirty, "without the outputs ignored").to.equal(true);
    write(root, { "audit/policy.json": "{}" });
    expect((await gitState(root, auditOutputs("audit"))).dirty, "an audit input is a change").to.equal(true);
  });

  it("gas counts only contracts compiled from contracts/ outside mocks", function () {
    const artifacts = tempDir();
    write(artifacts, {
      "contracts/Vault.sol/Vault.json": "{}",
      "contracts/Vault.sol/Vault.dbg.json": "{}",
      "contracts/mocks/MockReceiver.sol/MockReceiver.json": "{}",
      "test/invariant/Handler.sol/Handler.json": "{}",
    });
    expect([...inScopeContracts(artifacts)!]).to.deep.equal(["Vault"]);
    expect(inScopeContracts(tempDir())).to.equal(undefined);
    const report = parseGasReporterJson(recorded("gas-reporter.json"));
    const none = gasMetrics(report, undefined, (c) => c !== "Vault");
    expect(none.methods).to.deep.equal([]);
    expect(none.deployments).to.deep.equal([]);
  });

  it("summary rows carry status, duration, findings (suppressed counted) and the stage's key metric", function () {
    const report = {
      stages: [
        stage("test", { status: "failed", durationMs: 1234, metrics: { tests: 3, passes: 2, failures: 1, pending: 0 }, findings: [finding(), finding({ suppressed: { justification: "ok" } })] }),
        stage("coverage", { status: "skipped", reason: "excluded by --skip" }),
      ],
    } as unknown as AuditReport;
    const rows = summaryRows(report, STAGES);
    expect(rows[0]).to.deep.include({ stage: "test", status: "failed", findings: 2, openFindings: 1, keyMetric: "2 passed, 1 failed, 0 pending" });
    const table = formatTable(rows).split("\n");
    expect(table[0]).to.match(/^Stage\s+Status\s+Duration\s+Findings\s+Key metric$/);
    expect(table[2]).to.match(/^test\s+FAILED\s+1\.2s\s+2 \(1 suppressed\)\s+2 passed, 1 failed, 0 pending$/);
    expect(table[3]).to.match(/^coverage\s+SKIPPED\s+-\s+0\s+excluded by --skip$/);
  });
});

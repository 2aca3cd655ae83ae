/**
 * The handed field cases (shared/field-cases, now cases of test/fixtures/corpus) tried exactly as a new
 * user tried them: their files in a Hardhat project of their own, the command from the report run with
 * `npx hardhat`, the --json output judged against the right answer; the `layout-at` case, whose pragma
 * the project's compiler cannot build, must exit 2 with one line naming the file, the pragma and the
 * compiler the project has.
 */
import { isAtLeast } from "../../../scripts/audit/findings/severity";
import { DEFAULT_POLICY } from "../../../scripts/audit/policy";
import { expect } from "chai";
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { AnalyzerTaskResult } from "../../../scripts/audit/analyzers/run-task";
import type { StorageMetrics } from "../../../scripts/audit/analyzers/storage/analyze";
import { judge, loadCorpus } from "../../../scripts/audit/dev/corpus";
import { createProjectWith } from "../../../scripts/audit/dev/fixture-project";
import { summary } from "./helpers";

const exec = promisify(execFile);

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function hardhat(root: string, args: string[]): Promise<Run> {
  const bin = path.join(root, "node_modules", ".bin", "hardhat");
  return exec(bin, args, { cwd: root, maxBuffer: 64 * 1024 * 1024 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, stdout: e.stdout, stderr: e.stderr }),
  );
}

describe("field cases from the command line (as a new user ran them)", function () {
  this.timeout(300_000);
  const cases = loadCorpus().filter((c) => c.field);
  const buildable = cases.filter((c) => c.id !== "layout-at");
  let root: string;

  before(async function () {
    const files: Record<string, string> = {};
    for (const c of buildable) for (const [file, content] of Object.entries(c.sources)) files[`contracts/${c.id}/${path.basename(file)}`] = content;
    root = createProjectWith(files);
    const compiled = await hardhat(root, ["compile", "--quiet"]);
    expect(compiled.code, compiled.stderr).to.equal(0);
  });

  after(function () {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  for (const c of cases) {
    it(`${c.id}: ${c.command}`, async function () {
      const args = c.command!.replace(/^npx hardhat /, "").split(/\s+/);
      if (c.id === "layout-at") {
        // The project pins 0.8.28; `layout at` needs >= 0.8.29: the task must say so in one line.
        const file = `contracts/${c.id}/LayoutAt.sol`;
        mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
        writeFileSync(path.join(root, file), Object.values(c.sources)[0]);
        try {
          const run = await hardhat(root, args);
          expect(run.code, run.stdout + run.stderr).to.equal(2);
          expect(run.stderr.trim()).to.equal(`audit:storage: cannot compile ${file} (pragma ^0.8.29) matches no configured compiler (the project's compilers: 0.8.28)`);
        } finally {
          rmSync(path.join(root, file));
        }
        return;
      }
      const out = path.join(root, `${c.id}.json`);
      const run = await hardhat(root, [...args, "--json", out, "--quiet"]);
      const result = JSON.parse(readFileSync(out, "utf8")) as AnalyzerTaskResult;
      const storageMap = c.analyzer === "storage" ? (result.metrics as unknown as StorageMetrics).storageMap : [];
      const verdict = judge(c, { findings: result.findings, places: new Map(storageMap.map((r) => [r.label, r.slotStart])) });
      expect(verdict.problems, `${verdict.problems.join("\n")}\n--- findings:\n${summary(result.findings)}`).to.deep.equal([]);
      // Exit 1 exactly when something is at or above the policy's failOnSeverity (the project has no
      // audit/policy.json: the default, medium), the tasks' documented exit codes.
      expect(run.code).to.equal(result.findings.some((f) => isAtLeast(f.severity, DEFAULT_POLICY.failOnSeverity)) ? 1 : 0);
    });
  }

  it("a sibling of layout-at whose pragma the project's compiler accepts: one line naming the file, line and the version `layout at` needs", async function () {
    // >=0.8.20 lets 0.8.28 try, and it fails with a ParserError that names neither the feature nor the version.
    const file = "contracts/layout-at-loose/Vault.sol";
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(
      path.join(root, file),
      "// SPDX-License-Identifier: MIT\npragma solidity >=0.8.20;\n\ncontract LooseLayoutVault layout at 0x1000 {\n    uint256 public total;\n}\n",
    );
    try {
      const run = await hardhat(root, ["audit:storage", "--proxy", "NsProxy", "--impl", "LooseLayoutVault", "--dispatch", "transparent"]);
      expect(run.code, run.stdout + run.stderr).to.equal(2);
      expect(run.stderr.trim()).to.equal(
        `audit:storage: the project does not compile: ${file}:4:27: ParserError: Expected '{' but got identifier: \`layout at\` (a custom storage base slot) needs solc >= 0.8.29 (the project's compilers: 0.8.28)`,
      );
      expect(run.stdout).to.not.include("ParserError");
    } finally {
      rmSync(path.dirname(path.join(root, file)), { recursive: true, force: true });
    }
  });
});

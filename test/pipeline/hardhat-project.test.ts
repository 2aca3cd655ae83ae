/**
 * HardhatProject.toolEnv: a tool that starts the project's `hardhat` by itself (crytic-compile's
 * `hardhat console`, under Slither and Medusa) must see the audit's config, wherever the project sits.
 * Hardhat 2 looks for a `hardhat.config.ts` in every parent folder before the project's own
 * `hardhat.config.js`, so a JavaScript project inside a folder with a TypeScript config (a monorepo, or
 * a checkout of this harness, as a new user's trial found: Slither's paths then carried the parent's
 * prefix and one finding was lost) reads the parent's config unless the tool is told which one.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureFixtureDeps } from "../../scripts/audit/dev/fixture-projects";
import { openProject, type HardhatProject } from "../../scripts/audit/project/hardhat-project";

describe("the project's hardhat as a tool starts it (HardhatProject.toolEnv)", function () {
  this.timeout(180_000);
  let parent: string;
  let root: string;
  let project: HardhatProject;

  before(async function () {
    const modules = await ensureFixtureDeps();
    parent = mkdtempSync(path.join(os.tmpdir(), "audit-monorepo-"));
    writeFileSync(path.join(parent, "hardhat.config.ts"), 'export default { solidity: "0.8.28", paths: { sources: "elsewhere" } };\n');
    writeFileSync(path.join(parent, "tsconfig.json"), '{ "compilerOptions": { "module": "commonjs", "target": "es2020", "esModuleInterop": true } }\n');
    root = path.join(parent, "package-a");
    mkdirSync(path.join(root, "contracts"), { recursive: true });
    writeFileSync(path.join(root, "hardhat.config.js"), 'module.exports = { solidity: "0.8.28" };\n');
    writeFileSync(path.join(root, "contracts", "A.sol"), "// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\ncontract A {}\n");
    symlinkSync(modules, path.join(root, "node_modules"), "dir");
    project = await openProject(root, { signal: new AbortController().signal, rawDir: path.join(parent, "raw"), log: () => undefined, offline: true });
  });

  after(function () {
    project?.dispose();
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  /** What crytic-compile asks: the config's paths, from `hardhat console` started in the project. */
  function consolePaths(env: Record<string, string>): { root: string; sources: string } {
    const out = execFileSync(path.join(root, "node_modules", ".bin", "hardhat"), ["console", "--no-compile"], {
      cwd: root,
      input: "console.log('PATHS ' + JSON.stringify(config.paths))\n",
      env: { ...process.env, ...env },
      encoding: "utf8",
    });
    return JSON.parse(out.split("\n").find((l) => l.startsWith("PATHS "))!.slice("PATHS ".length)) as { root: string; sources: string };
  }

  it("without it, Hardhat's own search takes the parent folder's TypeScript config", function () {
    expect(consolePaths({}).root).to.equal(parent);
  });

  it("with it, the console reads the audit's wrapper of the project's own config", function () {
    const env = project.toolEnv();
    expect(env.HARDHAT_CONFIG).to.equal(project.wrapper);
    const paths = consolePaths(env);
    expect(paths.root).to.equal(root);
    expect(paths.sources).to.equal(path.join(root, "contracts"));
  });
});

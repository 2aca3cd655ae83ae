/**
 * The one staleness check of the build (scripts/audit/build.ts buildStaleness) on hand-made
 * Hardhat builds: what the compile stage recompiles for and what --skip compile refuses.
 */
import { expect } from "chai";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { buildStaleness, loadBuild, sourceOnDisk } from "../../scripts/audit/build";
import { tempDir } from "./helpers";

const A = "pragma solidity 0.8.28;\ncontract A {}\n";
const B = "pragma solidity 0.8.28;\ncontract B {}\n";

function write(root: string, files: Record<string, string>): void {
  for (const [f, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), content);
  }
}

/** A Hardhat-shaped build: one build-info compiled from `sources`, an artifact per source pointing at it. */
function build(root: string, sources: Record<string, string>, id = "b1"): void {
  const info = { solcVersion: "0.8.28", input: { sources: Object.fromEntries(Object.entries(sources).map(([f, content]) => [f, { content }])) }, output: {} };
  write(root, { [`artifacts/build-info/${id}.json`]: JSON.stringify(info) });
  for (const f of Object.keys(sources)) {
    const name = path.basename(f, ".sol");
    const buildInfo = path.relative(path.join(root, "artifacts", f), path.join(root, "artifacts", "build-info", `${id}.json`));
    write(root, { [`artifacts/${f}/${name}.dbg.json`]: JSON.stringify({ buildInfo }) });
  }
}

const staleness = (root: string): string | undefined => buildStaleness(root, loadBuild(root));

describe("audit build staleness", function () {
  it("a build-info that matches the sources on disk is current", function () {
    const root = tempDir();
    write(root, { "contracts/A.sol": A, "node_modules/@lib/x/L.sol": B });
    build(root, { "contracts/A.sol": A, "@lib/x/L.sol": B });
    expect(staleness(root)).to.equal(undefined);
  });

  it("a build-info that names a deleted contract is stale (Hardhat's 'Nothing to compile' case)", function () {
    const root = tempDir();
    write(root, { "contracts/A.sol": A });
    build(root, { "contracts/A.sol": A, "contracts/Extra.sol": B });
    expect(staleness(root)).to.equal("names contracts/Extra.sol, which is no longer on disk");
  });

  it("several build-info files are stale (an incremental compile), referenced or left in the folder", function () {
    const root = tempDir();
    write(root, { "contracts/A.sol": A, "contracts/B.sol": B });
    build(root, { "contracts/A.sol": A, "contracts/B.sol": B });
    write(root, { "artifacts/build-info/orphan.json": JSON.stringify({ solcVersion: "0.8.28", input: { sources: {} } }) });
    expect(staleness(root)).to.equal("spans 2 build-info files (an incremental compile)");
  });

  it("a source edited since the compile, or a new one under contracts/, makes it stale", function () {
    const root = tempDir();
    write(root, { "contracts/A.sol": A });
    build(root, { "contracts/A.sol": A });
    write(root, { "contracts/A.sol": A.replace("{}", "{ uint256 x; }") });
    expect(staleness(root)).to.equal("was compiled from another version of contracts/A.sol than the one on disk");
    write(root, { "contracts/A.sol": A, "contracts/New.sol": B });
    expect(staleness(root)).to.equal("does not include contracts/New.sol");
  });

  it("an unreadable build-info is stale", function () {
    const root = tempDir();
    write(root, { "contracts/A.sol": A });
    build(root, { "contracts/A.sol": A });
    const file = loadBuild(root).buildInfoFiles[0];
    writeFileSync(file, "{ truncated");
    expect(buildStaleness(root, { artifactsDir: path.join(root, "artifacts"), buildInfoDir: path.dirname(file), buildInfoFiles: [file] })).to.equal(
      "has an unreadable build-info file artifacts/build-info/b1.json",
    );
  });

  it("an artifact that points at a build-info file that is gone is stale", function () {
    const root = tempDir();
    write(root, { "contracts/A.sol": A, "contracts/B.sol": B });
    build(root, { "contracts/A.sol": A }, "kept");
    build(root, { "contracts/B.sol": B }, "gone");
    const kept = path.join(root, "artifacts", "build-info", "kept.json");
    const gone = path.join(root, "artifacts", "build-info", "gone.json");
    rmSync(gone);
    expect(buildStaleness(root, { artifactsDir: path.join(root, "artifacts"), buildInfoDir: path.dirname(kept), buildInfoFiles: [kept] })).to.equal(
      "has artifacts that point at artifacts/build-info/gone.json, which is missing",
    );
  });

  it("finds library sources in a node_modules folder above the root (hoisted installs)", function () {
    const parent = tempDir();
    const root = path.join(parent, "packages", "app");
    write(parent, { "node_modules/@lib/x/L.sol": B, "packages/app/contracts/A.sol": A });
    expect(sourceOnDisk(root, "@lib/x/L.sol")).to.equal(path.join(parent, "node_modules", "@lib", "x", "L.sol"));
    expect(sourceOnDisk(root, "contracts/A.sol")).to.equal(path.join(root, "contracts", "A.sol"));
    expect(sourceOnDisk(root, "@lib/x/Gone.sol")).to.equal(undefined);
  });
});

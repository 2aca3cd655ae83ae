/**
 * Where two tools disagree (scripts/audit/disputes.ts): a slither-check-upgradeability finding that the
 * storage or selector analyzer's proof contradicts is marked and shown with the proof; it does not block
 * the gate unless audit/policy.json says `disputes: "report"`. Also the AST disputes of the pinned tools'
 * known blind spots.
 */
import { expect } from "chai";
import { markDisputes } from "../../scripts/audit/disputes";
import { evaluateGate } from "../../scripts/audit/gate";
import { DEFAULT_POLICY, PolicySchema } from "../../scripts/audit/policy";
import type { StageResult } from "../../scripts/audit/types";
import { SolcBuild } from "../../scripts/audit/analyzers/build-info";
import { compileSources } from "../../scripts/audit/dev/compile-sources";
import { finding, stage } from "./helpers";

const becameConstant = finding({
  id: "slither-upgradeability:upgradeability/became-constant:1",
  stage: "slither-upgradeability",
  rule: "upgradeability/became-constant",
  severity: "high",
  data: { kind: "update", contract: "VaultV1", against: "VaultV2", category: "storage-layout" },
});

function storage(over: Partial<StageResult> = {}): StageResult {
  return stage("storage", {
    metrics: { domains: [{ name: "vault", proxy: "contracts/P.sol:P", implementations: [{ contract: "contracts/V1.sol:VaultV1" }], upgrades: ["contracts/V1.sol:VaultV1 -> contracts/V2.sol:VaultV2"] }] },
    ...over,
  });
}

describe("disputes between tools", function () {
  it("marks a Slither storage-layout finding the storage analyzer's comparison of the same pair contradicts", function () {
    const [, upg] = markDisputes([storage(), stage("slither-upgradeability", { findings: [becameConstant] })]);
    expect(upg.findings[0].disputed).to.deep.include({ by: "storage" });
    expect(upg.findings[0].disputed!.reason).to.include("compared VaultV1 -> VaultV2 member by member");
  });

  it("does not dispute when the storage analyzer found the pair incompatible, or did not analyze it", function () {
    const broken = finding({ stage: "storage", rule: "upgrade-incompatible-layout", data: { from: "contracts/V1.sol:VaultV1", to: "contracts/V2.sol:VaultV2" } });
    expect(markDisputes([storage({ findings: [broken] }), stage("slither-upgradeability", { findings: [becameConstant] })])[1].findings[0].disputed).to.equal(undefined);
    const other = storage({ metrics: { domains: [{ name: "x", proxy: "P", implementations: [], upgrades: [] }] } });
    expect(markDisputes([other, stage("slither-upgradeability", { findings: [becameConstant] })])[1].findings[0].disputed).to.equal(undefined);
    expect(markDisputes([storage({ status: "skipped" }), stage("slither-upgradeability", { findings: [becameConstant] })])[1].findings[0].disputed).to.equal(undefined);
  });

  it("marks a Slither selector clash the selector analyzer shows to cut off only the admin", function () {
    const collision = finding({ stage: "slither-upgradeability", rule: "upgradeability/function-id-collision", severity: "high", data: { kind: "proxy", contract: "Token", against: "TransparentProxy", category: "selectors" } });
    const ours = finding({ id: "selectors:proxy-selector-clash:1", stage: "selectors", rule: "proxy-selector-clash", severity: "medium", data: { contract: "Token", cutOff: "admin" } });
    const [, upg] = markDisputes([stage("selectors", { findings: [ours] }), stage("slither-upgradeability", { findings: [collision] })]);
    expect(upg.findings[0].disputed).to.deep.equal({ by: "selectors", reason: "the selector analyzer shows the proxy answers it for its admin only: users reach Token (selectors:proxy-selector-clash:1)" });
  });

  it("the proof wins by default (the finding is a gate warning); with disputes: report it blocks", function () {
    const stages = markDisputes([stage("compile"), stage("lint"), stage("test"), storage(), stage("slither-upgradeability", { findings: [becameConstant] })]);
    const input = { profile: "quick" as const, stages, suppressions: [], today: "2026-01-01" };
    const byDefault = evaluateGate({ ...input, policy: DEFAULT_POLICY });
    expect(byDefault.gate.passed).to.equal(true);
    expect(byDefault.gate.reasons.join("\n")).to.include("disputed by another stage's proof do not block (policy disputes: prefer-proof)");
    expect(evaluateGate({ ...input, policy: PolicySchema.parse({ disputes: "report" }) }).gate.passed).to.equal(false);
  });
});

describe("disputes from the build's AST (known blind spots of the pinned tools)", function () {
  this.timeout(120_000);
  const header = "// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\n";
  // OpenZeppelin 4.x's Initializable shape: reinitializer takes a uint8.
  const initializable = `${header}abstract contract Initializable {\n    uint8 private _initialized;\n    modifier initializer() { require(_initialized == 0, "init"); _initialized = 1; _; }\n    modifier reinitializer(uint8 version) { require(_initialized < version, "init"); _initialized = version; _; }\n}\n`;
  const build = new SolcBuild([
    compileSources({
      "contracts/Initializable.sol": initializable,
      "contracts/PoolV2.sol": `${header}import {Initializable} from "./Initializable.sol";\ncontract PoolV2 is Initializable {\n    uint256 public fee;\n    function initializeV2(uint256 fee_) external reinitializer(2) { fee = fee_; }\n    function initializeV3(uint256 fee_) external { fee = fee_; }\n}\n`,
      "contracts/Forwarder.sol": `${header}contract Forwarder {\n    address internal singleton;\n    constructor(address s) { singleton = s; }\n    fallback() external payable {\n        assembly {\n            calldatacopy(0, 0, calldatasize())\n            let ok := delegatecall(gas(), sload(0), 0, calldatasize(), 0, 0)\n            returndatacopy(0, 0, returndatasize())\n            if iszero(ok) { revert(0, returndatasize()) }\n            return(0, returndatasize())\n        }\n    }\n}\n`,
      "contracts/Vault.sol": `${header}contract Vault {\n    receive() external payable {}\n}\n`,
    }),
  ]);
  const missingInit = (fn: string) =>
    finding({ stage: "slither-upgradeability", rule: "upgradeability/missing-init-modifier", severity: "high", location: { file: "contracts/PoolV2.sol", line: 4, symbol: `PoolV2.${fn}(uint256)` }, data: { kind: "proxy", contract: "PoolV2", against: "P", category: "initialization" } });
  const locked = (name: string) => finding({ stage: "slither", rule: "locked-ether", severity: "medium", location: { file: `contracts/${name}.sol`, line: 2, symbol: name }, data: { elements: [{ type: "contract", name }] } });

  it("an OpenZeppelin-4 reinitializer(uint8) guard disputes missing-init-modifier; an unguarded initializer does not", function () {
    const [, upg] = markDisputes([stage("storage"), stage("slither-upgradeability", { findings: [missingInit("initializeV2"), missingInit("initializeV3")] })], () => build);
    expect(upg.findings[0].disputed?.by).to.equal("compiler-ast");
    expect(upg.findings[0].disputed?.reason).to.include("PoolV2.initializeV2 carries `reinitializer(2)` (contracts/PoolV2.sol:6), the guard Initializable declares as reinitializer(uint8)");
    expect(upg.findings[1].disputed).to.equal(undefined);
  });

  it("an assembly delegatecall disputes locked-ether; a contract that really cannot send ether is not disputed", function () {
    const [slither] = markDisputes([stage("slither", { findings: [locked("Forwarder"), locked("Vault")] })], () => build);
    expect(slither.findings[0].disputed?.reason).to.match(/^Forwarder delegatecalls in inline assembly \(contracts\/Forwarder\.sol:9\)/);
    expect(slither.findings[1].disputed).to.equal(undefined);
  });
});

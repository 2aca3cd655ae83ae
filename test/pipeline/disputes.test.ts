/**
 * Where two tools disagree (scripts/audit/disputes.ts): a slither-check-upgradeability finding that the
 * storage or selector analyzer's proof contradicts is marked, shown with the proof, and blocks the gate
 * unless audit/policy.json says `disputes: "prefer-proof"`.
 */
import { expect } from "chai";
import { markDisputes } from "../../scripts/audit/disputes";
import { evaluateGate } from "../../scripts/audit/gate";
import { DEFAULT_POLICY, PolicySchema } from "../../scripts/audit/policy";
import type { StageResult } from "../../scripts/audit/types";
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

  it("the gate counts a disputed finding unless the policy prefers the proof (then it is a warning)", function () {
    const stages = markDisputes([stage("compile"), stage("lint"), stage("test"), storage(), stage("slither-upgradeability", { findings: [becameConstant] })]);
    const input = { profile: "quick" as const, stages, suppressions: [], today: "2026-01-01" };
    expect(evaluateGate({ ...input, policy: DEFAULT_POLICY }).gate.passed).to.equal(false);
    const preferring = evaluateGate({ ...input, policy: PolicySchema.parse({ disputes: "prefer-proof" }) });
    expect(preferring.gate.passed).to.equal(true);
    expect(preferring.gate.reasons.join("\n")).to.include("disputed by another stage's proof do not block (policy disputes: prefer-proof)");
  });
});

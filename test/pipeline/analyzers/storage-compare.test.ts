/**
 * The V1 -> V2 layout comparison (scripts/audit/analyzers/storage/compare.ts) and its wording
 * (storage/wording.ts) on the kinds of fault the red-team pass found (test/fixtures/redteam/): swapped
 * plain variables in renamed bases (a reorder, not two renames), two structs on one namespace id (V1's
 * struct compared with its own copy, nothing "deleted"), and messages (absolute slots under `layout at`,
 * titles that say what changed). Fixtures: test/fixtures/analyzers/Swaps.sol and NamespaceCopy.sol, and
 * the corpus cases oz4-swap-in-base, oz5-namespace-copypaste, layout-at-insert and the enum cases.
 */
import { expect } from "chai";
import type { SolcBuild } from "../../../scripts/audit/analyzers/build-info";
import { contractRoles } from "../../../scripts/audit/analyzers/storage/compare";
import type { StorageMember, StorageType } from "../../../scripts/audit/analyzers/storage/types";
import { compileCase, loadCorpus, type CorpusCase } from "../../../scripts/audit/dev/corpus";
import type { Finding } from "../../../scripts/audit/types";
import { aboveInfo, fixtures, ofRule, storageFindings, summary } from "./helpers";

const corpusCase = (id: string): CorpusCase => {
  const c = loadCorpus().find((x) => x.id === id);
  if (!c) throw new Error(`no corpus case ${id}`);
  return c;
};

/** `rule:severity` of every finding above info, sorted. */
const verdicts = (findings: Finding[]): string[] => aboveInfo(findings).map((f) => `${f.rule}:${f.severity}`).sort();

describe("V1 -> V2 layout comparison and its wording", function () {
  this.timeout(120_000);
  let build: SolcBuild;
  before(function () {
    build = fixtures();
  });
  const upgrade = (v1: string, v2: string, b: SolcBuild = build, proxy = "FixtureProxy", dispatch = "transparent"): Finding[] =>
    storageFindings({ proxy, impl: v1, dispatch, upgrade: `${v1}:${v2}` }, b);

  describe("swapped plain variables are a reorder, not two renames", function () {
    it("oz4-swap-in-base (red team): the swap in a renamed base with __gaps, flat, and in a namespace: high reorder each", function () {
      const b = compileCase(corpusCase("oz4-swap-in-base"));
      const expected: Record<string, string[]> = {
        SwPool: ["SwFeesLikeV1.feeRecipient moved from slot 50 to slot 51 (reordered)", "SwFeesLikeV1.treasury moved from slot 51 to slot 50 (reordered)"],
        SwFlat: ["SwFlatV1.feeRecipient moved from slot 0 to slot 1 (reordered)", "SwFlatV1.treasury moved from slot 1 to slot 0 (reordered)"],
        SwNs: ["feeRecipient moved from slot root+0 to slot root+1 (reordered)", "treasury moved from slot root+1 to slot root+0 (reordered)"],
      };
      for (const [family, moves] of Object.entries(expected)) {
        const findings = upgrade(`${family}V1`, `${family}V2`, b, "SwProxy");
        expect(verdicts(findings), summary(findings)).to.deep.equal(["upgrade-incompatible-layout:high"]);
        const hit = ofRule(findings, "upgrade-incompatible-layout")[0];
        expect(hit.title).to.match(/not append-only \(reorder\)$/);
        for (const m of moves) expect(hit.description, family).to.include(m);
        expect(ofRule(findings, "upgrade-renamed-member"), family).to.have.length(0);
      }
    });

    it("a three-way rotation in a renamed base: every variable reordered (high)", function () {
      const findings = upgrade("RotPoolV1", "RotPoolV2");
      expect(verdicts(findings), summary(findings)).to.deep.equal(["upgrade-incompatible-layout:high"]);
      const d = ofRule(findings, "upgrade-incompatible-layout")[0].description;
      expect(d).to.include("RotFeesV1.feeRecipient moved from slot 50 to slot 52 (reordered)");
      expect(d).to.include("RotFeesV1.treasury moved from slot 51 to slot 50 (reordered)");
      expect(d).to.include("RotFeesV1.guardian moved from slot 52 to slot 51 (reordered)");
      expect(d).to.not.include("renamed");
    });

    it("a variable of the base swapped with one of the child: reordered (high)", function () {
      const findings = upgrade("XsVaultV1", "XsVaultV2");
      expect(verdicts(findings), summary(findings)).to.deep.equal(["upgrade-incompatible-layout:high"]);
      const d = ofRule(findings, "upgrade-incompatible-layout")[0].description;
      expect(d).to.include("XsBaseV1.admin moved from slot 0 to slot 1 (reordered)");
      expect(d).to.include("XsVaultV1.keeper moved from slot 1 to slot 0 (reordered)");
    });

    it("an address and a uint256 swapped: reordered (high)", function () {
      const findings = upgrade("TsPoolV1", "TsPoolV2");
      expect(verdicts(findings), summary(findings)).to.deep.equal(["upgrade-incompatible-layout:high"]);
      expect(ofRule(findings, "upgrade-incompatible-layout")[0].description).to.include("TsPoolV1.owner moved from slot 0 to slot 1 (reordered)");
    });

    it("a real rename in a renamed base (the old name is gone from V2) stays a low rename", function () {
      const findings = upgrade("RnPoolV1", "RnPoolV2");
      expect(verdicts(findings), summary(findings)).to.deep.equal(["upgrade-renamed-member:low"]);
      const hit = ofRule(findings, "upgrade-renamed-member")[0];
      expect(hit.title).to.equal("RnPoolV1 -> RnPoolV2: plain state variable RnFeesV1.feeRecipient renamed to feeCollector");
      expect(hit.description).to.include("RnFeesV1.feeRecipient renamed to feeCollector at slot 50 (same type: the data is kept)");
    });

    it("matches declaring contracts by their role in the linearization", function () {
      const addr: StorageType = { kind: "value", label: "address", bytes: 20, category: "address" };
      const v = (declaredIn: string, name: string, slot: number): StorageMember => ({ name, declaredIn, type: addr, slot: BigInt(slot), offset: 0 });
      const v1 = [v("Ownable", "_owner", 0), v("FeesV1", "fee", 1), v("Extra", "x", 2), v("PoolV1", "r", 3)];
      const v2 = [v("Ownable", "_owner", 0), v("FeesV2", "fee", 1), v("Other", "x", 2), v("Pool", "r", 3)];
      const roles = contractRoles(v1, v2);
      expect(roles.get("Ownable")).to.equal("Ownable");
      expect(roles.get("FeesV1")).to.equal("FeesV2");
      expect(roles.get("PoolV1")).to.equal("Pool");
      expect(roles.get("Extra")).to.equal("Other"); // by position between two matched contracts
      expect(contractRoles([...v1.slice(0, 3)], [v2[0], v2[1]]).has("Extra")).to.equal(false); // nothing left to pair with
    });
  });

  describe("two structs on one namespace id (a copy-pasted annotation)", function () {
    it("oz5-namespace-copypaste (red team): only the namespace reuse, nothing of Initializable 'deleted'", function () {
      const c = corpusCase("oz5-namespace-copypaste");
      const findings = storageFindings({ proxy: "OcProxy", impl: "OcVaultV1", dispatch: "uups", upgrade: "OcVaultV1:OcVaultV2" }, compileCase(c));
      expect(verdicts(findings), summary(findings)).to.deep.equal(["storage-namespace-reuse:high"]);
      expect(ofRule(findings, "storage-namespace-reuse")[0].title).to.include('"openzeppelin.storage.Initializable"');
      for (const f of findings) expect(f.description).to.not.include("was deleted");
    });

    it("V2 adds a struct on V1's own id, keeping V1's struct: only the reuse", function () {
      const findings = upgrade("NcVaultV1", "NcVaultV2");
      expect(verdicts(findings), summary(findings)).to.deep.equal(["storage-namespace-reuse:high"]);
      expect(ofRule(findings, "storage-namespace-reuse")[0].description).to.include("NcVaultV2.FeeStorage").and.include("NcVaultV2.VaultStorage");
    });

    it("V2 adds a struct on V1's id and reorders V1's struct: the reuse and the reorder of V1's struct", function () {
      const findings = upgrade("NcVaultV1", "NcVaultV2Reordered");
      expect(verdicts(findings), summary(findings)).to.deep.equal(["storage-namespace-reuse:high", "upgrade-incompatible-layout:high"]);
      const d = ofRule(findings, "upgrade-incompatible-layout")[0].description;
      expect(d).to.include("assets moved from slot root+0 to slot root+1 (reordered)");
      expect(d).to.include("owner moved from slot root+1 to slot root+0 (reordered)");
      expect(d).to.not.include("was deleted");
    });

    it("V2 puts a struct on OpenZeppelin 5's Initializable id: only the reuse", function () {
      const findings = upgrade("NcVaultV1", "NcVaultV2Initializable");
      expect(verdicts(findings), summary(findings)).to.deep.equal(["storage-namespace-reuse:high"]);
      for (const f of findings) expect(f.description).to.not.include("was deleted");
    });
  });

  describe("wording", function () {
    it("layout at 0x1000 (red team foundry-src-layout-at): every slot absolute, the inserted variable's included", function () {
      const b = compileCase(corpusCase("layout-at-insert"));
      const insert = ofRule(upgrade("LiCounterV1", "LiCounterV2", b, "LiProxy"), "upgrade-incompatible-layout");
      expect(insert.map((f) => f.severity)).to.deep.equal(["high"]);
      expect(insert[0].description).to.include("LiCounterV1.owner moved from slot 4097 to slot 4097 byte 8 (pushed by LiCounterV2.step (uint64, inserted at slot 4097))");
      const gap = ofRule(upgrade("LiGapV1", "LiGapV2", b, "LiProxy"), "upgrade-incompatible-layout");
      expect(gap.map((f) => f.severity)).to.deep.equal(["high"]);
      expect(gap[0].description).to.include(
        "LiGapV1.total moved from slot 8203 to slot 8204 (pushed by LiGapV2.fee (uint256, inserted at slot 8193); the storage gap LiGapV1.__gap now ends at slot 8203 instead of slot 8202",
      );
    });

    it("titles a stored enum's reorder by what changed, in values and in mapping keys", function () {
      const title = (id: string): string[] => {
        const c = corpusCase(id);
        const [v1, v2] = c.args.upgrade!.split(":");
        return ofRule(upgrade(v1, v2, compileCase(c), c.args.proxy, c.args.dispatch), "upgrade-incompatible-layout").map((f) => f.title);
      };
      expect(title("enum-reorder")).to.deep.equal([
        "EnumTicketsV1 -> EnumTicketsV2Reorder: enum EnumTicketsV1.Status's members reordered: stored values change meaning (EnumTicketsV1.statusOf[*], EnumTicketsV1.lastStatus)",
      ]);
      expect(title("enum-mapping-key-reorder")).to.deep.equal(["EkRewardsV1 -> EkRewardsV2: enum EkRewardsV1.Tier's members reordered: stored keys change meaning (EkRewardsV1.rateOf)"]);
      expect(title("enum-remove-last")).to.deep.equal(["ErLendingV1 -> ErLendingV2: enum ErLendingV1.PositionStatus's members removed: stored values change meaning (ErLendingV1.statusOf[*])"]);
    });

    it("titles other changes 'is / are not append-only' with the categories", function () {
      const plain = ofRule(upgrade("PlainV1", "PlainV2Insert"), "upgrade-incompatible-layout");
      expect(plain.map((f) => f.title)).to.deep.equal(["PlainV1 -> PlainV2Insert: the plain state variables are not append-only (insertion)"]);
      const c = corpusCase("nested-struct-retyped");
      const [v1, v2] = c.args.upgrade!.split(":");
      const nested = ofRule(upgrade(v1, v2, compileCase(c), c.args.proxy, c.args.dispatch), "upgrade-incompatible-layout");
      expect(nested.map((f) => f.title)).to.deep.equal([`${v1} -> ${v2}: erc7201:example.validators.manager is not append-only (type-change)`]);
    });
  });
});

/**
 * Every storage rule on its real-world bad case (must fire, at the stated severity) and on the safe
 * variant (must stay quiet). Fixtures: test/fixtures/analyzers/*.sol, compiled once with solcjs.
 */
import { expect } from "chai";
import type { SolcBuild } from "../../../scripts/audit/analyzers/build-info";
import { STORAGE_RULES } from "../../../scripts/audit/analyzers/storage/rules";
import { analyzeStorage } from "../../../scripts/audit/analyzers/storage/analyze";
import { aboveInfo, atOrAbove, compileSources, domain, fixtureSources, fixtures, ofRule, storageFindings, summary } from "./helpers";
import { SolcBuild as Build } from "../../../scripts/audit/analyzers/build-info";
import { REPO, FIXTURE_DIR } from "./helpers";

describe("storage analyzer rules (fixtures)", function () {
  let build: SolcBuild;
  before(function () {
    this.timeout(60_000);
    build = fixtures();
  });

  describe("storage-overlap", function () {
    it("flags the Audius proxy: proxyAdmin at slot 0 over Initializable's flags (critical)", function () {
      const findings = storageFindings({ proxy: "AudiusProxy", impl: "AudiusGovernance", dispatch: "transparent" }, build);
      const overlaps = ofRule(findings, "storage-overlap");
      const initialized = overlaps.find((f) => f.title.includes("AudiusInitializable.initialized") && f.title.includes("AudiusProxy.proxyAdmin"));
      expect(initialized, summary(findings)).to.not.equal(undefined);
      expect(initialized!.severity).to.equal("critical");
      expect(initialized!.location).to.deep.include({ file: "test/fixtures/analyzers/Audius.sol", line: 33 });
      expect(initialized!.description).to.match(/Audius\.sol:11/);
      expect(overlaps.some((f) => f.title.includes("initializing"))).to.equal(true);
    });

    it("is quiet when the proxy keeps its state in EIP-1967 slots", function () {
      const findings = storageFindings({ proxy: "FixtureProxy", impl: "AudiusGovernance", dispatch: "transparent" }, build);
      expect(ofRule(findings, "storage-overlap"), summary(findings)).to.have.length(0);
      expect(aboveInfo(findings), summary(findings)).to.have.length(0);
    });

    it("flags sibling implementations whose plain variables share slot 0 (high)", function () {
      const findings = ofRule(storageFindings({ proxy: "FixtureRouter", impl: "CounterModule,ConfigModule" }, build), "storage-overlap");
      expect(findings.map((f) => f.severity)).to.deep.equal(["high", "high"]);
      expect(findings[0].title).to.include("CounterModule.count");
    });

    it("is quiet on namespaced siblings", function () {
      const findings = storageFindings({ proxy: "FixtureRouter", impl: "NamespacedCounter,GammaModule" }, build);
      expect(findings, summary(findings)).to.have.length(0);
    });

    it("flags transient variables of two modules at transient slot 0", function () {
      const findings = ofRule(storageFindings({ proxy: "FixtureRouter", impl: "ReentrancyA,DepthModule" }, build), "storage-overlap");
      expect(findings).to.have.length(1);
      expect(findings[0].severity).to.equal("high");
      expect(findings[0].title).to.match(/^transient storage overlap/);
      expect(findings[0].data).to.deep.include({ space: "transient" });
    });

    it("does not compare transient slot 0 with persistent slot 0", function () {
      const findings = storageFindings({ proxy: "FixtureRouter", impl: "ReentrancyA,RawSlotZero" }, build);
      expect(ofRule(findings, "storage-overlap"), summary(findings)).to.have.length(0);
    });

    it("is quiet on a transient guard at an ERC-7201-derived slot next to a transient variable", function () {
      const findings = storageFindings({ proxy: "FixtureRouter", impl: "ReentrancyA,TransientSlotModule" }, build);
      expect(findings, summary(findings)).to.have.length(0);
    });
  });

  describe("storage-namespace-reuse", function () {
    it("flags two libraries on keccak256(\"diamond.standard.diamond.storage\") with different structs (high)", function () {
      const findings = storageFindings({ proxy: "FixtureDiamond", impl: "OwnershipFacet,TokenFacet", dispatch: "diamond" }, build);
      const reuse = ofRule(findings, "storage-namespace-reuse");
      expect(reuse, summary(findings)).to.have.length(1);
      expect(reuse[0].severity).to.equal("high");
      expect(reuse[0].description).to.include("LibDiamond.DiamondStorage").and.include("LibTokenStorage.TokenStorage");
      expect(reuse[0].location).to.deep.include({ file: "test/fixtures/analyzers/DiamondStorage.sol", line: 26 });
      // The same fact is not reported a second time as a plain overlap.
      expect(ofRule(findings, "storage-overlap")).to.have.length(0);
    });

    it("rates an identical copy of one struct at one position low", function () {
      const reuse = ofRule(storageFindings({ proxy: "FixtureDiamond", impl: "OwnershipFacet,CopyFacet", dispatch: "diamond" }, build), "storage-namespace-reuse");
      expect(reuse.map((f) => f.severity)).to.deep.equal(["low"]);
    });

    it("is quiet when each library has its own position", function () {
      const findings = storageFindings({ proxy: "FixtureDiamond", impl: "OwnershipFacet,SafeTokenFacet", dispatch: "diamond" }, build);
      expect(findings, summary(findings)).to.have.length(0);
    });

    it("flags one ERC-7201 id annotated on two structs (high)", function () {
      const findings = storageFindings({ proxy: "FixtureRouter", impl: "AlphaModule,BetaModule" }, build);
      const reuse = ofRule(findings, "storage-namespace-reuse");
      expect(reuse, summary(findings)).to.have.length(1);
      expect(reuse[0].severity).to.equal("high");
      expect(reuse[0].title).to.include('ERC-7201 id "fixture.storage.Shared"');
    });

    it("is quiet on distinct ERC-7201 ids", function () {
      const findings = storageFindings({ proxy: "FixtureRouter", impl: "AlphaModule,GammaModule" }, build);
      expect(findings, summary(findings)).to.have.length(0);
    });
  });

  describe("slot-constant-mismatch", function () {
    it("flags a slot constant that is not its struct annotation's ERC-7201 root (high)", function () {
      const findings = ofRule(storageFindings({ proxy: "FixtureRouter", impl: "WrongSlotModule" }, build), "slot-constant-mismatch");
      expect(findings).to.have.length(1);
      expect(findings[0].severity).to.equal("high");
      expect(findings[0].location).to.deep.include({ file: "test/fixtures/analyzers/Namespaces.sol", line: 90 });
      expect(findings[0].data).to.deep.include({ expected: "0x37fd5215f24c06d1e92156f5f34d8f08d5ec4bff396bb92bbc658b0349ba2f00", source: "annotation" });
    });

    it("flags a (transient) slot constant that is not what its comment's formula gives", function () {
      const findings = ofRule(storageFindings({ proxy: "FixtureRouter", impl: "WrongCommentModule" }, build), "slot-constant-mismatch");
      expect(findings).to.have.length(1);
      expect(findings[0].title).to.equal('LibWrongComment.LOCK_SLOT is not erc7201("fixture.transient.Lock")');
      expect(findings[0].data).to.deep.include({ source: "comment" });
    });

    it("is quiet on correct constants (annotation and comment formulas, EIP-1967 comments)", function () {
      for (const impl of ["RightModule", "GammaModule", "AlphaModule"]) {
        const findings = storageFindings({ proxy: "FixtureProxy", impl, dispatch: "uups" }, build);
        expect(findings, `${impl}:\n${summary(findings)}`).to.have.length(0);
      }
    });
  });

  describe("plain-state-in-implementation", function () {
    it("is high for an implementation with plain state behind an id router", function () {
      const findings = ofRule(storageFindings({ proxy: "FixtureRouter", impl: "CounterModule" }, build), "plain-state-in-implementation");
      expect(findings.map((f) => f.severity)).to.deep.equal(["high"]);
      // At the contract (its variables may live in a base contract or a package).
      expect(findings[0].location).to.deep.include({ file: "test/fixtures/analyzers/PlainState.sol", line: 14 });
      expect(findings[0].description).to.include("`CounterModule.count` (slot 0, test/fixtures/analyzers/PlainState.sol:15)");
    });

    it("is high in a diamond and only info behind a transparent proxy", function () {
      expect(ofRule(storageFindings({ proxy: "FixtureDiamond", impl: "CounterModule", dispatch: "diamond" }, build), "plain-state-in-implementation")[0].severity).to.equal("high");
      expect(ofRule(storageFindings({ proxy: "FixtureProxy", impl: "CounterModule", dispatch: "transparent" }, build), "plain-state-in-implementation")[0].severity).to.equal("info");
    });

    it("is quiet on a namespaced implementation", function () {
      expect(ofRule(storageFindings({ proxy: "FixtureRouter", impl: "NamespacedCounter" }, build), "plain-state-in-implementation")).to.have.length(0);
    });
  });

  describe("proxy-plain-state", function () {
    it("flags a proxy with state in slots 0..n (medium)", function () {
      const findings = ofRule(storageFindings({ proxy: "AudiusProxy", impl: "NamespacedCounter", dispatch: "transparent" }, build), "proxy-plain-state");
      expect(findings.map((f) => f.severity)).to.deep.equal(["medium"]);
      expect(findings[0].location).to.deep.include({ file: "test/fixtures/analyzers/Audius.sol", line: 11 });
    });

    it("is quiet on an EIP-1967 proxy", function () {
      expect(ofRule(storageFindings({ proxy: "FixtureProxy", impl: "NamespacedCounter", dispatch: "transparent" }, build), "proxy-plain-state")).to.have.length(0);
    });
  });

  describe("upgrade-incompatible-layout / upgrade-renamed-member", function () {
    const upgrade = (to: string) => storageFindings({ proxy: "FixtureRouter", impl: "VaultV1", upgrade: `VaultV1:${to}` }, build);

    for (const [v2, kind] of [
      ["VaultV2Reorder", "reorder"],
      ["VaultV2Insert", "insertion"],
      ["VaultV2TypeChange", "type-change"],
      ["VaultV2Delete", "deletion"],
    ] as const) {
      it(`flags ${v2} (${kind}) at high`, function () {
        const findings = upgrade(v2);
        const hits = ofRule(findings, "upgrade-incompatible-layout");
        expect(hits, summary(findings)).to.have.length(1);
        expect(hits[0].severity).to.equal("high");
        expect(hits[0].title).to.include(`(${kind})`);
        expect(hits[0].location?.file).to.equal("test/fixtures/analyzers/Upgrades.sol");
      });
    }

    it("is quiet on an append-only V2 (also growing a struct kept in a mapping)", function () {
      const findings = upgrade("VaultV2Append");
      expect(findings, summary(findings)).to.have.length(0);
    });

    it("reports a rename as a low warning, not as incompatible", function () {
      const findings = upgrade("VaultV2Rename");
      expect(findings.map((f) => `${f.rule}:${f.severity}`)).to.deep.equal(["upgrade-renamed-member:low"]);
      expect(findings[0].description).to.include("total renamed to totalDeposits");
    });

    it("compares plain layouts too: insertion flagged, append quiet", function () {
      const insert = storageFindings({ proxy: "FixtureProxy", impl: "PlainV1", dispatch: "transparent", upgrade: "PlainV1:PlainV2Insert" }, build);
      expect(ofRule(insert, "upgrade-incompatible-layout").map((f) => f.severity)).to.deep.equal(["high"]);
      const append = storageFindings({ proxy: "FixtureProxy", impl: "PlainV1", dispatch: "transparent", upgrade: "PlainV1:PlainV2Append" }, build);
      expect(aboveInfo(append), summary(append)).to.have.length(0);
    });

    it("accepts V2 spending an OpenZeppelin-v4 __gap, and flags a V2 that adds without shrinking it", function () {
      const gap = (to: string) => storageFindings({ proxy: "FixtureProxy", impl: "GapChildV1", dispatch: "transparent", upgrade: `GapChildV1:${to}` }, build);
      expect(aboveInfo(gap("GapChildV2")), summary(gap("GapChildV2"))).to.have.length(0);
      const bad = ofRule(gap("GapChildV2Unshrunk"), "upgrade-incompatible-layout");
      expect(bad.map((f) => f.severity)).to.deep.equal(["high"]);
      expect(bad[0].description).to.include("GapChildV1.c moved from slot 50 to slot 51 (pushed by GapBaseV2Unshrunk.b (uint256, inserted at slot 1); the storage gap GapBaseV1.__gap now ends at slot 50 instead of slot 49");
    });

    it("also checks the domain with V2 in place (a V2 that collides with a sibling)", function () {
      const findings = storageFindings({ proxy: "FixtureRouter", impl: "NamespacedCounter,ConfigModule", upgrade: "NamespacedCounter:CounterModule" }, build);
      const overlap = ofRule(findings, "storage-overlap");
      expect(overlap.length, summary(findings)).to.be.greaterThan(0);
      expect(overlap[0].description).to.include("once NamespacedCounter is upgraded to CounterModule");
    });
  });

  describe("upgrade-abandoned-storage", function () {
    const upgrade = (v1: string, v2: string) => storageFindings({ proxy: "FixtureProxy", impl: v1, dispatch: "transparent", upgrade: `${v1}:${v2}` }, build);

    it("flags a renamed ERC-7201 id, naming the old and the new id and what is orphaned (high)", function () {
      const hits = ofRule(upgrade("AbNsV1", "AbNsV2Renamed"), "upgrade-abandoned-storage");
      expect(hits.map((f) => f.severity)).to.deep.equal(["high"]);
      expect(hits[0].title).to.equal("AbNsV1 -> AbNsV2Renamed: erc7201:fixture.abandon.Ns is abandoned for erc7201:fixture.abandon.NsV2");
      expect(hits[0].description).to.include('the ERC-7201 id changed from "fixture.abandon.Ns" to "fixture.abandon.NsV2"').and.include("(total, shares)");
    });

    it("flags a changed diamond-storage position and a changed hard-coded slot (high)", function () {
      expect(ofRule(upgrade("AbPosV1", "AbPosV2"), "upgrade-abandoned-storage").map((f) => f.severity)).to.deep.equal(["high"]);
      const raw = ofRule(upgrade("AbRawV1", "AbRawV2"), "upgrade-abandoned-storage");
      expect(raw.map((f) => f.severity)).to.deep.equal(["high"]);
      expect(raw[0].title).to.include("AbRawV1.OWNER_SLOT").and.include("AbRawV2.OWNER_SLOT");
    });

    it("flags V1 storage that V2 only declares: a referenced library whose getter nobody calls, a private setter nobody calls (high)", function () {
      const pos = ofRule(upgrade("AbPosV1", "AbPosV2LeftDeclared"), "upgrade-abandoned-storage");
      expect(pos.map((f) => f.severity)).to.deep.equal(["high"]);
      expect(pos[0].title).to.include("AbPosStoreV1.POSITION");
      const raw = ofRule(upgrade("AbRawV1", "AbRawV2DeadSetter"), "upgrade-abandoned-storage");
      expect(raw.map((f) => f.severity)).to.deep.equal(["high"]);
      expect(raw[0].title).to.include("AbRawV1.OWNER_SLOT");
    });

    it("is quiet when V2 still writes V1's slot through a private helper that an external function calls", function () {
      const findings = upgrade("AbRawV1", "AbRawV2Kept");
      expect(aboveInfo(findings), summary(findings)).to.have.length(0);
    });

    it("is quiet when V2 keeps the namespace (adding another) or still reads it in a migration", function () {
      for (const v2 of ["AbNsV2Added", "AbNsV2Migrating"]) {
        const findings = upgrade("AbNsV1", v2);
        expect(aboveInfo(findings), `${v2}:\n${summary(findings)}`).to.have.length(0);
      }
    });

    it("does not call storage abandoned that the rest of the domain still uses (EIP-1967 slots of the proxy)", function () {
      const findings = storageFindings({ proxy: "ERC1967Proxy", impl: "UupsCounter", dispatch: "uups", upgrade: "UupsCounter:NamespacedCounter" }, build);
      expect(ofRule(findings, "upgrade-abandoned-storage").map((f) => f.title), summary(findings)).to.deep.equal([]);
    });
  });

  describe("shared declarations", function () {
    it("a Safe-style proxy's singleton mirrored by the implementation, read by the proxy's own sload(0): nothing above info", function () {
      const findings = storageFindings({ proxy: "SafeLikeProxy", impl: "SafeLikeWallet", dispatch: "transparent" }, build);
      expect(aboveInfo(findings), summary(findings)).to.have.length(0);
      expect(ofRule(findings, "proxy-plain-state")[0].data).to.deep.include({ mirrored: true });
    });

    it("still flags a proxy variable an implementation does not mirror (the Audius case stays critical)", function () {
      const findings = storageFindings({ proxy: "SafeLikeProxy", impl: "CounterModule", dispatch: "transparent" }, build);
      expect(ofRule(findings, "storage-overlap").map((f) => f.severity), summary(findings)).to.deep.equal(["critical"]);
      expect(ofRule(findings, "proxy-plain-state").map((f) => f.severity)).to.deep.equal(["medium"]);
    });
  });

  describe("unresolved-slot", function () {
    it("reports a struct bound to a run-time slot as info", function () {
      const findings = storageFindings({ proxy: "FixtureRouter", impl: "UnresolvedModule" }, build);
      expect(findings.map((f) => `${f.rule}:${f.severity}`)).to.deep.equal(["unresolved-slot:info"]);
      expect(findings[0].location).to.deep.include({ file: "test/fixtures/analyzers/PlainState.sol" });
    });

    it("is quiet when slots are constants (also through a local copy of the constant)", function () {
      const findings = storageFindings({ proxy: "FixtureRouter", impl: "AlphaModule,NamespacedCounter" }, build);
      expect(ofRule(findings, "unresolved-slot")).to.have.length(0);
    });
  });

  describe("OpenZeppelin 5 proxies (other projects)", function () {
    for (const [proxy, dispatch] of [["ERC1967Proxy", "uups"], ["TransparentUpgradeableProxy", "transparent"]] as const) {
      it(`${proxy} + a UUPS implementation: clean, the EIP-1967 slots shared on purpose`, function () {
        const d = domain(build, { proxy, impl: "UupsCounter", dispatch });
        const { findings, metrics } = analyzeStorage(build, [d]);
        expect(findings, summary(findings)).to.have.length(0);
        const implementationSlot = metrics.storageMap.find((r) => r.slotStart === "0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc");
        expect(implementationSlot).to.deep.include({ kind: "constant-slot", constant: "ERC1967Utils.IMPLEMENTATION_SLOT", usedBy: [`${proxy} (proxy)`, "UupsCounter"] });
        expect(implementationSlot!.file).to.equal("node_modules/@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol");
      });
    }
  });

  it("every registered rule is exercised above", function () {
    expect(STORAGE_RULES.map((r) => r.id)).to.have.members([
      "storage-overlap",
      "storage-namespace-reuse",
      "slot-constant-mismatch",
      "plain-state-in-implementation",
      "proxy-plain-state",
      "upgrade-incompatible-layout",
      "upgrade-renamed-member",
      "upgrade-abandoned-storage",
      "unresolved-slot",
      "undeclared-domain-member",
    ]);
  });

  it("flags every bad fixture case at high or above", function () {
    const bad = [
      { proxy: "AudiusProxy", impl: "AudiusGovernance", dispatch: "transparent" },
      { proxy: "FixtureDiamond", impl: "OwnershipFacet,TokenFacet", dispatch: "diamond" },
      { proxy: "FixtureRouter", impl: "AlphaModule,BetaModule" },
      { proxy: "FixtureRouter", impl: "WrongSlotModule" },
      { proxy: "FixtureRouter", impl: "VaultV1", upgrade: "VaultV1:VaultV2Reorder" },
      { proxy: "FixtureRouter", impl: "VaultV1", upgrade: "VaultV1:VaultV2Insert" },
    ];
    for (const args of bad) expect(atOrAbove(storageFindings(args, build), "high"), JSON.stringify(args)).to.not.have.length(0);
  });

  it("keeps fingerprints when code moves (line numbers change, fingerprints do not)", function () {
    this.timeout(60_000);
    const file = `${FIXTURE_DIR}/Audius.sol`;
    const moved = { [file]: "\n\n\n" + fixtureSources()[file] };
    const shifted = new Build([compileSources(moved)], { root: REPO, preferredRoots: [FIXTURE_DIR] });
    const args = { proxy: "AudiusProxy", impl: "AudiusGovernance", dispatch: "transparent" };
    const before = storageFindings(args, build);
    const after = storageFindings(args, shifted);
    expect(after.map((f) => f.fingerprint)).to.deep.equal(before.map((f) => f.fingerprint));
    expect(after.map((f) => f.location!.line)).to.deep.equal(before.map((f) => f.location!.line! + 3));
  });
});

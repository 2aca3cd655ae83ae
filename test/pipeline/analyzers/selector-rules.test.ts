/**
 * Every selector rule on its bad case (must fire) and on the safe variant (must stay quiet), plus the
 * per-contract selector tables and the id router's routing proof.
 */
import { expect } from "chai";
import { id } from "ethers";
import type { SolcBuild } from "../../../scripts/audit/analyzers/build-info";
import { analyzeSelectors } from "../../../scripts/audit/analyzers/selectors/analyze";
import { selectorsOf } from "../../../scripts/audit/analyzers/selectors/collect";
import { SELECTOR_RULES } from "../../../scripts/audit/analyzers/selectors/rules";
import { domain, fixtures, ofRule, selectorFindings, summary } from "./helpers";

describe("selector analyzer rules (fixtures)", function () {
  let build: SolcBuild;
  before(function () {
    this.timeout(60_000);
    build = fixtures();
  });

  it("the fixtures' selector pairs are what the tests claim", function () {
    expect(id("burn(uint256)").slice(0, 10)).to.equal("0x42966c68");
    expect(id("collate_propagate_storage(bytes16)").slice(0, 10)).to.equal("0x42966c68");
    expect(id("proxyOwner437207()").slice(0, 10)).to.equal("0x01a23a5e");
    expect(id("claimFor3323()").slice(0, 8)).to.equal("0xa23a5e");
  });

  it("lists a contract's functions and public getters with file:line", function () {
    const sels = selectorsOf(build.resolve("PlainV2Append"));
    expect(sels.map((s) => `${s.signature}:${s.kind}`)).to.have.members(["a():getter", "b():getter", "c():getter"]);
    expect(sels.every((s) => s.position?.file === "test/fixtures/analyzers/Upgrades.sol")).to.equal(true);
    const token = selectorsOf(build.resolve("BurnableToken")).find((s) => s.signature === "burn(uint256)");
    expect(token).to.deep.include({ selector: "0x42966c68", kind: "function" });
  });

  describe("proxy-selector-clash", function () {
    for (const dispatch of ["transparent", "uups"]) {
      it(`flags burn(uint256) vs collate_propagate_storage(bytes16) (0x42966c68) behind a ${dispatch} proxy (high, collision)`, function () {
        const findings = ofRule(selectorFindings({ proxy: "ClashingProxy", impl: "BurnableToken", dispatch }, build), "proxy-selector-clash");
        expect(findings).to.have.length(1);
        expect(findings[0].severity).to.equal("high");
        expect(findings[0].data).to.deep.include({ kind: "collision", selector: "0x42966c68", proxy: "collate_propagate_storage(bytes16)", implementation: "burn(uint256)" });
        expect(findings[0].location).to.deep.include({ file: "test/fixtures/analyzers/SelectorClash.sol", line: 28 });
      });
    }

    it("tells an identical signature apart: the proxy shadows a state-changing function (high, duplicate)", function () {
      const findings = ofRule(selectorFindings({ proxy: "ShadowingProxy", impl: "BurnableToken", dispatch: "transparent" }, build), "proxy-selector-clash");
      expect(findings.map((f) => [f.severity, (f.data as { kind: string }).kind])).to.deep.equal([["high", "duplicate"]]);
      expect(findings[0].description).to.include("runs the proxy's own upgradeTo(address) instead");
    });

    it("rates a shadowed view medium and a shadowed state-changing function high (an owned proxy, zos-lib#36)", function () {
      for (const dispatch of ["transparent", "uups"]) {
        const findings = ofRule(selectorFindings({ proxy: "OwnedProxy", impl: "OwnedToken", dispatch }, build), "proxy-selector-clash");
        expect(findings.map((f) => `${(f.data as { implementation: string }).implementation}:${f.severity}`).sort(), dispatch).to.deep.equal([
          "owner():medium",
          "transferOwnership(address):high",
        ]);
        expect(findings.find((f) => f.severity === "medium")?.description).to.include("a caller reads the proxy's answer, not OwnedToken's");
      }
    });

    it("is quiet on a proxy without functions", function () {
      const findings = selectorFindings({ proxy: "FixtureProxy", impl: "BurnableToken", dispatch: "transparent" }, build);
      expect(findings, summary(findings)).to.have.length(0);
    });
  });

  describe("facet-selector-clash", function () {
    it("flags two facets colliding on 0x42966c68 (high)", function () {
      const findings = ofRule(selectorFindings({ proxy: "FixtureDiamond", impl: "BurnFacet,CollateFacet", dispatch: "diamond" }, build), "facet-selector-clash");
      expect(findings.map((f) => [f.severity, (f.data as { kind: string }).kind])).to.deep.equal([["high", "collision"]]);
    });

    it("flags the same function in two facets (medium)", function () {
      const findings = ofRule(selectorFindings({ proxy: "FixtureDiamond", impl: "OwnerFacetA,OwnerFacetB", dispatch: "diamond" }, build), "facet-selector-clash");
      expect(findings.map((f) => [f.severity, (f.data as { kind: string }).kind])).to.deep.equal([["medium", "duplicate"]]);
    });

    it("is quiet on facets with distinct selectors", function () {
      const findings = selectorFindings({ proxy: "FixtureDiamond", impl: "BurnFacet,OwnerFacetA", dispatch: "diamond" }, build);
      expect(findings, summary(findings)).to.have.length(0);
    });
  });

  describe("id-route-capture / id-router-proxy-selectors", function () {
    it("flags a proxy function that captures a registered implementation's function (critical)", function () {
      const findings = selectorFindings({ proxy: "RouterWithSelectors", impl: "CapturedModule" }, build);
      const capture = ofRule(findings, "id-route-capture");
      expect(capture.map((f) => f.severity)).to.deep.equal(["critical"]);
      expect(capture[0].data).to.deep.include({ id: 1, selector: "0x01a23a5e", captured: ["claimFor3323()"] });
      expect(ofRule(findings, "id-router-proxy-selectors").map((f) => f.severity)).to.deep.equal(["high"]);
    });

    it("rates a registered id without a concrete capture high and a free id medium", function () {
      expect(ofRule(selectorFindings({ proxy: "RouterWithSelectors", impl: "PingModuleA" }, build), "id-route-capture").map((f) => f.severity)).to.deep.equal(["high"]);
      expect(ofRule(selectorFindings({ proxy: "RouterWithSelectors", impl: "PingModuleA@2" }, build), "id-route-capture").map((f) => f.severity)).to.deep.equal(["medium"]);
    });

    it("uses the configured id width: with 2-byte ids 0x01a2 is the id at risk", function () {
      const findings = ofRule(selectorFindings({ proxy: "RouterWithSelectors", impl: "CapturedModule@418", idBytes: 2 }, build), "id-route-capture");
      expect(findings.map((f) => f.data)).to.deep.equal([{ selector: "0x01a23a5e", signature: "proxyOwner437207()", id: 0x01a2, implementation: "CapturedModule", captured: [] }]);
    });

    it("is quiet on a fallback-only router, and the routing proof holds", function () {
      const d = domain(build, { proxy: "FixtureRouter", impl: "CapturedModule,PingModuleA" });
      const { findings, metrics } = analyzeSelectors(build, [d]);
      expect(findings, summary(findings)).to.have.length(0);
      expect(metrics.routingProofs).to.have.length(1);
      expect(metrics.routingProofs[0]).to.deep.include({ holds: true, proxySelectors: [], proxyHasFallback: true, ids: [1, 2] });
    });

    it("the routing proof does not hold for a router with selectors", function () {
      const { metrics } = analyzeSelectors(build, [domain(build, { proxy: "RouterWithSelectors", impl: "PingModuleA" })]);
      expect(metrics.routingProofs[0].holds).to.equal(false);
    });
  });

  describe("sibling-selector-overlap", function () {
    it("reports siblings sharing ping() under id routing as info only", function () {
      const findings = selectorFindings({ proxy: "FixtureRouter", impl: "PingModuleA,PingModuleB" }, build);
      expect(findings.map((f) => `${f.rule}:${f.severity}`)).to.deep.equal(["sibling-selector-overlap:info"]);
    });

    it("is quiet on siblings with distinct selectors", function () {
      expect(selectorFindings({ proxy: "FixtureRouter", impl: "PingModuleA,CapturedModule" }, build)).to.have.length(0);
    });
  });

  describe("proxy-selector-clash: selectors answered in the proxy's own code, and who is cut off", function () {
    it("finds masterCopy() answered in a Safe-style proxy's fallback assembly and reports the shadowed function (medium)", function () {
      const findings = ofRule(selectorFindings({ proxy: "SafeLikeProxy", impl: "SafeLikeWalletWithMasterCopy", dispatch: "transparent" }, build), "proxy-selector-clash");
      expect(findings.map((f) => f.severity), summary(findings)).to.deep.equal(["medium"]);
      expect(findings[0].data).to.deep.include({ selector: "0xa619486e", proxy: "masterCopy()", cutOff: "users", answeredIn: "fallback" });
      expect(findings[0].description).to.include("SafeLikeProxy answers 0xa619486e (masterCopy()) in its own code before delegating (test/fixtures/analyzers/FallbackDispatch.sol:");
    });

    it("is quiet when the implementation does not have the selector the proxy answers", function () {
      expect(selectorFindings({ proxy: "SafeLikeProxy", impl: "SafeLikeWallet", dispatch: "transparent" }, build)).to.deep.equal([]);
    });

    it("lists the fallback-answered selector as a proxy selector, named by the implementation", function () {
      const d = domain(build, { proxy: "SafeLikeProxy", impl: "SafeLikeWalletWithMasterCopy", dispatch: "transparent" });
      const rows = analyzeSelectors(build, [d]).metrics.selectors.filter((r) => r.role === "proxy");
      expect(rows.map((r) => `${r.selector}:${r.signature}:${r.kind}`)).to.deep.equal(["0xa619486e:masterCopy():fallback"]);
    });

    it("finds a selector answered in a `switch shr(224, calldataload(0))`", function () {
      const findings = ofRule(selectorFindings({ proxy: "SwitchProxy", impl: "PausableImpl", dispatch: "transparent" }, build), "proxy-selector-clash");
      expect(findings.map((f) => `${f.severity}:${(f.data as { selector: string }).selector}`)).to.deep.equal(["medium:0x5c975abb"]);
    });

    it("rates an OpenZeppelin 5 TransparentUpgradeableProxy answering upgradeToAndCall for its admin only as low: users reach the implementation", function () {
      const findings = ofRule(selectorFindings({ proxy: "TransparentUpgradeableProxy", impl: "UupsCounter", dispatch: "transparent" }, build), "proxy-selector-clash");
      expect(findings.map((f) => f.severity), summary(findings)).to.deep.equal(["low"]);
      expect(findings[0].data).to.deep.include({ selector: "0x4f1ef286", cutOff: "admin" });
      expect(findings[0].description).to.include("msg.sender == _proxyAdmin()").and.include("Only the admin is cut off");
    });

    it("keeps a modifier that reverts for everyone but the admin a users' problem (medium, not admin-only)", function () {
      const findings = ofRule(selectorFindings({ proxy: "OnlyAdminProxy", impl: "AdminImpl", dispatch: "transparent" }, build), "proxy-selector-clash");
      expect(findings.map((f) => f.severity)).to.deep.equal(["medium"]);
      expect(findings[0].data).to.deep.include({ cutOff: "users" });
    });
  });

  describe("upgrade-selector-removed", function () {
    it("flags a V2 that drops a V1 function (low)", function () {
      const findings = ofRule(selectorFindings({ proxy: "FixtureRouter", impl: "VaultV1", upgrade: "VaultV1:VaultV2Delete" }, build), "upgrade-selector-removed");
      expect(findings.map((f) => f.severity)).to.deep.equal(["low"]);
      expect(findings[0].data).to.deep.equal({ removed: ["total()"] });
    });

    it("is quiet on a V2 that keeps every function", function () {
      expect(selectorFindings({ proxy: "FixtureRouter", impl: "VaultV1", upgrade: "VaultV1:VaultV2Append" }, build)).to.have.length(0);
    });
  });

  it("every registered rule is exercised above", function () {
    expect(SELECTOR_RULES.map((r) => r.id)).to.have.members([
      "proxy-selector-clash",
      "facet-selector-clash",
      "id-route-capture",
      "id-router-proxy-selectors",
      "sibling-selector-overlap",
      "upgrade-selector-removed",
    ]);
  });
});

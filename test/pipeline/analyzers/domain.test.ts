/** Storage-domain configuration: the zod schema of audit/domains.json and the command-line form. */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { domainFromCli, parseDomains, parseUpgradePair, resolveDomain, withUpgrade } from "../../../scripts/audit/analyzers/domain";
import { AnalyzerInputError } from "../../../scripts/audit/analyzers/errors";
import { fixtures, REPO } from "./helpers";

const valid = {
  domains: [
    {
      name: "d",
      proxy: "P",
      dispatch: "id-routed",
      implementations: [
        { contract: "A", id: 0, reserved: true },
        { contract: "B", id: 1 },
      ],
    },
  ],
};

function parse(value: unknown): ReturnType<typeof parseDomains> {
  return parseDomains(JSON.stringify(value), "domains.json");
}

describe("analyzer domain config", function () {
  it("accepts this repository's audit/domains.json", function () {
    const domains = parseDomains(readFileSync(path.join(REPO, "audit/domains.json"), "utf8"), "audit/domains.json");
    expect(domains.map((d) => [d.name, d.dispatch, d.idBytes, d.implementations.map((i) => i.id)])).to.deep.equal([
      ["load-balancer", "id-routed", 1, [0, 1, 2]],
    ]);
  });

  it("fills defaults (no upgrades)", function () {
    expect(parse(valid)[0].upgrades).to.deep.equal([]);
  });

  for (const [what, mutate, message] of [
    ["a missing id under id routing", (d: any) => delete d.implementations[1].id, /implementations\.1\.id: required for id-routed/],
    ["a duplicate id", (d: any) => (d.implementations[1].id = 0), /id 0 is used twice/],
    ["an id that does not fit idBytes", (d: any) => (d.implementations[1].id = 256), /must fit in 1 byte/],
    ["an unknown dispatch model", (d: any) => (d.dispatch = "beacon"), /dispatch: Invalid enum value/],
    ["ids on a transparent proxy", (d: any) => ((d.dispatch = "transparent"), d.implementations.pop()), /id and reserved apply to id-routed domains only/],
    ["two implementations behind a UUPS proxy", (d: any) => ((d.dispatch = "uups"), d.implementations.forEach((i: any) => (delete i.id, delete i.reserved))), /exactly one implementation/],
    ["unknown keys", (d: any) => (d.implementation = []), /Unrecognized key/],
  ] as const) {
    it(`rejects ${what} with one line naming the problem`, function () {
      const bad = structuredClone(valid) as any;
      mutate(bad.domains[0]);
      expect(() => parse(bad)).to.throw(AnalyzerInputError, message);
      try {
        parse(bad);
      } catch (e) {
        expect((e as Error).message).to.match(/^domains\.json is invalid: /).and.not.include("\n");
      }
    });
  }

  it("rejects malformed JSON and duplicate domain names", function () {
    expect(() => parseDomains("{", "x.json")).to.throw(AnalyzerInputError, /x\.json is not valid JSON/);
    expect(() => parse({ domains: [valid.domains[0], valid.domains[0]] })).to.throw(AnalyzerInputError, /declared twice/);
  });

  describe("command line", function () {
    it("defaults to id routing with ids 1, 2, ... and accepts Name@id", function () {
      const d = domainFromCli({ proxy: "LoadBalancer", impl: "Staking,Voting", dispatch: "id-routed" });
      expect(d).to.deep.include({ dispatch: "id-routed", implementations: [{ contract: "Staking", id: 1 }, { contract: "Voting", id: 2 }] });
      expect(domainFromCli({ proxy: "P", impl: "Admin@0,A,B@5,C", dispatch: "id-routed" }).implementations.map((i) => i.id)).to.deep.equal([0, 1, 5, 6]);
    });

    it("parses V1:V2 pairs, fully qualified names included", function () {
      expect(parseUpgradePair("Staking:StakingV2")).to.deep.equal({ from: "Staking", to: "StakingV2" });
      expect(parseUpgradePair("contracts/a/S.sol:S:contracts/mocks/S2.sol:S2")).to.deep.equal({ from: "contracts/a/S.sol:S", to: "contracts/mocks/S2.sol:S2" });
      expect(() => parseUpgradePair("Staking")).to.throw(AnalyzerInputError, /V1:V2/);
    });

    it("rejects incomplete or contradictory flags", function () {
      expect(() => domainFromCli({ impl: "A" })).to.throw(AnalyzerInputError, /--proxy is required/);
      expect(() => domainFromCli({ proxy: "P", dispatch: "uups" })).to.throw(AnalyzerInputError, /--impl needs/);
      expect(() => domainFromCli({ proxy: "P", impl: "A@x", dispatch: "id-routed" })).to.throw(AnalyzerInputError, /must be a number/);
      expect(() => domainFromCli({ proxy: "P", impl: "A" })).to.throw(AnalyzerInputError, /--dispatch is required for --proxy P/);
      expect(() => domainFromCli({ proxy: "P", impl: "A@1", dispatch: "diamond" })).to.throw(AnalyzerInputError, /ids apply to --dispatch id-routed/);
      expect(() => domainFromCli({ proxy: "P", impl: "A", dispatch: "beacon" })).to.throw(AnalyzerInputError, /dispatch/);
    });
  });

  describe("resolution against a build", function () {
    it("resolves contracts and substitutes upgrades under the same id", function () {
      const build = fixtures();
      const d = resolveDomain(build, domainFromCli({ proxy: "FixtureRouter", impl: "VaultV1@7", upgrade: "VaultV1:VaultV2Append", dispatch: "id-routed" }));
      const after = withUpgrade(d, d.upgrades[0]);
      expect(after.implementations.map((m) => [m.contract.name, m.id])).to.deep.equal([["VaultV2Append", 7]]);
    });

    it("rejects unknown contracts, libraries as members and upgrades of non-members", function () {
      const build = fixtures();
      expect(() => resolveDomain(build, domainFromCli({ proxy: "Nope", impl: "VaultV1", dispatch: "id-routed" }))).to.throw(AnalyzerInputError, /domain cli: unknown contract Nope/);
      expect(() => resolveDomain(build, domainFromCli({ proxy: "FixtureRouter", impl: "LibVaultV1", dispatch: "id-routed" }))).to.throw(AnalyzerInputError, /is a library, not a contract/);
      expect(() => resolveDomain(build, domainFromCli({ proxy: "FixtureRouter", impl: "VaultV1", upgrade: "PlainV1:PlainV2Append", dispatch: "id-routed" }))).to.throw(AnalyzerInputError, /neither one of its implementations nor the target of an earlier upgrade/);
    });
  });
});

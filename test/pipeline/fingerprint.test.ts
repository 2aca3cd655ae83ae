import { expect } from "chai";
import { finalizeFindings, fingerprint, type DraftFinding } from "../../scripts/audit/findings/fingerprint";

const draft = (over: Partial<DraftFinding> = {}): DraftFinding => ({
  stage: "lint",
  rule: "solhint/no-unused-vars",
  severity: "low",
  title: "Variable x is unused",
  description: "",
  tool: { name: "solhint", version: "6.2.4" },
  location: { file: "contracts/A.sol", line: 10, symbol: "A.f" },
  anchor: "A.f|uint x = 1;|Variable x is unused",
  ...over,
});

describe("audit fingerprint", function () {
  it("is stable when only the finding's line moves", function () {
    const [a] = finalizeFindings([draft({ location: { file: "contracts/A.sol", line: 10, symbol: "A.f" } })]);
    const [b] = finalizeFindings([draft({ location: { file: "contracts/A.sol", line: 42, symbol: "A.f" } })]);
    expect(a.fingerprint).to.match(/^[0-9a-f]{64}$/);
    expect(b.fingerprint).to.equal(a.fingerprint);
    expect(b.id).to.equal(a.id);
  });

  it("ignores re-indentation of the anchor text", function () {
    const base = { stage: "lint", rule: "r", file: "contracts/A.sol" };
    expect(fingerprint({ ...base, anchor: "  uint   x = 1;" })).to.equal(fingerprint({ ...base, anchor: "uint x = 1;" }));
  });

  it("changes with stage, rule, file or anchor", function () {
    const base = { stage: "lint", rule: "r", file: "contracts/A.sol", anchor: "A.f" };
    const fp = fingerprint(base);
    expect(fingerprint({ ...base, stage: "test" })).to.not.equal(fp);
    expect(fingerprint({ ...base, rule: "r2" })).to.not.equal(fp);
    expect(fingerprint({ ...base, file: "contracts/B.sol" })).to.not.equal(fp);
    expect(fingerprint({ ...base, anchor: "A.g" })).to.not.equal(fp);
    // Field boundaries matter: ("ab","c") is not ("a","bc").
    expect(fingerprint({ ...base, stage: "ab", rule: "c" })).to.not.equal(fingerprint({ ...base, stage: "a", rule: "bc" }));
  });

  it("builds ids as stage:rule:first-12-hex", function () {
    const [f] = finalizeFindings([draft()]);
    expect(f.id).to.equal(`lint:solhint/no-unused-vars:${f.fingerprint.slice(0, 12)}`);
    expect(f).to.not.have.property("anchor");
  });

  it("disambiguates identical anchors by source order, keeping the first plain", function () {
    const [one, two] = finalizeFindings([
      draft({ location: { file: "contracts/A.sol", line: 30 } }),
      draft({ location: { file: "contracts/A.sol", line: 20 } }),
    ]);
    expect(one.fingerprint).to.not.equal(two.fingerprint);
    // line 20 comes first in the source, so it keeps the plain anchor
    const [single] = finalizeFindings([draft({ location: { file: "contracts/A.sol", line: 20 } })]);
    expect(two.fingerprint).to.equal(single.fingerprint);
  });
});

/**
 * The real-world corpus (test/fixtures/corpus/, README there): every case restates a public report,
 * and our storage / selector analyzers must give its right answer. The handed field cases
 * (shared/field-cases) are cases of this corpus, marked `field`.
 */
import { expect } from "chai";
import { compileCase, judge, loadCorpus, runOurs, type CorpusCase } from "../../../scripts/audit/dev/corpus";
import { summary } from "./helpers";

const FIELD_CASES = [
  "appstorage-facets",
  "enum-reorder",
  "erc7201-id-changed",
  "layout-at",
  "oz4-multigap-append",
  "transparent-ifadmin",
  "udvt-retype",
];

describe("analyzer corpus (real-world cases, right answers)", function () {
  this.timeout(120_000);
  const cases: CorpusCase[] = loadCorpus();

  it("holds every handed field case, and at least 30 cases", function () {
    expect(cases.filter((c) => c.field).map((c) => c.id)).to.have.members(FIELD_CASES);
    expect(cases.length).to.be.at.least(30);
  });

  for (const c of cases) {
    it(`${c.id}: ${c.expect.verdict} (${c.kind})`, function () {
      const result = runOurs(c, compileCase(c));
      const verdict = judge(c, result);
      expect(verdict.problems, `${c.title}\n${verdict.problems.join("\n")}\n--- findings:\n${summary(result.findings)}`).to.deep.equal([]);
    });
  }
});

/**
 * The real-world corpus (test/fixtures/corpus/, README there): every case restates a public report,
 * and our storage / selector analyzers must give its right answer. The handed field cases
 * (shared/field-cases) are cases of this corpus, marked `field`.
 */
import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { compileCase, judge, loadCorpus, runOurs, type CorpusCase } from "../../../scripts/audit/dev/corpus";
import { DOC_FILE, readAnchors, README_FILE, renderCases, renderTable, withCases, withTable } from "../../../scripts/audit/dev/corpus-table";
import { REPO } from "./helpers";
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

  it("records both anchors' verdicts for every case (npm run analyzers:corpus)", function () {
    const anchors = readAnchors();
    expect(Object.keys(anchors.cases).sort()).to.deep.equal(cases.map((c) => c.id).sort());
  });

  it("docs/ANALYZERS.md's side-by-side table is what the corpus gives today, with no case where an anchor is right and we are wrong", function () {
    const doc = readFileSync(path.join(REPO, DOC_FILE), "utf8");
    const table = renderTable(readAnchors());
    expect(table).to.match(/Cases where an anchor is right and we are wrong: 0\./);
    expect(withTable(doc, table), "the table is stale: run npm run analyzers:corpus").to.equal(doc);
  });

  it("the corpus README lists every case with its source and right answer", function () {
    const readme = readFileSync(path.join(REPO, README_FILE), "utf8");
    expect(withCases(readme, renderCases()), "the README's case table is stale: run npm run analyzers:corpus -- --table-only").to.equal(readme);
  });
});

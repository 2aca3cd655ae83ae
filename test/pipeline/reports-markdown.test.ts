import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { markdownCode } from "../../scripts/audit/reports/escape";
import { markdownWriter } from "../../scripts/audit/reports/markdown";
import { SEVERITY_LABEL } from "../../scripts/audit/findings/severity";
import { SEVERITIES } from "../../scripts/audit/types";
import type { AuditReport } from "../../scripts/audit/types";

const SAMPLE = path.join(__dirname, "fixtures", "report-sample.json");
const loadSample = (): AuditReport => JSON.parse(readFileSync(SAMPLE, "utf8")) as AuditReport;
const render = (report: AuditReport): string => markdownWriter.render(report, { root: process.cwd() });

/** The body of one `## title` section. */
function sectionOf(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  expect(start, `section ${title}`).to.be.greaterThan(-1);
  const next = markdown.indexOf("\n## ", start + 4);
  return markdown.slice(start, next === -1 ? undefined : next);
}

/** Cells of a GFM table row: splits on pipes that are not backslash-escaped. */
function cells(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, "")
    .replace(/(?<!\\)\|$/, "")
    .split(/(?<!\\)\|/)
    .map((c) => c.trim());
}

describe("pipeline reports: report.md", function () {
  it("has the counts-by-severity table, open and suppressed counted separately", function () {
    const report = loadSample();
    const counts = sectionOf(render(report), "Findings by severity");
    for (const severity of SEVERITIES) {
      const open = report.findings.filter((f) => f.severity === severity && !f.suppressed).length;
      const suppressed = report.findings.filter((f) => f.severity === severity && f.suppressed).length;
      expect(counts).to.include(`| ${SEVERITY_LABEL[severity]} | ${open} | ${suppressed} |`);
    }
    const totalOpen = report.findings.filter((f) => !f.suppressed).length;
    expect(counts).to.include(`| **Total** | **${totalOpen}** | **${report.findings.length - totalOpen}** |`);
  });

  it("pins the scope to the commit and lists files, tools, gate reasons and severity definitions", function () {
    const report = loadSample();
    const md = render(report);
    expect(md).to.include(`\`${report.commit.slice(0, 7)}\``).and.to.include(`\`${report.commit}\``);
    expect(md).to.match(/working tree dirty/);
    const scope = sectionOf(md, "Scope");
    for (const entry of report.scope) expect(scope).to.include(`| \`${entry.file}\` | ${entry.contracts.join(", ")} | ${entry.nsloc} |`);
    const tools = sectionOf(md, "Tools");
    for (const tool of report.stages.flatMap((s) => s.tools)) expect(tools).to.include(`\`${tool.version}\``);
    const gate = sectionOf(md, "Gate");
    expect(gate).to.include("**failed**");
    for (const reason of report.gate.reasons) expect(gate).to.include(reason);
    const definitions = sectionOf(md, "Severity definitions");
    for (const severity of SEVERITIES) expect(definitions).to.include(`| **${SEVERITY_LABEL[severity]}** |`);
  });

  it("lists open findings by severity with file:line, rule, tool and recommendation; suppressed ones apart", function () {
    const report = loadSample();
    const md = render(report);
    const findings = sectionOf(md, "Findings");
    const headings = [...findings.matchAll(/^### (\w+) \(\d+\)$/gm)].map((m) => m[1]);
    expect(headings).to.deep.equal(["Critical", "High", "Medium", "Low", "Info"]);
    for (const f of report.findings.filter((x) => !x.suppressed)) {
      if (f.location?.line) expect(findings).to.include(`\`${f.location.file}:${f.location.line}`);
      expect(findings).to.include(`\`${f.rule}\``);
      expect(findings).to.include(f.tool.name);
    }
    expect(findings).to.include("**Recommendation:** Restrict recoverERC20 to the owner");

    const suppressed = report.findings.find((f) => f.suppressed)!;
    expect(findings).to.not.include(suppressed.fingerprint.slice(0, 12));
    const suppressedSection = sectionOf(md, "Suppressed findings");
    expect(suppressedSection).to.include(suppressed.suppressed!.justification);
  });

  it("has 'New in this change' and 'Fixed by this change' against the baseline, and marks each finding", function () {
    const report = loadSample();
    const md = render(report);
    const part = (title: string): string => md.slice(md.indexOf(`## ${title}`), md.indexOf("\n## ", md.indexOf(`## ${title}`) + 3));
    const added = part("New in this change");
    expect(added).to.contain("Compared with commit `1d2c3b4` (`--baseline-ref main`, 2026-11-20T10:00:00Z).");
    expect(added).to.contain("| Medium | 0 | 1 | 1 |");
    for (const f of report.findings.filter((x) => x.baselineState === "new" || x.baselineState === "updated")) expect(added).to.contain(`\`${f.id}\``);
    for (const f of report.findings.filter((x) => x.baselineState === "unchanged")) expect(added).to.not.contain(`\`${f.id}\``);
    expect(part("Fixed by this change")).to.contain(`\`${report.baseline!.fixed[0].id}\``).and.contain("Unchecked low-level calls");
    expect(md.indexOf("## Gate")).to.be.lessThan(md.indexOf("## New in this change"));
    // On each finding: its state, whether it fails the gate, the other tools that saw it, the rule's catalog entry.
    expect(md).to.contain(`\`${report.findings[0].id}\` · **Baseline:** new in this change · **Fails the gate**`);
    delete report.findings.find((f) => f.alsoReportedBy)!.suppressed; // the sample's one is suppressed: open it
    expect(render(report)).to.contain("**Also reported by:** solhint 6.2.4 as `solhint/not-rely-on-time` (Avoid making time-based decisions in your business logic, [docs](https://github.com/protofire/solhint/blob/develop/docs/rules/security/not-rely-on-time.md)) at `contracts/implementations/Voting.sol:61`");
    delete report.baseline;
    for (const title of ["New in this change", "Fixed by this change"]) expect(render(report)).to.contain(`## ${title}\n\nNo baseline: run with \`--baseline <report.json>\``);
  });

  it("has the stage, coverage, gas and skipped-and-why sections", function () {
    const report = loadSample();
    const md = render(report);
    const stages = sectionOf(md, "Stages");
    for (const s of report.stages) expect(stages).to.match(new RegExp(`\\| \`${s.name}\` \\| \\S+ ${s.status}${s.cache?.hit ? " \\(cached\\)" : ""} \\|`));
    // A result reused from the stage-result cache says so, and from which run.
    expect(stages).to.match(/\| `lint` \| \S+ passed \(cached\) \| .* \| cached: inputs unchanged since the run of 2026-01-14T09:58:02\.000Z \(commit 3f0c9a1b2c4d\), where it took 2\.5 s \|/);
    expect(stages).to.include("Tests: 148 passing, 0 failing, 2 pending (150 total).");
    const coverage = sectionOf(md, "Coverage");
    expect(coverage).to.include("| `contracts/core/LoadBalancer.sol` | 100.0 % (18/18) |");
    expect(coverage).to.match(/\| \*\*Total\*\* \| \*\*87\.3 % \(281\/322\)\*\* \|/);
    const gas = sectionOf(md, "Gas");
    expect(gas).to.include("| LoadBalancerAdmin | `upgradeImplementation` | 6 | 52,210 | 49,870 | +4.7 % |");
    expect(gas).to.include("| LoadBalancerAdmin | `transferOwnership` | 4 | 47,210 | — | — |");
    const skipped = sectionOf(md, "Skipped and why");
    for (const s of report.stages.filter((x) => x.status === "skipped" || x.status === "error")) {
      expect(skipped).to.include(`\`${s.name}\` (${s.status}): ${s.reason!}`);
    }
  });

  it("says why coverage and gas are missing instead of dropping the sections", function () {
    const report = loadSample();
    report.stages = report.stages.filter((s) => s.name !== "gas");
    report.stages.find((s) => s.name === "coverage")!.metrics = {};
    report.stages.find((s) => s.name === "coverage")!.reason = "solidity-coverage crashed";
    const md = render(report);
    expect(sectionOf(md, "Coverage")).to.include("reported no metrics: solidity-coverage crashed");
    expect(sectionOf(md, "Gas")).to.include('No "gas" stage in this run.');
  });

  it("escapes | and newlines in table cells, and markdown/HTML in tool text", function () {
    const report = loadSample();
    const suppressed = report.findings.find((f) => f.suppressed)!;
    suppressed.title = "uses a | b\nacross lines";
    suppressed.suppressed!.justification = "x|y";
    suppressed.location = { file: "contracts/odd|name.sol", line: 5 };
    const open = report.findings.find((f) => f.severity === "critical")!;
    open.title = "Click [here](https://evil.example) <img src=x onerror=alert(1)> *now*";
    open.description = "# not a heading\n<script>alert(1)</script>\n- not a list";
    const md = render(report);

    const table = sectionOf(md, "Suppressed findings");
    const header = table.split("\n").find((l) => l.startsWith("| Severity |"))!;
    const row = table.split("\n").find((l) => l.includes("uses a"))!;
    expect(cells(row)).to.have.length(cells(header).length);
    expect(row).to.include("uses a \\| b<br>across lines");
    expect(row).to.include("x\\|y");
    expect(row).to.include("`contracts/odd\\|name.sol:5`");

    expect(md).to.include("Click \\[here\\](https://evil.example) \\<img src=x onerror=alert(1)\\> \\*now\\*");
    expect(md).to.not.match(/(?<!\\)<(img|script)/);
    expect(md).to.include("\\# not a heading");
    expect(md).to.include("\\- not a list");
  });

  it("builds code spans that backticks in the text cannot close", function () {
    expect(markdownCode("plain")).to.equal("`plain`");
    expect(markdownCode("a`b")).to.equal("``a`b``");
    expect(markdownCode("`x`")).to.equal("`` `x` ``");
    expect(markdownCode("a|b", true)).to.equal("`a\\|b`");
  });

  it("folds long lists of low findings into <details>", function () {
    const report = loadSample();
    const low = report.findings.find((f) => f.severity === "low")!;
    for (let i = 0; i < 6; i++) report.findings.push({ ...low, id: `${low.id}-${i}`, fingerprint: `${i}`.repeat(64) });
    const findings = sectionOf(render(report), "Findings");
    expect(findings).to.include("### Low (8)\n\n<details><summary>Show 8 findings</summary>\n\n#### ");
    expect(findings).to.not.match(/### (Critical|High|Medium|Info) \(\d+\)\n\n<details>/);
  });

  it("renders every stage's sections under Stage details: stage-named h3, right-aligned numbers, a text bar chart", function () {
    const report = loadSample();
    const md = render(report);
    const details = sectionOf(md, "Stage details");
    expect(md.indexOf("\n## Stage details\n")).to.be.greaterThan(md.indexOf("\n## Gas\n"));
    const sections = report.stages.flatMap((s) => (s.sections ?? []).map((section) => ({ stage: s.name, section })));
    expect(sections.length).to.be.greaterThan(1);
    for (const { stage, section } of sections) {
      expect(details).to.include(`<a id="${section.id}"></a>\n### \`${stage}\`: ${section.title}`);
    }
    const bench = report.stages.find((s) => s.name === "bench")!;
    const overhead = bench.sections!.find((s) => s.id === "bench-routing-overhead")!;
    // Numeric columns right-aligned, text columns left.
    expect(details).to.include("| Proxy | Case | Cold overhead | Warm overhead | Tx overhead | Tx overhead, no floor | Deployment gas | Setup gas | Runtime size (bytes) |\n| --- | --- | ---: | ---: |");
    expect(details).to.include("| LoadBalancer (ours) | small | 4,856 | 356 | 4,800 | 4,872 | 1,595,086 | 76,314 | 278 |");
    const rows = details.split("\n").filter((l) => /^\| .* \| (small|large) \|/.test(l));
    expect(rows).to.have.length(overhead.table!.rows.length);
    // The chart: one line per category and series, the floor marker explained.
    const fenced = /Cold execution overhead per proxy \(gas\):\n\n```text\n([\s\S]*?)\n```/.exec(details);
    expect(fenced, "text chart").to.not.equal(null);
    const barLines = fenced![1].split("\n").filter((l) => /\d  [█▏▎▍▌▋▊▉│]/.test(l));
    expect(barLines).to.have.length(overhead.chart!.categories.length * overhead.chart!.series.length);
    expect(barLines[0]).to.match(/^LoadBalancer +small call +4,856  █+/);
    expect(fenced![1]).to.include("│ = storage-lookup floor: 4,760 gas");
    // A storage map: null shows as a dash.
    expect(details).to.include("| 0 | 0 | 32 | totalStaked | uint256 | — |");
  });

  it("escapes hostile section text: title, description, cells, column labels, chart labels", function () {
    const report = loadSample();
    const stage = report.stages.find((s) => s.name === "lint")!;
    stage.sections = [
      {
        id: "lint-evil",
        title: "Evil <img src=x onerror=alert(1)> [link](https://evil.example)",
        description: "# heading?\n<script>alert(1)</script>",
        table: {
          columns: [
            { key: "a", label: "A|B" },
            { key: "n", label: "N" },
          ],
          rows: [{ a: "x | y\n<iframe src=//evil>", n: 7 }],
        },
        chart: { title: "T*", unit: "gas", categories: ["```\n<script>alert(1)</script>"], series: [{ name: "s", values: [3] }] },
      },
    ];
    const md = render(report);
    const details = sectionOf(md, "Stage details");
    // Outside code fences (where text is literal), no raw tag survives.
    const outsideFences = md.replace(/^(`{3,})text\n[\s\S]*?\n\1$/gm, "");
    expect(outsideFences).to.not.equal(md);
    expect(outsideFences).to.not.match(/(?<!\\)<(img|script|iframe)/);
    expect(details).to.include("### `lint`: Evil \\<img src=x onerror=alert(1)\\> \\[link\\](https://evil.example)");
    expect(details).to.include("\\# heading?  \n\\<script\\>alert(1)\\</script\\>");
    const row = details.split("\n").find((l) => l.includes("x \\| y"))!;
    expect(cells(row)).to.deep.equal(["x \\| y<br>\\<iframe src=//evil\\>", "7"]);
    expect(details).to.include("| A\\|B | N |");
    // Inside the code fence, the label cannot close it: the fence is longer than its backticks.
    expect(details).to.include("T\\* (gas):\n\n````text\n``` <script>alert(1)</script>  3  ");
  });

  it("says so when no stage contributed details", function () {
    const report = loadSample();
    for (const s of report.stages) delete s.sections;
    expect(sectionOf(render(report), "Stage details")).to.include("No stage contributed details.");
  });
});

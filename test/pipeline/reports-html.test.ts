import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { htmlWriter } from "../../scripts/audit/reports/html";
import type { AuditReport, GasMetrics, ReportSection } from "../../scripts/audit/types";

const SAMPLE = path.join(__dirname, "fixtures", "report-sample.json");
const loadSample = (): AuditReport => JSON.parse(readFileSync(SAMPLE, "utf8")) as AuditReport;
const render = (report: AuditReport): string => htmlWriter.render(report, { root: process.cwd() });

/** The markup of the element with this id, up to the matching close of its tag. */
function elementById(html: string, id: string, tag: string): string {
  const start = html.indexOf(`<${tag} id="${id}"`);
  expect(start, `#${id}`).to.be.greaterThan(-1);
  return html.slice(start, html.indexOf(`</${tag}>`, start));
}

describe("pipeline reports: report.html (markup)", function () {
  it("escapes hostile tool output everywhere it is shown", function () {
    const report = loadSample();
    const finding = report.findings.find((f) => f.severity === "high")!;
    finding.title = '<script>alert("pwned")</script>';
    finding.description = "<img src=x onerror=alert(1)>";
    finding.tool.version = '1.0" onmouseover="alert(1)';
    finding.rule = "</code><iframe src=//evil>";
    report.gate.reasons.push("<b>bold</b> & co");
    const html = render(report);

    expect(html).to.not.match(/<script|<img|<iframe|onmouseover="/i);
    expect(html).to.include("&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;");
    expect(html).to.include("&lt;img src=x onerror=alert(1)&gt;");
    expect(html).to.include("1.0&quot; onmouseover=&quot;alert(1)");
    expect(html).to.include("&lt;b&gt;bold&lt;/b&gt; &amp; co");
  });

  it("is self-contained: no external resource, no script, and a CSP that forbids both", function () {
    const html = render(loadSample());
    expect(html).to.match(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'/);
    expect(html).to.not.match(/<script|<link|<iframe|<img|@import|url\(/i);
    // Every src/href points inside the page.
    const targets = [...html.matchAll(/\s(?:src|href)="([^"]*)"/g)].map((m) => m[1]);
    expect(targets.length).to.be.greaterThan(0);
    for (const target of targets) expect(target).to.match(/^#[\w-]+$/);
  });

  it("has the stable ids the browser test and readers link to", function () {
    const html = render(loadSample());
    for (const id of ["summary", "gate", "new", "fixed", "scope", "tools", "severity-definitions", "findings", "suppressed", "stages", "coverage", "gas", "stage-details", "skipped"]) {
      expect(html).to.include(`<section id="${id}" data-testid="${id}">`);
    }
    expect(html).to.include('<svg id="coverage-chart" data-testid="coverage-chart"');
    expect(html).to.include('<svg id="gas-chart" data-testid="gas-chart"');
    // Against the baseline: the new (and changed) findings, and the fixed ones, in tables.
    const report = loadSample();
    expect(html.match(/<table data-testid="new-table">[\s\S]*?<\/table>/)![0].match(/<tr>/g)).to.have.length(1 + report.findings.filter((f) => f.baselineState === "new" || f.baselineState === "updated").length);
    expect(html.match(/<table data-testid="fixed-table">[\s\S]*?<\/table>/)![0]).to.contain(report.baseline!.fixed[0].id);
    // An open finding other tools also reported names them (the sample's one is suppressed: open it).
    delete report.findings.find((f) => f.alsoReportedBy)!.suppressed;
    expect(render(report).match(/data-testid="also-reported-by"/g)).to.have.length(1);
  });

  it("draws one gas bar per method with a baseline marker where a baseline exists, and three coverage bars per file", function () {
    const report = loadSample();
    const html = render(report);
    const gas = report.stages.find((s) => s.name === "gas")!.metrics as unknown as GasMetrics;
    const gasChart = elementById(html, "gas-chart", "svg");
    expect(gasChart.match(/<rect class="bar"/g)).to.have.length(gas.methods.length);
    expect(gasChart.match(/<line class="chart-marker"/g)).to.have.length(gas.methods.filter((m) => m.baselineAvg !== undefined).length);

    const files = Object.keys((report.stages.find((s) => s.name === "coverage")!.metrics as { files: object }).files);
    const coverageChart = elementById(html, "coverage-chart", "svg");
    expect(coverageChart.match(/<rect class="bar"/g)).to.have.length(files.length * 3);
    for (const series of ["lines", "branches", "functions"]) {
      expect(coverageChart.match(new RegExp(`data-series="${series}"`, "g"))).to.have.length(files.length);
    }
  });

  it("renders one article per open finding, suppressed ones in their own table", function () {
    const report = loadSample();
    const html = render(report);
    const open = report.findings.filter((f) => !f.suppressed);
    expect(html.match(/data-testid="finding"/g)).to.have.length(open.length);
    const suppressed = report.findings.find((f) => f.suppressed)!;
    expect(elementById(html, "suppressed", "section")).to.include(suppressed.suppressed!.justification.replace(/'/g, "&#39;"));
  });

  it("folds long lists of low and info findings, never blocking ones", function () {
    const report = loadSample();
    const low = report.findings.find((f) => f.severity === "low")!;
    const critical = report.findings.find((f) => f.severity === "critical")!;
    for (let i = 0; i < 6; i++) {
      report.findings.push({ ...low, id: `${low.id}-${i}`, fingerprint: `${i}`.repeat(64) });
      report.findings.push({ ...critical, id: `${critical.id}-${i}`, fingerprint: `${i}`.repeat(64) });
    }
    const html = render(report);
    expect(html).to.match(/<details class="finding-group" data-testid="findings-low">/);
    expect(html).to.match(/<details class="finding-group" data-testid="findings-critical" open>/);
    expect(html).to.match(/<details class="finding-group" data-testid="findings-info" open>/);
  });

  it("renders every stage's sections after Gas: stage-named h3, numeric cells right-aligned, the chart as SVG", function () {
    const report = loadSample();
    const html = render(report);
    const details = elementById(html, "stage-details", "section");
    expect(html.indexOf('<section id="stage-details"')).to.be.greaterThan(html.indexOf('<section id="gas"'));
    expect(html).to.include('<a href="#stage-details">Stage details</a>');
    for (const stage of report.stages) {
      for (const section of stage.sections ?? []) {
        expect(details).to.include(`<div class="detail" id="${section.id}" data-testid="${section.id}" data-stage="${stage.name}"><h3><code>${stage.name}</code> ${section.title}</h3>`);
        if (section.table) {
          const table = details.slice(details.indexOf(`<table data-testid="${section.id}-table">`));
          expect(table.slice(0, table.indexOf("</table>")).match(/<tr>/g)).to.have.length(section.table.rows.length + 1);
        }
      }
    }
    const bench = report.stages.find((s) => s.name === "bench")!.sections!.find((s) => s.id === "bench-routing-overhead")!;
    expect(details).to.include('<th class="num">Cold overhead</th>');
    expect(details).to.include('<td>LoadBalancer (ours)</td><td>small</td><td class="num">4,856</td><td class="num">356</td>');
    const chart = elementById(html, "bench-routing-overhead-chart", "svg");
    const bars = bench.chart!.series.flatMap((s) => s.values).filter((v) => v !== null).length;
    expect(chart.match(/<rect class="bar"/g)).to.have.length(bars);
    expect(chart.match(/data-series="s0"/g)).to.have.length(bench.chart!.categories.length);
    expect(chart.match(/<line class="chart-marker"/g)).to.have.length(bench.chart!.categories.length);
    expect(chart).to.include("storage-lookup floor: 4,760 gas");
    expect(details).to.include('<p class="chart-caption">Cold execution overhead per proxy (gas)</p>');
  });

  it("escapes hostile section text and keeps anchors unique and safe", function () {
    const report = loadSample();
    const evil = "<img src=x onerror=alert(1)>";
    const hostile: ReportSection = {
      id: "x",
      title: `T ${evil}`,
      description: `D ${evil}`,
      table: { columns: [{ key: "a", label: `L ${evil}` }], rows: [{ a: `<script>alert("c")</script>` }] },
      chart: { title: `C ${evil}`, unit: `"u"`, categories: [`K ${evil}`], series: [{ name: `S ${evil}`, values: [1] }], marker: { label: `M ${evil}`, value: 1 } },
    };
    report.stages.find((s) => s.name === "gas")!.sections = [
      hostile,
      { ...hostile, id: "gas" }, // the built-in Gas section's id
      { ...hostile, id: 'Bad Id"><script>' }, // not schema-valid, but the writer must cope
    ];
    const html = render(report);
    expect(html).to.not.match(/<script|<img|onerror=alert\(1\)>/i);
    expect(html).to.include("&lt;script&gt;alert(&quot;c&quot;)&lt;/script&gt;");
    expect(html).to.include("T &lt;img src=x onerror=alert(1)&gt;");
    const ids = [...html.matchAll(/\sid="([^"]*)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).to.equal(ids.length);
    for (const id of ["gas-x", "gas-2", "gas-bad-id-script"]) expect(ids).to.include(id);
    for (const id of ids) expect(id).to.match(/^[\w-]+$/);
  });
});

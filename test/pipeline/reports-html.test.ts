import { expect } from "chai";
import { readFileSync } from "node:fs";
import path from "node:path";
import { htmlWriter } from "../../scripts/audit/reports/html";
import type { AuditReport, GasMetrics } from "../../scripts/audit/types";

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
    for (const id of ["summary", "gate", "scope", "tools", "severity-definitions", "findings", "suppressed", "stages", "coverage", "gas", "skipped"]) {
      expect(html).to.include(`<section id="${id}" data-testid="${id}">`);
    }
    expect(html).to.include('<svg id="coverage-chart" data-testid="coverage-chart"');
    expect(html).to.include('<svg id="gas-chart" data-testid="gas-chart"');
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
});

/**
 * report.html: one self-contained page (inline CSS, inline SVG charts, no
 * script, no external resource) with the same content as report.md. Every
 * string from the report goes through escapeHtml, and a Content-Security-
 * Policy forbids scripts and network loads as a second line of defence.
 * Ids and data-testid attributes are stable: the browser test relies on them.
 */
import { SEVERITIES } from "../types";
import type { CoverageCounter, CoverageSummary, Finding, Severity, StageStatus } from "../types";
import { renderBarChart } from "./charts";
import { escapeHtml as h } from "./escape";
import {
  describeSuppressionEntry,
  formatCompactInteger,
  formatCoverageCounter,
  formatDelta,
  formatDuration,
  formatInteger,
  formatLocation,
  formatNumber,
  formatOptional,
  formatPercent,
  formatTick,
  NO_VALUE,
  plural,
} from "./format";
import { buildReportView, cachedNote, chartCaption, COVERAGE_DIMENSIONS, describeBaselineState, describeTreeState, REPORT_PARTS } from "./model";
import type { DetailSection, ReportPartId, ReportView } from "./model";
import { SEVERITY_LABEL, SEVERITY_MEANING } from "../findings/severity";
import type { HiddenFinding } from "../findings/rules-change";
import type { ReportWriter } from "./writer";

const CONTENT_SECURITY_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'";

const COVERAGE_SERIES = [
  { key: "lines", label: "Lines", color: "#2563eb" },
  { key: "branches", label: "Branches", color: "#9333ea" },
  { key: "functions", label: "Functions", color: "#0d9488" },
] as const;

const STYLE = `
:root{--fg:#1f2328;--muted:#59636e;--border:#d8dee4;--bg:#f4f5f7;--card:#fff;--alt:#f6f8fa;--accent:#0b5cad;
--critical:#7f1d1d;--high:#d1242f;--medium:#bf6a02;--low:#0969da;--info:#6e7781;--ok:#1a7f37;--warn:#9a6700;--bad:#cf222e}
*{box-sizing:border-box}
html{background:var(--bg)}
body{margin:0;color:var(--fg);font:15px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Liberation Sans",Arial,sans-serif}
.page{max-width:1100px;margin:0 auto;padding:28px 32px 48px;background:var(--card);min-height:100vh;box-shadow:0 0 0 1px var(--border)}
h1{font-size:26px;margin:0;line-height:1.25}
h2{font-size:20px;margin:40px 0 12px;padding-bottom:6px;border-bottom:1px solid var(--border)}
h3{font-size:16px;margin:24px 0 10px;display:flex;align-items:center;gap:8px}
details.finding-group>summary{cursor:pointer;list-style:none}
details.finding-group>summary::-webkit-details-marker{display:none}
details.finding-group>summary h3::after{content:"▾";color:var(--muted);font-size:14px}
details.finding-group:not([open])>summary h3::after{content:"▸ show"}
h4{font-size:15px;margin:0;line-height:1.35}
p{margin:8px 0}
code{font:13px/1.4 ui-monospace,SFMono-Regular,"DejaVu Sans Mono",Menlo,Consolas,monospace;background:var(--alt);border:1px solid var(--border);border-radius:4px;padding:0 4px;overflow-wrap:break-word}
.muted{color:var(--muted)}
.title-row{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:12px}
.meta{display:flex;flex-wrap:wrap;gap:6px 22px;margin:12px 0 0;color:var(--muted);font-size:14px}
.meta dt{display:inline;font-weight:600;color:var(--fg)}
.meta dd{display:inline;margin:0 0 0 4px}
.gate{font-weight:700;padding:6px 14px;border-radius:999px;font-size:14px;letter-spacing:.02em;color:#fff}
.gate.passed{background:var(--ok)}
.gate.failed{background:var(--bad)}
.flag{font-size:12px;font-weight:600;padding:1px 7px;border-radius:999px;background:#fff8c5;color:var(--warn);border:1px solid #d4a72c;margin-left:6px}
nav.toc{margin:20px 0 0;padding:10px 14px;background:var(--alt);border:1px solid var(--border);border-radius:8px;font-size:14px}
nav.toc a{color:var(--accent);text-decoration:none;margin-right:16px;white-space:nowrap}
nav.toc a:hover{text-decoration:underline}
.tiles{display:grid;grid-template-columns:repeat(5,1fr);gap:10px;margin:12px 0 16px}
.tile{border:1px solid var(--border);border-top:4px solid var(--sev);border-radius:8px;padding:10px 12px;background:var(--card)}
.tile .n{font-size:28px;font-weight:700;line-height:1.1;color:var(--sev)}
.tile .label{font-weight:600}
.tile .sub{font-size:12px;color:var(--muted)}
table{border-collapse:collapse;width:100%;margin:10px 0;font-size:14px}
th,td{border:1px solid var(--border);padding:6px 10px;text-align:left;vertical-align:top}
th{background:var(--alt);font-weight:600}
tbody tr:nth-child(even) td{background:#fbfcfd}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
tr.total td{font-weight:700;background:var(--alt)}
.badge{display:inline-block;min-width:64px;text-align:center;font-size:12px;font-weight:700;padding:2px 8px;border-radius:999px;color:#fff;background:var(--sev);text-transform:uppercase;letter-spacing:.03em}
.sev-critical{--sev:var(--critical)}.sev-high{--sev:var(--high)}.sev-medium{--sev:var(--medium)}.sev-low{--sev:var(--low)}.sev-info{--sev:var(--info)}
.status{display:inline-block;font-size:12px;font-weight:600;padding:1px 8px;border-radius:999px;border:1px solid}
.status-passed{color:var(--ok);border-color:#4ac26b;background:#dafbe1}
.status-failed{color:var(--bad);border-color:#ff8182;background:#ffebe9}
.status-error{color:var(--warn);border-color:#d4a72c;background:#fff8c5}
.status-cached{color:var(--muted);border-color:var(--border);background:transparent;font-weight:400}
.status-skipped{color:var(--muted);border-color:var(--border);background:var(--alt)}
.finding{border:1px solid var(--border);border-left:5px solid var(--sev);border-radius:8px;padding:12px 16px;margin:10px 0;background:var(--card)}
.finding header{display:flex;gap:10px;align-items:baseline}
.finding dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:10px 0;font-size:14px}
.finding dt{color:var(--muted)}
.finding dd{margin:0}
.finding .description{white-space:pre-wrap;overflow-wrap:anywhere}
.finding .recommendation{background:#f0f7ff;border:1px solid #c8e1ff;border-radius:6px;padding:8px 12px;white-space:pre-wrap}
.finding .disputed{background:#fff8e5;border:1px solid #f0d68a;border-radius:6px;padding:8px 12px;white-space:pre-wrap}
.reasons li{margin:2px 0}
.cov-good{color:var(--ok)}.cov-fair{color:var(--warn)}.cov-poor{color:var(--bad)}
.delta-up{color:var(--bad)}.delta-down{color:var(--ok)}
.chart{display:block;width:100%;height:auto;margin:12px 0 4px}
.chart text{font:11px system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif;fill:var(--fg)}
.chart .chart-label{text-anchor:end}
.chart .chart-tick{text-anchor:middle;fill:var(--muted)}
.chart .chart-value{fill:var(--muted)}
.chart .chart-grid{stroke:#e5e7eb;stroke-width:1}
.chart .chart-marker{stroke:#111827;stroke-width:2}
.detail{margin:0 0 28px}
.detail h3 code{font-size:13px;font-weight:600;color:var(--muted)}
.detail .description{color:var(--muted);margin:4px 0 8px;white-space:pre-wrap;overflow-wrap:anywhere}
.detail .chart-caption{font-size:13px;font-weight:600;margin:12px 0 0}
.detail .table-scroll{overflow-x:auto}
.detail th.num{white-space:normal}
footer{margin-top:48px;color:var(--muted);font-size:12px}
@media (max-width:720px){.tiles{grid-template-columns:repeat(2,1fr)}.page{padding:16px}}
@media print{html{background:#fff}.page{box-shadow:none}nav.toc{display:none}}
`;

/** Bar colours of report-section chart series, in series order. */
const SERIES_COLORS = ["#2563eb", "#d97706", "#0d9488", "#9333ea", "#dc2626", "#64748b"] as const;

function section(id: ReportPartId, title: string, body: string): string {
  return `<section id="${id}" data-testid="${id}"><h2>${h(title)}</h2>${body}</section>`;
}

function badge(severity: Severity): string {
  return `<span class="badge sev-${severity}">${SEVERITY_LABEL[severity]}</span>`;
}

function statusPill(status: StageStatus): string {
  return `<span class="status status-${status}">${status}</span>`;
}

function code(text: string): string {
  return `<code>${h(text)}</code>`;
}

interface Column {
  label: string;
  numeric?: boolean;
}

/** Cells must already be HTML. */
function table(testId: string, columns: Column[], rows: string[][], totalRow?: string[]): string {
  const cls = (c: Column): string => (c.numeric ? ' class="num"' : "");
  const head = columns.map((c) => `<th${cls(c)}>${h(c.label)}</th>`).join("");
  const line = (cells: string[], rowClass = ""): string =>
    `<tr${rowClass}>${cells.map((cell, i) => `<td${cls(columns[i])}>${cell}</td>`).join("")}</tr>`;
  const body = rows.map((r) => line(r)).join("") + (totalRow ? line(totalRow, ' class="total"') : "");
  return `<table data-testid="${testId}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Element id for a finding anchor; ids may only hold a safe subset of characters. */
function findingAnchor(finding: Finding): string {
  return `finding-${finding.id.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}

function header(view: ReportView): string {
  const commit = view.commit.full
    ? `<code title="${h(view.commit.full)}">${h(view.commit.short ?? "")}</code>${view.commit.dirty ? '<span class="flag">dirty</span>' : ""}`
    : `<span class="flag">no commit</span>`;
  const gate = view.gate.passed ? "passed" : "failed";
  return (
    `<header><div class="title-row"><h1>${h(view.title)}</h1>` +
    `<span class="gate ${gate}" data-testid="gate-verdict">Gate ${gate.toUpperCase()}</span></div>` +
    `<dl class="meta"><div><dt>Commit</dt><dd>${commit}</dd></div>` +
    `<div><dt>Profile</dt><dd>${h(view.profile)}</dd></div>` +
    `<div><dt>Generated</dt><dd>${h(view.generatedAt)}</dd></div>` +
    `<div><dt>Open findings</dt><dd>${view.totals.open} (+${view.totals.suppressed} suppressed)</dd></div></dl></header>` +
    `<nav class="toc">${REPORT_PARTS.map(([id, label]) => `<a href="#${id}">${h(label)}</a>`).join("")}</nav>`
  );
}

function summarySection(view: ReportView): string {
  const tiles = view.severityCounts
    .map(
      (c) =>
        `<div class="tile sev-${c.severity}" data-testid="count-${c.severity}"><div class="n">${c.open}</div>` +
        `<div class="label">${SEVERITY_LABEL[c.severity]}</div><div class="sub">${c.suppressed} suppressed</div></div>`,
    )
    .join("");
  const rows = view.severityCounts.map((c) => [badge(c.severity), String(c.open), String(c.suppressed)]);
  const counts = table(
    "counts-table",
    [{ label: "Severity" }, { label: "Open", numeric: true }, { label: "Suppressed", numeric: true }],
    rows,
    ["Total", String(view.totals.open), String(view.totals.suppressed)],
  );
  return section("summary", "Findings by severity", `<div class="tiles">${tiles}</div>${counts}`);
}

function gateSection(view: ReportView): string {
  const verdict = `<p>The policy gate <strong>${view.gate.passed ? "passed" : "failed"}</strong>.</p>`;
  const reasons = view.gate.reasons.length
    ? `<ul class="reasons">${view.gate.reasons.map((r) => `<li>${h(r)}</li>`).join("")}</ul>`
    : "";
  const unused = view.gate.unusedSuppressions.length
    ? `<p>Unused suppressions (they matched no finding; remove them):</p><ul>${view.gate.unusedSuppressions
        .map((s) => `<li>${code(describeSuppressionEntry(s))}: ${h(s.justification)}</li>`)
        .join("")}</ul>`
    : "";
  return section("gate", "Gate", verdict + reasons + unused);
}

function baselineTable(testId: string, findings: readonly Finding[]): string {
  const rows = findings.map((f) => [
    badge(f.severity),
    `${h(f.title)}${f.baselineState === "updated" ? ' <span class="muted">(changed)</span>' : ""}${f.suppressed ? ' <span class="muted">(suppressed)</span>' : ""}`,
    formatLocation(f.location) ? code(formatLocation(f.location)) : NO_VALUE,
    code(f.rule),
    h([f.tool.name, ...(f.alsoReportedBy ?? []).map((o) => o.tool.name)].join(", ")),
    code(f.id),
  ]);
  return table(testId, ["Severity", "Title", "Location", "Rule", "Tools", "Id"].map((label) => ({ label })), rows);
}

const NO_BASELINE_HTML = "<p>No baseline: run with <code>--baseline &lt;report.json&gt;</code> or <code>--baseline-ref &lt;ref&gt;</code> to see what a change introduced and fixed.</p>";

function newSection(view: ReportView): string {
  const b = view.baseline;
  if (!b) return section("new", "New in this change", NO_BASELINE_HTML);
  const against = `<p>Compared with ${b.commit ? `commit ${code(b.commit.short)}${b.commit.dirty ? ' <span class="flag">dirty</span>' : ""}` : "a run without a commit"} (${code(b.source)}, ${h(b.generatedAt)}).</p>`;
  const counts = table(
    "baseline-counts-table",
    [{ label: "Severity" }, { label: "New", numeric: true }, { label: "Changed", numeric: true }, { label: "Fixed", numeric: true }],
    b.counts.map((c) => [badge(c.severity), String(c.new), String(c.updated), String(c.fixed)]),
  );
  return section("new", "New in this change", against + counts + (b.introduced.length ? baselineTable("new-table", b.introduced) : "<p>Nothing new.</p>"));
}

function fixedSection(view: ReportView): string {
  const b = view.baseline;
  if (!b) return section("fixed", "Fixed by this change", NO_BASELINE_HTML);
  return section("fixed", "Fixed by this change", b.fixed.length ? `<p>In the baseline, no longer found:</p>${baselineTable("fixed-table", b.fixed)}` : "<p>Nothing the baseline had is gone.</p>");
}

const RULES_TITLE = "Rules changed by this change";
const NO_RULES_BASELINE_HTML =
  "<p>No baseline: run with <code>--baseline &lt;report.json&gt;</code> or <code>--baseline-ref &lt;ref&gt;</code> to compare the rules in force (suppressions, policy, gas and bench baselines) with another run's.</p>";

function hiddenCell(f: HiddenFinding): string {
  const state = f.baselineState === "new" ? " <strong>new</strong>" : f.baselineState === "updated" ? " <strong>changed</strong>" : "";
  const where = formatLocation(f.location) ? ` at ${code(formatLocation(f.location))}` : "";
  return `${badge(f.severity)} ${code(f.id)}${state}${where}`;
}

function rulesSection(view: ReportView): string {
  const r = view.rulesChanged;
  if (!r) return section("rules", RULES_TITLE, NO_RULES_BASELINE_HTML);
  if (!r.compared) return section("rules", RULES_TITLE, `<p>${h(r.note)}</p>`);
  const mode = `Policy <code>rulesChange</code>: ${code(r.mode)} (${h(r.modeText)}).`;
  const note = r.note ? `<p>${h(r.note)}</p>` : "";
  if (r.rows.length === 0) return section("rules", RULES_TITLE, `<p>The rules in force are the baseline's: suppressions, policy and the gas and bench baselines are unchanged. ${mode}</p>${note}`);
  const rows = r.rows.map((c) => [
    `${c.blocking ? '<span class="flag">fails the gate</span> ' : ""}${h(c.title)}`,
    h(c.effect),
    h(c.text),
    c.signature ? (c.signature.reviewer ? h(c.signature.reviewer) : "<strong>unsigned</strong>") : NO_VALUE,
    c.signature ? h(c.signature.justification) : NO_VALUE,
    c.hides.length ? c.hides.map(hiddenCell).join("<br>") : NO_VALUE,
  ]);
  const blocking = r.rows.filter((c) => c.blocking).length;
  return section(
    "rules",
    RULES_TITLE,
    `<p>${r.rows.length} change${r.rows.length === 1 ? "" : "s"} of the rules against the baseline, ${blocking} failing the gate. ${mode}</p>${note}` +
      table("rules-table", ["Change", "Effect", "What", "Reviewer", "Justification", "Findings it hides"].map((label) => ({ label })), rows),
  );
}

function scopeSection(view: ReportView): string {
  const pinned = view.commit.full
    ? `<p>Pinned to commit ${code(view.commit.short ?? "")} (full sha ${code(view.commit.full)}), working tree ${h(describeTreeState(view.commit))}.</p>`
    : `<p>No commit: ${h(describeTreeState(view.commit))}.</p>`;
  const rows = view.scope.map((s) => [code(s.file), s.contracts.map(h).join(", ") || NO_VALUE, formatInteger(s.nsloc)]);
  return section(
    "scope",
    "Scope",
    pinned +
      table("scope-table", [{ label: "File" }, { label: "Contracts" }, { label: "nSLOC", numeric: true }], rows, [
        `${view.scopeTotals.files} files`,
        String(view.scopeTotals.contracts),
        formatInteger(view.scopeTotals.nsloc),
      ]),
  );
}

function toolsSection(view: ReportView): string {
  if (view.tools.length === 0) return section("tools", "Tools", "<p>No tool reported a version.</p>");
  const rows = view.tools.map((t) => [h(t.name), code(t.version), t.stages.map(h).join(", ")]);
  return section("tools", "Tools", table("tools-table", [{ label: "Tool" }, { label: "Version" }, { label: "Stages" }], rows));
}

function severityDefinitionsSection(): string {
  const rows = SEVERITIES.map((s) => [badge(s), h(SEVERITY_MEANING[s])]);
  return section("severity-definitions", "Severity definitions", table("severity-table", [{ label: "Severity" }, { label: "Meaning" }], rows));
}

/** A rule with its catalog title; the documentation as text (the page links nothing outside itself). */
function ruleHtml(rule: string, view: ReportView): string {
  const entry = view.rules.get(rule);
  if (!entry) return code(rule);
  return `${code(rule)} <span class="muted">${h(entry.title)}${entry.docs ? ` (docs: ${h(entry.docs)})` : ""}</span>`;
}

function findingArticle(finding: Finding, view: ReportView): string {
  const location = formatLocation(finding.location);
  const symbol = finding.location?.symbol ? ` <span class="muted">(${h(finding.location.symbol)})</span>` : "";
  const facts = [
    ["Location", location ? `${code(location)}${symbol}` : "none"],
    ["Rule", ruleHtml(finding.rule, view)],
    ["Tool", `${h(finding.tool.name)} <span class="muted">${h(finding.tool.version)}</span>`],
    ...(finding.alsoReportedBy ?? []).map((o) => [
      "Also reported by",
      `<span data-testid="also-reported-by">${h(o.tool.name)} <span class="muted">${h(o.tool.version)}</span> as ${ruleHtml(o.rule, view)}${formatLocation(o.location) ? ` at ${code(formatLocation(o.location))}` : ""} (${code(o.id)})</span>`,
    ]),
    ["Stage", h(finding.stage)],
    ["Id", code(finding.id)],
    ...(finding.baselineState ? [["Baseline", h(describeBaselineState(finding))]] : []),
    ...(finding.blocking ? [["Gate", "<strong>fails the gate</strong>"]] : []),
  ]
    .map(([term, value]) => `<dt>${term}</dt><dd>${value}</dd>`)
    .join("");
  const description = finding.description.trim() ? `<div class="description">${h(finding.description.trim())}</div>` : "";
  const disputed = finding.disputed ? `<p class="disputed"><strong>Disputed by <code>${h(finding.disputed.by)}</code>:</strong> ${h(finding.disputed.reason)}</p>` : "";
  const recommendation = finding.recommendation?.trim()
    ? `<p class="recommendation"><strong>Recommendation:</strong> ${h(finding.recommendation.trim())}</p>`
    : "";
  return (
    `<article class="finding sev-${finding.severity}" id="${findingAnchor(finding)}" data-testid="finding" data-severity="${finding.severity}">` +
    `<header>${badge(finding.severity)}<h4>${h(finding.title)}</h4></header><dl>${facts}</dl>${description}${recommendation}${disputed}</article>`
  );
}

function findingsSection(view: ReportView): string {
  if (view.openGroups.length === 0) return section("findings", "Findings", "<p>No open findings.</p>");
  const groups = view.openGroups
    .map((g) => {
      const heading = `<summary><h3>${badge(g.severity)} ${plural(g.findings.length, "finding")}</h3></summary>`;
      return (
        `<details class="finding-group" data-testid="findings-${g.severity}"${g.collapsed ? "" : " open"}>` +
        `${heading}${g.findings.map((f) => findingArticle(f, view)).join("")}</details>`
      );
    })
    .join("");
  return section("findings", "Findings", groups);
}

function suppressedSection(view: ReportView): string {
  if (view.suppressed.length === 0) return section("suppressed", "Suppressed findings", "<p>None.</p>");
  const rows = view.suppressed.map((f) => [
    badge(f.severity),
    h(f.title),
    formatLocation(f.location) ? code(formatLocation(f.location)) : NO_VALUE,
    code(f.rule),
    h(f.tool.name),
    h(f.suppressed?.justification ?? ""),
    h(f.suppressed?.reviewer ?? NO_VALUE),
  ]);
  return section(
    "suppressed",
    "Suppressed findings",
    `<p class="muted">Accepted by an entry of <code>audit/suppressions.json</code>; they do not fail the gate.</p>` +
      table(
        "suppressed-table",
        ["Severity", "Title", "Location", "Rule", "Tool", "Justification", "Reviewer"].map((label) => ({ label })),
        rows,
      ),
  );
}

function stagesSection(view: ReportView): string {
  const rows = view.stages.map((s) => [
    code(s.name),
    statusPill(s.status) + (s.cached ? ` <span class="status status-cached" data-testid="stage-cached" title="${h(cachedNote(s.cached))}">cached</span>` : ""),
    formatDuration(s.durationMs),
    String(s.openFindings),
    [s.reason, s.cached ? cachedNote(s.cached) : undefined].filter((x): x is string => x !== undefined).map(h).join("; ") || NO_VALUE,
  ]);
  const tests = view.tests
    ? `<p>Tests: <strong>${view.tests.passes}</strong> passing, <strong>${view.tests.failures}</strong> failing, ${view.tests.pending} pending (${view.tests.tests} total).</p>`
    : "";
  return section(
    "stages",
    "Stages",
    table(
      "stages-table",
      [{ label: "Stage" }, { label: "Status" }, { label: "Duration", numeric: true }, { label: "Open findings", numeric: true }, { label: "Reason" }],
      rows,
    ) + tests,
  );
}

function coverageClass(counter: CoverageCounter): string {
  if (counter.pct >= 90) return "cov-good";
  return counter.pct >= 75 ? "cov-fair" : "cov-poor";
}

function coverageCells(summary: CoverageSummary): string[] {
  return COVERAGE_DIMENSIONS.map((d) => `<span class="${coverageClass(summary[d])}">${h(formatCoverageCounter(summary[d]))}</span>`);
}

function coverageSection(view: ReportView): string {
  if ("note" in view.coverage) return section("coverage", "Coverage", `<p class="muted">${h(view.coverage.note)}</p>`);
  const chart = renderBarChart({
    id: "coverage-chart",
    title: "Coverage per file (lines, branches, functions)",
    series: COVERAGE_SERIES,
    rows: view.coverage.files.map((r) => ({
      label: r.file,
      values: Object.fromEntries(COVERAGE_SERIES.map((s) => [s.key, r.summary[s.key].pct])),
    })),
    max: 100,
    formatValue: formatPercent,
    formatTick: (pct) => `${pct} %`,
  });
  const columns = [{ label: "File" }, ...["Lines", "Branches", "Functions", "Statements"].map((label) => ({ label, numeric: true }))];
  const rows = view.coverage.files.map((r) => [code(r.file), ...coverageCells(r.summary)]);
  return section("coverage", "Coverage", chart + table("coverage-table", columns, rows, ["Total", ...coverageCells(view.coverage.total)]));
}

function deltaCell(delta: number | undefined): string {
  if (delta === undefined) return NO_VALUE;
  const cls = delta >= 0.05 ? "delta-up" : delta <= -0.05 ? "delta-down" : "";
  return `<span class="${cls}">${h(formatDelta(delta))}</span>`;
}

function gasSection(view: ReportView): string {
  if ("note" in view.gas) return section("gas", "Gas", `<p class="muted">${h(view.gas.note)}</p>`);
  const { methods, deployments } = view.gas;
  const chart = methods.length
    ? renderBarChart({
        id: "gas-chart",
        title: "Average gas per method (line: baseline)",
        series: [{ key: "avg", label: "Average gas", color: "#0b7dda" }],
        rows: methods.map((m) => ({ label: `${m.contract}.${m.method}`, values: { avg: m.avg }, marker: m.baselineAvg })),
        formatValue: formatInteger,
        formatTick: formatCompactInteger,
        markerLabel: "Baseline average",
      })
    : "<p>No method calls measured.</p>";
  const methodTable = methods.length
    ? table(
        "gas-table",
        [
          { label: "Contract" },
          { label: "Method" },
          { label: "Calls", numeric: true },
          { label: "Min", numeric: true },
          { label: "Max", numeric: true },
          { label: "Avg gas", numeric: true },
          { label: "Baseline avg", numeric: true },
          { label: "Delta", numeric: true },
        ],
        methods.map((m) => [
          h(m.contract),
          code(m.method),
          formatInteger(m.calls),
          formatInteger(m.min),
          formatInteger(m.max),
          formatInteger(m.avg),
          formatOptional(m.baselineAvg, formatInteger),
          deltaCell(m.deltaPct),
        ]),
      )
    : "";
  const deploymentTable = deployments.length
    ? `<h3>Deployments</h3>` +
      table(
        "deployments-table",
        [{ label: "Contract" }, { label: "Gas", numeric: true }, { label: "Baseline", numeric: true }, { label: "Delta", numeric: true }],
        deployments.map((d) => [h(d.contract), formatInteger(d.gas), formatOptional(d.baseline, formatInteger), deltaCell(d.deltaPct)]),
      )
    : "";
  return section("gas", "Gas", chart + methodTable + deploymentTable);
}

function detailChart(section: DetailSection): string {
  const chart = section.chart;
  if (!chart) return "";
  const series = chart.series.map((s, i) => ({ key: `s${i}`, label: s.name, color: SERIES_COLORS[i % SERIES_COLORS.length] }));
  const unit = chart.unit.trim();
  const svg = renderBarChart({
    id: `${section.anchor}-chart`,
    title: chartCaption(chart),
    series,
    rows: chart.categories.map((label, i) => ({
      label,
      values: Object.fromEntries(
        chart.series.flatMap((s, j) => {
          const value = s.values[i];
          return value === undefined ? [] : [[series[j].key, value]];
        }),
      ),
      marker: chart.marker?.value,
    })),
    formatValue: formatNumber,
    formatTick,
    markerLabel: chart.marker ? `${chart.marker.label}: ${formatNumber(chart.marker.value)}${unit ? ` ${unit}` : ""}` : undefined,
  });
  return `<p class="chart-caption">${h(chartCaption(chart))}</p>${svg}`;
}

function detailBlock(section: DetailSection): string {
  const description = section.description ? `<p class="description">${h(section.description)}</p>` : "";
  const table = section.table
    ? section.table.rows.length
      ? tableOf(section)
      : `<p class="muted">No rows.</p>`
    : "";
  return (
    `<div class="detail" id="${section.anchor}" data-testid="${section.anchor}" data-stage="${h(section.stage)}">` +
    `<h3>${code(section.stage)} ${h(section.title)}</h3>${description}${detailChart(section)}${table}</div>`
  );
}

function tableOf(section: DetailSection): string {
  const t = section.table!;
  const markup = table(
    `${section.anchor}-table`,
    t.columns.map((c) => ({ label: c.label, numeric: c.align === "right" })),
    t.rows.map((row) => row.map((cell) => h(cell.text))),
  );
  return `<div class="table-scroll">${markup}</div>`;
}

function stageDetailsSection(view: ReportView): string {
  if (view.details.length === 0) return section("stage-details", "Stage details", `<p class="muted">No stage contributed details.</p>`);
  return section("stage-details", "Stage details", view.details.map(detailBlock).join(""));
}

function skippedSection(view: ReportView): string {
  if (view.notRun.length === 0) return section("skipped", "Skipped and why", "<p>Every stage ran.</p>");
  const items = view.notRun
    .map((s) => `<li data-testid="skipped-stage">${code(s.name)} ${statusPill(s.status)} ${s.reason ? h(s.reason) : "no reason given"}</li>`)
    .join("");
  return section("skipped", "Skipped and why", `<ul>${items}</ul>`);
}

export function renderHtml(view: ReportView): string {
  const title = `${view.title}${view.commit.short ? ` @ ${view.commit.short}` : ""}`;
  return [
    "<!DOCTYPE html>",
    '<html lang="en"><head><meta charset="utf-8">',
    `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`,
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${h(title)}</title><style>${STYLE}</style></head>`,
    '<body><div class="page">',
    header(view),
    "<main>",
    summarySection(view),
    gateSection(view),
    newSection(view),
    fixedSection(view),
    rulesSection(view),
    scopeSection(view),
    toolsSection(view),
    severityDefinitionsSection(),
    findingsSection(view),
    suppressedSection(view),
    stagesSection(view),
    coverageSection(view),
    gasSection(view),
    stageDetailsSection(view),
    skippedSection(view),
    "</main>",
    `<footer>Generated by the audit pipeline (scripts/audit), report schema ${h(view.schemaVersion)}.</footer>`,
    "</div></body></html>",
    "",
  ].join("\n");
}

export const htmlWriter: ReportWriter = {
  fileName: "report.html",
  render: (report) => renderHtml(buildReportView(report)),
};

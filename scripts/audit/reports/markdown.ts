/**
 * report.md: for reviewers and pull-request comments (GitHub-flavoured
 * Markdown). Every string from the report is escaped: table cells with
 * `markdownCell`, paths and ids as unbreakable code spans.
 */
import { SEVERITIES } from "../types";
import type { CoverageSummary, Finding, StageStatus } from "../types";
import { escapeMarkdown, markdownCell, markdownCode, stripForbiddenChars } from "./escape";
import {
  describeSuppressionEntry,
  formatDelta,
  formatDuration,
  formatInteger,
  formatLocation,
  formatNumber,
  formatOptional,
  formatCoverageCounter,
  NO_VALUE,
  plural,
} from "./format";
import { buildReportView, cachedNote, chartCaption, COVERAGE_DIMENSIONS, describeBaselineState, describeTreeState } from "./model";
import type { CoverageRow, DetailChart, DetailSection, ReportView } from "./model";
import { SEVERITY_LABEL, SEVERITY_MEANING } from "../findings/severity";
import type { HiddenFinding } from "../findings/rules-change";
import type { ReportWriter } from "./writer";

const STATUS_ICON: Readonly<Record<StageStatus, string>> = {
  passed: "✅",
  failed: "❌",
  error: "⚠️",
  skipped: "⏭️",
};

/** A GFM table; cells must already be escaped. */
function table(header: string[], rows: string[][], align?: ("l" | "r")[]): string {
  const rule = header.map((_, i) => (align?.[i] === "r" ? "---:" : "---"));
  return [header, rule, ...rows].map((cells) => `| ${cells.join(" | ")} |`).join("\n");
}

function section(title: string, ...body: string[]): string {
  return [`## ${title}`, ...body.filter((b) => b !== "")].join("\n\n");
}

function headerBlock(view: ReportView): string {
  const gate = view.gate.passed ? "✅ **Gate: PASSED**" : "❌ **Gate: FAILED**";
  const commit = view.commit.full
    ? `${markdownCode(view.commit.short ?? "")} (${markdownCode(view.commit.full)})`
    : "none";
  return [
    `# ${escapeMarkdown(view.title)}`,
    [
      `${gate}: ${plural(view.totals.open, "open finding")}, ${view.totals.suppressed} suppressed.`,
      `- **Commit:** ${commit}; working tree ${escapeMarkdown(describeTreeState(view.commit))}`,
      `- **Profile:** ${markdownCode(view.profile)}`,
      `- **Generated:** ${escapeMarkdown(view.generatedAt)}`,
    ].join("\n"),
  ].join("\n\n");
}

function countsSection(view: ReportView): string {
  const rows = view.severityCounts.map((c) => [SEVERITY_LABEL[c.severity], String(c.open), String(c.suppressed)]);
  rows.push(["**Total**", `**${view.totals.open}**`, `**${view.totals.suppressed}**`]);
  return section("Findings by severity", table(["Severity", "Open", "Suppressed"], rows, ["l", "r", "r"]));
}

function gateSection(view: ReportView): string {
  const verdict = view.gate.passed ? "The policy gate **passed**." : "The policy gate **failed**.";
  const reasons = view.gate.reasons.map((r) => `- ${markdownCell(r)}`).join("\n");
  const unused = view.gate.unusedSuppressions.length
    ? [
        "Unused suppressions (they matched no finding; remove them):",
        view.gate.unusedSuppressions
          .map((s) => `- ${markdownCode(describeSuppressionEntry(s))}: ${markdownCell(s.justification)}`)
          .join("\n"),
      ].join("\n\n")
    : "";
  return section("Gate", verdict, reasons, unused);
}

/** One row per finding for the baseline sections: severity, title, `file:line`, rule, tools, id. */
function baselineTable(findings: readonly Finding[]): string {
  const rows = findings.map((f) => [
    SEVERITY_LABEL[f.severity],
    `${markdownCell(f.title)}${f.baselineState === "updated" ? " (changed)" : ""}${f.suppressed ? " (suppressed)" : ""}`,
    formatLocation(f.location) ? markdownCode(formatLocation(f.location), true) : NO_VALUE,
    markdownCode(f.rule, true),
    markdownCell([f.tool.name, ...(f.alsoReportedBy ?? []).map((o) => o.tool.name)].join(", ")),
    markdownCode(f.id, true),
  ]);
  return table(["Severity", "Title", "Location", "Rule", "Tools", "Id"], rows);
}

function baselineIntro(view: ReportView): string {
  const b = view.baseline!;
  const commit = b.commit ? `commit ${markdownCode(b.commit.short)}${b.commit.dirty ? " (dirty)" : ""}` : "a run without a commit";
  return `Compared with ${commit} (${markdownCode(b.source)}, ${escapeMarkdown(b.generatedAt)}).`;
}

const NO_BASELINE = "No baseline: run with `--baseline <report.json>` or `--baseline-ref <ref>` to see what a change introduced and fixed.";

function newSection(view: ReportView): string {
  if (!view.baseline) return section("New in this change", NO_BASELINE);
  const b = view.baseline;
  const counts = table(
    ["Severity", "New", "Changed", "Fixed"],
    b.counts.map((c) => [SEVERITY_LABEL[c.severity], String(c.new), String(c.updated), String(c.fixed)]),
    ["l", "r", "r", "r"],
  );
  return section("New in this change", baselineIntro(view), counts, b.introduced.length ? baselineTable(b.introduced) : "Nothing new.");
}

function fixedSection(view: ReportView): string {
  if (!view.baseline) return section("Fixed by this change", NO_BASELINE);
  const b = view.baseline;
  return section("Fixed by this change", b.fixed.length ? `In the baseline, no longer found:\n\n${baselineTable(b.fixed)}` : "Nothing the baseline had is gone.");
}

const RULES_TITLE = "Rules changed by this change";
const NO_RULES_BASELINE = "No baseline: run with `--baseline <report.json>` or `--baseline-ref <ref>` to compare the rules in force (suppressions, policy, gas and bench baselines) with another run's.";

/** A hidden finding as a table cell: `id` (severity, new). */
function hiddenCell(h: HiddenFinding): string {
  const state = h.baselineState === "new" ? ", **new**" : h.baselineState === "updated" ? ", **changed**" : "";
  return `${markdownCode(h.id, true)} (${SEVERITY_LABEL[h.severity]}${state}${formatLocation(h.location) ? ` at ${markdownCode(formatLocation(h.location), true)}` : ""})`;
}

function rulesSection(view: ReportView): string {
  const r = view.rulesChanged;
  if (!r) return section(RULES_TITLE, NO_RULES_BASELINE);
  if (!r.compared) return section(RULES_TITLE, escapeMarkdown(r.note));
  const mode = `Policy ${markdownCode("rulesChange")}: ${markdownCode(r.mode)} (${escapeMarkdown(r.modeText)}).`;
  const note = r.note ? escapeMarkdown(r.note) : "";
  if (r.rows.length === 0) return section(RULES_TITLE, `The rules in force are the baseline's: suppressions, policy and the gas and bench baselines are unchanged. ${mode}`, note);
  const rows = r.rows.map((c) => [
    `${c.blocking ? "❌ " : ""}${escapeMarkdown(c.title)}`,
    markdownCell(c.effect),
    markdownCell(c.text),
    c.signature ? (c.signature.reviewer ? markdownCell(c.signature.reviewer) : "**unsigned**") : NO_VALUE,
    c.signature ? markdownCell(c.signature.justification) : NO_VALUE,
    c.hides.length ? c.hides.map(hiddenCell).join("<br>") : NO_VALUE,
  ]);
  const blocking = r.rows.filter((c) => c.blocking).length;
  return section(
    RULES_TITLE,
    `${plural(r.rows.length, "change")} of the rules against the baseline, ${blocking} failing the gate (❌). ${mode}`,
    note,
    table(["Change", "Effect", "What", "Reviewer", "Justification", "Findings it hides"], rows),
  );
}

function scopeSection(view: ReportView): string {
  const commit = view.commit.full
    ? `Pinned to commit ${markdownCode(view.commit.short ?? "")} (full sha ${markdownCode(view.commit.full)}), working tree ${escapeMarkdown(describeTreeState(view.commit))}.`
    : `No commit: ${escapeMarkdown(describeTreeState(view.commit))}.`;
  const rows = view.scope.map((s) => [
    markdownCode(s.file, true),
    s.contracts.map((c) => markdownCell(c)).join(", ") || NO_VALUE,
    formatInteger(s.nsloc),
  ]);
  rows.push([`**${view.scopeTotals.files} files**`, `**${view.scopeTotals.contracts}**`, `**${formatInteger(view.scopeTotals.nsloc)}**`]);
  return section("Scope", commit, table(["File", "Contracts", "nSLOC"], rows, ["l", "l", "r"]));
}

function toolsSection(view: ReportView): string {
  if (view.tools.length === 0) return section("Tools", "No tool reported a version.");
  const rows = view.tools.map((t) => [markdownCell(t.name), markdownCode(t.version, true), t.stages.map((s) => markdownCell(s)).join(", ")]);
  return section("Tools", table(["Tool", "Version", "Stages"], rows));
}

function severityDefinitionsSection(): string {
  const rows = SEVERITIES.map((s) => [`**${SEVERITY_LABEL[s]}**`, SEVERITY_MEANING[s]]);
  return section("Severity definitions", table(["Severity", "Meaning"], rows));
}

/** A rule with its catalog title and documentation link (absolute URLs only: a repository path is shown as code). */
function ruleText(rule: string, view: ReportView): string {
  const entry = view.rules.get(rule);
  if (!entry) return markdownCode(rule);
  const docs = entry.docs ? (/^https:\/\/[^\s()<>]+$/.test(entry.docs) ? ` [docs](${entry.docs})` : ` (docs: ${markdownCode(entry.docs)})`) : "";
  return `${markdownCode(rule)} (${escapeMarkdown(entry.title)}${docs ? `,${docs}` : ""})`;
}

function findingBlock(finding: Finding, index: number, view: ReportView): string {
  const location = formatLocation(finding.location);
  const facts = [
    `- **Location:** ${location ? markdownCode(location) : "none"}${finding.location?.symbol ? ` (${markdownCode(finding.location.symbol)})` : ""}`,
    `- **Rule:** ${ruleText(finding.rule, view)} · **Tool:** ${escapeMarkdown(`${finding.tool.name} ${finding.tool.version}`)} · **Stage:** ${escapeMarkdown(finding.stage)}`,
    ...(finding.alsoReportedBy ?? []).map(
      (o) =>
        `- **Also reported by:** ${escapeMarkdown(`${o.tool.name} ${o.tool.version}`)} as ${ruleText(o.rule, view)}${formatLocation(o.location) ? ` at ${markdownCode(formatLocation(o.location))}` : ""} (${markdownCode(o.id)})`,
    ),
    `- **Id:** ${markdownCode(finding.id)}${finding.baselineState ? ` · **Baseline:** ${escapeMarkdown(describeBaselineState(finding))}` : ""}${finding.blocking ? " · **Fails the gate**" : ""}`,
  ].join("\n");
  const parts = [`#### ${index}. ${escapeMarkdown(finding.title).replace(/\n+/g, " ")}`, facts];
  if (finding.description.trim()) parts.push(escapeMarkdown(finding.description.trim()).replace(/\n/g, "  \n"));
  if (finding.recommendation?.trim()) {
    parts.push(`**Recommendation:** ${escapeMarkdown(finding.recommendation.trim()).replace(/\n/g, "  \n")}`);
  }
  if (finding.disputed) {
    parts.push(`**Disputed by ${markdownCode(finding.disputed.by)}:** ${escapeMarkdown(finding.disputed.reason).replace(/\n/g, "  \n")}`);
  }
  return parts.join("\n\n");
}

function findingsSection(view: ReportView): string {
  if (view.openGroups.length === 0) return section("Findings", "No open findings.");
  let index = 0;
  const groups = view.openGroups.map((g) => {
    const heading = `### ${SEVERITY_LABEL[g.severity]} (${g.findings.length})`;
    const body = g.findings.map((f) => findingBlock(f, ++index, view)).join("\n\n");
    // GitHub renders <details>; the blank lines let Markdown work inside it.
    return g.collapsed ? `${heading}\n\n<details><summary>Show ${plural(g.findings.length, "finding")}</summary>\n\n${body}\n\n</details>` : `${heading}\n\n${body}`;
  });
  return section("Findings", ...groups);
}

function suppressedSection(view: ReportView): string {
  if (view.suppressed.length === 0) return section("Suppressed findings", "None.");
  const rows = view.suppressed.map((f) => [
    SEVERITY_LABEL[f.severity],
    markdownCell(f.title),
    formatLocation(f.location) ? markdownCode(formatLocation(f.location), true) : NO_VALUE,
    markdownCode(f.rule, true),
    markdownCell(f.tool.name),
    markdownCell(f.suppressed?.justification ?? ""),
    markdownCell(f.suppressed?.reviewer ?? NO_VALUE),
  ]);
  return section(
    "Suppressed findings",
    "Accepted by an entry of `audit/suppressions.json`; they do not fail the gate.",
    table(["Severity", "Title", "Location", "Rule", "Tool", "Justification", "Reviewer"], rows),
  );
}

function stagesSection(view: ReportView): string {
  const rows = view.stages.map((s) => [
    markdownCode(s.name, true),
    `${STATUS_ICON[s.status]} ${s.status}${s.cached ? " (cached)" : ""}`,
    formatDuration(s.durationMs),
    String(s.openFindings),
    [s.reason, s.cached ? cachedNote(s.cached) : undefined].filter((x): x is string => x !== undefined).map(markdownCell).join("; ") || NO_VALUE,
  ]);
  const tests = view.tests
    ? `Tests: ${view.tests.passes} passing, ${view.tests.failures} failing, ${view.tests.pending} pending (${view.tests.tests} total).`
    : "";
  return section("Stages", table(["Stage", "Status", "Duration", "Open findings", "Reason"], rows, ["l", "l", "r", "r", "l"]), tests);
}

function coverageRow(label: string, summary: CoverageSummary): string[] {
  return [label, ...COVERAGE_DIMENSIONS.map((d) => formatCoverageCounter(summary[d]))];
}

function coverageSection(view: ReportView): string {
  if ("note" in view.coverage) return section("Coverage", escapeMarkdown(view.coverage.note));
  const rows = view.coverage.files.map((r: CoverageRow) => coverageRow(markdownCode(r.file, true), r.summary));
  rows.push(coverageRow("**Total**", view.coverage.total).map((c, i) => (i === 0 ? c : `**${c}**`)));
  return section("Coverage", table(["File", "Lines", "Branches", "Functions", "Statements"], rows, ["l", "r", "r", "r", "r"]));
}

function gasSection(view: ReportView): string {
  if ("note" in view.gas) return section("Gas", escapeMarkdown(view.gas.note));
  const methods = view.gas.methods.map((m) => [
    markdownCell(m.contract),
    markdownCode(m.method, true),
    formatInteger(m.calls),
    formatInteger(m.avg),
    formatOptional(m.baselineAvg, formatInteger),
    formatOptional(m.deltaPct, formatDelta),
  ]);
  const deployments = view.gas.deployments.map((d) => [
    markdownCell(d.contract),
    formatInteger(d.gas),
    formatOptional(d.baseline, formatInteger),
    formatOptional(d.deltaPct, formatDelta),
  ]);
  return section(
    "Gas",
    methods.length
      ? table(["Contract", "Method", "Calls", "Avg gas", "Baseline avg", "Delta"], methods, ["l", "l", "r", "r", "r", "r"])
      : "No method calls measured.",
    deployments.length ? "Deployments:" : "",
    deployments.length ? table(["Contract", "Gas", "Baseline", "Delta"], deployments, ["l", "r", "r", "r"]) : "",
  );
}

const BAR_WIDTH = 40;
const EIGHTHS = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"];
const LABEL_MAX = 40;

/** One line of plain text for a code block: no control characters, no line breaks, at most `max` characters. */
function plainLine(text: string, max = Number.POSITIVE_INFINITY): string {
  const line = stripForbiddenChars(text).replace(/\s+/g, " ").trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** A bar of `value / max` of BAR_WIDTH characters in eighth blocks, with the marker as `│` at its position. */
function textBar(value: number | undefined, max: number, marker: number | undefined): string {
  const cells = new Array<string>(BAR_WIDTH).fill(" ");
  if (value !== undefined && value > 0) {
    const eighths = Math.round((Math.min(value, max) / max) * BAR_WIDTH * 8);
    for (let i = 0; i < Math.floor(eighths / 8); i++) cells[i] = "█";
    if (eighths % 8) cells[Math.floor(eighths / 8)] = EIGHTHS[eighths % 8];
  }
  if (marker !== undefined && marker >= 0) cells[Math.min(BAR_WIDTH - 1, Math.round((marker / max) * BAR_WIDTH))] = "│";
  return cells.join("").replace(/\s+$/, "");
}

/**
 * A section chart as a text bar list in a fenced code block (GitHub renders
 * no SVG from Markdown): one line per category and series with the value and
 * a bar scaled to the largest value or marker; the marker is a `│` column.
 * The fence is longer than any backtick run inside, so labels cannot close it.
 */
function textChart(chart: DetailChart): string {
  const values = chart.series.flatMap((s) => s.values).filter((v): v is number => v !== undefined);
  const max = Math.max(...values, chart.marker?.value ?? 0, Number.MIN_VALUE);
  const multi = chart.series.length > 1;
  const labels = chart.categories.map((c) => plainLine(c, LABEL_MAX));
  const names = chart.series.map((s) => plainLine(s.name, 24));
  const labelWidth = Math.max(...labels.map((l) => l.length));
  const nameWidth = Math.max(...names.map((n) => n.length));
  const shown = chart.series.flatMap((s) => s.values.map((v) => (v === undefined ? NO_VALUE : formatNumber(v))));
  const valueWidth = Math.max(...shown.map((v) => v.length));
  const lines: string[] = [];
  chart.categories.forEach((_, i) => {
    chart.series.forEach((s, j) => {
      const value = s.values[i];
      const label = j === 0 ? labels[i] : "";
      const cells = [label.padEnd(labelWidth), ...(multi ? [names[j].padEnd(nameWidth)] : [])];
      cells.push((value === undefined ? NO_VALUE : formatNumber(value)).padStart(valueWidth), textBar(value, max, chart.marker?.value));
      lines.push(cells.join("  ").replace(/\s+$/, ""));
    });
  });
  if (chart.marker) lines.push("", `│ = ${plainLine(chart.marker.label)}: ${formatNumber(chart.marker.value)}${chart.unit.trim() ? ` ${plainLine(chart.unit)}` : ""}`);
  const body = lines.join("\n");
  const longestRun = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(Math.max(3, longestRun + 1));
  return `${escapeMarkdown(chartCaption(chart))}:\n\n${fence}text\n${body}\n${fence}`;
}

function detailBlock(section: DetailSection): string {
  const parts = [`<a id="${section.anchor}"></a>\n### ${markdownCode(section.stage)}: ${escapeMarkdown(section.title).replace(/\n+/g, " ")}`];
  if (section.description) parts.push(escapeMarkdown(section.description).replace(/\n/g, "  \n"));
  if (section.chart) parts.push(textChart(section.chart));
  if (section.table) {
    const t = section.table;
    parts.push(
      t.rows.length
        ? table(
            t.columns.map((c) => markdownCell(c.label) || " "),
            t.rows.map((row) => row.map((cell) => (cell.numeric ? cell.text : markdownCell(cell.text)))),
            t.columns.map((c) => (c.align === "right" ? "r" : "l")),
          )
        : "No rows.",
    );
  }
  return parts.join("\n\n");
}

function stageDetailsSection(view: ReportView): string {
  if (view.details.length === 0) return section("Stage details", "No stage contributed details.");
  return section("Stage details", ...view.details.map(detailBlock));
}

function skippedSection(view: ReportView): string {
  if (view.notRun.length === 0) return section("Skipped and why", "Every stage ran.");
  const items = view.notRun.map((s) => {
    const line = `- ${markdownCode(s.name)} (${s.status}): ${s.reason ? escapeMarkdown(s.reason).replace(/\n+/g, " ") : "no reason given"}`;
    if (!s.outputTail) return line;
    // The tool's last output lines, so the cause is here and not only in raw/.
    const longestRun = Math.max(0, ...(s.outputTail.match(/`+/g) ?? []).map((run) => run.length));
    const fence = "`".repeat(Math.max(3, longestRun + 1));
    return `${line}\n\n  ${fence}text\n${s.outputTail.split("\n").map((l) => `  ${l}`).join("\n")}\n  ${fence}`;
  });
  return section("Skipped and why", items.join("\n"));
}

export function renderMarkdown(view: ReportView): string {
  return (
    [
      headerBlock(view),
      countsSection(view),
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
    ].join("\n\n") + "\n"
  );
}

export const markdownWriter: ReportWriter = {
  fileName: "report.md",
  render: (report) => renderMarkdown(buildReportView(report)),
};

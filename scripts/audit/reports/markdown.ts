/**
 * report.md: for reviewers and pull-request comments (GitHub-flavoured
 * Markdown). Every string from the report is escaped: table cells with
 * `markdownCell`, paths and ids as unbreakable code spans.
 */
import { SEVERITIES } from "../types";
import type { CoverageSummary, Finding, StageStatus } from "../types";
import { escapeMarkdown, markdownCell, markdownCode } from "./escape";
import {
  describeSuppressionEntry,
  formatDelta,
  formatDuration,
  formatInteger,
  formatLocation,
  formatOptional,
  formatCoverageCounter,
  NO_VALUE,
  plural,
} from "./format";
import { buildReportView, COVERAGE_DIMENSIONS, describeTreeState } from "./model";
import type { CoverageRow, ReportView } from "./model";
import { SEVERITY_LABEL, SEVERITY_MEANING } from "./severity";
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

function findingBlock(finding: Finding, index: number): string {
  const location = formatLocation(finding.location);
  const facts = [
    `- **Location:** ${location ? markdownCode(location) : "none"}${finding.location?.symbol ? ` (${markdownCode(finding.location.symbol)})` : ""}`,
    `- **Rule:** ${markdownCode(finding.rule)} · **Tool:** ${escapeMarkdown(`${finding.tool.name} ${finding.tool.version}`)} · **Stage:** ${escapeMarkdown(finding.stage)}`,
    `- **Id:** ${markdownCode(finding.id)}`,
  ].join("\n");
  const parts = [`#### ${index}. ${escapeMarkdown(finding.title).replace(/\n+/g, " ")}`, facts];
  if (finding.description.trim()) parts.push(escapeMarkdown(finding.description.trim()).replace(/\n/g, "  \n"));
  if (finding.recommendation?.trim()) {
    parts.push(`**Recommendation:** ${escapeMarkdown(finding.recommendation.trim()).replace(/\n/g, "  \n")}`);
  }
  return parts.join("\n\n");
}

function findingsSection(view: ReportView): string {
  if (view.openGroups.length === 0) return section("Findings", "No open findings.");
  let index = 0;
  const groups = view.openGroups.map((g) => {
    const heading = `### ${SEVERITY_LABEL[g.severity]} (${g.findings.length})`;
    const body = g.findings.map((f) => findingBlock(f, ++index)).join("\n\n");
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
    `${STATUS_ICON[s.status]} ${s.status}`,
    formatDuration(s.durationMs),
    String(s.openFindings),
    s.reason ? markdownCell(s.reason) : NO_VALUE,
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

function skippedSection(view: ReportView): string {
  if (view.notRun.length === 0) return section("Skipped and why", "Every stage ran.");
  const items = view.notRun.map(
    (s) => `- ${markdownCode(s.name)} (${s.status}): ${s.reason ? escapeMarkdown(s.reason).replace(/\n+/g, " ") : "no reason given"}`,
  );
  return section("Skipped and why", items.join("\n"));
}

export function renderMarkdown(view: ReportView): string {
  return (
    [
      headerBlock(view),
      countsSection(view),
      gateSection(view),
      scopeSection(view),
      toolsSection(view),
      severityDefinitionsSection(),
      findingsSection(view),
      suppressedSection(view),
      stagesSection(view),
      coverageSection(view),
      gasSection(view),
      skippedSection(view),
    ].join("\n\n") + "\n"
  );
}

export const markdownWriter: ReportWriter = {
  fileName: "report.md",
  render: (report) => renderMarkdown(buildReportView(report)),
};

/**
 * summary.md: what a pull request shows (the workflow posts it as the job summary), at most
 * SUMMARY_MAX_LINES lines: the gate's verdict and its failures, new and fixed findings by severity
 * against the baseline, the rules changed by this change (suppressions, policy, gas and bench baselines),
 * the new findings with `file:line` (else, without a baseline, those that fail the gate), what was fixed,
 * and links to the full report next to it. Every string is escaped.
 */
import { SEVERITIES, SEVERITY_LABEL } from "../findings/severity";
import type { AuditReport, Finding } from "../types";
import { escapeMarkdown, markdownCode } from "./escape";
import { formatLocation } from "./format";
import { buildReportView, type ReportView } from "./model";
import type { ReportWriter } from "./writer";

export const SUMMARY_MAX_LINES = 40;
const WARNING = "warning: ";
/** At most this many rule changes are listed (the rest: report.md). */
const MAX_RULE_LINES = 6;

/** "Rules changed by this change": one line per change, failing ones first (the view's order). */
function rulesLines(view: ReportView): string[] {
  const r = view.rulesChanged;
  if (!r) return [];
  if (!r.compared) return [`**Rules:** ${escapeMarkdown(r.note)}`, ""];
  const note = r.note ? [`**Rules:** ${escapeMarkdown(r.note)}`] : [];
  if (r.rows.length === 0) return [`**Rules:** unchanged against the baseline (suppressions, policy, gas and bench baselines).`, ...note, ""];
  const blocking = r.rows.filter((c) => c.blocking).length;
  const line = (c: (typeof r.rows)[number]): string => `- ${c.blocking ? "❌ " : ""}${c.effect === "looser" ? "**looser** " : ""}${escapeMarkdown(c.text.replace(/\s+/g, " ").slice(0, 300))}`;
  const shown = r.rows.length <= MAX_RULE_LINES ? r.rows.map(line) : [...r.rows.slice(0, MAX_RULE_LINES - 1).map(line), `- ...and ${r.rows.length - MAX_RULE_LINES + 1} more in [report.md](report.md#rules-changed-by-this-change)`];
  return [...note, `**Rules changed by this change (${r.rows.length}, ${blocking} failing the gate; policy rulesChange ${markdownCode(r.mode)}):**`, ...shown, ""];
}

/** One line: severity, where, title, rule and the tools that saw it. */
function findingLine(f: Finding): string {
  const where = formatLocation(f.location);
  const tools = [f.tool.name, ...(f.alsoReportedBy ?? []).map((o) => o.tool.name)].join(", ");
  const title = escapeMarkdown(f.title.replace(/\s+/g, " ").trim()).slice(0, 140);
  const marks = [f.baselineState === "updated" ? "changed" : "", f.suppressed ? "suppressed" : ""].filter(Boolean).join(", ");
  return `- **${SEVERITY_LABEL[f.severity]}** ${where ? `${markdownCode(where)} ` : ""}${title} (${markdownCode(f.rule)}, ${escapeMarkdown(tools)}${marks ? `; ${marks}` : ""})`;
}

/** `items` as lines, at most `max`, the rest counted in a last line pointing at report.md. */
function capped(items: readonly Finding[], max: number): string[] {
  if (items.length <= max) return items.map(findingLine);
  return [...items.slice(0, Math.max(0, max - 1)).map(findingLine), `- ...and ${items.length - Math.max(0, max - 1)} more in [report.md](report.md)`];
}

/** The stages reused from the stage-result cache, in one line (none: no line). */
function cachedLine(report: AuditReport): string[] {
  const cached = report.stages.filter((s) => s.cache?.hit).map((s) => markdownCode(s.name));
  return cached.length ? [`Cached (inputs unchanged since an earlier run, not run again): ${cached.join(", ")}`, ""] : [];
}

export function renderSummary(report: AuditReport): string {
  const view = buildReportView(report);
  const passed = report.gate.passed;
  const failures = report.gate.reasons.filter((r) => !r.startsWith(WARNING));
  const commit = view.commit.short ? `commit ${markdownCode(view.commit.short)}${view.commit.dirty ? " (dirty)" : ""}` : "no commit";
  const b = view.baseline;
  const against = b ? `compared with ${b.commit ? markdownCode(b.commit.short) : "a run without a commit"} (${markdownCode(b.source)})` : "no baseline: every finding counts as new";

  const head = [
    `## Audit: gate ${passed ? "PASSED ✅" : "FAILED ❌"}`,
    "",
    `${commit} · profile ${markdownCode(view.profile)} · ${against}`,
    "",
    ...cachedLine(report),
    `| | ${SEVERITIES.map((s) => SEVERITY_LABEL[s]).join(" | ")} |`,
    `|---|${SEVERITIES.map(() => "---:").join("|")}|`,
    ...(b
      ? [
          `| New | ${b.counts.map((c) => c.new + c.updated).join(" | ")} |`,
          `| Fixed | ${b.counts.map((c) => c.fixed).join(" | ")} |`,
        ]
      : []),
    `| Open | ${view.severityCounts.map((c) => c.open).join(" | ")} |`,
    "",
  ];
  const gate = failures.length
    ? [`**Why the gate failed** (${failures.length}):`, ...failures.slice(0, 5).map((r) => `- ${escapeMarkdown(r)}`), ...(failures.length > 5 ? [`- ...and ${failures.length - 5} more in [report.md](report.md#gate)`] : []), ""]
    : [];
  const rules = rulesLines(view);
  const links = ["Full report: [report.md](report.md) · [report.html](report.html) · [report.json](report.json) · [report.sarif](report.sarif)"];

  // What is left of the budget goes to the lists: new (or blocking) findings first, then fixed ones.
  let budget = SUMMARY_MAX_LINES - head.length - gate.length - rules.length - links.length;
  const lists: string[] = [];
  const introduced = b ? b.introduced.filter((f) => !f.suppressed) : report.findings.filter((f) => f.blocking);
  const label = b ? `New in this change (${introduced.length})` : `Findings that fail the gate (${introduced.length})`;
  if (introduced.length || b) {
    budget -= 2;
    const lines = introduced.length ? capped(introduced, Math.max(1, budget - (b?.fixed.length ? 4 : 0))) : ["- none"];
    lists.push(`**${label}:**`, ...lines, "");
    budget -= lines.length;
  }
  if (b && b.fixed.length) {
    budget -= 2;
    lists.push(`**Fixed by this change (${b.fixed.length}):**`, ...capped(b.fixed, Math.max(1, budget)), "");
  }
  return [...head, ...gate, ...rules, ...lists, ...links].join("\n") + "\n";
}

export const summaryWriter: ReportWriter = {
  fileName: "summary.md",
  render: (report) => renderSummary(report),
};

/**
 * The human-readable reports (Markdown and HTML) show the same content; this
 * module derives it once from an AuditReport so the two writers only differ
 * in markup.
 */
import { SEVERITIES } from "../types";
import type {
  AuditReport,
  CacheRunInfo,
  CoverageSummary,
  Finding,
  GasDeploymentMetric,
  GasMethodMetric,
  GateResult,
  ReportCell,
  ReportSection,
  ScopeEntry,
  Severity,
  StageResult,
  StageStatus,
  TestMetrics,
} from "../types";
import { formatNumber, NO_VALUE } from "./format";
import { readCoverageMetrics, readGasMetrics, readTestMetrics } from "./metrics";
import { ruleCatalog } from "../findings/catalog";
import { compareFindings, isAtLeast } from "../findings/severity";
import type { HiddenFinding, RuleChangeEffect, RuleChangeKind } from "../findings/rules-change";
import { describeRuleChange, EFFECT_TEXT, MODE_TEXT, ruleChangeTitle } from "../findings/rules-wording";
import type { RulesChangeMode } from "../policy";

export interface CommitView {
  /** Full sha, or undefined when the tree has no commit. */
  full?: string;
  short?: string;
  dirty: boolean;
}

export interface ToolView {
  name: string;
  version: string;
  /** Stages that ran this tool, in run order. */
  stages: string[];
}

export interface SeverityCountRow {
  severity: Severity;
  open: number;
  suppressed: number;
}

export interface FindingGroup {
  severity: Severity;
  findings: Finding[];
  /** Show folded (HTML/Markdown <details>): long lists of non-blocking findings bury the rest. */
  collapsed: boolean;
}

/** Groups below this severity with more findings than COLLAPSE_AFTER start folded. */
const COLLAPSE_BELOW: Severity = "medium";
const COLLAPSE_AFTER = 5;

export interface StageRow {
  name: string;
  status: StageStatus;
  durationMs: number;
  /** Unsuppressed findings of the stage. */
  openFindings: number;
  reason?: string;
  /** Error stages: the last lines of the tool's output (StageResult.stderrTail), at most OUTPUT_TAIL_LINES. */
  outputTail?: string;
  /** Reused from the stage-result cache: the run that produced the result (StageResult.cache.fromRun). */
  cached?: CacheRunInfo;
}

/** "cached from <commit> (<time>)": where a reused stage result came from, for the reports. */
export function cachedNote(run: CacheRunInfo): string {
  const commit = /^[0-9a-f]{40,64}$/.test(run.commit) ? run.commit.slice(0, 12) : run.commit;
  return `cached: inputs unchanged since the run of ${run.at} (commit ${commit}${run.dirty ? ", dirty tree" : ""}), where it took ${(run.durationMs / 1000).toFixed(1)} s`;
}

/** How many of a failed tool's last output lines the reports and the terminal summary show. */
export const OUTPUT_TAIL_LINES = 12;

/** The last meaningful lines of a tool's output: blank lines dropped, at most OUTPUT_TAIL_LINES. */
export function lastLines(text: string | undefined, max = OUTPUT_TAIL_LINES): string | undefined {
  const lines = withoutStackFrames((text ?? "").split("\n").map((l) => l.trimEnd())).filter((l) => l.trim() !== "");
  return lines.length > 0 ? lines.slice(-max).join("\n") : undefined;
}

/** A JavaScript stack frame (`    at fn (file:line:col)`, `    at file:line:col`, `    at async fn`...). */
const JS_FRAME = /^\s+at\s+\S/;
/** A Python traceback frame (`  File "x.py", line 3, in f`), followed by its indented source line. */
const PY_FRAME = /^\s+File ".*", line \d+/;

/**
 * A tool's output as a reader should see it in a report or on the terminal: the messages, without the
 * stack frames under them (where in the tool's own code it failed says nothing about the audited code;
 * the full output stays in the stage's raw log).
 */
export function withoutStackFrames(lines: readonly string[]): string[] {
  const kept: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (JS_FRAME.test(lines[i])) continue;
    if (PY_FRAME.test(lines[i])) {
      if (i + 1 < lines.length && /^\s{4,}\S/.test(lines[i + 1]) && !PY_FRAME.test(lines[i + 1])) i++;
      continue;
    }
    if (/^Traceback \(most recent call last\):$/.test(lines[i].trim())) continue;
    kept.push(lines[i]);
  }
  return kept;
}

export interface CoverageRow {
  file: string;
  summary: CoverageSummary;
}

/**
 * The built-in top-level parts of the human-readable reports, in order: id
 * (HTML element id and data-testid) and the label of the HTML table of contents.
 */
export const REPORT_PARTS = [
  ["summary", "Summary"],
  ["gate", "Gate"],
  ["new", "New"],
  ["fixed", "Fixed"],
  ["rules", "Rules"],
  ["scope", "Scope"],
  ["tools", "Tools"],
  ["severity-definitions", "Severities"],
  ["findings", "Findings"],
  ["suppressed", "Suppressed"],
  ["stages", "Stages"],
  ["coverage", "Coverage"],
  ["gas", "Gas"],
  ["stage-details", "Stage details"],
  ["skipped", "Skipped"],
] as const;

export type ReportPartId = (typeof REPORT_PARTS)[number][0];

/** Other element ids report.html uses; a stage section's anchor must not take them. */
const BUILTIN_IDS: ReadonlySet<string> = new Set([
  ...REPORT_PARTS.map(([id]) => id),
  "gate-verdict",
  "coverage-chart",
  "gas-chart",
  ...["counts", "scope", "tools", "severity", "suppressed", "stages", "coverage", "gas", "deployments", "new", "fixed", "baseline-counts", "rules"].map((t) => `${t}-table`),
]);
const BUILTIN_PREFIXES = ["finding-", "findings-", "count-", "skipped-"];

export interface DetailCell {
  /** Display text, not yet escaped (numbers already formatted). */
  text: string;
  /** A number (or null shown as a dash): needs no escaping. */
  numeric: boolean;
}

export interface DetailTable {
  columns: { label: string; align: "left" | "right" }[];
  rows: DetailCell[][];
}

export interface DetailChart {
  title: string;
  unit: string;
  categories: string[];
  /** `values[i]` belongs to `categories[i]`; undefined draws no bar. */
  series: { name: string; values: (number | undefined)[] }[];
  marker?: { label: string; value: number };
}

/** One section a stage contributed (StageResult.sections), ready for the writers. */
export interface DetailSection {
  stage: string;
  /** Unique element id / link target in the page: lowercase letters, digits, hyphens. */
  anchor: string;
  title: string;
  description?: string;
  table?: DetailTable;
  chart?: DetailChart;
}

/** The comparison with the run's baseline (report.baseline), for "New in this change" / "Fixed by this change". */
export interface BaselineView {
  /** The baseline's commit, when it had one. */
  commit?: { full: string; short: string; dirty: boolean };
  /** `--baseline <file>` or `--baseline-ref <ref>`, as given. */
  source: string;
  generatedAt: string;
  /** Findings of this run that are `new` or `updated`, most severe first (suppressed ones included, marked). */
  introduced: Finding[];
  /** The baseline's findings this run no longer has. */
  fixed: Finding[];
  /** Per severity: new, updated, fixed (every severity). */
  counts: { severity: Severity; new: number; updated: number; fixed: number }[];
}

/** One change of the rules, for "Rules changed by this change". */
export interface RuleChangeRow {
  kind: RuleChangeKind;
  /** "Suppression added", "Policy changed"... */
  title: string;
  effect: RuleChangeEffect;
  effectText: string;
  blocking: boolean;
  /** The whole change in one sentence (findings/rules-wording.ts). */
  text: string;
  /** A suppression's change: who signed the entry (null: nobody) and why it is accepted. */
  signature?: { reviewer: string | null; justification: string; expires?: string };
  /** A new or widened suppression: the findings of this run it now hides. */
  hides: HiddenFinding[];
}

/** report.rulesChanged for the reports (absent without a baseline). */
export type RulesChangeView =
  | { compared: false; note: string }
  | { compared: true; mode: RulesChangeMode; modeText: string; rows: RuleChangeRow[]; note?: string };

/** A rule's catalog entry as the human-readable reports show it (findings/catalog.ts). */
export interface RuleView {
  title: string;
  /** The tool's documentation (absolute URL) or our own doc (repository-relative path#anchor). */
  docs?: string;
}

export interface ReportView {
  title: string;
  schemaVersion: string;
  generatedAt: string;
  profile: AuditReport["profile"];
  commit: CommitView;
  scope: ScopeEntry[];
  scopeTotals: { files: number; contracts: number; nsloc: number };
  tools: ToolView[];
  severityCounts: SeverityCountRow[];
  totals: { open: number; suppressed: number };
  gate: GateResult;
  /** Unsuppressed findings by severity, most severe first; only non-empty groups. */
  openGroups: FindingGroup[];
  suppressed: Finding[];
  stages: StageRow[];
  tests?: TestMetrics;
  coverage: { total: CoverageSummary; files: CoverageRow[] } | { note: string };
  gas: { methods: GasMethodMetric[]; deployments: GasDeploymentMetric[] } | { note: string };
  /** Every stage's report sections, in stage order ("Stage details"). */
  details: DetailSection[];
  /** Stages that did not produce results (skipped or errored), with why. */
  notRun: StageRow[];
  /** Absent without a baseline. */
  baseline?: BaselineView;
  /** The rules' changes against the baseline; absent without a baseline. */
  rulesChanged?: RulesChangeView;
  /** The catalog entry of every rule the report's findings carry. */
  rules: ReadonlyMap<string, RuleView>;
}

const NO_COMMIT = new Set(["", "unknown"]);

function collectTools(stages: readonly StageResult[]): ToolView[] {
  const byKey = new Map<string, ToolView>();
  for (const stage of stages) {
    for (const tool of stage.tools) {
      const key = `${tool.name}\u0000${tool.version}`;
      const view = byKey.get(key) ?? { name: tool.name, version: tool.version, stages: [] };
      if (!view.stages.includes(stage.name)) view.stages.push(stage.name);
      byKey.set(key, view);
    }
  }
  return [...byKey.values()].sort((a, b) => a.name.localeCompare(b.name) || a.version.localeCompare(b.version));
}

const slug = (text: string): string =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-{2,}/g, "-")
    .replace(/^-|-$/g, "") || "section";

/**
 * The section's element id: its id, prefixed with the stage name unless it
 * already starts with it, made unique in the page (never one of the built-in
 * ids, nor an id its chart or table would then take).
 */
function sectionAnchor(stage: string, id: string, used: Set<string>): string {
  const stageSlug = slug(stage);
  const own = slug(id);
  const base = own === stageSlug || own.startsWith(`${stageSlug}-`) ? own : `${stageSlug}-${own}`;
  const free = BUILTIN_PREFIXES.some((p) => base.startsWith(p)) ? `section-${base}` : base;
  const taken = (a: string): boolean => [a, `${a}-chart`, `${a}-table`].some((x) => used.has(x) || BUILTIN_IDS.has(x));
  let anchor = free;
  for (let n = 2; taken(anchor); n++) anchor = `${free}-${n}`;
  for (const x of [anchor, `${anchor}-chart`, `${anchor}-table`]) used.add(x);
  return anchor;
}

function detailCell(value: ReportCell | undefined): DetailCell {
  if (typeof value === "number") return { text: formatNumber(value), numeric: true };
  if (typeof value === "string") return { text: value, numeric: false };
  return { text: NO_VALUE, numeric: true };
}

function detailTable(table: NonNullable<ReportSection["table"]>): DetailTable | undefined {
  if (table.columns.length === 0) return undefined;
  const columns = table.columns.map((c) => {
    const cells = table.rows.map((r) => r[c.key]).filter((v) => v !== null && v !== undefined);
    const allNumbers = cells.length > 0 && cells.every((v) => typeof v === "number");
    return { label: c.label, align: c.align ?? (allNumbers ? "right" : "left") } as const;
  });
  return { columns, rows: table.rows.map((r) => table.columns.map((c) => detailCell(Object.prototype.hasOwnProperty.call(r, c.key) ? r[c.key] : undefined))) };
}

function detailChart(chart: NonNullable<ReportSection["chart"]>): DetailChart | undefined {
  if (chart.categories.length === 0 || chart.series.length === 0) return undefined;
  const finite = (v: number | null | undefined): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
  const marker = chart.marker && finite(chart.marker.value) !== undefined ? { label: chart.marker.label, value: chart.marker.value } : undefined;
  return {
    title: chart.title,
    unit: chart.unit,
    categories: [...chart.categories],
    series: chart.series.map((s) => ({ name: s.name, values: chart.categories.map((_, i) => finite(s.values[i])) })),
    ...(marker ? { marker } : {}),
  };
}

/**
 * Whether a section shows something: a table with rows, a chart with categories, or a text-only section
 * (a description and neither). A section whose table and chart are both empty (a storage map of no
 * domain) is left out of every report.
 */
export function hasContent(section: NonNullable<StageResult["sections"]>[number]): boolean {
  if (section.table === undefined && section.chart === undefined) return Boolean(section.description?.trim());
  return (section.table !== undefined && section.table.rows.length > 0) || (section.chart !== undefined && section.chart.categories.length > 0);
}

function collectDetails(stages: readonly StageResult[]): DetailSection[] {
  const used = new Set<string>();
  return stages.flatMap((stage) =>
    (stage.sections ?? []).filter(hasContent).map((section): DetailSection => {
      const table = section.table ? detailTable(section.table) : undefined;
      const chart = section.chart ? detailChart(section.chart) : undefined;
      return {
        stage: stage.name,
        anchor: sectionAnchor(stage.name, section.id, used),
        title: section.title,
        ...(section.description?.trim() ? { description: section.description.trim() } : {}),
        ...(table ? { table } : {}),
        ...(chart ? { chart } : {}),
      };
    }),
  );
}

/** "Cold overhead (gas)": a chart's title with its unit. */
export function chartCaption(chart: DetailChart): string {
  return chart.unit.trim() ? `${chart.title} (${chart.unit.trim()})` : chart.title;
}

export function buildReportView(report: AuditReport): ReportView {
  const findings = [...report.findings].sort(compareFindings);
  const open = findings.filter((f) => !f.suppressed);
  const suppressed = findings.filter((f) => f.suppressed);

  const severityCounts = SEVERITIES.map((severity) => ({
    severity,
    open: open.filter((f) => f.severity === severity).length,
    suppressed: suppressed.filter((f) => f.severity === severity).length,
  }));

  const stages: StageRow[] = report.stages.map((s) => ({
    name: s.name,
    status: s.status,
    durationMs: s.durationMs,
    // A finding other tools also reported counts in each of their stages (and once in the totals).
    openFindings: open.filter((f) => f.stage === s.name || f.alsoReportedBy?.some((o) => o.stage === s.name)).length,
    reason: s.reason,
    ...(s.status === "error" && lastLines(s.stderrTail) ? { outputTail: lastLines(s.stderrTail) } : {}),
    ...(s.cache?.hit && s.cache.fromRun ? { cached: s.cache.fromRun } : {}),
  }));

  const coverage = readCoverageMetrics(report);
  const gas = readGasMetrics(report);
  const commitKnown = !NO_COMMIT.has(report.commit);

  return {
    title: "Smart-contract audit report",
    schemaVersion: report.schemaVersion,
    generatedAt: report.generatedAt,
    profile: report.profile,
    commit: {
      full: commitKnown ? report.commit : undefined,
      short: commitKnown ? report.commit.slice(0, 7) : undefined,
      dirty: report.dirty,
    },
    scope: [...report.scope].sort((a, b) => a.file.localeCompare(b.file)),
    scopeTotals: {
      files: report.scope.length,
      contracts: report.scope.reduce((n, s) => n + s.contracts.length, 0),
      nsloc: report.scope.reduce((n, s) => n + s.nsloc, 0),
    },
    tools: collectTools(report.stages),
    severityCounts,
    totals: { open: open.length, suppressed: suppressed.length },
    gate: report.gate,
    openGroups: SEVERITIES.map((severity) => {
      const inGroup = open.filter((f) => f.severity === severity);
      return { severity, findings: inGroup, collapsed: !isAtLeast(severity, COLLAPSE_BELOW) && inGroup.length > COLLAPSE_AFTER };
    }).filter((g) => g.findings.length > 0),
    suppressed,
    stages,
    tests: readTestMetrics(report).data,
    coverage: coverage.data
      ? {
          total: coverage.data.total,
          files: Object.entries(coverage.data.files)
            .map(([file, summary]) => ({ file, summary }))
            .sort((a, b) => a.file.localeCompare(b.file)),
        }
      : { note: coverage.note },
    gas: gas.data
      ? {
          methods: [...gas.data.methods].sort((a, b) => a.contract.localeCompare(b.contract) || a.method.localeCompare(b.method)),
          deployments: [...gas.data.deployments].sort((a, b) => a.contract.localeCompare(b.contract)),
        }
      : { note: gas.note },
    details: collectDetails(report.stages),
    notRun: stages.filter((s) => s.status === "skipped" || s.status === "error"),
    ...(report.baseline ? { baseline: baselineView(report, findings) } : {}),
    ...(report.rulesChanged ? { rulesChanged: rulesChangeView(report.rulesChanged) } : {}),
    rules: ruleViews([...findings, ...(report.baseline?.fixed ?? [])]),
  };
}

function baselineView(report: AuditReport, findings: readonly Finding[]): BaselineView {
  const b = report.baseline!;
  const introduced = findings.filter((f) => f.baselineState === "new" || f.baselineState === "updated");
  const fixed = [...b.fixed].sort(compareFindings);
  const known = !NO_COMMIT.has(b.commit);
  return {
    ...(known ? { commit: { full: b.commit, short: b.commit.slice(0, 7), dirty: b.dirty } } : {}),
    source: "ref" in b.source ? `--baseline-ref ${b.source.ref}` : `--baseline ${b.source.file}`,
    generatedAt: b.generatedAt,
    introduced,
    fixed,
    counts: SEVERITIES.map((severity) => ({
      severity,
      new: introduced.filter((f) => f.severity === severity && f.baselineState === "new").length,
      updated: introduced.filter((f) => f.severity === severity && f.baselineState === "updated").length,
      fixed: fixed.filter((f) => f.severity === severity).length,
    })),
  };
}

function rulesChangeView(r: NonNullable<AuditReport["rulesChanged"]>): RulesChangeView {
  if (!r.compared) return { compared: false, note: r.reason };
  // Blocking first, then looser, stricter, neutral; within that, the comparison's order.
  const rank = (c: (typeof r.changes)[number]): number => (c.blocking ? 0 : 1 + ["looser", "stricter", "neutral"].indexOf(c.effect));
  const rows = r.changes
    .map((c, i) => ({ c, i }))
    .sort((a, b) => rank(a.c) - rank(b.c) || a.i - b.i)
    .map(({ c }): RuleChangeRow => {
      // Who accepted what: the signature of an entry this change added or edited (a removed one accepts nothing).
      const entry = "entry" in c && c.kind !== "suppression-removed" ? c.entry : undefined;
      return {
        kind: c.kind,
        title: ruleChangeTitle(c),
        effect: c.effect,
        effectText: EFFECT_TEXT[c.effect],
        blocking: c.blocking === true,
        text: describeRuleChange(c),
        ...(entry ? { signature: { reviewer: entry.reviewer?.trim() ? entry.reviewer : null, justification: entry.justification, ...(entry.expires ? { expires: entry.expires } : {}) } } : {}),
        hides: "hides" in c ? c.hides : [],
      };
    });
  return { compared: true, mode: r.mode, modeText: MODE_TEXT[r.mode], rows, ...(r.note ? { note: r.note } : {}) };
}

function ruleViews(findings: readonly Finding[]): Map<string, RuleView> {
  const catalog = ruleCatalog();
  const out = new Map<string, RuleView>();
  for (const rule of new Set(findings.flatMap((f) => [f.rule, ...(f.alsoReportedBy ?? []).map((o) => o.rule)]))) {
    const entry = catalog.describe(rule, findings);
    out.set(rule, { title: entry.title, ...(entry.helpUri ? { docs: entry.helpUri } : entry.docs ? { docs: entry.docs } : {}) });
  }
  return out;
}

/** "new", "updated (…)" for a finding's baseline state; "" without one. */
export function describeBaselineState(finding: Finding): string {
  switch (finding.baselineState) {
    case "new":
      return "new in this change";
    case "updated":
      return "changed by this change (it was in the baseline under another fingerprint, or fewer tools reported it)";
    case "unchanged":
      return "already in the baseline";
    case "absent":
      return "fixed by this change";
    default:
      return "";
  }
}

/** Short description of the commit line shared by both human-readable reports. */
export function describeTreeState(commit: CommitView): string {
  if (!commit.full) return "no commit yet (uncommitted working tree)";
  return commit.dirty ? "dirty: uncommitted changes on top of this commit" : "clean";
}

export const COVERAGE_DIMENSIONS = ["lines", "branches", "functions", "statements"] as const;

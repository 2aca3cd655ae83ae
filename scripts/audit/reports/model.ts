/**
 * The human-readable reports (Markdown and HTML) show the same content; this
 * module derives it once from an AuditReport so the two writers only differ
 * in markup.
 */
import { SEVERITIES } from "../types";
import type {
  AuditReport,
  CoverageSummary,
  Finding,
  GasDeploymentMetric,
  GasMethodMetric,
  GateResult,
  ScopeEntry,
  Severity,
  StageResult,
  StageStatus,
  TestMetrics,
} from "../types";
import { readCoverageMetrics, readGasMetrics, readTestMetrics } from "./metrics";
import { compareFindings, isAtLeast } from "./severity";

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
}

export interface CoverageRow {
  file: string;
  summary: CoverageSummary;
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
  /** Stages that did not produce results (skipped or errored), with why. */
  notRun: StageRow[];
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
    openFindings: open.filter((f) => f.stage === s.name).length,
    reason: s.reason,
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
    notRun: stages.filter((s) => s.status === "skipped" || s.status === "error"),
  };
}

/** Short description of the commit line shared by both human-readable reports. */
export function describeTreeState(commit: CommitView): string {
  if (!commit.full) return "no commit yet (uncommitted working tree)";
  return commit.dirty ? "dirty: uncommitted changes on top of this commit" : "clean";
}

export const COVERAGE_DIMENSIONS = ["lines", "branches", "functions", "statements"] as const;

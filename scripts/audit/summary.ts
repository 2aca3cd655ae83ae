/** The end-of-run summary: a table on the terminal, or JSON with --json. */
import { lastLines } from "./reports/model";
import type { AuditReport, Stage, StageResult } from "./types";

export interface SummaryRow {
  stage: string;
  status: StageResult["status"];
  durationMs: number;
  findings: number;
  /** Findings not accepted by a suppression. */
  openFindings: number;
  keyMetric: string;
  reason?: string;
  /** The result was reused from the stage-result cache (StageResult.cache): when and at which commit it was produced. */
  cached?: { at: string; commit: string };
}

export function summaryRows(report: AuditReport, registry: readonly Stage[]): SummaryRow[] {
  return report.stages.map((r) => {
    const stage = registry.find((s) => s.name === r.name);
    let metric: string | undefined;
    try {
      metric = stage?.keyMetric?.(r);
    } catch {
      metric = undefined;
    }
    return {
      stage: r.name,
      status: r.status,
      durationMs: r.durationMs,
      findings: r.findings.length,
      openFindings: r.findings.filter((f) => !f.suppressed).length,
      keyMetric: metric ?? "",
      ...(r.reason ? { reason: r.reason } : {}),
      ...(r.cache?.hit && r.cache.fromRun ? { cached: { at: r.cache.fromRun.at, commit: r.cache.fromRun.commit } } : {}),
    };
  });
}

export function formatTable(rows: SummaryRow[]): string {
  const header = ["Stage", "Status", "Duration", "Findings", "Key metric"];
  const body = rows.map((r) => [
    r.stage,
    r.cached ? `${r.status.toUpperCase()} (cached)` : r.status.toUpperCase(),
    r.status === "skipped" ? "-" : `${(r.durationMs / 1000).toFixed(1)}s`,
    r.findings === r.openFindings ? String(r.findings) : `${r.findings} (${r.findings - r.openFindings} suppressed)`,
    r.keyMetric || (r.status === "skipped" || r.status === "error" ? (r.reason ?? "") : ""),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => c.padEnd(widths[i])).join("  ").trimEnd();
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...body.map(fmt)].join("\n");
}

export function formatSummary(report: AuditReport, registry: readonly Stage[], written: string[]): string {
  const lines = [formatTable(summaryRows(report, registry)), ""];
  // An error stage's cause on the terminal: its reason and the tool's last output lines.
  for (const r of report.stages.filter((s) => s.status === "error")) {
    lines.push(`${r.name} error: ${r.reason ?? "no reason given"}`);
    const tail = lastLines(r.stderrTail);
    if (tail && !(r.reason ?? "").includes(tail)) lines.push(...tail.split("\n").map((l) => `  | ${l}`));
    lines.push("");
  }
  const cached = report.stages.filter((s) => s.cache?.hit).map((s) => s.name);
  if (cached.length > 0) lines.push(`Cached (inputs unchanged, not run again; --no-cache runs them): ${cached.join(", ")}`, "");
  lines.push(`Gate: ${report.gate.passed ? "PASSED" : "FAILED"}`);
  for (const reason of report.gate.reasons) lines.push(`  - ${reason}`);
  if (written.length > 0) lines.push("", `Reports: ${written.join(", ")}`);
  return lines.join("\n") + "\n";
}

export function jsonSummary(report: AuditReport, registry: readonly Stage[], written: string[], exitCode: number, outDir: string) {
  return {
    passed: report.gate.passed,
    exitCode,
    profile: report.profile,
    commit: report.commit,
    dirty: report.dirty,
    outDir,
    reports: written,
    gate: report.gate,
    stages: summaryRows(report, registry),
  };
}

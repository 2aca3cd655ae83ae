/**
 * From rule hits to the pipeline's `Finding`s. A fingerprint is sha256 over (stage, rule, file,
 * anchor) with NUL separators - the same recipe as the pipeline's scripts/audit/fingerprint.ts - and
 * the anchor is symbolic (domain, contract, namespace, slot, selector...), never a line number.
 */
import { createHash } from "node:crypto";
import type { Finding, Location, Severity, ToolInfo } from "../types";

/** Version of the analyzers' rules and output; bump when a rule's meaning changes. */
export const ANALYZER_VERSION = "1.0.0";

export const STORAGE_TOOL: ToolInfo = { name: "storage-analyzer", version: ANALYZER_VERSION };
export const SELECTOR_TOOL: ToolInfo = { name: "selector-analyzer", version: ANALYZER_VERSION };

/** What a rule reports; `anchor` identifies it across runs and line moves. */
export interface RuleHit {
  severity: Severity;
  title: string;
  description: string;
  recommendation: string;
  location?: Location;
  anchor: string;
  data?: Record<string, unknown>;
}

export interface RuleInfo {
  /** Rule id, unique within its analyzer (kebab-case). */
  id: string;
  title: string;
  /** Severity the rule reports at most. */
  severity: Severity;
  /** What the rule catches, for docs and --list-rules. */
  summary: string;
}

export function fingerprint(stage: string, rule: string, file: string | undefined, anchor: string): string {
  const parts = [stage, rule, (file ?? "").replace(/\\/g, "/"), anchor.replace(/\s+/g, " ").trim()];
  return createHash("sha256").update(parts.join("\u0000")).digest("hex");
}

const SEVERITY_RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

export function atLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];
}

export function bySeverity(a: Finding, b: Finding): number {
  return (
    SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
    (a.location?.file ?? "").localeCompare(b.location?.file ?? "") ||
    (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
    a.rule.localeCompare(b.rule)
  );
}

/**
 * Turns hits into findings: one finding per fingerprint (the same fact found twice - e.g. once in the
 * domain as declared and once with an upgrade applied - is reported once, at its highest severity).
 */
export function toFindings(stage: string, tool: ToolInfo, hits: readonly (RuleHit & { rule: string })[]): Finding[] {
  const byFingerprint = new Map<string, Finding>();
  for (const hit of hits) {
    const fp = fingerprint(stage, hit.rule, hit.location?.file, hit.anchor);
    const existing = byFingerprint.get(fp);
    if (existing && SEVERITY_RANK[existing.severity] >= SEVERITY_RANK[hit.severity]) continue;
    byFingerprint.set(fp, {
      id: `${stage}:${hit.rule}:${fp.slice(0, 12)}`,
      stage,
      rule: hit.rule,
      severity: hit.severity,
      title: hit.title,
      description: hit.description,
      ...(hit.location ? { location: hit.location } : {}),
      tool: { ...tool },
      recommendation: hit.recommendation,
      fingerprint: fp,
      ...(hit.data ? { data: hit.data } : {}),
    });
  }
  return [...byFingerprint.values()].sort(bySeverity);
}

/** `file:line` for descriptions. */
export function where(loc: { file: string; line?: number } | undefined): string {
  if (!loc) return "?";
  return loc.line ? `${loc.file}:${loc.line}` : loc.file;
}

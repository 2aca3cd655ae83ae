/**
 * From rule hits to the pipeline's `Finding`s, through the findings core (scripts/audit/findings/):
 * the anchor is symbolic (domain, contract, namespace, slot, selector...), never a line number.
 */
import { distinctFindings, type DraftFinding } from "../findings/fingerprint";
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
  /** What to do about it in general (each finding carries its own, specific one), for the rule catalog. */
  recommendation: string;
}

/**
 * Turns hits into findings with the findings core's recipe (scripts/audit/findings/fingerprint.ts):
 * one finding per fingerprint (the same fact found twice - e.g. once in the domain as declared and
 * once with an upgrade applied - is reported once, at its highest severity), most severe first.
 */
export function toFindings(stage: string, tool: ToolInfo, hits: readonly (RuleHit & { rule: string })[]): Finding[] {
  return distinctFindings(
    hits.map((hit): DraftFinding => ({
      stage,
      rule: hit.rule,
      severity: hit.severity,
      title: hit.title,
      description: hit.description,
      ...(hit.location ? { location: hit.location } : {}),
      tool: { ...tool },
      recommendation: hit.recommendation,
      anchor: hit.anchor,
      ...(hit.data ? { data: hit.data } : {}),
    })),
  );
}

/** `file:line` for descriptions. */
export function where(loc: { file: string; line?: number } | undefined): string {
  if (!loc) return "?";
  return loc.line ? `${loc.file}:${loc.line}` : loc.file;
}

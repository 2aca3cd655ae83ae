/**
 * solhint adapter: `solhint -f json` output -> findings.
 * Errors become medium findings, warnings low; the rule is `solhint/<ruleId>`.
 * Pure: sources are read through a SourceIndex so tests can feed recorded files.
 */
import { finalizeFindings, type DraftFinding } from "../findings/fingerprint";
import { SourceIndex } from "../solidity";
import { relPath } from "../paths";
import type { Finding, Severity } from "../types";

/** One entry of solhint's JSON formatter output (the trailing `{conclusion}` entry is dropped). */
export interface SolhintReport {
  line: number;
  column: number;
  severity: string;
  message: string;
  ruleId: string;
  filePath: string;
  fix?: unknown;
}

/** Parses `solhint -f json` stdout. Throws when it is not solhint's JSON array. */
export function parseSolhintJson(text: string): SolhintReport[] {
  const start = text.indexOf("[");
  if (start < 0) throw new Error("solhint output has no JSON array");
  // solhint prints exactly one JSON array; compiler warnings may follow it on other lines.
  const end = text.lastIndexOf("]");
  const parsed: unknown = JSON.parse(text.slice(start, end + 1));
  if (!Array.isArray(parsed)) throw new Error("solhint output is not a JSON array");
  return parsed.filter(
    (r): r is SolhintReport =>
      typeof r === "object" && r !== null && typeof (r as SolhintReport).ruleId === "string" && typeof (r as SolhintReport).filePath === "string",
  );
}

export function solhintSeverity(severity: string): Severity {
  return severity.toLowerCase() === "error" ? "medium" : "low";
}

export interface SolhintAdapterOptions {
  root: string;
  sources: SourceIndex;
  toolVersion: string;
  stage?: string;
}

export function solhintFindings(reports: readonly SolhintReport[], opts: SolhintAdapterOptions): Finding[] {
  const stage = opts.stage ?? "lint";
  const drafts = reports.map((r): DraftFinding => {
    const file = relPath(opts.root, r.filePath);
    const symbol = opts.sources.symbolAt(file, r.line);
    const text = opts.sources.lineText(file, r.line);
    return {
      stage,
      rule: `solhint/${r.ruleId}`,
      severity: solhintSeverity(r.severity),
      title: r.message,
      description: `solhint rule \`${r.ruleId}\` (${r.severity.toLowerCase()}): ${r.message}`,
      location: { file, line: r.line, ...(symbol ? { symbol } : {}) },
      tool: { name: "solhint", version: opts.toolVersion },
      data: { column: r.column },
      // The enclosing symbol, the offending line's text and the message: no line number.
      anchor: `${symbol ?? ""}|${text}|${r.message}`,
    };
  });
  return finalizeFindings(drafts);
}

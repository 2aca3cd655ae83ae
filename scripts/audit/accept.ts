/**
 * `npm run audit -- --accept <finding-id> --why "..." [--reviewer NAME] [--expires YYYY-MM-DD]`: accepts a
 * finding of the last run (<out>/report.json) by writing its entry to audit/suppressions.json, so
 * nobody hand-edits JSON. Runs no stage.
 *
 * The entry names the finding's stage, rule, file and symbol (it survives edits of the line itself;
 * audit/README.md "suppressions.json"), or its fingerprint when the finding has no file. The file is
 * edited in place with jsonc-parser: the other entries, their order, comments-free formatting and
 * indentation stay byte for byte; the result is validated with the suppressions schema before it is
 * written (atomically). A finding id the report does not have: InputError, one line (exit 2).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { applyEdits, modify, type FormattingOptions } from "jsonc-parser";
import { InputError } from "./errors";
import { loadBaselineReport } from "./findings/baseline";
import { writeFileAtomic } from "./fs/atomic";
import { describeZodIssues } from "./fs/json-input";
import { suppressionMatches } from "./findings/suppressions";
import { SUPPRESSIONS_FILE, SuppressionsSchema, loadSuppressions } from "./policy";
import type { AuditReport, Finding, SuppressionEntry } from "./types";

export interface AcceptRequest {
  id: string;
  why: string;
  reviewer?: string;
  expires?: string;
}

type Accepted = Pick<Finding, "id" | "stage" | "rule" | "fingerprint" | "location">;

/** The report's finding (top-level, or a stage's own, e.g. another tool's sighting) with that id or fingerprint. */
export function findReportFinding(report: AuditReport, id: string): Accepted | undefined {
  const all: Accepted[] = [...report.findings, ...report.stages.flatMap((s) => s.findings)];
  return all.find((f) => f.id === id) ?? (/^[0-9a-f]{64}$/.test(id) ? all.find((f) => f.fingerprint === id) : undefined);
}

/** The entry for a finding: stage, rule, file and symbol (or its fingerprint when it has no file), and the request's fields. */
export function suppressionEntryFor(finding: Accepted, request: Omit<AcceptRequest, "id">): SuppressionEntry {
  const where: Omit<SuppressionEntry, "justification"> = finding.location?.file
    ? { stage: finding.stage, rule: finding.rule, file: finding.location.file, ...(finding.location.symbol ? { symbol: finding.location.symbol } : {}) }
    : { stage: finding.stage, fingerprint: finding.fingerprint };
  return {
    ...where,
    justification: request.why.trim(),
    ...(request.reviewer ? { reviewer: request.reviewer } : {}),
    ...(request.expires ? { expires: request.expires } : {}),
  };
}

/** The file's own indentation and line ending, so the new entry looks like its neighbours. */
function formattingOf(text: string): FormattingOptions {
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? "  ";
  return { insertSpaces: !indent.includes("\t"), tabSize: indent.includes("\t") ? 1 : indent.length, eol: text.includes("\r\n") ? "\r\n" : "\n" };
}

/**
 * `text` (the suppressions file, or undefined when there is none) with `entry` appended to its
 * `suppressions` array; everything else is kept as it was.
 */
export function appendSuppression(text: string | undefined, entry: SuppressionEntry): string {
  if (text === undefined || !text.trim()) return `${JSON.stringify({ suppressions: [entry] }, null, 2)}\n`;
  const formattingOptions = formattingOf(text);
  const edits = modify(text, ["suppressions", -1], entry, { formattingOptions, isArrayInsertion: true });
  return applyEdits(text, edits);
}

/** Runs --accept: returns the line to print. */
export async function acceptFinding(root: string, outDir: string, request: AcceptRequest): Promise<string> {
  const reportFile = path.join(outDir, "report.json");
  const relative = path.relative(root, reportFile);
  const shown = relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : reportFile;
  if (!existsSync(reportFile)) throw new InputError(`--accept ${request.id}: no report to accept from (${shown} does not exist): run the audit first`);
  const report = loadBaselineReport(root, reportFile, "report");
  const finding = findReportFinding(report, request.id);
  if (!finding) {
    throw new InputError(`--accept: no finding ${request.id} in ${shown} (ids look like ${report.findings[0]?.id ?? "slither:reentrancy-eth:3f0c9a1b2c4d"}; see report.md or report.json)`);
  }
  const existing = loadSuppressions(root); // InputError when the file is malformed: never append to a broken file
  const already = existing.find((e) => suppressionMatches(e, finding));
  if (already) return `${finding.id} is already accepted in ${SUPPRESSIONS_FILE}: "${already.justification}"`;
  const entry = suppressionEntryFor(finding, request);
  const file = path.join(root, SUPPRESSIONS_FILE);
  const next = appendSuppression(existsSync(file) ? readFileSync(file, "utf8") : undefined, entry);
  const parsed = SuppressionsSchema.safeParse(JSON.parse(next));
  if (!parsed.success) throw new InputError(`--accept: the entry would be invalid: ${describeZodIssues(parsed.error)}`);
  await writeFileAtomic(file, next);
  const what = entry.fingerprint ? `fingerprint ${entry.fingerprint.slice(0, 12)}` : `${entry.rule} in ${entry.file}${entry.symbol ? ` (${entry.symbol})` : ""}`;
  return `accepted ${finding.id}: ${SUPPRESSIONS_FILE} now suppresses ${what}${entry.stage ? ` in stage ${entry.stage}` : ""}`;
}

/**
 * Writes one run's report set into the output directory:
 * report.json, report.md, report.html, report.sarif, junit.xml and
 * summary.md (what a pull request shows).
 *
 * The report is validated against report.schema.json first, every file is
 * rendered in memory, and only then is the set swapped in with
 * replaceFileSet: a failing writer or an interrupted run leaves the previous
 * reports untouched, never a half-written one.
 */
import path from "node:path";
import { replaceFileSet, type FileSetEntry } from "../fs/atomic";
import { assertValidReport } from "../schema";
import type { AuditReport } from "../types";
import { htmlWriter } from "./html";
import { jsonWriter } from "./json";
import { junitWriter } from "./junit";
import { markdownWriter } from "./markdown";
import { sarifWriter } from "./sarif";
import { summaryWriter } from "./summary-md";
import type { RenderContext, ReportWriter } from "./writer";

export { validateReport, validateSarif } from "../schema";
export type { ValidationResult } from "../schema";
export type { RenderContext, ReportWriter } from "./writer";

export const REPORT_WRITERS: readonly ReportWriter[] = [jsonWriter, markdownWriter, htmlWriter, sarifWriter, junitWriter, summaryWriter];

export interface WriteReportsOptions {
  /** Repository root that finding paths are relative to (default: cwd). */
  root?: string;
  /**
   * Repository URL for SARIF provenance. Default: the GitHub Actions
   * repository when running there, else the root as a file: URL.
   */
  repositoryUri?: string;
  /** Replaces the default writers (tests inject failing ones). */
  writers?: readonly ReportWriter[];
}

function defaultRepositoryUri(): string | undefined {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repository } = process.env;
  return server && repository ? `${server}/${repository}` : undefined;
}

/** Validates the report and renders every file of the set in memory, in writer order (nothing written). */
export function renderReports(report: AuditReport, opts: WriteReportsOptions = {}): FileSetEntry[] {
  assertValidReport(report);
  const context: RenderContext = {
    root: path.resolve(opts.root ?? process.cwd()),
    repositoryUri: opts.repositoryUri ?? defaultRepositoryUri(),
  };
  return (opts.writers ?? REPORT_WRITERS).map((writer) => ({ name: writer.fileName, data: writer.render(report, context) }));
}

/** Returns the absolute paths written, in writer order. */
export async function writeReports(report: AuditReport, outDir: string, opts: WriteReportsOptions = {}): Promise<string[]> {
  return replaceFileSet(outDir, renderReports(report, opts));
}

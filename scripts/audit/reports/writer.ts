import type { AuditReport } from "../types";

/** What writers may know besides the report itself. */
export interface RenderContext {
  /** Repository root (absolute); finding paths are relative to it. */
  root: string;
  /** Repository URL for SARIF's versionControlProvenance, when known. */
  repositoryUri?: string;
}

/** One output format: a pure function from report to file content. */
export interface ReportWriter {
  /** File name inside the output directory. */
  fileName: string;
  render(report: AuditReport, context: RenderContext): string;
}

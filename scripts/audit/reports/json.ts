/** report.json: the AuditReport itself (validated by writeReports before any writer runs). */
import type { ReportWriter } from "./writer";

export const jsonWriter: ReportWriter = {
  fileName: "report.json",
  render: (report) => `${JSON.stringify(report, null, 2)}\n`,
};

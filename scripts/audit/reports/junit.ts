/**
 * junit.xml: the run as JUnit XML so CI systems show stages and blocking
 * findings in their test views.
 *
 * Mapping (one <testsuite> per stage, plus one for the gate):
 * - Each stage is a testcase named "stage <name>": passed -> passes, failed ->
 *   <failure>, error -> <error>, skipped -> <skipped> (message = reason).
 * - Findings of severity medium or above are testcases in the suite of the
 *   stage that stands for them (one per bug: findings/merge.ts). A finding
 *   the gate marked `blocking` fails; a suppressed one is <skipped> with its
 *   justification, and one the gate let pass (already in the baseline with
 *   failOn "new", or disputed with prefer-proof) is <skipped> saying why.
 *   (Reports before schema 1.2.0 carry no gate marks: every unsuppressed one
 *   fails.) Low and info findings are not testcases (they are counted in the
 *   suite's properties): hundreds of green lint "tests" would bury the rest.
 * - The "gate" suite has one testcase that fails with the gate's reasons.
 * Text is escaped and characters XML 1.0 forbids are dropped.
 */
import type { AuditReport, Finding, StageResult, StageStatus } from "../types";
import { escapeXmlAttribute as attr, escapeXmlText as text } from "./escape";
import { formatLocation } from "./format";
import { compareFindings, isAtLeast, SEVERITY_LABEL } from "../findings/severity";
import type { ReportWriter } from "./writer";

/** Findings at or above this severity become testcases. */
export const JUNIT_FINDING_THRESHOLD = "medium" as const;

type Outcome = { kind: "pass" } | { kind: "failure" | "error" | "skipped"; message: string; type?: string; body?: string };

interface TestCase {
  name: string;
  classname: string;
  timeSeconds: number;
  outcome: Outcome;
}

interface TestSuite {
  name: string;
  timeSeconds: number;
  properties: [string, string][];
  cases: TestCase[];
}

const STAGE_OUTCOME: Readonly<Record<StageStatus, (stage: StageResult) => Outcome>> = {
  passed: () => ({ kind: "pass" }),
  failed: (s) => ({ kind: "failure", type: "StageFailed", message: s.reason ?? "stage failed", body: s.stderrTail }),
  error: (s) => ({ kind: "error", type: "StageError", message: s.reason ?? "stage errored", body: s.stderrTail }),
  skipped: (s) => ({ kind: "skipped", message: s.reason ?? "skipped" }),
};

function findingCase(finding: Finding, marked: boolean): TestCase {
  const location = formatLocation(finding.location);
  const name = `[${finding.severity}] ${finding.rule}: ${finding.title}${location ? ` (${location})` : ""}`;
  const body = [
    finding.description.trim(),
    finding.recommendation?.trim() ? `Recommendation: ${finding.recommendation.trim()}` : "",
    `Tool: ${finding.tool.name} ${finding.tool.version}`,
    `Id: ${finding.id}`,
    `Fingerprint: ${finding.fingerprint}`,
  ]
    .filter(Boolean)
    .join("\n\n");
  const passes = marked && !finding.blocking;
  const why = finding.baselineState === "unchanged" ? "already in the baseline (policy failOn: new)" : finding.disputed ? `disputed by ${finding.disputed.by} (policy disputes: prefer-proof)` : "the gate let it pass";
  const outcome: Outcome = finding.suppressed
    ? { kind: "skipped", message: `suppressed: ${finding.suppressed.justification}` }
    : passes
      ? { kind: "skipped", message: `does not fail the gate: ${why}` }
      : { kind: "failure", type: SEVERITY_LABEL[finding.severity], message: finding.title, body };
  return { name, classname: `audit.${finding.stage}`, timeSeconds: 0, outcome };
}

function stageSuite(name: string, stage: StageResult | undefined, findings: readonly Finding[], marked: boolean): TestSuite {
  const blocking = findings.filter((f) => isAtLeast(f.severity, JUNIT_FINDING_THRESHOLD)).sort(compareFindings);
  const belowThreshold = findings.length - blocking.length;
  const properties: [string, string][] = [
    ["status", stage?.status ?? "unknown"],
    ...(stage?.tools ?? []).map((t): [string, string] => [`tool.${t.name}`, t.version]),
    ["findings.belowThreshold", String(belowThreshold)],
    // Reused from the stage-result cache: the run that produced the result.
    ...(stage?.cache?.hit && stage.cache.fromRun
      ? ([
          ["cache.hit", "true"],
          ["cache.key", stage.cache.key],
          ["cache.fromCommit", stage.cache.fromRun.commit],
          ["cache.fromTime", stage.cache.fromRun.at],
        ] as [string, string][])
      : []),
  ];
  const timeSeconds = (stage?.durationMs ?? 0) / 1000;
  const cases: TestCase[] = [];
  if (stage) cases.push({ name: `stage ${name}`, classname: `audit.${name}`, timeSeconds, outcome: STAGE_OUTCOME[stage.status](stage) });
  cases.push(...blocking.map((f) => findingCase(f, marked)));
  return { name: `audit.${name}`, timeSeconds, properties, cases };
}

function gateSuite(report: AuditReport): TestSuite {
  const outcome: Outcome = report.gate.passed
    ? { kind: "pass" }
    : { kind: "failure", type: "GateFailed", message: report.gate.reasons[0] ?? "gate failed", body: report.gate.reasons.join("\n") };
  return { name: "audit.gate", timeSeconds: 0, properties: [], cases: [{ name: "policy gate", classname: "audit.gate", timeSeconds: 0, outcome }] };
}

function count(suites: readonly TestSuite[], kind: Outcome["kind"]): number {
  return suites.reduce((n, s) => n + s.cases.filter((c) => c.outcome.kind === kind).length, 0);
}

function countsAttributes(suites: readonly TestSuite[]): string {
  const tests = suites.reduce((n, s) => n + s.cases.length, 0);
  const time = suites.reduce((t, s) => t + s.timeSeconds, 0);
  return `tests="${tests}" failures="${count(suites, "failure")}" errors="${count(suites, "error")}" skipped="${count(suites, "skipped")}" time="${time.toFixed(3)}"`;
}

function renderCase(c: TestCase): string {
  const open = `    <testcase name="${attr(c.name)}" classname="${attr(c.classname)}" time="${c.timeSeconds.toFixed(3)}"`;
  const o = c.outcome;
  if (o.kind === "pass") return `${open}/>`;
  const typeAttr = o.type ? ` type="${attr(o.type)}"` : "";
  const element = o.body?.trim()
    ? `<${o.kind} message="${attr(o.message)}"${typeAttr}>${text(o.body.trim())}</${o.kind}>`
    : `<${o.kind} message="${attr(o.message)}"${typeAttr}/>`;
  return `${open}>\n      ${element}\n    </testcase>`;
}

function renderSuite(suite: TestSuite): string {
  const properties = suite.properties.length
    ? `    <properties>\n${suite.properties.map(([n, v]) => `      <property name="${attr(n)}" value="${attr(v)}"/>`).join("\n")}\n    </properties>\n`
    : "";
  return (
    `  <testsuite name="${attr(suite.name)}" ${countsAttributes([suite])}>\n` +
    properties +
    suite.cases.map(renderCase).join("\n") +
    `\n  </testsuite>`
  );
}

export function buildJunitSuites(report: AuditReport): TestSuite[] {
  const stageNames = [...report.stages.map((s) => s.name)];
  // Findings of a stage missing from `stages` still get a suite rather than vanishing.
  for (const f of report.findings) if (!stageNames.includes(f.stage)) stageNames.push(f.stage);
  // Since report schema 1.2.0 the gate marks the findings that fail it.
  const [major, minor] = report.schemaVersion.split(".").map(Number);
  const marked = major > 1 || (major === 1 && minor >= 2);
  const suites = stageNames.map((name) =>
    stageSuite(
      name,
      report.stages.find((s) => s.name === name),
      report.findings.filter((f) => f.stage === name),
      marked,
    ),
  );
  return [...suites, gateSuite(report)];
}

export function renderJunit(report: AuditReport): string {
  const suites = buildJunitSuites(report);
  return (
    `<?xml version="1.0" encoding="UTF-8"?>\n` +
    `<testsuites name="audit" ${countsAttributes(suites)}>\n` +
    `${suites.map(renderSuite).join("\n")}\n` +
    `</testsuites>\n`
  );
}

export const junitWriter: ReportWriter = {
  fileName: "junit.xml",
  render: (report) => renderJunit(report),
};

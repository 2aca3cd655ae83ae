/**
 * mocha adapter: mocha-junit-reporter's XML -> test metrics and findings.
 * Each failed test (or failed hook) becomes a high finding with rule
 * `test-failure`, located in its test file; the test's full title is the
 * fingerprint anchor, so a failing test keeps its fingerprint when it moves.
 */
import { XMLParser } from "fast-xml-parser";
import { finalizeFindings, type DraftFinding } from "../findings/fingerprint";
import { relPath } from "../paths";
import type { Finding } from "../types";

export interface JunitCase {
  /** Full title: suite titles and the test title, space-separated (mocha-junit-reporter's `name`). */
  name: string;
  suite: string;
  /** Repository-relative test file, when the reporter recorded it. */
  file?: string;
  timeS: number;
  status: "passed" | "failed" | "pending";
  failure?: { message: string; type: string; details: string };
}

export interface JunitResults {
  tests: number;
  passes: number;
  failures: number;
  pending: number;
  timeS: number;
  cases: JunitCase[];
}

interface XmlFailure {
  message?: string;
  type?: string;
  "#text"?: string;
}
interface XmlCase {
  name?: string;
  classname?: string;
  time?: string;
  failure?: (XmlFailure | string)[];
  error?: (XmlFailure | string)[];
  skipped?: unknown;
}
interface XmlSuite {
  name?: string;
  file?: string;
  testcase?: XmlCase[];
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: "",
  textNodeName: "#text",
  parseAttributeValue: false,
  parseTagValue: false,
  trimValues: false,
  isArray: (name) => ["testsuite", "testcase", "failure", "error"].includes(name),
});

function failureOf(c: XmlCase): JunitCase["failure"] {
  const f = c.failure?.[0] ?? c.error?.[0];
  if (f === undefined) return undefined;
  if (typeof f === "string") return { message: f.split("\n")[0].trim(), type: "", details: f.trim() };
  const details = (f["#text"] ?? "").trim();
  return { message: f.message ?? details.split("\n")[0], type: f.type ?? "", details };
}

/** Parses a JUnit XML file written by mocha-junit-reporter. `root` relativizes test file paths. */
export function parseJunitXml(xml: string, root: string): JunitResults {
  const doc = parser.parse(xml) as { testsuites?: { testsuite?: XmlSuite[]; time?: string }; testsuite?: XmlSuite[] };
  const suites = doc.testsuites?.testsuite ?? doc.testsuite;
  if (!suites) throw new Error("not a JUnit XML document (no <testsuites>/<testsuite>)");
  const cases: JunitCase[] = [];
  for (const s of suites) {
    for (const c of s.testcase ?? []) {
      const failure = failureOf(c);
      cases.push({
        name: c.name ?? c.classname ?? "(unnamed test)",
        suite: s.name ?? "",
        ...(s.file ? { file: relPath(root, s.file) } : {}),
        timeS: Number(c.time ?? 0) || 0,
        status: failure ? "failed" : c.skipped !== undefined ? "pending" : "passed",
        ...(failure ? { failure } : {}),
      });
    }
  }
  const count = (st: JunitCase["status"]) => cases.filter((c) => c.status === st).length;
  return {
    tests: cases.length,
    passes: count("passed"),
    failures: count("failed"),
    pending: count("pending"),
    timeS: Number(doc.testsuites?.time ?? 0) || cases.reduce((t, c) => t + c.timeS, 0),
    cases,
  };
}

/** The line of `file` in a failure's stack trace ("(test/unit/X.test.ts:37:46)"), if present. */
export function lineFromStack(details: string, file: string): number | undefined {
  const escaped = file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const m = new RegExp(`${escaped}:(\\d+):\\d+`).exec(details);
  return m ? Number(m[1]) : undefined;
}

export function junitFindings(results: JunitResults, opts: { toolVersion: string; stage?: string; rule?: string }): Finding[] {
  const stage = opts.stage ?? "test";
  const drafts = results.cases
    .filter((c) => c.status === "failed")
    .map((c): DraftFinding => {
      const line = c.file && c.failure ? lineFromStack(c.failure.details, c.file) : undefined;
      return {
        stage,
        rule: opts.rule ?? "test-failure",
        severity: "high",
        title: `Test failed: ${c.name}`,
        description: c.failure?.details || c.failure?.message || "test failed",
        ...(c.file ? { location: { file: c.file, ...(line ? { line } : {}), symbol: c.name } } : {}),
        tool: { name: "mocha", version: opts.toolVersion },
        data: { suite: c.suite, ...(c.failure?.type ? { errorType: c.failure.type } : {}) },
        anchor: c.name,
      };
    });
  return finalizeFindings(drafts);
}

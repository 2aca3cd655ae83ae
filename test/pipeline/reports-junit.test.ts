import { expect } from "chai";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { SaxesParser } from "saxes";
import { writeReports } from "../../scripts/audit/reports";
import { JUNIT_FINDING_THRESHOLD, renderJunit } from "../../scripts/audit/reports/junit";
import { isAtLeast } from "../../scripts/audit/findings/severity";
import type { AuditReport } from "../../scripts/audit/types";

const SAMPLE = path.join(__dirname, "fixtures", "report-sample.json");
const loadSample = (): AuditReport => JSON.parse(readFileSync(SAMPLE, "utf8")) as AuditReport;

interface XmlElement {
  name: string;
  attributes: Record<string, string>;
  children: XmlElement[];
  text: string;
}

let Parser: typeof SaxesParser | undefined;

/** Loaded in before(): a missing devDependency fails this suite with a clear message, not the whole test run. */
function loadSaxes(): typeof SaxesParser {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    return (require("saxes") as typeof import("saxes")).SaxesParser;
  } catch {
    throw new Error("The XML parser saxes is missing: add saxes@6.0.0 to devDependencies and run npm ci");
  }
}

/**
 * Parses with saxes, a conforming XML 1.0 parser: any well-formedness error
 * (bad escaping, forbidden characters, unbalanced tags) throws.
 */
function parseXml(xml: string): XmlElement {
  if (!Parser) throw new Error("saxes not loaded");
  const parser = new Parser();
  const root: XmlElement = { name: "#document", attributes: {}, children: [], text: "" };
  const stack = [root];
  parser.on("error", (error) => {
    throw error;
  });
  parser.on("opentag", (tag) => {
    const element: XmlElement = { name: tag.name, attributes: tag.attributes as Record<string, string>, children: [], text: "" };
    stack[stack.length - 1].children.push(element);
    stack.push(element);
  });
  parser.on("closetag", () => void stack.pop());
  parser.on("text", (text) => {
    stack[stack.length - 1].text += text;
  });
  parser.write(xml).close();
  expect(root.children, "one root element").to.have.length(1);
  return root.children[0];
}

const all = (element: XmlElement, name: string): XmlElement[] =>
  element.children.flatMap((c) => [...(c.name === name ? [c] : []), ...all(c, name)]);

describe("pipeline reports: junit.xml", function () {
  let outDir: string | undefined;

  before(function () {
    Parser = loadSaxes();
    outDir = mkdtempSync(path.join(os.tmpdir(), "audit-junit-"));
  });

  after(function () {
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it("the XML check itself rejects malformed XML and forbidden characters", function () {
    expect(() => parseXml("<a><b></a>")).to.throw(/close tag/);
    expect(() => parseXml("<a>\u0001</a>")).to.throw(/disallowed character/);
    expect(() => parseXml("<a>&nope;</a>")).to.throw(/undefined entity/);
    expect(parseXml('<a x="1">t</a>').attributes).to.deep.equal({ x: "1" });
  });

  it("is well-formed, with one suite per stage plus the gate, and counts that match the report", async function () {
    const report = loadSample();
    await writeReports(report, outDir!);
    const root = parseXml(readFileSync(path.join(outDir!, "junit.xml"), "utf8"));
    expect(root.name).to.equal("testsuites");

    const suites = all(root, "testsuite");
    expect(suites.map((s) => s.attributes.name)).to.deep.equal([...report.stages.map((s) => `audit.${s.name}`), "audit.gate"]);

    const listed = report.findings.filter((f) => isAtLeast(f.severity, JUNIT_FINDING_THRESHOLD));
    const statusCount = (status: string) => report.stages.filter((s) => s.status === status).length;
    // The gate's marks decide: a listed finding fails when it is blocking, else it is skipped saying why.
    const expected = {
      tests: report.stages.length + listed.length + 1,
      failures: statusCount("failed") + listed.filter((f) => f.blocking).length + (report.gate.passed ? 0 : 1),
      errors: statusCount("error"),
      skipped: statusCount("skipped") + listed.filter((f) => !f.blocking).length,
    };
    expect(listed.some((f) => !f.blocking && !f.suppressed)).to.equal(true);
    expect(all(root, "testcase")).to.have.length(expected.tests);
    expect(all(root, "failure")).to.have.length(expected.failures);
    expect(all(root, "error")).to.have.length(expected.errors);
    expect(all(root, "skipped")).to.have.length(expected.skipped);
    for (const [key, value] of Object.entries(expected)) expect(Number(root.attributes[key]), key).to.equal(value);

    // Each suite's own counters agree with its children.
    for (const suite of suites) {
      expect(Number(suite.attributes.tests)).to.equal(all(suite, "testcase").length);
      expect(Number(suite.attributes.failures)).to.equal(all(suite, "failure").length);
      expect(Number(suite.attributes.errors)).to.equal(all(suite, "error").length);
      expect(Number(suite.attributes.skipped)).to.equal(all(suite, "skipped").length);
    }

    const fuzz = suites.find((s) => s.attributes.name === "audit.fuzz")!;
    const fuzzStage = report.stages.find((s) => s.name === "fuzz")!;
    expect(all(fuzz, "skipped")[0].attributes.message).to.equal(fuzzStage.reason);
    const suppressed = report.findings.find((f) => f.suppressed)!;
    expect(all(root, "skipped").map((s) => s.attributes.message)).to.include(`suppressed: ${suppressed.suppressed!.justification}`);
    // A 1.1.0 report has no gate marks: every unsuppressed listed finding fails.
    const old = loadSample();
    old.schemaVersion = "1.1.0";
    expect(all(parseXml(renderJunit(old)), "failure")).to.have.length(statusCount("failed") + listed.filter((f) => !f.suppressed).length + 1);
  });

  it("stays well-formed with hostile tool output and keeps its text", function () {
    const report = loadSample();
    const hostile = "a <b> & \"c\" 'd' ]]> \u0001\u0008\u000b\u001f\ud800 end\ttab\nline";
    const finding = report.findings.find((f) => f.severity === "critical")!;
    finding.title = hostile;
    finding.description = `${hostile} </failure></testcase>`;
    report.stages[0].reason = hostile;
    report.stages[0].status = "failed";
    report.stages[0].stderrTail = "<![CDATA[ x ]]> \u0000";

    const root = parseXml(renderJunit(report));
    const failure = all(root, "failure").find((f) => f.attributes.type === "Critical")!;
    const clean = "a <b> & \"c\" 'd' ]]>  end\ttab\nline";
    expect(failure.attributes.message).to.equal(clean);
    expect(failure.text).to.include(`${clean} </failure></testcase>`);
    const stageFailure = all(root, "failure").find((f) => f.attributes.type === "StageFailed")!;
    expect(stageFailure.attributes.message).to.equal(clean);
  });
});

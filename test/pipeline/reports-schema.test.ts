import { expect } from "chai";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { validateReport, writeReports } from "../../scripts/audit/reports";
import { REPORT_SCHEMA_PATH } from "../../scripts/audit/schema";
import { REPORT_SCHEMA_VERSION, SEVERITIES } from "../../scripts/audit/types";
import type { AuditReport, ReportSection } from "../../scripts/audit/types";

const SAMPLE = path.join(__dirname, "fixtures", "report-sample.json");
const loadSample = (): AuditReport => JSON.parse(readFileSync(SAMPLE, "utf8")) as AuditReport;

function stage(report: AuditReport, name: string) {
  const found = report.stages.find((s) => s.name === name);
  if (!found) throw new Error(`fixture has no ${name} stage`);
  return found;
}

describe("pipeline reports: report.json and its schema", function () {
  let outDir: string;

  beforeEach(function () {
    outDir = mkdtempSync(path.join(os.tmpdir(), "audit-schema-"));
  });

  afterEach(function () {
    rmSync(outDir, { recursive: true, force: true });
  });

  it("the sample fixture covers every severity, every stage status, a suppression and the metrics", function () {
    const report = loadSample();
    expect(new Set(report.findings.map((f) => f.severity))).to.have.all.keys(...SEVERITIES);
    expect(new Set(report.stages.map((s) => s.status))).to.have.all.keys("passed", "failed", "error", "skipped");
    expect(report.findings.some((f) => f.suppressed)).to.equal(true);
    expect(stage(report, "coverage").metrics).to.have.keys("total", "files");
    expect(stage(report, "gas").metrics).to.have.keys("methods", "deployments");
    expect(stage(report, "test").metrics).to.include.keys("passes", "failures", "pending", "tests");
  });

  it("validates the sample report, and writes report.json that round-trips and validates", async function () {
    const report = loadSample();
    expect(validateReport(report)).to.deep.equal({ valid: true, errors: [] });
    await writeReports(report, outDir);
    const written: unknown = JSON.parse(readFileSync(path.join(outDir, "report.json"), "utf8"));
    expect(written).to.deep.equal(report);
    expect(validateReport(written).valid).to.equal(true);
    expect((written as AuditReport).schemaVersion).to.equal(REPORT_SCHEMA_VERSION);
  });

  it("rejects a report without schemaVersion", function () {
    const { schemaVersion: _dropped, ...report } = loadSample();
    const result = validateReport(report);
    expect(result.valid).to.equal(false);
    expect(result.errors.join("\n")).to.match(/required property 'schemaVersion'/);
  });

  it("rejects another schemaVersion, a bad severity and an unknown top-level field", function () {
    const wrongVersion = { ...loadSample(), schemaVersion: "2.0.0" };
    expect(validateReport(wrongVersion).errors.join("\n")).to.match(/\/schemaVersion/);

    const badSeverity = loadSample();
    (badSeverity.findings[0] as { severity: string }).severity = "urgent";
    const result = validateReport(badSeverity);
    expect(result.valid).to.equal(false);
    expect(result.errors.join("\n")).to.match(/\/findings\/0\/severity/);

    const extraField = { ...loadSample(), surprise: true };
    expect(validateReport(extraField).errors.join("\n")).to.match(/additional properties \(surprise\)/);
  });

  it("enforces the coverage, gas and test metric conventions by stage name", function () {
    const badCoverage = loadSample();
    const coverage = stage(badCoverage, "coverage").metrics as { total: { lines: { pct: number } } };
    coverage.total.lines.pct = 150;
    expect(validateReport(badCoverage).errors.join("\n")).to.match(/metrics\/total\/lines\/pct/);

    const badGas = loadSample();
    const gas = stage(badGas, "gas").metrics as { methods: Record<string, unknown>[] };
    delete gas.methods[0].avg;
    expect(validateReport(badGas).errors.join("\n")).to.match(/metrics\/methods\/0 must have required property 'avg'/);

    const badTests = loadSample();
    stage(badTests, "test").metrics = { tests: 3 };
    expect(validateReport(badTests).valid).to.equal(false);

    // A stage that produced no metrics (skipped, errored) is fine, and other stages are free-form.
    const empty = loadSample();
    stage(empty, "coverage").metrics = {};
    stage(empty, "gas").metrics = {};
    stage(empty, "lint").metrics = { anything: ["goes"] };
    expect(validateReport(empty).valid).to.equal(true);
  });

  it("accepts a tree with no commit yet", function () {
    expect(validateReport({ ...loadSample(), commit: "" }).valid).to.equal(true);
    expect(validateReport({ ...loadSample(), commit: "not-a-sha" }).valid).to.equal(false);
  });

  it("writeReports refuses an invalid report and writes nothing", async function () {
    const report = loadSample();
    (report.findings[0] as { severity: string }).severity = "urgent";
    let error: unknown;
    try {
      await writeReports(report, outDir);
    } catch (e) {
      error = e;
    }
    expect(String(error)).to.match(/does not match report\.schema\.json[\s\S]*severity/);
    expect(readdirSync(outDir)).to.deep.equal([]);
  });

  it("is in step with types.ts, and still accepts 1.5.0, 1.4.0, 1.3.0, 1.2.0, 1.1.0 and 1.0.0 reports (lint rules, cache, shards, rules, baselines, merges and sections are optional)", function () {
    const schema = JSON.parse(readFileSync(REPORT_SCHEMA_PATH, "utf8")) as { properties: { schemaVersion: { enum: string[] } } };
    expect(schema.properties.schemaVersion.enum).to.include(REPORT_SCHEMA_VERSION);
    expect(REPORT_SCHEMA_VERSION).to.equal("1.6.0");
    const old = loadSample();
    expect(old.rules?.baselines.some((b) => b.kind === "lint")).to.equal(true);
    old.schemaVersion = "1.5.0";
    old.rules!.baselines = old.rules!.baselines.filter((b) => b.kind !== "lint");
    expect(validateReport(old)).to.deep.equal({ valid: true, errors: [] });
    expect(old.stages.some((s) => s.cache?.hit)).to.equal(true);
    old.schemaVersion = "1.4.0";
    for (const s of old.stages) delete s.cache;
    expect(validateReport(old)).to.deep.equal({ valid: true, errors: [] });
    expect(old.shard).to.deep.equal({ index: 1, count: 2 });
    old.schemaVersion = "1.3.0";
    delete old.shard;
    delete old.merged;
    expect(validateReport(old)).to.deep.equal({ valid: true, errors: [] });
    old.schemaVersion = "1.2.0";
    delete old.rules;
    delete old.rulesChanged;
    expect(validateReport(old)).to.deep.equal({ valid: true, errors: [] });
    old.schemaVersion = "1.1.0";
    delete old.baseline;
    for (const f of [...old.findings, ...old.stages.flatMap((s) => s.findings)]) {
      delete f.alsoReportedBy;
      delete f.mergedInto;
      delete f.baselineState;
      delete f.blocking;
    }
    expect(validateReport(old)).to.deep.equal({ valid: true, errors: [] });
    old.schemaVersion = "1.0.0";
    for (const s of old.stages) delete s.sections;
    expect(validateReport(old)).to.deep.equal({ valid: true, errors: [] });
  });

  it("validates the baseline and the merged findings of 1.2.0", function () {
    const report = loadSample();
    expect(report.baseline?.fixed.map((f) => f.baselineState)).to.deep.equal(["absent"]);
    expect(report.findings.some((f) => f.alsoReportedBy?.length)).to.equal(true);
    const bad = (mutate: (r: AuditReport) => void): string[] => {
      const r = loadSample();
      mutate(r);
      return validateReport(r).errors;
    };
    expect(bad((r) => (r.findings[0].baselineState = "gone" as never)).join("\n")).to.match(/baselineState/);
    expect(bad((r) => (r.findings[0].alsoReportedBy = [])).join("\n")).to.match(/alsoReportedBy/);
    expect(bad((r) => delete (r.baseline as { commit?: string }).commit).join("\n")).to.match(/commit/);
    expect(bad((r) => ((r.baseline!.source as { file?: string }).file = "")).join("\n")).to.match(/source/);
  });

  it("validates the stage-result cache field of 1.5.0", function () {
    const bad = (mutate: (c: NonNullable<AuditReport["stages"][number]["cache"]>) => void): string[] => {
      const r = loadSample();
      mutate(r.stages.find((x) => x.cache?.hit)!.cache!);
      return validateReport(r).errors;
    };
    expect(bad(() => undefined)).to.deep.equal([]);
    expect(bad((c) => (c.key = "not-a-sha")).join("\n")).to.match(/key/);
    expect(bad((c) => delete (c.fromRun as { commit?: string }).commit).join("\n")).to.match(/commit/);
    expect(bad((c) => ((c as { hit: unknown }).hit = "yes")).join("\n")).to.match(/hit/);
    expect(bad((c) => ((c as unknown as Record<string, unknown>).extra = 1)).join("\n")).to.match(/additional/);
  });

  it("validates stage sections: tables, charts and their cells", function () {
    const report = loadSample();
    const sections = stage(report, "bench").sections!;
    expect(sections.map((s) => s.id)).to.include.members(["bench-routing-overhead", "bench-batching"]);
    expect(validateReport(report).valid).to.equal(true);

    const withSection = (section: unknown): string[] => {
      const r = loadSample();
      stage(r, "lint").sections = [section as ReportSection];
      return validateReport(r).errors;
    };
    const ok: ReportSection = {
      id: "lint-rules",
      title: "Rules",
      table: { columns: [{ key: "rule", label: "Rule" }, { key: "n", label: "Hits", align: "right" }], rows: [{ rule: "a", n: 1 }, { rule: "b", n: null }] },
      chart: { title: "Hits", unit: "", categories: ["a", "b"], series: [{ name: "hits", values: [1, null] }], marker: { label: "limit", value: 2 } },
    };
    expect(withSection(ok)).to.deep.equal([]);
    expect(withSection({ id: "note", title: "Only a note", description: "text" })).to.deep.equal([]);

    expect(withSection({ ...ok, id: "Bad Id" }).join("\n")).to.match(/sections\/0\/id must match pattern/);
    expect(withSection({ id: "empty", title: "Nothing to show" }).join("\n")).to.match(/sections\/0 must NOT have fewer than 3 properties/);
    expect(withSection({ ...ok, surprise: 1 }).join("\n")).to.match(/additional properties \(surprise\)/);
    expect(withSection({ ...ok, table: { ...ok.table, rows: [{ rule: { nested: true } }] } }).join("\n")).to.match(/table\/rows\/0\/rule/);
    expect(withSection({ ...ok, table: { ...ok.table, columns: [] } }).join("\n")).to.match(/table\/columns must NOT have fewer than 1 items/);
    expect(withSection({ ...ok, table: { ...ok.table, columns: [{ key: "a", label: "A", align: "center" }] } }).join("\n")).to.match(/columns\/0\/align/);
    const { unit: _unit, ...noUnit } = ok.chart!;
    expect(withSection({ ...ok, chart: noUnit }).join("\n")).to.match(/chart must have required property 'unit'/);
    expect(withSection({ ...ok, chart: { ...ok.chart, series: [{ name: "x", values: ["1"] }] } }).join("\n")).to.match(/series\/0\/values\/0/);
  });
});

/**
 * JSON Schema validation of the pipeline's outputs: report.json against our
 * own schema (draft 2020-12) and report.sarif against the vendored SARIF
 * 2.1.0 schema. Validators compile once, on first use.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import Ajv from "ajv";
import Ajv2020 from "ajv/dist/2020";
import type { ErrorObject, ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { AuditReport } from "../types";

export const REPORT_SCHEMA_PATH = path.join(__dirname, "report.schema.json");
export const SARIF_SCHEMA_PATH = path.join(__dirname, "vendor", "sarif-2.1.0-rtm.5.json");

export type ValidationResult = { valid: true; errors: [] } | { valid: false; errors: string[] };

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
}

function describeErrors(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => {
    const extra = e.keyword === "additionalProperties" ? ` (${String(e.params.additionalProperty)})` : "";
    return `${e.instancePath || "/"} ${e.message ?? e.keyword}${extra}`;
  });
}

function run(validate: ValidateFunction, value: unknown): ValidationResult {
  return validate(value) ? { valid: true, errors: [] } : { valid: false, errors: describeErrors(validate.errors) };
}

let reportValidator: ValidateFunction | undefined;
let sarifValidator: ValidateFunction | undefined;

function getReportValidator(): ValidateFunction {
  if (!reportValidator) {
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    reportValidator = ajv.compile(readJson(REPORT_SCHEMA_PATH));
  }
  return reportValidator;
}

/**
 * The vendored SARIF schema declares draft-04, which ajv 8 does not speak;
 * its only draft-04-only keyword is the root `id` (see vendor/README.md), so
 * renaming that to `$id` makes it an equivalent draft-07 schema.
 */
export function loadSarifSchema(): Record<string, unknown> {
  const { id, $schema: _draft04, ...rest } = readJson(SARIF_SCHEMA_PATH);
  return { $schema: "http://json-schema.org/draft-07/schema#", $id: id, ...rest };
}

function getSarifValidator(): ValidateFunction {
  if (!sarifValidator) {
    // strict:false: the schema has constructs ajv's strict mode flags (e.g.
    // `uniqueItems` on untyped arrays) that are valid JSON Schema.
    // unicodeRegExp:false: its `language` pattern has a stray `]` that is a
    // syntax error under the RegExp `u` flag but fine without it.
    const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
    addFormats(ajv);
    sarifValidator = ajv.compile(loadSarifSchema());
  }
  return sarifValidator;
}

/** Validates a parsed report.json against scripts/audit/schema/report.schema.json. */
export function validateReport(value: unknown): ValidationResult {
  return run(getReportValidator(), value);
}

export function assertValidReport(value: unknown): asserts value is AuditReport {
  const result = validateReport(value);
  if (!result.valid) throw new Error(`audit report does not match report.schema.json:\n  ${result.errors.join("\n  ")}`);
}

/** Validates a parsed SARIF log against the SARIF 2.1.0 schema. */
export function validateSarif(value: unknown): ValidationResult {
  return run(getSarifValidator(), value);
}

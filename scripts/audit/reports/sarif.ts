/**
 * report.sarif: SARIF 2.1.0 for GitHub code scanning.
 *
 * - One run per tool (findings grouped by `tool.name`). Tools of stages that
 *   ran get a run even without results, so code scanning closes their fixed
 *   alerts; tools of skipped or errored stages get none, so a tool that did
 *   not run does not look like a clean one.
 * - `tool.driver.rules` comes from the rule catalog (findings/catalog.ts): an
 *   entry for every rule the run's results carry, with the catalog's title,
 *   summary, recommendation, documentation and default severity; a rule the
 *   catalog cannot list (another project's solhint plugin) is described from
 *   its findings and marked `catalogued: false`. (Only rules with results:
 *   another project's report names none of the harness's own rules.)
 * - Severity goes to `level` (error / warning / note) and to the rule's
 *   `security-severity` property, which GitHub buckets as critical (>= 9.0),
 *   high (7.0-8.9), medium (4.0-6.9) and low (< 4.0).
 * - Our line-independent fingerprint is the result's partial fingerprint, so
 *   alerts survive code moves like suppressions do.
 * - Suppressed findings carry an external suppression with the justification.
 * - One finding per bug: a finding other tools also reported (findings/merge.ts) is one result, in
 *   the run of the tool that stands for it, with the others' places as `relatedLocations` and their
 *   tool, rule and id in `properties.alsoReportedBy`; the other tools' runs do not repeat it.
 * - With a baseline, every result has `baselineState` (new / unchanged / updated), and the baseline's
 *   fixed findings are results too: `baselineState: "absent"`, `kind: "pass"`, `level: "none"`.
 *   (GitHub code scanning documents neither field: the workflow uploads the log without the absent
 *   results, so that a fixed alert closes.)
 */
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { AuditReport, BaselineState, Finding, Location, Severity } from "../types";
import { ruleCatalog, type RuleEntry } from "../findings/catalog";
import { compareFindings } from "../findings/severity";
import type { RenderContext, ReportWriter } from "./writer";

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";
export const FINGERPRINT_KEY = "auditFingerprint/v1";
const SRCROOT = "%SRCROOT%";

type SarifLevel = "error" | "warning" | "note";

export const SARIF_LEVEL: Readonly<Record<Severity, SarifLevel>> = {
  critical: "error",
  high: "error",
  medium: "warning",
  low: "note",
  info: "note",
};

export const SECURITY_SEVERITY: Readonly<Record<Severity, string>> = {
  critical: "9.5",
  high: "8.0",
  medium: "5.5",
  low: "3.0",
  info: "0.0",
};

interface SarifMessage {
  text: string;
}

interface SarifRule {
  id: string;
  shortDescription: SarifMessage;
  fullDescription: SarifMessage;
  help: SarifMessage;
  /** The rule's documentation: the catalog's helpUri, else its repository doc under the repository URL. */
  helpUri?: string;
  defaultConfiguration: { level: SarifLevel };
  properties: { "security-severity": string; tags: string[]; stage: string; catalogued: boolean; docs?: string };
}

interface SarifLocation {
  physicalLocation: {
    artifactLocation: { uri: string; uriBaseId?: string };
    region?: { startLine: number; endLine?: number };
  };
}

interface SarifRelatedLocation extends SarifLocation {
  id: number;
  message: SarifMessage;
}

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  kind?: "pass";
  level: SarifLevel | "none";
  message: SarifMessage;
  locations?: SarifLocation[];
  relatedLocations?: SarifRelatedLocation[];
  partialFingerprints: Record<string, string>;
  baselineState?: BaselineState;
  suppressions?: { kind: "external"; status: "accepted"; justification: string; properties?: { reviewer: string } }[];
  properties: {
    severity: Severity;
    findingId: string;
    stage: string;
    blocking?: boolean;
    disputedBy?: string;
    disputeReason?: string;
    alsoReportedBy?: { tool: string; rule: string; stage: string; id: string; fingerprint: string }[];
  };
}

interface SarifRun {
  tool: { driver: { name: string; version: string; semanticVersion?: string; rules: SarifRule[] } };
  originalUriBaseIds: Record<string, { uri: string }>;
  versionControlProvenance?: { repositoryUri: string; revisionId: string; properties: { dirty: boolean } }[];
  results: SarifResult[];
  /** Stages of this tool whose result was reused from the stage-result cache (StageResult.cache). */
  properties?: { cached: { stage: string; key: string; fromCommit: string; fromTime: string }[] };
}

export interface SarifLog {
  $schema: string;
  version: "2.1.0";
  runs: SarifRun[];
}

const SEMVER = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** SARIF's semanticVersion must be semver; tools print "v1.2.3" or "1.2" too. */
function semanticVersion(version: string): string | undefined {
  const candidate = version.trim().replace(/^v/, "");
  return SEMVER.test(candidate) ? candidate : undefined;
}

/**
 * A URI reference relative to %SRCROOT% (each segment percent-encoded), or
 * an absolute file URI for a file outside the repository.
 */
function artifactLocation(file: string, root: string): SarifLocation["physicalLocation"]["artifactLocation"] {
  const absolute = path.resolve(root, file);
  const relative = path.relative(root, absolute);
  if (relative.startsWith("..") || path.isAbsolute(relative)) return { uri: pathToFileURL(absolute).href };
  return { uri: relative.split(path.sep).map(encodeURIComponent).join("/"), uriBaseId: SRCROOT };
}

function toLocations(location: Location | undefined, root: string): SarifLocation[] | undefined {
  if (!location?.file) return undefined;
  const physicalLocation: SarifLocation["physicalLocation"] = { artifactLocation: artifactLocation(location.file, root) };
  // GitHub rejects a region without startLine; without a line the location is the whole file.
  if (location.line !== undefined && location.line >= 1) {
    physicalLocation.region = { startLine: location.line };
    if (location.endLine !== undefined && location.endLine > location.line) physicalLocation.region.endLine = location.endLine;
  }
  return [{ physicalLocation }];
}

function nonEmpty(text: string | undefined, fallback: string): string {
  return text?.trim() ? text.trim() : fallback;
}

const HTTP_URI = /^https?:\/\/\S+$/;

/** A documentation link for a catalog entry: its own helpUri, or its repository doc at this commit. */
function helpUriOf(entry: RuleEntry, context: RenderContext, commit: string): { helpUri?: string } {
  if (entry.helpUri && HTTP_URI.test(entry.helpUri)) return { helpUri: entry.helpUri };
  const repo = context.repositoryUri;
  if (entry.docs && repo && HTTP_URI.test(repo) && /^[0-9a-f]{40,64}$/.test(commit)) return { helpUri: `${repo.replace(/\/$/, "")}/blob/${commit}/${entry.docs}` };
  return {};
}

/** The run's rules: the catalog's entry of each rule its results carry (a family's instantiated for its member). */
function buildRules(findings: readonly Finding[], context: RenderContext, commit: string): { rules: SarifRule[]; indexOf: Map<string, number> } {
  const catalog = ruleCatalog();
  const ids = new Set(findings.map((f) => f.rule));
  const rules: SarifRule[] = [];
  const indexOf = new Map<string, number>();
  for (const id of [...ids].sort((a, b) => a.localeCompare(b))) {
    const entry = catalog.describe(id, findings);
    indexOf.set(id, rules.length);
    rules.push({
      id,
      shortDescription: { text: nonEmpty(entry.title, id) },
      fullDescription: { text: nonEmpty(entry.summary, entry.title) },
      help: { text: nonEmpty(`${entry.recommendation}${entry.docs ? ` (documentation: ${entry.docs})` : ""}`, "No recommendation provided.") },
      ...helpUriOf(entry, context, commit),
      defaultConfiguration: { level: SARIF_LEVEL[entry.severity] },
      properties: {
        "security-severity": SECURITY_SEVERITY[entry.severity],
        tags: ["security", entry.stage],
        stage: entry.stage,
        catalogued: entry.catalogued,
        ...(entry.docs ? { docs: entry.docs } : {}),
      },
    });
  }
  return { rules, indexOf };
}

function toResult(finding: Finding, ruleIndex: number, root: string): SarifResult {
  const description = finding.description.trim();
  const absent = finding.baselineState === "absent";
  const sightings = finding.alsoReportedBy ?? [];
  const result: SarifResult = {
    ruleId: finding.rule,
    ruleIndex,
    ...(absent ? { kind: "pass" as const } : {}),
    level: absent ? "none" : SARIF_LEVEL[finding.severity],
    message: { text: description ? `${finding.title.trim()}\n\n${description}` : finding.title.trim() },
    partialFingerprints: { [FINGERPRINT_KEY]: finding.fingerprint },
    ...(finding.baselineState ? { baselineState: finding.baselineState } : {}),
    properties: {
      severity: finding.severity,
      findingId: finding.id,
      stage: finding.stage,
      ...(finding.blocking ? { blocking: true } : {}),
      ...(finding.disputed ? { disputedBy: finding.disputed.by, disputeReason: finding.disputed.reason } : {}),
      ...(sightings.length ? { alsoReportedBy: sightings.map((s) => ({ tool: s.tool.name, rule: s.rule, stage: s.stage, id: s.id, fingerprint: s.fingerprint })) } : {}),
    },
  };
  const locations = toLocations(finding.location, root);
  if (locations) result.locations = locations;
  const related = sightings.flatMap((s, i) =>
    (toLocations(s.location, root) ?? []).map((l) => ({ id: i + 1, ...l, message: { text: `also reported by ${s.tool.name} ${s.tool.version} as ${s.rule} (${s.id})` } })),
  );
  if (related.length) result.relatedLocations = related;
  if (finding.suppressed) {
    const { justification, reviewer } = finding.suppressed;
    result.suppressions = [{ kind: "external", status: "accepted", justification, ...(reviewer ? { properties: { reviewer } } : {}) }];
  }
  return result;
}

/** Tool name -> version, for tools whose stage ran or that reported findings (the baseline's fixed ones included). */
function toolsToReport(report: AuditReport): Map<string, string> {
  const tools = new Map<string, string>();
  for (const f of [...report.findings, ...(report.baseline?.fixed ?? [])]) if (!tools.has(f.tool.name)) tools.set(f.tool.name, f.tool.version);
  for (const stage of report.stages) {
    if (stage.status !== "passed" && stage.status !== "failed") continue;
    for (const t of stage.tools) if (!tools.has(t.name)) tools.set(t.name, t.version);
  }
  return tools;
}

export function buildSarif(report: AuditReport, context: RenderContext): SarifLog {
  const root = path.resolve(context.root);
  const hasCommit = /^[0-9a-f]{40,64}$/.test(report.commit);
  const provenance = hasCommit
    ? [{ repositoryUri: context.repositoryUri ?? pathToFileURL(root).href, revisionId: report.commit, properties: { dirty: report.dirty } }]
    : undefined;

  const runs = [...toolsToReport(report)]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, version]): SarifRun => {
      const findings = [...report.findings, ...(report.baseline?.fixed ?? [])].filter((f) => f.tool.name === name).sort(compareFindings);
      const { rules, indexOf } = buildRules(findings, context, report.commit);
      const semver = semanticVersion(version);
      const cached = report.stages
        .filter((s) => s.cache?.hit && s.cache.fromRun && s.tools.some((t) => t.name === name))
        .map((s) => ({ stage: s.name, key: s.cache!.key, fromCommit: s.cache!.fromRun!.commit, fromTime: s.cache!.fromRun!.at }));
      return {
        tool: { driver: { name, version, ...(semver ? { semanticVersion: semver } : {}), rules } },
        originalUriBaseIds: { [SRCROOT]: { uri: `${pathToFileURL(root).href}/` } },
        ...(provenance ? { versionControlProvenance: provenance } : {}),
        results: findings.map((f) => toResult(f, indexOf.get(f.rule) ?? 0, root)),
        ...(cached.length ? { properties: { cached } } : {}),
      };
    });

  return { $schema: SARIF_SCHEMA_URI, version: "2.1.0", runs };
}

export const sarifWriter: ReportWriter = {
  fileName: "report.sarif",
  render: (report, context) => `${JSON.stringify(buildSarif(report, context), null, 2)}\n`,
};

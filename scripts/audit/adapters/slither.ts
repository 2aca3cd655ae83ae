/**
 * Slither's `--json` output -> the pipeline's findings. Pure: no I/O, no
 * process; tested on recorded real outputs (test/pipeline/fixtures/slither/).
 *
 * Severity (SLITHER_SEVERITY): impact x confidence.
 *
 *   impact \ confidence | High   | Medium | Low
 *   --------------------+--------+--------+--------
 *   High                | high   | high   | medium
 *   Medium              | medium | medium | low
 *   Low                 | low    | low    | low
 *   Informational       | info   | info   | info
 *   Optimization        | info   | info   | info
 *
 * Impact decides; a Low-confidence detector (Slither's noisiest) is demoted
 * one step for High and Medium impact. Slither never says "critical".
 *
 * Fingerprint: sha256(stage, check, file, anchor) where the anchor lists the
 * result's elements symbolically - `function:LibStaking.pull(address,uint256)`,
 * `variable:C.f().x`, `node:C.f():<expression text>`, `contract:C` - never
 * a line or byte offset. Slither's own `id` is NOT used: it hashes the
 * result's description, which embeds `file#line-line`, so it changes whenever
 * code above the finding moves. It is kept in `data.slitherId` for reference.
 *
 * Scope: a result is reported when one of its elements lies in contracts/
 * (outside contracts/mocks/) and its first element is not in a test double or
 * harness (contracts/mocks/, test/, bench/). A result in our code whose later
 * elements sit in a dependency (an OpenZeppelin call inside a reentrancy, say)
 * is kept.
 *
 * Location: file, lines and symbol of the first element in scope (normally the
 * first element). `symbol` is the element's enclosing function or contract
 * (`LibStaking.pull(address,uint256)`), which is what suppression entries
 * (rule + file + symbol) name.
 */
import path from "node:path";
import { finalizeFindings, normalizeAnchorText, type DraftFinding } from "../findings/fingerprint";
import type { Finding, Location, Severity } from "../types";

export const SLITHER_STAGE = "slither";

/* ------------------------------------------------------------------------ *
 * Slither's JSON shapes (the parts we read)
 * ------------------------------------------------------------------------ */

export interface SlitherSourceMapping {
  start?: number;
  length?: number;
  filename_relative?: string;
  filename_absolute?: string;
  filename_short?: string;
  is_dependency?: boolean;
  lines?: number[];
}

export interface SlitherElement {
  type: string;
  name: string;
  source_mapping?: SlitherSourceMapping;
  type_specific_fields?: { parent?: SlitherElement; signature?: string; [key: string]: unknown };
  additional_fields?: Record<string, unknown>;
}

export interface SlitherResult {
  check: string;
  impact: string;
  confidence: string;
  description: string;
  markdown?: string;
  first_markdown_element?: string;
  id?: string;
  elements: SlitherElement[];
  /** Wiki link (slither >= 0.10). */
  reference?: string;
  additional_fields?: Record<string, unknown>;
}

/** One entry of `--json-types list-detectors`: the detector's wiki fields. */
export interface SlitherDetectorInfo {
  check: string;
  title: string;
  impact: string;
  confidence: string;
  wiki_url?: string;
  description?: string;
  exploit_scenario?: string;
  recommendation?: string;
}

export interface SlitherJson {
  success: boolean;
  error: string | null;
  results: {
    detectors?: SlitherResult[];
    "list-detectors"?: SlitherDetectorInfo[];
    [key: string]: unknown;
  };
}

/** The output is not Slither JSON (truncated, empty, another program's text). One line. */
export class SlitherOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SlitherOutputError";
  }
}

/**
 * Parses and shape-checks `--json` output. Throws SlitherOutputError (one
 * line). `requireImpact: false` for slither-check-upgradeability, whose
 * results carry no impact.
 */
export function parseSlitherJson(text: string, opts: { requireImpact?: boolean } = {}): SlitherJson {
  const requireImpact = opts.requireImpact ?? true;
  if (!text.trim()) throw new SlitherOutputError("the JSON output is empty");
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new SlitherOutputError(`the JSON output does not parse: ${(e as Error).message.split("\n")[0]}`);
  }
  if (typeof raw !== "object" || raw === null || typeof (raw as { success?: unknown }).success !== "boolean") {
    throw new SlitherOutputError("the JSON output has no boolean `success` field");
  }
  const json = raw as Partial<SlitherJson>;
  const results = typeof json.results === "object" && json.results !== null ? json.results : {};
  const detectors = results.detectors;
  if (detectors !== undefined && !Array.isArray(detectors)) throw new SlitherOutputError("`results.detectors` is not an array");
  for (const [i, r] of (detectors ?? []).entries()) {
    if (typeof r?.check !== "string" || (requireImpact && typeof r.impact !== "string") || !Array.isArray(r.elements)) {
      throw new SlitherOutputError(`results.detectors[${i}] lacks ${requireImpact ? "check/impact/elements" : "check/elements"}`);
    }
  }
  return { success: json.success as boolean, error: typeof json.error === "string" ? json.error : null, results };
}

/** First line of Slither's error (it may be a multi-line traceback). */
export function slitherErrorLine(json: SlitherJson): string {
  const lines = (json.error ?? "").split(/\r?\n/).map((l) => l.trim()).filter(Boolean);
  // A Python traceback's last line is the exception; a plain message's first line says it all.
  const line = lines[0]?.startsWith("Traceback") ? lines.at(-1) : lines[0];
  return (line ?? "no error message").slice(0, 300);
}

/* ------------------------------------------------------------------------ *
 * Severity
 * ------------------------------------------------------------------------ */

type Level = "High" | "Medium" | "Low";

export const SLITHER_SEVERITY: Readonly<Record<string, Readonly<Record<Level, Severity>>>> = {
  High: { High: "high", Medium: "high", Low: "medium" },
  Medium: { High: "medium", Medium: "medium", Low: "low" },
  Low: { High: "low", Medium: "low", Low: "low" },
  Informational: { High: "info", Medium: "info", Low: "info" },
  Optimization: { High: "info", Medium: "info", Low: "info" },
};

/** Severity of an impact/confidence pair; unknown values fall back conservatively (unknown impact -> medium). */
export function slitherSeverity(impact: string, confidence: string): Severity {
  const row = SLITHER_SEVERITY[impact];
  if (!row) return "medium";
  return row[(["High", "Medium", "Low"].includes(confidence) ? confidence : "High") as Level];
}

/* ------------------------------------------------------------------------ *
 * Elements -> symbols, anchors, locations
 * ------------------------------------------------------------------------ */

/** `Contract.fn(types)`, `Contract.fn(types).local`, `Contract.stateVar`, `Contract`. */
export function elementSymbol(el: SlitherElement): string {
  const parent = el.type_specific_fields?.parent;
  switch (el.type) {
    case "contract":
      return el.name;
    case "function": {
      const own = el.type_specific_fields?.signature ?? el.name;
      return parent ? `${elementSymbol(parent)}.${own}` : own;
    }
    case "pragma":
      return `pragma ${el.name}`;
    case "node":
      // A statement: its function is the symbol; the statement text goes into the anchor.
      return parent ? elementSymbol(parent) : el.name;
    default:
      return parent ? `${elementSymbol(parent)}.${el.name}` : el.name;
  }
}

const collapse = normalizeAnchorText;

/** Line-free description of one element, for the fingerprint anchor. */
export function elementDescriptor(el: SlitherElement): string {
  if (el.type === "node") return `node:${elementSymbol(el)}:${collapse(el.name)}`;
  return `${el.type}:${elementSymbol(el)}`;
}

/** Repository-relative, forward-slash path of an element's file (undefined without a source mapping). */
export function elementFile(el: SlitherElement, root: string): string | undefined {
  const sm = el.source_mapping;
  if (!sm) return undefined;
  if (sm.filename_absolute) {
    const rel = path.relative(root, sm.filename_absolute);
    if (!rel.startsWith("..") && !path.isAbsolute(rel)) return rel.split(path.sep).join("/");
  }
  const fallback = sm.filename_relative ?? sm.filename_short ?? sm.filename_absolute;
  return fallback?.split(path.sep).join("/");
}

/** The project's own Solidity: contracts/ minus the test doubles in contracts/mocks/. */
export function defaultInScope(file: string): boolean {
  return file.startsWith("contracts/") && !defaultExcluded(file);
}

/** Test code compiled into the same build: a result that starts there is not ours to report. */
export function defaultExcluded(file: string): boolean {
  return /^(contracts\/mocks|test|bench)\//.test(file);
}

// Fingerprints and ids: the pipeline's one recipe (scripts/audit/fingerprint.ts).
export type { DraftFinding };
export { finalizeFindings as finalizeDrafts };

/* ------------------------------------------------------------------------ *
 * Results -> findings
 * ------------------------------------------------------------------------ */

export interface SlitherAdapterOptions {
  /** Repository root (absolute); element paths are made relative to it. */
  root: string;
  /** slither-analyzer version, for Finding.tool. */
  toolVersion: string;
  stage?: string;
  /** Which repository-relative files are the project's own (default: contracts/ without contracts/mocks/). */
  inScope?(file: string): boolean;
  /** Results whose FIRST element is in such a file are dropped (default: contracts/mocks/, test/, bench/). */
  excluded?(file: string): boolean;
  /** Detector wiki fields (`--json-types list-detectors`); default: those in the same JSON. */
  detectors?: readonly SlitherDetectorInfo[];
}

export interface SlitherConversion {
  findings: Finding[];
  /** Results dropped: no element in scope, or the first element in a test double / harness. */
  outOfScope: number;
}

function location(el: SlitherElement | undefined, root: string): Location | undefined {
  if (!el) return undefined;
  const file = elementFile(el, root);
  if (!file) return undefined;
  const lines = el.source_mapping?.lines ?? [];
  const loc: Location = { file, symbol: elementSymbol(el) };
  if (lines.length > 0) {
    loc.line = Math.min(...lines);
    const end = Math.max(...lines);
    if (end > loc.line) loc.endLine = end;
  }
  return loc;
}

/** Slither's description, without the trailing newline; lines keep their `file#L` references. */
function describe(result: SlitherResult): string {
  return result.description.replace(/\s+$/, "");
}

export function slitherFindings(json: SlitherJson, opts: SlitherAdapterOptions): SlitherConversion {
  const stage = opts.stage ?? SLITHER_STAGE;
  const inScope = opts.inScope ?? defaultInScope;
  const excluded = opts.excluded ?? defaultExcluded;
  const info = new Map((opts.detectors ?? json.results["list-detectors"] ?? []).map((d) => [d.check, d]));
  const drafts: DraftFinding[] = [];
  let outOfScope = 0;
  for (const result of json.results.detectors ?? []) {
    const located = result.elements.filter((el) => el.source_mapping);
    const firstFile = located[0] ? elementFile(located[0], opts.root) : undefined;
    const primary = located.find((el) => {
      const file = elementFile(el, opts.root);
      return file !== undefined && inScope(file);
    });
    if (located.length > 0 && (!primary || (firstFile !== undefined && excluded(firstFile)))) {
      outOfScope++;
      continue;
    }
    const detector = info.get(result.check);
    const loc = location(primary, opts.root);
    const helpUri = result.reference ?? detector?.wiki_url;
    drafts.push({
      stage,
      rule: result.check,
      severity: slitherSeverity(result.impact, result.confidence),
      title: detector?.title ?? result.check,
      description: describe(result),
      ...(loc ? { location: loc } : {}),
      tool: { name: "slither", version: opts.toolVersion },
      ...(detector?.recommendation?.trim() ? { recommendation: detector.recommendation.trim() } : {}),
      anchor: result.elements.map(elementDescriptor).join(" | ") || collapse(result.description.replace(/\(\S+#\d+(-\d+)?\)/g, "")),
      data: {
        impact: result.impact,
        confidence: result.confidence,
        ...(helpUri ? { helpUri } : {}),
        ...(result.id ? { slitherId: result.id } : {}),
        ...(result.markdown ? { markdown: result.markdown.replace(/\s+$/, "") } : {}),
        ...(detector?.description ? { detectorDescription: detector.description.trim() } : {}),
        ...(detector?.exploit_scenario?.trim() ? { exploitScenario: detector.exploit_scenario.trim() } : {}),
        elements: result.elements.map((el) => ({
          type: el.type,
          name: el.name,
          symbol: elementSymbol(el),
          ...(elementFile(el, opts.root) ? { file: elementFile(el, opts.root) } : {}),
          ...(el.source_mapping?.lines?.length
            ? { lines: [Math.min(...el.source_mapping.lines), Math.max(...el.source_mapping.lines)] }
            : {}),
        })),
      },
    });
  }
  return { findings: finalizeFindings(drafts), outOfScope };
}

/** Counts per severity, for metrics and the summary line: the findings core's one counter. */
export { countBySeverity } from "../findings/severity";

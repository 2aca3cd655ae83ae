/**
 * Baselines: what a change introduced and what it fixed. The findings of this run are compared with a
 * previous run's report.json (`--baseline FILE`, e.g. main's CI artifact, or `--baseline-ref REF`, the
 * report cached for REF's commit) and each gets SARIF 2.1.0's `baselineState`:
 *
 *   unchanged  every finding it stands for (itself and its alsoReportedBy) has a fingerprint the
 *              baseline has (any finding of it, sightings included);
 *   updated    some do and some do not (another tool reports it now too), or none does but one has the
 *              stage, rule, file and symbol of a baseline finding that this run no longer has under its
 *              fingerprint (the anchor changed: the statement was edited) - paired one to one;
 *   new        none of the above;
 *   absent     (the baseline's findings, `fixed`) a baseline finding none of whose fingerprints is in
 *              this run and that no `updated` finding took over, of a stage that ran in both runs.
 *
 * A finding of a stage the baseline did not run is `new` (nothing says it was there: the gate errs
 * on the side of blocking); a baseline finding of a stage this run did not run is in neither list.
 * Fingerprints never hold line numbers, so code that only moved is `unchanged`.
 *
 * The cache: every run on a clean tree (no uncommitted change) keeps a copy of its report.json as
 * `<out>/history/<commit>.json`; `--baseline-ref` reads it and runs nothing extra.
 */
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import { InputError } from "../errors";
import { readJsonInput } from "../fs/json-input";
import { validateReport } from "../schema";
import type { AuditReport, BaselineState, Finding, StageResult } from "../types";
import { constituents } from "./merge";

/** Folder of the output directory where completed clean-tree runs keep their report.json by commit. */
export const HISTORY_DIR = "history";

export function cachedReportPath(outDir: string, commit: string): string {
  return path.join(outDir, HISTORY_DIR, `${commit}.json`);
}

/** What report.json says of the baseline it was compared with. */
export interface BaselineInfo {
  /** The baseline report's commit ("" when it had none). */
  commit: string;
  dirty: boolean;
  generatedAt: string;
  profile: string;
  schemaVersion: string;
  /** Where it came from: `--baseline <file>` or `--baseline-ref <ref>`. */
  source: { file: string } | { ref: string; file: string };
  /** The baseline's findings this run no longer has (baselineState `absent`). */
  fixed: Finding[];
}

export interface Baseline {
  report: AuditReport;
  source: BaselineInfo["source"];
}

const ran = (s: Pick<StageResult, "status">): boolean => s.status === "passed" || s.status === "failed";

/**
 * Reads a baseline report: a report.json of this pipeline (any 1.x schema). Bad JSON, another file, a
 * report of an unknown layout: InputError, one line naming the file (exit 2).
 */
export function loadBaselineReport(cwd: string, file: string, label = "baseline report"): AuditReport {
  const data = readJsonInput(cwd, file, z.unknown(), label);
  if (data === undefined) throw new InputError(`${label} ${file} does not exist`);
  const schemaVersion = (data as { schemaVersion?: unknown })?.schemaVersion;
  if (typeof schemaVersion !== "string" || !/^1\.\d+\.\d+$/.test(schemaVersion)) {
    throw new InputError(`malformed ${label} ${file}: not a report.json of this audit (schemaVersion ${JSON.stringify(schemaVersion ?? null)}, expected 1.x)`);
  }
  const check = validateReport(data);
  if (!check.valid) throw new InputError(`malformed ${label} ${file}: ${check.errors[0]}`);
  return data as AuditReport;
}

const git = promisify(execFile);

/**
 * `--baseline-ref REF`: the cached report of REF's commit. No such ref, or no cached report: InputError
 * with one line saying how to get one (exit 2).
 */
export async function resolveBaselineRef(root: string, outDir: string, ref: string): Promise<{ commit: string; file: string }> {
  let commit: string;
  try {
    commit = (await git("git", ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`], { cwd: root })).stdout.trim();
  } catch {
    throw new InputError(`--baseline-ref ${ref}: no such commit in ${root} (a branch, tag or commit; fetch it first in a shallow clone)`);
  }
  const file = cachedReportPath(outDir, commit);
  if (!existsSync(file)) {
    const rel = path.relative(root, file) || file;
    throw new InputError(
      `--baseline-ref ${ref}: no cached report for ${commit.slice(0, 12)} (${rel}): run the audit on a clean checkout of that commit (it keeps its report there), or pass --baseline <report.json> (e.g. that commit's CI artifact)`,
    );
  }
  return { commit, file };
}

const keyOf = (c: { stage: string; rule: string; location?: { file?: string; symbol?: string } }): string =>
  [c.stage, c.rule, c.location?.file ?? "", c.location?.symbol ?? ""].join("\u0000");

export interface BaselineComparison {
  /** Finding id -> state, for every finding of this run. */
  states: Map<string, Exclude<BaselineState, "absent">>;
  /** The baseline's findings this run no longer has, marked `absent`. */
  fixed: Finding[];
}

/**
 * Compares this run's findings (one per bug, findings/merge.ts) with the baseline's (see the header).
 * `stages` are this run's stage results (which stages ran).
 */
export function compareWithBaseline(findings: readonly Finding[], stages: readonly Pick<StageResult, "name" | "status">[], baseline: AuditReport): BaselineComparison {
  const ranNow = new Set(stages.filter(ran).map((s) => s.name));
  const ranBefore = new Set(baseline.stages.filter(ran).map((s) => s.name));
  const before = baseline.findings.map((f) => ({ finding: f, parts: constituents(f) }));
  const beforeFingerprints = new Set(before.flatMap((b) => b.parts.map((p) => p.fingerprint)));
  const nowFingerprints = new Set(findings.flatMap((f) => constituents(f).map((p) => p.fingerprint)));

  // Baseline findings whose fingerprints are all gone, by stage/rule/file/symbol: candidates for `updated`.
  const gone = new Map<string, (typeof before)[number][]>();
  for (const b of before) {
    if (b.parts.some((p) => nowFingerprints.has(p.fingerprint))) continue;
    for (const key of new Set(b.parts.map(keyOf))) gone.set(key, [...(gone.get(key) ?? []), b]);
  }
  const takenOver = new Set<Finding>();

  const states = new Map<string, Exclude<BaselineState, "absent">>();
  for (const f of findings) {
    const parts = constituents(f);
    const known = parts.filter((p) => beforeFingerprints.has(p.fingerprint)).length;
    let state: Exclude<BaselineState, "absent">;
    if (!parts.some((p) => ranBefore.has(p.stage))) state = "new";
    else if (known === parts.length) state = "unchanged";
    else if (known > 0) state = "updated";
    else {
      const match = parts.map((p) => gone.get(keyOf(p))?.find((b) => !takenOver.has(b.finding))).find((b) => b !== undefined);
      if (match) takenOver.add(match.finding);
      state = match ? "updated" : "new";
    }
    states.set(f.id, state);
  }

  const fixed = before
    .filter((b) => !b.parts.some((p) => nowFingerprints.has(p.fingerprint)) && !takenOver.has(b.finding) && b.parts.some((p) => ranNow.has(p.stage)))
    .map((b): Finding => {
      const { suppressed: _s, blocking: _b, ...rest } = b.finding;
      return { ...rest, baselineState: "absent" };
    });
  return { states, fixed };
}

export function baselineInfo(baseline: Baseline, fixed: Finding[]): BaselineInfo {
  const r = baseline.report;
  return {
    commit: r.commit,
    dirty: r.dirty,
    generatedAt: r.generatedAt,
    profile: r.profile,
    schemaVersion: r.schemaVersion,
    source: baseline.source,
    fixed,
  };
}

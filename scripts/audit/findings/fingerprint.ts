/**
 * THE finding identity recipe: every fingerprint and every finding id of the audit is computed here.
 *
 * A fingerprint is sha256 over (stage, rule, file, anchor), NUL-separated. The anchor is symbolic - a
 * contract/function name, a test's full title, the normalized text of the offending source line, a
 * storage slot's subject - and never a line number, so a finding keeps its fingerprint when code above
 * it moves. Suppressions and baselines match on it. The id is `<stage>:<rule>:<first 12 hex>`.
 */
import { createHash } from "node:crypto";
import type { Finding } from "../types";
import { compareFindings, severityRank } from "./severity";

export interface FingerprintInput {
  stage: string;
  rule: string;
  /** Repository-relative file ('' when the finding has no file). */
  file?: string;
  /** Symbolic anchor: symbol name, test title, normalized source line... never a line number. */
  anchor: string;
}

/** Collapse whitespace so re-indenting or reformatting a line keeps its anchor. */
export function normalizeAnchorText(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

export function fingerprint(input: FingerprintInput): string {
  const parts = [input.stage, input.rule, (input.file ?? "").replace(/\\/g, "/"), normalizeAnchorText(input.anchor)];
  // NUL separators: no field may contain NUL, so ("a","bc") and ("ab","c") differ.
  return createHash("sha256").update(parts.join("\u0000")).digest("hex");
}

export function findingId(stage: string, rule: string, fp: string): string {
  return `${stage}:${rule}:${fp.slice(0, 12)}`;
}

/** A finding before its fingerprint and id exist; `anchor` is what the fingerprint hashes. */
export type DraftFinding = Omit<Finding, "id" | "fingerprint"> & { anchor: string };

function withIdentity(d: DraftFinding, anchor: string): Finding {
  const { anchor: _anchor, ...rest } = d;
  const fp = fingerprint({ stage: d.stage, rule: d.rule, file: d.location?.file, anchor });
  return { ...rest, fingerprint: fp, id: findingId(d.stage, d.rule, fp) };
}

/**
 * Turns drafts into findings. Drafts that share stage, rule, file and anchor
 * (e.g. the same rule firing twice on identical lines of one function) get an
 * ordinal suffix in source order ("#2", "#3"...) so ids stay unique; the first
 * keeps the plain anchor. Input order is preserved in the output.
 */
export function finalizeFindings(drafts: readonly DraftFinding[]): Finding[] {
  const order = drafts
    .map((d, i) => ({ d, i }))
    .sort((a, b) => (a.d.location?.line ?? 0) - (b.d.location?.line ?? 0) || a.i - b.i);
  const seen = new Map<string, number>();
  const anchors = new Array<string>(drafts.length);
  for (const { d, i } of order) {
    const key = [d.stage, d.rule, d.location?.file ?? "", normalizeAnchorText(d.anchor)].join("\u0000");
    const n = (seen.get(key) ?? 0) + 1;
    seen.set(key, n);
    anchors[i] = n === 1 ? d.anchor : `${d.anchor}#${n}`;
  }
  return drafts.map((d, i) => withIdentity(d, anchors[i]));
}

/**
 * Turns drafts into findings, one per fingerprint: the same fact found twice (the storage analyzer
 * sees a domain as declared and again with an upgrade applied) is reported once, at its highest
 * severity (the first draft of that severity wins). Sorted with compareFindings.
 */
export function distinctFindings(drafts: readonly DraftFinding[]): Finding[] {
  const byFingerprint = new Map<string, Finding>();
  for (const d of drafts) {
    const f = withIdentity(d, d.anchor);
    const existing = byFingerprint.get(f.fingerprint);
    if (existing && severityRank(existing.severity) <= severityRank(f.severity)) continue;
    byFingerprint.set(f.fingerprint, f);
  }
  return [...byFingerprint.values()].sort(compareFindings);
}

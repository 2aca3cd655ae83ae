/**
 * The analyzers' real-world corpus (test/fixtures/corpus/): small cases that restate public reports,
 * each with its right answer. This module loads and validates the cases, compiles each one on its own
 * (cases may reuse contract names, and some need another compiler), runs our analyzers on it, and
 * judges a result against the right answer. The corpus test and the corpus table script
 * (corpus-table.ts) both use it.
 *
 * A case is a folder: its `.sol` files and `case.json` (schema below). "Right" for our analyzers means:
 * every expected finding is there (rule, severity, and the words it must name), and nothing is above
 * `maxSeverity` (default: `low` for a clean case, the highest expected severity otherwise). For the
 * anchor tools, which rate differently, only the verdict is compared: `flag` (something a reviewer must
 * act on: medium or above) or `clean`.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { SolcBuild } from "../analyzers/build-info";
import { domainFromCli, resolveDomain } from "../analyzers/domain";
import { analyzeSelectors } from "../analyzers/selectors/analyze";
import { analyzeStorage } from "../analyzers/storage/analyze";
import type { Finding, Severity } from "../types";
import { compileSources, DEFAULT_SOLC, REPO } from "./compile-sources";

export const CORPUS_DIR = "test/fixtures/corpus";

const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

export const CASE_KINDS = [
  "upgrade-matching",
  "enum",
  "abandoned-storage",
  "shared-declaration",
  "dispatch",
  "messages",
  "layout-at",
  "classic",
] as const;

const ExpectedFinding = z
  .object({
    rule: z.string().min(1),
    severity: z.enum(SEVERITIES),
    /** Words the finding's title or description must contain (member paths, types, slots, ids). */
    mentions: z.array(z.string()).default([]),
  })
  .strict();

export const CaseSchema = z
  .object({
    title: z.string().min(1),
    kind: z.enum(CASE_KINDS),
    /** The public report this case restates (in our own words and code). */
    source: z.object({ title: z.string().min(1), url: z.string().url() }).strict(),
    /** One of the cases handed to us in shared/field-cases (same name). */
    field: z.boolean().default(false),
    /** Field cases: the command a new user ran on it (in a Hardhat project holding the case's files). */
    command: z.string().startsWith("npx hardhat audit:").optional(),
    /** Solidity version to compile with (an offline solcjs build, scripts/audit/solcjs.ts). */
    solc: z.string().default(DEFAULT_SOLC),
    analyzer: z.enum(["storage", "selectors"]),
    /** The analyzer's command-line domain, as `npx hardhat audit:<analyzer>` takes it. */
    args: z
      .object({ proxy: z.string().optional(), impl: z.string().optional(), dispatch: z.string().optional(), upgrade: z.string().optional() })
      .strict(),
    expect: z
      .object({
        verdict: z.enum(["flag", "clean"]),
        findings: z.array(ExpectedFinding).default([]),
        maxSeverity: z.enum(SEVERITIES).optional(),
        /** Storage cases: rows the storage map must hold (a variable's label and its first slot, 0x + 64 hex). */
        places: z.array(z.object({ label: z.string().min(1), slot: z.string().regex(/^0x[0-9a-f]{64}$/) }).strict()).default([]),
        /** Why this is the right answer, in one or two sentences. */
        why: z.string().min(1),
      })
      .strict()
      .superRefine((e, ctx) => {
        if (e.verdict === "flag" && !e.findings.some((f) => RANK[f.severity] >= RANK.medium)) {
          ctx.addIssue({ code: "custom", path: ["findings"], message: "a flag verdict needs an expected finding at medium or above" });
        }
        if (e.verdict === "clean" && e.findings.some((f) => RANK[f.severity] >= RANK.medium)) {
          ctx.addIssue({ code: "custom", path: ["findings"], message: "a clean verdict cannot expect a finding at medium or above" });
        }
      }),
  })
  .strict();

export type CaseSpec = z.infer<typeof CaseSchema>;

export interface CorpusCase extends CaseSpec {
  id: string;
  /** Repository-relative source paths -> content. */
  sources: Record<string, string>;
}

/** Every case of the corpus, in folder order. Throws with the file and field on a malformed case.json. */
export function loadCorpus(root = REPO): CorpusCase[] {
  const dir = path.join(root, CORPUS_DIR);
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort()
    .map((id) => {
      const folder = path.join(dir, id);
      const file = path.join(folder, "case.json");
      if (!existsSync(file)) throw new Error(`${CORPUS_DIR}/${id}: no case.json`);
      const parsed = CaseSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        throw new Error(`${CORPUS_DIR}/${id}/case.json: ${issue.path.join(".") || "(root)"}: ${issue.message}`);
      }
      const sources = Object.fromEntries(
        readdirSync(folder)
          .filter((f) => f.endsWith(".sol"))
          .sort()
          .map((f) => [`${CORPUS_DIR}/${id}/${f}`, readFileSync(path.join(folder, f), "utf8")]),
      );
      return { id, ...parsed.data, sources };
    });
}

/** The case compiled on its own (solcjs of the case's version). */
export function compileCase(c: CorpusCase): SolcBuild {
  return new SolcBuild([compileSources(c.sources, c.solc)], { root: REPO, preferredRoots: [`${CORPUS_DIR}/${c.id}/`] });
}

export interface OurResult {
  findings: Finding[];
  /** Storage cases: `label -> first slot` of every storage-map row. */
  places: Map<string, string>;
}

/** Our analyzer's findings on a case. */
export function runOurs(c: CorpusCase, build = compileCase(c)): OurResult {
  const domain = resolveDomain(build, domainFromCli(c.args));
  if (c.analyzer === "selectors") return { findings: analyzeSelectors(build, [domain]).findings, places: new Map() };
  const { findings, metrics } = analyzeStorage(build, [domain]);
  return { findings, places: new Map(metrics.storageMap.map((r) => [r.label, r.slotStart])) };
}

export type Verdict = "flag" | "clean";

/** A result's verdict: something a reviewer must act on (medium or above), or not. */
export function verdictOf(findings: readonly { severity: Severity }[]): Verdict {
  return findings.some((f) => RANK[f.severity] >= RANK.medium) ? "flag" : "clean";
}

export interface Judgement {
  right: boolean;
  /** What is missing or too much, one line each (empty when right). */
  problems: string[];
}

/** Judges our result against the case's right answer (see the module comment). */
export function judge(c: CaseSpec, result: OurResult): Judgement {
  const { findings } = result;
  const problems: string[] = [];
  for (const p of c.expect.places) {
    const at = result.places.get(p.label);
    if (at !== p.slot) problems.push(`expected ${p.label} at ${p.slot}, storage map has ${at ?? "no such row"}`);
  }
  for (const want of c.expect.findings) {
    const candidates = findings.filter((f) => f.rule === want.rule && f.severity === want.severity);
    const text = (f: Finding): string => `${f.title}\n${f.description}`;
    const hit = candidates.find((f) => want.mentions.every((m) => text(f).includes(m)));
    if (!hit) {
      const near = candidates[0] ?? findings.find((f) => f.rule === want.rule);
      problems.push(
        `expected ${want.severity} ${want.rule}${want.mentions.length ? ` naming ${want.mentions.map((m) => JSON.stringify(m)).join(", ")}` : ""}` +
          (near ? `; closest: ${near.severity} ${near.rule}: ${near.title}` : "; none"),
      );
    }
  }
  const max = c.expect.maxSeverity ?? (c.expect.findings.length === 0 ? "low" : c.expect.findings.map((f) => f.severity).sort((a, b) => RANK[b] - RANK[a])[0]);
  for (const f of findings) {
    if (RANK[f.severity] > RANK[max]) problems.push(`unexpected ${f.severity} ${f.rule}: ${f.title}`);
  }
  if (verdictOf(findings) !== c.expect.verdict) problems.push(`verdict ${verdictOf(findings)}, expected ${c.expect.verdict}`);
  return { right: problems.length === 0, problems };
}

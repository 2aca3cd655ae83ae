/**
 * The fuzzing corpus on disk: how many entries it holds, which build it was grown on, and the union of
 * several corpora (the shards' of `npm run audit:merge`).
 *
 * Layouts (what the engines write under their corpus directory):
 * - Medusa: call_sequences/*.json (coverage-increasing sequences, the mutation inputs) and
 *   test_results/*.json (shrunk failing sequences); coverage/ holds its lcov and HTML reports.
 * - Echidna: coverage/*.txt (the corpus) and reproducers/*.txt (failing sequences), plus the
 *   reproducers-unshrunk/ of 2.2.3+; *.lcov / *.html / *.txt coverage reports lie at the top.
 *
 * The audit keeps one more file beside them, BUILD_STAMP: the hash of the build the corpus last ran
 * on. When a corpus comes from another build (the CI cache's restore-keys fall back to an older
 * build's corpus), Medusa's own `medusa corpus clean` drops the sequences that no longer deploy,
 * bind to the ABI or execute (campaign.ts); docs/INVARIANTS.md says what happens to each file.
 */
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { listBuildInfoFiles } from "../tools/build-info";
import type { InvariantEngine } from "./types";

/** The audit's record of the build a corpus last ran on (a JSON file at the corpus's top). */
export const BUILD_STAMP = "audit-build.json";

/** Per engine: the sub-directories that hold entries (`sequences`: mutation inputs; `failures`: failing sequences). */
const LAYOUT: Readonly<Record<InvariantEngine, { sequences: string[]; failures: string[]; ext: string }>> = {
  medusa: { sequences: ["call_sequences"], failures: ["test_results"], ext: ".json" },
  echidna: { sequences: ["coverage"], failures: ["reproducers", "reproducers-unshrunk"], ext: ".txt" },
};

/** Entries of a corpus: sequences the engine mutates, and recorded failing sequences. */
export interface CorpusCount {
  sequences: number;
  failures: number;
}

function filesIn(dir: string, ext: string): string[] {
  try {
    return readdirSync(dir)
      .filter((n) => n.endsWith(ext) && statSync(path.join(dir, n)).isFile())
      .sort();
  } catch {
    return [];
  }
}

/** Counts the entries of `engine`'s corpus in `dir` (0 and 0 when it does not exist). */
export function countCorpus(engine: InvariantEngine, dir: string): CorpusCount {
  const l = LAYOUT[engine];
  const count = (subs: string[]): number => subs.reduce((n, s) => n + filesIn(path.join(dir, s), l.ext).length, 0);
  return { sequences: count(l.sequences), failures: count(l.failures) };
}

/**
 * The hash of a Hardhat build: SHA-256 over the sorted names of its build-info files. Hardhat names
 * each build-info by the hash of its compiler input (sources, settings, solc version), so the hash
 * changes exactly when the compile's input does. "" when the build has no build-info.
 */
export function buildHash(artifactsDir: string): string {
  const ids = listBuildInfoFiles(path.join(artifactsDir, "build-info"))
    .map((f) => path.basename(f))
    .sort();
  if (ids.length === 0) return "";
  return createHash("sha256").update(ids.join("\n")).digest("hex");
}

export interface BuildStamp {
  /** buildHash() of the build the corpus last ran on. */
  buildHash: string;
  engine: InvariantEngine;
  /** When the stamp was written (ISO 8601). */
  writtenAt: string;
}

/** The corpus's stamp, or undefined when it has none (or an unreadable one). */
export function readBuildStamp(dir: string): BuildStamp | undefined {
  try {
    const value = JSON.parse(readFileSync(path.join(dir, BUILD_STAMP), "utf8")) as Partial<BuildStamp>;
    return typeof value.buildHash === "string" && typeof value.engine === "string" ? (value as BuildStamp) : undefined;
  } catch {
    return undefined;
  }
}

export function writeBuildStamp(dir: string, stamp: Omit<BuildStamp, "writtenAt">): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, BUILD_STAMP), `${JSON.stringify({ ...stamp, writtenAt: new Date().toISOString() }, null, 2)}\n`);
}

/** Every entry file of `engine`'s corpus in `dir`, as [sub-directory, file name] pairs. */
function entryFiles(engine: InvariantEngine, dir: string): [string, string][] {
  const l = LAYOUT[engine];
  return [...l.sequences, ...l.failures].flatMap((sub) => filesIn(path.join(dir, sub), l.ext).map((n) => [sub, n] as [string, string]));
}

/** Result of unionCorpora. */
export interface CorpusUnion {
  /** Entry files in the output after the union. */
  entries: number;
  /** Files copied into the output. */
  added: number;
  /** Files left out because the output already held the same content. */
  duplicates: number;
}

/**
 * Adds the entries of each corpus in `from` to `to` (created; its own entries stay): the union of the
 * files, deduplicated by content (SHA-256). A file whose content is already in `to`, under any name of
 * the same sub-directory, is not copied; one whose name is taken by other content gets the content
 * hash in its name. Only entry files are copied (not coverage reports or stamps).
 */
export function unionCorpora(engine: InvariantEngine, from: readonly string[], to: string): CorpusUnion {
  const hashes = new Map<string, Set<string>>();
  const hashOf = (file: string): string => createHash("sha256").update(readFileSync(file)).digest("hex");
  const seen = (sub: string): Set<string> => {
    let set = hashes.get(sub);
    if (!set) {
      set = new Set(filesIn(path.join(to, sub), LAYOUT[engine].ext).map((n) => hashOf(path.join(to, sub, n))));
      hashes.set(sub, set);
    }
    return set;
  };
  let added = 0;
  let duplicates = 0;
  for (const dir of from) {
    if (path.resolve(dir) === path.resolve(to)) continue;
    for (const [sub, name] of entryFiles(engine, dir)) {
      const source = path.join(dir, sub, name);
      const hash = hashOf(source);
      const set = seen(sub);
      if (set.has(hash)) {
        duplicates++;
        continue;
      }
      mkdirSync(path.join(to, sub), { recursive: true });
      let target = path.join(to, sub, name);
      if (existsSync(target)) {
        const ext = path.extname(name);
        target = path.join(to, sub, `${name.slice(0, name.length - ext.length)}-${hash.slice(0, 12)}${ext}`);
      }
      copyFileSync(source, target);
      set.add(hash);
      added++;
    }
  }
  return { entries: entryFiles(engine, to).length, added, duplicates };
}

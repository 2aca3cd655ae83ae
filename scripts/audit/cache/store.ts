/**
 * The stage-result cache's entries on disk: <out>/cache/<stage>/<key>/
 *   entry.json   CacheEntry: the stage's result as it ran (before the gate), its named inputs, the
 *                run that produced it, the files kept with it
 *   files/...    those files, by their place in the output folder (raw/<stage>/..., coverage/...)
 *
 * A run writes its new entries into its staging folder (<staging>/cache/<stage>/<key>/, each through a
 * temporary folder renamed into place); run.ts moves them into <out>/cache with the rest of the run's
 * outputs when the run completes (an interrupted run stores nothing), then prunes (`pruneStage`). Paths of the run's staging folder in the result are stored as the tokens
 * OUT_TOKEN / OUT_REL_TOKEN and put back as the reading run's staging folder, so the report's links
 * point at the files restored into it. The most recently used KEEP_ENTRIES entries of each stage
 * are kept (a hit refreshes an entry's time), older ones removed.
 *
 * A folder that is not a whole, consistent entry (unreadable JSON, another format, a key that is not
 * the hash of its own inputs, a missing file) is ignored: the caller warns in one line and runs the stage.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { z } from "zod";
import type { CacheRunInfo, StageResult } from "../types";
import { CACHE_FORMAT, inputKey } from "./key";

/** Folder of the cache inside the output folder. */
export const CACHE_DIR = "cache";

/** Entries kept per stage (the most recently used). */
export const KEEP_ENTRIES = 3;

export const ENTRY_FILE = "entry.json";
const FILES_DIR = "files";

/** Stand-ins for the writing run's staging folder in a stored result (absolute / root-relative). */
export const OUT_TOKEN = "{{audit.out}}";
export const OUT_REL_TOKEN = "{{audit.out.rel}}";

/** A stage's result as stored: what Stage.run returned. */
export type StoredOutcome = Omit<StageResult, "name" | "durationMs" | "cache">;

export interface CacheEntry {
  format: string;
  stage: string;
  key: string;
  /** The named inputs the key was computed from (key.ts). */
  inputs: Record<string, string>;
  run: CacheRunInfo;
  result: StoredOutcome;
  /** Output-folder-relative paths kept under files/ (folders whole). */
  files: string[];
}

const EntrySchema = z.object({
  format: z.literal(CACHE_FORMAT),
  stage: z.string(),
  key: z.string().regex(/^[0-9a-f]{64}$/),
  inputs: z.record(z.string(), z.string()),
  run: z.object({ runId: z.string(), commit: z.string(), dirty: z.boolean(), at: z.string(), durationMs: z.number() }),
  result: z
    .object({
      status: z.enum(["passed", "failed"]),
      tools: z.array(z.object({ name: z.string(), version: z.string() })),
      findings: z.array(z.unknown()),
      metrics: z.record(z.string(), z.unknown()),
      artifacts: z.array(z.string()),
    })
    .passthrough(),
  files: z.array(z.string()),
});

/** A stored entry that cannot be used; its message is the warning's cause. */
export class CacheEntryError extends Error {}

export function stageCacheDir(outDir: string, stage: string): string {
  return path.join(outDir, CACHE_DIR, stage);
}

/** The entry of `stage` under `key`: undefined when there is none, CacheEntryError when it is unusable. */
export function readEntry(outDir: string, stage: string, key: string): CacheEntry | undefined {
  const dir = path.join(stageCacheDir(outDir, stage), key);
  if (!existsSync(dir)) return undefined;
  const entry = parseEntry(dir);
  if (entry.stage !== stage || entry.key !== key) throw new CacheEntryError(`${rel(outDir, dir)} holds the entry of ${entry.stage} ${entry.key.slice(0, 12)}`);
  for (const f of entry.files) {
    if (!existsSync(path.join(dir, FILES_DIR, f))) throw new CacheEntryError(`${rel(outDir, dir)} lacks its file ${f}`);
  }
  return entry;
}

function parseEntry(dir: string): CacheEntry {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path.join(dir, ENTRY_FILE), "utf8"));
  } catch (e) {
    throw new CacheEntryError(`${path.join(dir, ENTRY_FILE)}: ${(e as Error).message.split("\n")[0]}`);
  }
  const parsed = EntrySchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CacheEntryError(`${path.join(dir, ENTRY_FILE)}: ${issue ? `${issue.path.join(".") || "(top)"}: ${issue.message}` : "not an entry"}`);
  }
  const entry = parsed.data as unknown as CacheEntry;
  if (inputKey(entry.inputs) !== entry.key) throw new CacheEntryError(`${path.join(dir, ENTRY_FILE)}: its key is not the hash of its inputs`);
  return entry;
}

/** The inputs of the stage's most recently used entry (for the "changed" list of a miss); undefined when none is readable. */
export function latestInputs(outDir: string, stage: string): Record<string, string> | undefined {
  for (const dir of entriesByUse(stageCacheDir(outDir, stage))) {
    try {
      return parseEntry(dir).inputs;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** Entry folders of a stage, most recently used first. */
function entriesByUse(stageDir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(stageDir).filter((n) => /^[0-9a-f]{64}$/.test(n));
  } catch {
    return [];
  }
  const time = (dir: string): number => statSync(path.join(dir, ENTRY_FILE), { throwIfNoEntry: false })?.mtimeMs ?? 0;
  return names.map((n) => path.join(stageDir, n)).sort((a, b) => time(b) - time(a));
}

/**
 * Writes `entry` under `cacheRoot` (<cacheRoot>/<stage>/<key>/), copying each of `entry.files` from
 * `staging` (the run's staging folder) into it. Throws on a file-system error (the caller warns and goes on).
 */
export function writeEntry(cacheRoot: string, staging: string, entry: CacheEntry): void {
  const stageDir = path.join(cacheRoot, entry.stage);
  mkdirSync(stageDir, { recursive: true });
  const tmp = path.join(stageDir, `.tmp-${entry.key.slice(0, 12)}-${randomBytes(4).toString("hex")}`);
  try {
    mkdirSync(path.join(tmp, FILES_DIR), { recursive: true });
    for (const f of entry.files) {
      const to = path.join(tmp, FILES_DIR, f);
      mkdirSync(path.dirname(to), { recursive: true });
      cpSync(path.join(staging, f), to, { recursive: true });
    }
    writeFileSync(path.join(tmp, ENTRY_FILE), `${JSON.stringify(entry)}\n`);
    const final = path.join(stageDir, entry.key);
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Keeps the KEEP_ENTRIES most recently used entries of a stage in <out>/cache (and no old leftover temporary folder). */
export function pruneStage(outDir: string, stage: string): void {
  const stageDir = stageCacheDir(outDir, stage);
  if (!existsSync(stageDir)) return;
  for (const dir of entriesByUse(stageDir).slice(KEEP_ENTRIES)) rmSync(dir, { recursive: true, force: true });
  for (const name of readdirSync(stageDir)) {
    if (!name.startsWith(".tmp-")) continue;
    const full = path.join(stageDir, name);
    // Another run may be writing it right now: only folders older than an hour are leftovers.
    if (Date.now() - (statSync(full, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 3_600_000) rmSync(full, { recursive: true, force: true });
  }
}

/** Copies an entry's files into the run's staging folder (each one replacing what is there) and marks the entry used. */
export function restoreEntry(outDir: string, staging: string, entry: CacheEntry): void {
  const dir = path.join(stageCacheDir(outDir, entry.stage), entry.key);
  for (const f of entry.files) {
    const to = path.join(staging, f);
    rmSync(to, { recursive: true, force: true });
    mkdirSync(path.dirname(to), { recursive: true });
    cpSync(path.join(dir, FILES_DIR, f), to, { recursive: true });
  }
  const now = new Date();
  try {
    utimesSync(path.join(dir, ENTRY_FILE), now, now);
  } catch {
    // Only the pruning order suffers.
  }
}

/** A copy of a JSON-like value with `f` applied to every string. */
export function mapStrings<T>(value: T, f: (s: string) => string): T {
  if (typeof value === "string") return f(value) as T;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f)) as T;
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, f)])) as T;
  return value;
}

/** Replaces the staging folder's paths (absolute, then root-relative) by the tokens; `restore` does the reverse. */
export function tokenizer(staging: string, stagingRel: string | undefined): { store: (s: string) => string; restore: (s: string) => string } {
  const pairs: [string, string][] = [[staging, OUT_TOKEN]];
  if (stagingRel !== undefined) pairs.push([stagingRel, OUT_REL_TOKEN]);
  return {
    store: (s) => pairs.reduce((acc, [from, token]) => acc.split(from).join(token), s),
    restore: (s) => pairs.reduce((acc, [from, token]) => acc.split(token).join(from), s),
  };
}

function rel(outDir: string, p: string): string {
  return path.relative(outDir, p).split(path.sep).join("/");
}

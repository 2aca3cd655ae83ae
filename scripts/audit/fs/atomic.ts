/**
 * Crash-safe file writes.
 *
 * - `writeFileAtomic` replaces one file: readers see the old or the new
 *   content, never a prefix, even if the process dies mid-write.
 * - `replaceFileSet` replaces several files of one directory (a report set)
 *   only once all of them were written: they are staged in a private
 *   `.staging-<pid>-<hex>/` subdirectory, fsynced, then renamed into place.
 *   If anything fails before or during the renames, every target keeps its
 *   previous content (renames already done are rolled back). Only a hard kill
 *   in the microseconds between two renames can leave a mix of old and new
 *   files, each of them complete. Stale staging directories of dead runs are
 *   removed by the next call.
 * - `createStagingDir` / `commitStaged` do the same for a whole run's output
 *   (raw tool outputs, published folders and the report set): the run writes
 *   into a staging directory and, only once it is complete, its entries are
 *   moved into place as one unit (an interrupted or failed run commits
 *   nothing, so the previous outputs and the reports that link to them stay
 *   together).
 */
import { randomBytes } from "node:crypto";
import { constants as fsConstants } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";

export type FileData = string | Uint8Array;

export interface FileSetEntry {
  /** Plain file name inside the target directory (no separators). */
  name: string;
  data: FileData;
}

export interface ReplaceFileSetOptions {
  /**
   * Called before each rename into place; throwing there simulates a failure
   * half-way through the commit (tests use it to check the rollback).
   */
  beforeRename?: (name: string) => void | Promise<void>;
}

const STAGING_PREFIX = ".staging-";
const STAGING_NAME = /^\.staging-(\d+)-[0-9a-f]+$/;
/** A staging dir older than this belongs to no live writer, whatever its pid says (pids get reused). */
const STALE_AFTER_MS = 60 * 60 * 1000;

function randomHex(): string {
  return randomBytes(6).toString("hex");
}

function isErrno(error: unknown, code: string): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code === code;
}

/** Writes, flushes to disk and closes; fails if `file` already exists. */
async function writeDurably(file: string, data: FileData): Promise<void> {
  const handle = await fs.open(file, fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL, 0o644);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Persists a directory's entries (renames, creations) - rename alone is atomic but not durable. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, fsConstants.O_RDONLY);
  try {
    await handle.sync();
  } catch (error) {
    // Some filesystems refuse fsync on directories; the rename is still atomic.
    if (!isErrno(error, "EINVAL") && !isErrno(error, "EBADF")) throw error;
  } finally {
    await handle.close();
  }
}

async function removeQuietly(target: string): Promise<void> {
  await fs.rm(target, { recursive: true, force: true }).catch(() => undefined);
}

/** Replaces `file` atomically: temp file in the same directory, fsync, rename. */
export async function writeFileAtomic(file: string, data: FileData): Promise<void> {
  const dir = path.dirname(file);
  await fs.mkdir(dir, { recursive: true });
  const temp = path.join(dir, `.${path.basename(file)}.tmp-${process.pid}-${randomHex()}`);
  try {
    await writeDurably(temp, data);
    await fs.rename(temp, file);
  } catch (error) {
    await removeQuietly(temp);
    throw error;
  }
  await syncDirectory(dir);
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return isErrno(error, "EPERM");
  }
}

/**
 * Removes staging directories left in `dir` by runs that died (killed,
 * power loss). Directories of live processes, including this one, are kept:
 * they may belong to a concurrent writer.
 */
export async function removeStaleStagingDirs(dir: string, now = Date.now()): Promise<string[]> {
  const removed: string[] = [];
  let entries: string[];
  try {
    entries = await fs.readdir(dir);
  } catch (error) {
    if (isErrno(error, "ENOENT")) return removed;
    throw error;
  }
  for (const entry of entries) {
    const match = STAGING_NAME.exec(entry);
    if (!match) continue;
    const full = path.join(dir, entry);
    const stat = await fs.stat(full).catch(() => undefined);
    if (!stat) continue;
    const pid = Number(match[1]);
    const ownerGone = pid !== process.pid && !isProcessAlive(pid);
    if (ownerGone || now - stat.mtimeMs > STALE_AFTER_MS) {
      await removeQuietly(full);
      removed.push(full);
    }
  }
  return removed;
}

function assertPlainName(name: string): void {
  if (!name || name !== path.basename(name) || name.startsWith(".") || name.includes("\\")) {
    throw new Error(`replaceFileSet: "${name}" must be a plain, non-hidden file name`);
  }
}

/**
 * Replaces the files `entries` in `dir` as one unit (see the module comment).
 * Returns the absolute paths of the files now in place.
 */
export async function replaceFileSet(
  dir: string,
  entries: readonly FileSetEntry[],
  options: ReplaceFileSetOptions = {},
): Promise<string[]> {
  const names = entries.map((e) => e.name);
  names.forEach(assertPlainName);
  if (new Set(names).size !== names.length) throw new Error(`replaceFileSet: duplicate names in ${names.join(", ")}`);

  const targetDir = path.resolve(dir);
  await fs.mkdir(targetDir, { recursive: true });
  await removeStaleStagingDirs(targetDir);

  const staging = path.join(targetDir, `${STAGING_PREFIX}${process.pid}-${randomHex()}`);
  await fs.mkdir(staging);
  try {
    for (const entry of entries) await writeDurably(path.join(staging, entry.name), entry.data);
    await syncDirectory(staging);

    // Keep a hard link to each current file so a failed commit can put it back.
    // This also rejects targets that are not regular files before anything moves.
    const backups = new Map<string, string>();
    for (const name of names) {
      const target = path.join(targetDir, name);
      const stat = await fs.lstat(target).catch((error: unknown) => {
        if (isErrno(error, "ENOENT")) return undefined;
        throw error;
      });
      if (!stat) continue;
      if (!stat.isFile()) throw new Error(`replaceFileSet: ${target} exists and is not a regular file`);
      const backup = path.join(staging, `${name}.previous`);
      await fs.link(target, backup);
      backups.set(name, backup);
    }

    const committed: string[] = [];
    try {
      for (const name of names) {
        await options.beforeRename?.(name);
        await fs.rename(path.join(staging, name), path.join(targetDir, name));
        committed.push(name);
      }
    } catch (error) {
      for (const name of committed.reverse()) {
        const backup = backups.get(name);
        const target = path.join(targetDir, name);
        await (backup ? fs.rename(backup, target) : fs.rm(target, { force: true })).catch(() => undefined);
      }
      throw error;
    }
    await syncDirectory(targetDir);
  } finally {
    await removeQuietly(staging);
  }
  return names.map((name) => path.join(targetDir, name));
}

/**
 * Creates a fresh staging directory inside `dir` (created if needed), after removing stale ones.
 * A run that lasts longer than the staleness age keeps its directory by touching it
 * (`keepStagingDirAlive`).
 */
export async function createStagingDir(dir: string): Promise<string> {
  const targetDir = path.resolve(dir);
  await fs.mkdir(targetDir, { recursive: true });
  await removeStaleStagingDirs(targetDir);
  const staging = path.join(targetDir, `${STAGING_PREFIX}${process.pid}-${randomHex()}`);
  await fs.mkdir(staging);
  return staging;
}

/**
 * Moves the entries `names` of `staging` (relative paths with "/", files or directories, e.g.
 * "raw/test", "coverage", "report.json") to the same places under `targetDir`, replacing what is
 * there, in the order given (put the files that refer to others last). All or nothing: if a move
 * fails, the moves already done are undone and every target keeps its previous content. The
 * replaced entries are kept in `staging` until the end; the caller removes `staging` afterwards.
 * Returns the absolute paths now in place.
 */
export async function commitStaged(
  staging: string,
  targetDir: string,
  names: readonly string[],
  options: ReplaceFileSetOptions = {},
): Promise<string[]> {
  for (const name of names) {
    if (!name || path.isAbsolute(name) || name.split("/").some((part) => part === ".." || part === "" || part === ".")) {
      throw new Error(`commitStaged: "${name}" must be a relative path inside the staging directory`);
    }
  }
  const backups = path.join(staging, ".previous");
  await fs.mkdir(backups, { recursive: true });
  const moved: { target: string; source: string; backup?: string; done: boolean }[] = [];
  try {
    for (const [i, name] of names.entries()) {
      await options.beforeRename?.(name);
      const source = path.join(staging, ...name.split("/"));
      const target = path.join(targetDir, ...name.split("/"));
      await fs.mkdir(path.dirname(target), { recursive: true });
      const existing = await fs.lstat(target).catch((error: unknown) => {
        if (isErrno(error, "ENOENT")) return undefined;
        throw error;
      });
      const entry: (typeof moved)[number] = { target, source, done: false };
      if (existing) {
        entry.backup = path.join(backups, String(i));
        await fs.rename(target, entry.backup);
      }
      moved.push(entry);
      await fs.rename(source, target);
      entry.done = true;
    }
  } catch (error) {
    for (const entry of moved.reverse()) {
      if (entry.done) await fs.rename(entry.target, entry.source).catch(() => removeQuietly(entry.target));
      if (entry.backup) await fs.rename(entry.backup, entry.target).catch(() => undefined);
    }
    throw error;
  }
  for (const dir of new Set(moved.map((m) => path.dirname(m.target)))) await syncDirectory(dir);
  return moved.map((m) => m.target);
}

/** Touches `staging` every few minutes so no other run takes it for stale; returns the stop function. */
export function keepStagingDirAlive(staging: string, everyMs = 10 * 60_000): () => void {
  const timer = setInterval(() => {
    const now = new Date();
    fs.utimes(staging, now, now).catch(() => undefined);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}

/** Path and file helpers shared by the pipeline. */
import { accessSync, constants, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** Repository-relative path with forward slashes (absolute paths outside root stay absolute). */
export function relPath(root: string, file: string): string {
  const abs = path.resolve(root, file);
  const rel = path.relative(root, abs);
  if (rel.startsWith("..") || path.isAbsolute(rel)) return abs.split(path.sep).join("/");
  return rel.split(path.sep).join("/");
}

/** Files under `dir` (recursively) accepted by `keep`, as absolute paths, sorted. Missing dir: []. */
export function walkFiles(dir: string, keep: (file: string) => boolean): string[] {
  const out: string[] = [];
  const visit = (d: string): void => {
    let entries: string[];
    try {
      entries = readdirSync(d);
    } catch {
      return;
    }
    for (const name of entries) {
      if (name === "node_modules" || name.startsWith(".")) continue;
      const full = path.join(d, name);
      const st = statSync(full, { throwIfNoEntry: false });
      if (!st) continue;
      if (st.isDirectory()) visit(full);
      else if (keep(full)) out.push(full);
    }
  };
  visit(dir);
  return out.sort();
}

/** Reads a file as UTF-8, undefined if it cannot be read. */
export function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Whether `file` is a regular file this process may execute (false for a missing file or a folder). */
export function isExecutable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * Top-level entries of a Hardhat project that are never its code: installed, generated or the audit's
 * own output. The coverage stage's scratch copy leaves them out, and the stage-result cache does not
 * hash them as the project's code.
 */
export const GENERATED_TOP_LEVEL: ReadonlySet<string> = new Set([
  "node_modules",
  "artifacts",
  "cache",
  "typechain-types",
  "coverage",
  "coverage.json",
  "audit",
  "dist",
  "crytic-export",
]);

/**
 * report.scope and the commit the report describes.
 * Scope: every .sol file under contracts/ except contracts/mocks/, with the
 * contracts it declares and its nSLOC (see solidity.ts). Computed before any
 * stage runs, so it never throws: broken Solidity gives fewer contract names
 * (the compile stage reports the error), an unreadable file an empty entry.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { contractNames, nsloc } from "./solidity";
import { relPath, walkFiles } from "./paths";
import type { ScopeEntry } from "./types";

export const SOURCES_DIR = "contracts";
export const OUT_OF_SCOPE_DIRS = ["contracts/mocks/"];
/** report.commit when the repository has no commit (or is not a git repository). */
export const NO_COMMIT = "unknown";

export function computeScope(root: string): ScopeEntry[] {
  return walkFiles(path.join(root, SOURCES_DIR), (f) => f.endsWith(".sol"))
    .map((abs) => ({ abs, file: relPath(root, abs) }))
    .filter(({ file }) => !OUT_OF_SCOPE_DIRS.some((d) => file.startsWith(d)))
    .map(({ abs, file }) => {
      let source: string;
      try {
        source = readFileSync(abs, "utf8");
      } catch {
        return { file, contracts: [], nsloc: 0 };
      }
      return { file, contracts: contractNames(source), nsloc: nsloc(source) };
    });
}

export interface GitState {
  commit: string;
  dirty: boolean;
}

/** HEAD and whether the work tree has changes; read-only git commands. */
export async function gitState(root: string): Promise<GitState> {
  const { execa } = await import("execa");
  const head = await execa("git", ["rev-parse", "--verify", "--quiet", "HEAD"], { cwd: root, reject: false, stdin: "ignore" });
  const commit = head.exitCode === 0 && /^[0-9a-f]{40,64}$/.test(String(head.stdout).trim()) ? String(head.stdout).trim() : NO_COMMIT;
  const status = await execa("git", ["--no-optional-locks", "status", "--porcelain", "--untracked-files=normal"], { cwd: root, reject: false, stdin: "ignore" });
  // Not a repository (or no git): we cannot vouch for the tree, call it dirty.
  const dirty = status.exitCode !== 0 || String(status.stdout).trim().length > 0 || commit === NO_COMMIT;
  return { commit, dirty };
}

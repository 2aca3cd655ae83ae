/**
 * What the audit looks at in a project - the one place every stage asks: the project's Solidity sources
 * (its Hardhat `paths.sources`), the folders inside them that are out of scope (test doubles), its test
 * files (`paths.tests`, or the selection audit/policy.json's `scope.tests` makes), and its artifacts.
 * Lint, the report's scope, Slither's result filter and the analyzers' inference all use it.
 *
 * report.scope: every in-scope .sol file with the contracts it declares and its nSLOC (solidity.ts).
 * Computed before any stage runs, so it never throws: broken Solidity gives fewer contract names (the
 * compile stage reports the error), an unreadable file an empty entry. Also the commit the report
 * describes.
 */
import { readFileSync, statSync } from "node:fs";
import path from "node:path";
import { contractNames, nsloc } from "./solidity";
import { relPath, walkFiles } from "./paths";
import type { ScopeEntry } from "./types";

/** Repository-relative, '/'-separated folders and files, without a trailing slash. */
export interface ProjectScope {
  /** The Solidity sources (Hardhat `paths.sources`), e.g. `contracts`. */
  sources: string;
  /** Folders (or files) under the sources that are not part of the product: test doubles. */
  exclude: string[];
  /** Test files or folders to run (default: Hardhat `paths.tests`). */
  tests: string[];
  /** Hardhat `paths.artifacts`. */
  artifacts: string;
}

/** The defaults: Hardhat's default paths; `mocks/` and `test/` under the sources are test doubles. */
export function defaultScope(sources = "contracts", tests = ["test"], artifacts = "artifacts"): ProjectScope {
  return { sources, exclude: [`${sources}/mocks`, `${sources}/test`], tests, artifacts };
}

/**
 * The scope of a project from its Hardhat paths (absolute, as Hardhat resolves them) and the optional
 * `scope` section of audit/policy.json (`tests`, `exclude`: repository-relative).
 */
export function projectScope(root: string, paths: { sources: string; tests: string; artifacts: string }, policy?: { tests?: string[]; exclude?: string[] }): ProjectScope {
  const rel = (p: string): string => relPath(root, p).replace(/\/+$/, "");
  const base = defaultScope(rel(paths.sources), [rel(paths.tests)], rel(paths.artifacts));
  const clean = (list: string[]): string[] => list.map((p) => p.replace(/\\/g, "/").replace(/^\.\//, "").replace(/\/+$/, ""));
  return {
    ...base,
    ...(policy?.tests ? { tests: clean(policy.tests) } : {}),
    ...(policy?.exclude ? { exclude: clean(policy.exclude) } : {}),
  };
}

/** Whether a repository-relative file is one of the project's in-scope sources. */
export function inSources(scope: ProjectScope, file: string): boolean {
  const f = file.replace(/\\/g, "/");
  const under = (dir: string): boolean => f === dir || f.startsWith(`${dir}/`);
  return under(scope.sources) && !scope.exclude.some(under);
}

/** The in-scope Solidity files (absolute paths). */
export function sourceFiles(root: string, scope: ProjectScope): string[] {
  return walkFiles(path.join(root, scope.sources), (f) => f.endsWith(".sol")).filter((abs) => inSources(scope, relPath(root, abs)));
}

export const TEST_FILE = /\.(ts|js|cjs|mjs)$/;

/** The test files the scope selects (absolute paths), in a stable order. */
export function testFiles(root: string, scope: ProjectScope): string[] {
  const files = new Set<string>();
  for (const entry of scope.tests) {
    const abs = path.join(root, entry);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (st?.isFile()) files.add(abs);
    else if (st?.isDirectory()) for (const f of walkFiles(abs, (x) => TEST_FILE.test(x))) files.add(f);
  }
  return [...files].sort();
}

/** report.commit when the repository has no commit (or is not a git repository). */
export const NO_COMMIT = "unknown";

export function computeScope(root: string, scope: ProjectScope = defaultScope()): ScopeEntry[] {
  return sourceFiles(root, scope).map((abs) => {
    const file = relPath(root, abs);
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

/**
 * The audit's own generated outputs in an output folder (repository-relative, `/`-separated prefixes):
 * they are not changes to the code the report describes.
 */
export function auditOutputs(outDirRel: string): string[] {
  const base = outDirRel === "" || outDirRel === "." ? "" : `${outDirRel.replace(/\/+$/, "")}/`;
  return ["report.", "summary.md", "junit.xml", "raw/", "coverage/", "corpus/", "cache/", ".staging-"].map((p) => `${base}${p}`);
}

/**
 * HEAD and whether the work tree has changes; read-only git commands. Paths starting with one of
 * `ignore` (the audit's own outputs, see auditOutputs) do not make the tree dirty: a project that has
 * not git-ignored them is still described as clean when only they changed.
 */
export async function gitState(root: string, ignore: readonly string[] = []): Promise<GitState> {
  const { execa } = await import("execa");
  const head = await execa("git", ["rev-parse", "--verify", "--quiet", "HEAD"], { cwd: root, reject: false, stdin: "ignore" });
  const commit = head.exitCode === 0 && /^[0-9a-f]{40,64}$/.test(String(head.stdout).trim()) ? String(head.stdout).trim() : NO_COMMIT;
  // -uall and -z: every untracked file by its own path (not its folder), names unquoted.
  const status = await execa("git", ["--no-optional-locks", "status", "--porcelain", "-z", "--untracked-files=all"], { cwd: root, reject: false, stdin: "ignore" });
  const changed = String(status.stdout)
    .split("\0")
    .filter((entry) => entry.length > 3)
    .map((entry) => entry.slice(3))
    .filter((file) => !ignore.some((prefix) => file.startsWith(prefix)));
  // Not a repository (or no git): we cannot vouch for the tree, call it dirty.
  const dirty = status.exitCode !== 0 || changed.length > 0 || commit === NO_COMMIT;
  return { commit, dirty };
}

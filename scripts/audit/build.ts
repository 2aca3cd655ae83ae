/**
 * The one compile's outputs (BuildRef): Hardhat's artifacts/ and its
 * build-info files. The compile stage produces them; every later stage reads
 * them through StageContext.build instead of compiling again.
 *
 * `buildStaleness` is the one staleness check of the build: the compile stage
 * recompiles once (`hardhat compile --force`) when it finds a reason, and
 * `--skip compile` refuses such a build (exit 2).
 */
import { currentBuild, currentBuildInfoFiles } from "./analyzers/build-info";
import { AnalyzerInputError } from "./analyzers/errors";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { InputError } from "./errors";
import { relPath } from "./paths";
import { defaultScope, sourceFiles, type ProjectScope } from "./scope";
import { listBuildInfoFiles } from "./tools/build-info";
import type { BuildRef } from "./types";

/** The project's artifacts and build-info folders (Hardhat `paths.artifacts`, from the scope). */
export function buildPaths(root: string, scope: ProjectScope = defaultScope()): Pick<BuildRef, "artifactsDir" | "buildInfoDir"> {
  const artifactsDir = path.join(root, scope.artifacts);
  return { artifactsDir, buildInfoDir: path.join(artifactsDir, "build-info") };
}

/** What stages see before the compile stage has finished (no files yet). */
export function pendingBuild(root: string, scope: ProjectScope = defaultScope()): BuildRef {
  return { ...buildPaths(root, scope), buildInfoFiles: [], solcVersion: "" };
}

/**
 * The current build: the build-info files the artifacts' .dbg.json files
 * point at (older build-infos of earlier compiles are ignored), and the solc
 * version they record. Throws InputError when there is no build.
 */
export function loadBuild(root: string, scope: ProjectScope = defaultScope()): BuildRef {
  const { artifactsDir, buildInfoDir } = buildPaths(root, scope);
  if (!existsSync(buildInfoDir)) {
    throw new InputError(`no build found: ${path.relative(root, buildInfoDir) || buildInfoDir} does not exist (run the compile stage)`);
  }
  // The same walk as the analyzers: every artifact's .dbg.json, contracts/ and the extra source roots.
  let files: string[];
  try {
    files = currentBuildInfoFiles(artifactsDir);
  } catch (e) {
    if (e instanceof AnalyzerInputError) {
      throw new InputError(`no build found: ${path.relative(root, buildInfoDir)} has no build-info files (run the compile stage)`);
    }
    throw e;
  }
  const versions = new Set<string>();
  for (const f of files) {
    try {
      const info = JSON.parse(readFileSync(f, "utf8")) as { solcVersion?: string; solcLongVersion?: string };
      if (info.solcVersion) versions.add(info.solcVersion);
    } catch {
      throw new InputError(`unreadable build-info file ${path.relative(root, f)}: run the compile stage`);
    }
  }
  return { artifactsDir, buildInfoDir, buildInfoFiles: files, solcVersion: [...versions].sort().join(", ") || "unknown" };
}

/** Where a build-info source name lives on disk: under the root, or in a node_modules folder at or above it. */
export function sourceOnDisk(root: string, sourceName: string): string | undefined {
  const local = path.join(root, sourceName);
  if (existsSync(local)) return local;
  for (let dir = path.resolve(root); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, "node_modules", sourceName);
    if (existsSync(candidate)) return candidate;
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * Why the build on disk does not describe the sources on disk, as a phrase after "the build"
 * ("spans 2 build-info files (an incremental compile)"); undefined when it is current. Stale when:
 * - artifacts/build-info holds several files of one compiler configuration (Hardhat compiles
 *   incrementally, and every tool that reads the folder, Slither and crytic-compile first, takes each
 *   file as a compilation unit, so stale copies of recompiled contracts would count), or a file no
 *   artifact points at; one file per configuration (a project with two compilers) is one build;
 * - a source it was compiled from is no longer on disk (a deleted or renamed contract: Hardhat says
 *   "Nothing to compile" and keeps the build-info that names it, and crytic-compile then stops with
 *   "Unknown file");
 * - a source's content differs from what was compiled, or a .sol file under contracts/ is missing
 *   from it (a build made before an edit, read with --skip compile);
 * - an artifact points at a build-info file that is gone, or a build-info cannot be read.
 */
export function buildStaleness(root: string, build: Pick<BuildRef, "artifactsDir" | "buildInfoDir" | "buildInfoFiles">, scope: ProjectScope = defaultScope()): string | undefined {
  const files = [...new Set([...build.buildInfoFiles, ...listBuildInfoFiles(build.buildInfoDir)].map((f) => path.resolve(f)))];
  // One build-info per compiler configuration (version and settings) is one coherent build - a
  // project with two compilers has two. Two of one configuration are an incremental compile.
  const byConfig = new Map<string, string[]>();
  for (const f of files) {
    let key = "unreadable";
    try {
      const info = JSON.parse(readFileSync(f, "utf8")) as { solcVersion?: string; input?: { settings?: unknown } };
      key = `${info.solcVersion ?? "?"}|${JSON.stringify(info.input?.settings ?? {})}`;
    } catch {
      return `has an unreadable build-info file ${relPath(root, f)}`;
    }
    byConfig.set(key, [...(byConfig.get(key) ?? []), f]);
  }
  const split = [...byConfig.values()].find((group) => group.length > 1);
  if (split) return `spans ${split.length} build-info files (an incremental compile)`;
  let referenced: string[] = [];
  try {
    referenced = [...new Set(currentBuild(build.artifactsDir).authority.values())];
  } catch {
    // No build-info folder at all: loadBuild reports that.
  }
  const dangling = referenced.find((f) => !existsSync(f));
  if (dangling) return `has artifacts that point at ${relPath(root, dangling)}, which is missing`;
  const orphan = referenced.length > 0 ? files.find((f) => !referenced.includes(f)) : undefined;
  if (orphan) return `holds ${relPath(root, orphan)}, which no artifact points at (an earlier compile's)`;
  const compiled = new Set<string>();
  for (const file of files) {
    let sources: Record<string, { content?: unknown }>;
    try {
      const info = JSON.parse(readFileSync(file, "utf8")) as { input?: { sources?: Record<string, { content?: unknown }> } };
      sources = info.input?.sources ?? {};
    } catch {
      return `has an unreadable build-info file ${relPath(root, file)}`;
    }
    for (const [name, source] of Object.entries(sources)) {
      compiled.add(name);
      const onDisk = sourceOnDisk(root, name);
      if (!onDisk) return `names ${name}, which is no longer on disk`;
      if (typeof source.content !== "string") continue;
      let text: string | undefined;
      try {
        text = readFileSync(onDisk, "utf8");
      } catch {
        text = undefined;
      }
      if (text !== source.content) return `was compiled from another version of ${name} than the one on disk`;
    }
  }
  if (files.length > 0) {
    const missing = sourceFiles(root, { ...scope, exclude: [] })
      .map((f) => relPath(root, f))
      .find((f) => !compiled.has(f));
    if (missing) return `does not include ${missing}`;
  }
  return undefined;
}

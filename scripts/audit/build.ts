/**
 * The one compile's outputs (BuildRef): Hardhat's artifacts/ and its
 * build-info files. The compile stage produces them; every later stage reads
 * them through StageContext.build instead of compiling again.
 */
import { currentBuildInfoFiles } from "./analyzers/build-info";
import { AnalyzerInputError } from "./analyzers/errors";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { InputError } from "./errors";
import type { BuildRef } from "./types";

/** Matches hardhat.config.ts `paths.artifacts`. */
export const ARTIFACTS_DIR = "artifacts";

export function buildPaths(root: string): Pick<BuildRef, "artifactsDir" | "buildInfoDir"> {
  const artifactsDir = path.join(root, ARTIFACTS_DIR);
  return { artifactsDir, buildInfoDir: path.join(artifactsDir, "build-info") };
}

/** What stages see before the compile stage has finished (no files yet). */
export function pendingBuild(root: string): BuildRef {
  return { ...buildPaths(root), buildInfoFiles: [], solcVersion: "" };
}

/**
 * The current build: the build-info files the artifacts' .dbg.json files
 * point at (older build-infos of earlier compiles are ignored), and the solc
 * version they record. Throws InputError when there is no build.
 */
export function loadBuild(root: string): BuildRef {
  const { artifactsDir, buildInfoDir } = buildPaths(root);
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

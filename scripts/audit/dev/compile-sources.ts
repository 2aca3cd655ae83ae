/**
 * In-process standard-JSON compiles with the offline solcjs builds (../solcjs.ts), for the analyzer
 * tests and the corpus script: Solidity sources in, a Hardhat-build-info-shaped object out, with the
 * outputSelection of hardhat.config.ts (a test in build-info.test.ts keeps the two in step).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { BuildInfoJson } from "../analyzers/build-info";
import { solcJs } from "../solcjs";

export const REPO = path.resolve(__dirname, "..", "..", "..");

/** hardhat.config.ts's outputSelection. */
export const OUTPUT_SELECTION = {
  "*": {
    "*": ["abi", "evm.bytecode", "evm.deployedBytecode", "evm.methodIdentifiers", "metadata", "storageLayout"],
    "": ["ast"],
  },
};

/** The Solidity version this repository compiles with (hardhat.config.ts). */
export const DEFAULT_SOLC = "0.8.28";

/** Resolves an import from the repository's node_modules, then from the repository root (or from `roots`). */
export function findImport(importPath: string, roots: readonly string[] = [path.join(REPO, "node_modules"), REPO]): { contents: string } | { error: string } {
  for (const candidate of roots.map((r) => path.join(r, importPath))) {
    try {
      return { contents: readFileSync(candidate, "utf8") };
    } catch {
      // try the next root
    }
  }
  return { error: `not found: ${importPath}` };
}

/** A compile that solc refused: its error messages, one per line. */
export class SourceCompileError extends Error {
  constructor(readonly messages: string[]) {
    super(`compile failed:\n${messages.join("\n")}`);
    this.name = "SourceCompileError";
  }
}

/**
 * Compiles Solidity sources (keyed by repository-relative path) with solcjs `version`. No optimizer:
 * layout, ABI and AST do not depend on it, and compiling is faster. Throws SourceCompileError.
 */
export function compileSources(sources: Record<string, string>, version = DEFAULT_SOLC, importRoots?: readonly string[]): BuildInfoJson {
  const resolve = (p: string): { contents: string } | { error: string } => findImport(p, importRoots);
  const solc = solcJs(version);
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    settings: { evmVersion: "cancun", outputSelection: OUTPUT_SELECTION },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: resolve })) as BuildInfoJson["output"];
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new SourceCompileError(errors.map((e) => e.formattedMessage ?? e.message));
  // Imported files are part of the output; give them their text too (line numbers need it).
  const allSources: Record<string, { content: string }> = { ...input.sources };
  for (const name of Object.keys(output.sources ?? {})) {
    if (!allSources[name]) allSources[name] = { content: (resolve(name) as { contents: string }).contents };
  }
  return { solcVersion: version, solcLongVersion: solc.version(), input: { language: "Solidity", sources: allSources, settings: input.settings }, output };
}

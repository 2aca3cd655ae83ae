/**
 * What the Slither stages need to know about the one build, read from
 * Hardhat's build-info files: every contract's source file, kind,
 * inheritance (linearized, by name) and number of declared storage variables.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

export interface BuildContract {
  name: string;
  /** Source unit name as compiled (repository-relative for project files, e.g. contracts/core/X.sol). */
  file: string;
  kind: "contract" | "interface" | "library";
  abstract: boolean;
  /** Linearized bases, most derived first (the contract itself included). */
  bases: string[];
  /** Entries of solc's storageLayout (declared state variables); undefined when the build has no storageLayout. */
  stateVars?: number;
}

interface AstNode {
  nodeType: string;
  name?: string;
  id?: number;
  contractKind?: BuildContract["kind"];
  abstract?: boolean;
  linearizedBaseContracts?: number[];
}

interface BuildInfo {
  output?: {
    sources?: Record<string, { ast?: { nodes?: AstNode[] } }>;
    contracts?: Record<string, Record<string, { storageLayout?: { storage?: unknown[] } }>>;
  };
}

/** Contracts of all build-info files (first definition wins when a name repeats). */
export function readBuildContracts(buildInfoFiles: readonly string[]): BuildContract[] {
  const out: BuildContract[] = [];
  for (const file of buildInfoFiles) {
    const info = JSON.parse(readFileSync(file, "utf8")) as BuildInfo;
    const names = new Map<number, string>();
    const defs: { node: AstNode; source: string }[] = [];
    for (const [source, unit] of Object.entries(info.output?.sources ?? {})) {
      for (const node of unit.ast?.nodes ?? []) {
        if (node.nodeType !== "ContractDefinition" || node.id === undefined || !node.name) continue;
        names.set(node.id, node.name);
        defs.push({ node, source });
      }
    }
    for (const { node, source } of defs) {
      const layout = info.output?.contracts?.[source]?.[node.name!]?.storageLayout;
      out.push({
        name: node.name!,
        file: source,
        kind: node.contractKind ?? "contract",
        abstract: node.abstract ?? false,
        bases: (node.linearizedBaseContracts ?? []).map((id) => names.get(id) ?? `#${id}`),
        ...(layout ? { stateVars: layout.storage?.length ?? 0 } : {}),
      });
    }
  }
  return out;
}

/** The build-info JSON files in a directory (absolute, sorted). */
export function listBuildInfoFiles(buildInfoDir: string): string[] {
  if (!existsSync(buildInfoDir)) return [];
  return readdirSync(buildInfoDir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => path.join(buildInfoDir, f))
    .sort();
}

/**
 * Build-info files that share one compiler configuration (solc version and settings): what an
 * incremental compile leaves, since Hardhat keeps the earlier file (still named by the artifacts it
 * did not rebuild) beside the new one, and tools that load the whole folder (crytic-compile) then see
 * stale copies of the recompiled contracts. One file per configuration, as in a project with two
 * compilers, is one build.
 * @param buildInfoDir Hardhat's artifacts/build-info
 * @returns the files (absolute, sorted) of the first configuration that has several, else []
 */
export function sameConfigurationBuildInfos(buildInfoDir: string): string[] {
  const byConfiguration = new Map<string, string[]>();
  for (const file of listBuildInfoFiles(buildInfoDir)) {
    let key: string;
    try {
      const info = JSON.parse(readFileSync(file, "utf8")) as { solcVersion?: string; input?: { settings?: unknown } };
      key = JSON.stringify([info.solcVersion ?? "", info.input?.settings ?? {}]);
    } catch {
      key = `unreadable ${file}`;
    }
    byConfiguration.set(key, [...(byConfiguration.get(key) ?? []), file]);
  }
  return [...byConfiguration.values()].find((files) => files.length > 1) ?? [];
}

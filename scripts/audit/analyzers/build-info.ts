/**
 * Reads one compile's solc outputs (Hardhat build-info files, or standard-JSON input/output pairs
 * compiled in tests) and answers what the analyzers ask: which contracts exist, their ABI, method
 * identifiers, storageLayout and deployed bytecode, their AST nodes, and the file:line of any `src`.
 *
 * Several build-info files may make up one build (Hardhat splits compile jobs); node ids are only
 * unique inside one of them, so every node lookup goes through the `BuildUnit` that owns it.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import {
  parseSrc,
  walk,
  type AstNode,
  type ContractDefinitionNode,
  type SourceUnitNode,
} from "./ast";
import { AnalyzerInputError } from "./errors";

export interface AbiItem {
  type: string;
  name?: string;
  inputs?: AbiParam[];
  outputs?: AbiParam[];
  stateMutability?: string;
}

export interface AbiParam {
  name: string;
  type: string;
  components?: AbiParam[];
}

/** solc's storageLayout entry (https://docs.soliditylang.org/en/latest/internals/layout_in_storage.html). */
export interface StorageLayoutEntry {
  astId: number;
  contract: string;
  label: string;
  offset: number;
  slot: string;
  type: string;
}

export interface StorageLayoutType {
  encoding: string;
  label: string;
  numberOfBytes: string;
  base?: string;
  key?: string;
  value?: string;
  members?: StorageLayoutEntry[];
}

export interface ContractOutput {
  abi?: AbiItem[];
  evm?: {
    methodIdentifiers?: Record<string, string>;
    deployedBytecode?: {
      object?: string;
      immutableReferences?: Record<string, { start: number; length: number }[]>;
      linkReferences?: Record<string, Record<string, { start: number; length: number }[]>>;
    };
  };
  storageLayout?: { storage: StorageLayoutEntry[]; types: Record<string, StorageLayoutType> | null };
}

/** A Hardhat build-info file, or `{input, output}` of a direct solc standard-JSON compile. */
export interface BuildInfoJson {
  solcVersion?: string;
  solcLongVersion?: string;
  input: { language?: string; sources: Record<string, { content?: string }>; settings?: Record<string, unknown> };
  output: {
    sources?: Record<string, { id: number; ast?: SourceUnitNode }>;
    contracts?: Record<string, Record<string, ContractOutput>>;
    errors?: { severity: string; formattedMessage?: string; message: string }[];
  };
}

export interface SourcePosition {
  /** Repository-relative, forward slashes. */
  file: string;
  line: number;
  endLine: number;
}

/** One build-info file: its AST node index and source texts. */
export class BuildUnit {
  readonly nodes = new Map<number, AstNode>();
  /** Node id -> id of the node it sits in. */
  readonly parents = new Map<number, number>();
  private readonly sourceByIndex = new Map<number, string>();
  private readonly lineStarts = new Map<string, number[]>();

  constructor(
    readonly info: BuildInfoJson,
    private readonly toRepoPath: (sourceName: string) => string,
  ) {
    for (const [name, source] of Object.entries(info.output.sources ?? {})) {
      this.sourceByIndex.set(source.id, name);
      if (!source.ast) continue;
      walk(source.ast, (node, parent) => {
        this.nodes.set(node.id, node);
        if (parent) this.parents.set(node.id, parent.id);
      });
    }
  }

  node<T extends AstNode = AstNode>(id: number | null | undefined): T | undefined {
    return id === null || id === undefined ? undefined : (this.nodes.get(id) as T | undefined);
  }

  /** The closest enclosing node of one of `types` (the node itself excluded). */
  enclosing<T extends AstNode = AstNode>(id: number, types: readonly string[]): T | undefined {
    let current = this.parents.get(id);
    while (current !== undefined) {
      const node = this.nodes.get(current);
      if (node && types.includes(node.nodeType)) return node as T;
      current = this.parents.get(current);
    }
    return undefined;
  }

  sourceName(src: string): string | undefined {
    return this.sourceByIndex.get(parseSrc(src).fileIndex);
  }

  /** Source text of a node (bytes sliced, so multi-byte characters before it do not shift it). */
  text(src: string): string {
    const { start, length } = parseSrc(src);
    const name = this.sourceName(src);
    const content = name === undefined ? undefined : this.info.input.sources[name]?.content;
    if (content === undefined) return "";
    return Buffer.from(content, "utf8").subarray(start, start + length).toString("utf8");
  }

  /** The source text before `src` (whole file prefix), for reading comments above a declaration. */
  textBefore(src: string): string {
    const { start } = parseSrc(src);
    const name = this.sourceName(src);
    const content = name === undefined ? undefined : this.info.input.sources[name]?.content;
    if (content === undefined) return "";
    return Buffer.from(content, "utf8").subarray(0, start).toString("utf8");
  }

  /** file:line of a `src` attribute; line numbers are computed from the source text in the build. */
  position(src: string): SourcePosition | undefined {
    const { start, length } = parseSrc(src);
    const name = this.sourceName(src);
    if (name === undefined) return undefined;
    const starts = this.linesOf(name);
    return { file: this.toRepoPath(name), line: lineAt(starts, start), endLine: lineAt(starts, start + Math.max(0, length - 1)) };
  }

  private linesOf(name: string): number[] {
    let starts = this.lineStarts.get(name);
    if (!starts) {
      const bytes = Buffer.from(this.info.input.sources[name]?.content ?? "", "utf8");
      starts = [0];
      for (let i = 0; i < bytes.length; i++) if (bytes[i] === 0x0a) starts.push(i + 1);
      this.lineStarts.set(name, starts);
    }
    return starts;
  }
}

function lineAt(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

export interface ContractRecord {
  /** `sourceName:Name`, e.g. `contracts/implementations/Staking.sol:Staking`. */
  fqn: string;
  name: string;
  sourceName: string;
  /** Repository-relative path of the source. */
  file: string;
  unit: BuildUnit;
  node: ContractDefinitionNode;
  output: ContractOutput;
}

export interface SolcBuildOptions {
  /** Repository root: decides which source names are project files and which live in node_modules/. */
  root?: string;
  /** When a bare contract name matches several contracts, prefer the one under these source roots. */
  preferredRoots?: string[];
  /**
   * `sourceName:Name` -> the build-info file its artifact was last compiled in (see
   * {@link currentBuild}). After an incremental compile, an older build-info that is still current
   * for other artifacts also holds stale copies of recompiled contracts: this picks the fresh one.
   */
  authority?: ReadonlyMap<string, string>;
}

export class SolcBuild {
  /** The project root the build belongs to (absolute), when known. */
  readonly root?: string;
  readonly units: BuildUnit[];
  readonly contracts: ContractRecord[] = [];
  readonly solcVersions: string[];
  private readonly byFqn = new Map<string, ContractRecord>();
  private readonly preferredRoots: string[];

  constructor(infos: BuildInfoJson[], options: SolcBuildOptions = {}, files: readonly string[] = []) {
    this.preferredRoots = options.preferredRoots ?? ["contracts/"];
    if (options.root !== undefined) this.root = path.resolve(options.root);
    const toRepoPath = repoPathMapper(options.root);
    this.units = infos.map((info) => new BuildUnit(info, toRepoPath));
    const authority = options.authority;
    this.solcVersions = [...new Set(infos.map((i) => i.solcVersion ?? i.solcLongVersion ?? "unknown"))].sort();
    for (const [index, unit] of this.units.entries()) {
      for (const [sourceName, byName] of Object.entries(unit.info.output.contracts ?? {})) {
        const sourceAst = unit.info.output.sources?.[sourceName]?.ast;
        for (const [name, output] of Object.entries(byName)) {
          const fqn = `${sourceName}:${name}`;
          const owner = authority?.get(fqn);
          if (owner !== undefined && files[index] !== undefined && owner !== files[index]) continue; // a stale copy
          if (this.byFqn.has(fqn)) continue; // the same source compiled in two jobs: identical
          const node = sourceAst?.nodes.find(
            (n): n is ContractDefinitionNode => n.nodeType === "ContractDefinition" && (n as ContractDefinitionNode).name === name,
          );
          if (!node) continue;
          const record: ContractRecord = { fqn, name, sourceName, file: toRepoPath(sourceName), unit, node, output };
          this.contracts.push(record);
          this.byFqn.set(fqn, record);
        }
      }
    }
  }

  static fromFiles(files: string[], options: SolcBuildOptions = {}): SolcBuild {
    if (files.length === 0) throw new AnalyzerInputError("no build-info files: compile first (npx hardhat compile)");
    const infos = files.map((file) => {
      try {
        return JSON.parse(readFileSync(file, "utf8")) as BuildInfoJson;
      } catch (e) {
        throw new AnalyzerInputError(`unreadable build-info file ${file}: ${(e as Error).message}`);
      }
    });
    for (const [i, info] of infos.entries()) {
      if (!info.output?.sources || !Object.values(info.output.sources).some((s) => s.ast)) {
        throw new AnalyzerInputError(`build-info file ${files[i]} has no AST: the outputSelection must include "ast"`);
      }
    }
    return new SolcBuild(infos, options, files.map((f) => path.resolve(f)));
  }

  /** Whether a contract comes from an installed package (node_modules), not from the project's own files. */
  isPackage(c: ContractRecord): boolean {
    if (c.file.startsWith("node_modules/")) return true;
    return this.root !== undefined && !existsSync(path.join(this.root, c.sourceName));
  }

  get(fqn: string): ContractRecord | undefined {
    return this.byFqn.get(fqn);
  }

  /**
   * A contract by fully qualified name (`path/File.sol:Name`) or bare name. A bare name matching
   * several contracts resolves to the only one under the preferred roots (contracts/), else it is an
   * input error that lists the candidates.
   */
  resolve(ref: string): ContractRecord {
    if (ref.includes(":")) {
      const hit = this.byFqn.get(ref);
      if (!hit) throw new AnalyzerInputError(`unknown contract ${ref} (not in the build)`);
      return hit;
    }
    const all = this.contracts.filter((c) => c.name === ref);
    if (all.length === 1) return all[0];
    if (all.length === 0) throw new AnalyzerInputError(`unknown contract ${ref} (not in the build)`);
    const preferred = all.filter((c) => this.preferredRoots.some((r) => c.sourceName.startsWith(r)));
    if (preferred.length === 1) return preferred[0];
    throw new AnalyzerInputError(`contract name ${ref} is ambiguous: use one of ${all.map((c) => c.fqn).join(", ")}`);
  }
}

/** Project sources keep their source name; package imports (`@openzeppelin/...`) live in node_modules/. */
function repoPathMapper(root: string | undefined): (sourceName: string) => string {
  return (sourceName) => {
    const name = sourceName.replace(/\\/g, "/");
    if (root !== undefined) {
      if (existsSync(path.join(root, name))) return name;
      if (existsSync(path.join(root, "node_modules", name))) return `node_modules/${name}`;
      return name;
    }
    return name.startsWith("@") ? `node_modules/${name}` : name;
  };
}

/** The current build: its build-info files and which of them each artifact was compiled in. */
export interface CurrentBuild {
  files: string[];
  /** `sourceName:Name` -> absolute path of the build-info file of that artifact. */
  authority: Map<string, string>;
}

/**
 * The build-info files of the current compile: those the artifacts' .dbg.json files point at (older
 * build-infos of earlier compiles are ignored), else every file in artifacts/build-info.
 */
export function currentBuild(artifactsDir: string): CurrentBuild {
  const buildInfoDir = path.join(artifactsDir, "build-info");
  if (!existsSync(buildInfoDir)) throw new AnalyzerInputError(`no build found: ${buildInfoDir} does not exist (npx hardhat compile)`);
  const authority = new Map<string, string>();
  const visit = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (full === buildInfoDir) continue;
      if (statSync(full).isDirectory()) visit(full);
      else if (entry.endsWith(".dbg.json")) {
        try {
          const { buildInfo } = JSON.parse(readFileSync(full, "utf8")) as { buildInfo?: string };
          // artifacts/<sourceName>/<Name>.dbg.json
          const sourceName = path.relative(artifactsDir, dir).split(path.sep).join("/");
          if (buildInfo) authority.set(`${sourceName}:${entry.slice(0, -".dbg.json".length)}`, path.resolve(dir, buildInfo));
        } catch {
          // An unreadable .dbg.json: fall back to the directory listing below.
        }
      }
    }
  };
  visit(artifactsDir);
  const referenced = new Set(authority.values());
  const all = readdirSync(buildInfoDir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => path.join(buildInfoDir, f));
  const current = all.filter((f) => referenced.has(f));
  const files = current.length > 0 ? current : all;
  if (files.length === 0) throw new AnalyzerInputError(`no build found: ${buildInfoDir} is empty (npx hardhat compile)`);
  return { files: files.sort(), authority };
}

/** The build-info files of the current compile (see {@link currentBuild}). */
export function currentBuildInfoFiles(artifactsDir: string): string[] {
  return currentBuild(artifactsDir).files;
}

/** The current build of a Hardhat project, resolved contract by contract to its fresh build-info. */
export function loadSolcBuild(artifactsDir: string, options: Omit<SolcBuildOptions, "authority"> = {}): SolcBuild {
  const { files, authority } = currentBuild(artifactsDir);
  return SolcBuild.fromFiles(files, { ...options, authority });
}

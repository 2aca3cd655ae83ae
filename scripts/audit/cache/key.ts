/**
 * The stage-result cache's input key: THE one place a key is computed (docs/ARCHITECTURE.md, "The
 * stage-result cache").
 *
 * Each cached stage declares the inputs it reads with its definition (`Stage.cache`, a StageCacheSpec).
 * `stageInputs` turns the declaration into a list of named inputs, `name -> digest` (sha256 hex of the
 * bytes or of the canonical JSON, or a literal for a few short values), and `inputKey` hashes that list:
 *
 *   key = sha256( for each name in ascending code-unit order: name "\0" digest "\n" )
 *
 * Every stage's list also holds the implicit inputs: the cache format (CACHE_FORMAT), the stage name,
 * the project root's absolute path (tools' raw outputs embed it), the audit scope (policy `scope` and
 * the Hardhat paths), and the harness's own code (`harness/<path>`: every file of scripts/audit,
 * scripts/bench and scripts/lint, package.json and package-lock.json of the harness), so a fixed
 * analyzer or adapter is never masked by a result of the old one.
 *
 * What a declared input names (one entry per file, so a miss can say which file changed):
 *   build       `build/<path>`: each build-info file of the run's one build (the compile stage's)
 *   sources     `sources/<path>`: each .sol file under the project's Hardhat sources folder
 *   tests       `tests/<path>`: each file under the Hardhat tests folder and the scope's test entries
 *   code        `code/<path>`: each project file outside the tests, the output folder, node_modules,
 *               hidden folders and the generated folders (PROJECT_EXCLUDE, the Hardhat artifacts and
 *               cache): what a tool that runs the project's own code (its config, scripts, helpers)
 *               may read - the set the coverage stage copies into its scratch project
 *   lockfiles   `file/<name>`: package.json and the project's lock files (tool versions)
 *   tools       `tools/<name>`: the stamps of the provisioned tools (.tools/stamps: Slither's and
 *               Medusa's pinned and resolved versions)
 *   profile     `profile`: the run's profile (budgets and limits that follow it)
 *   {files}     `file/<path>`: those project files, or every file under those folders; absent ones too
 *   {policy}    `policy.<section>`: those sections of the validated audit/policy.json
 *   {env}       `env.<NAME>`: those environment variables (set and value, or unset)
 *   {value}     `value.<name>`: anything else the stage reads, computed from the run (a resolved tool
 *               version, a flag of the plan): its canonical JSON
 * A file that exists but cannot be read makes the stage uncacheable for the run (CacheInputError).
 */
import { createHash } from "node:crypto";
import { lstatSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { GENERATED_TOP_LEVEL } from "../paths";
import type { Policy } from "../policy";
import type { AuditProject, BuildRef, Profile } from "../types";

/** Bump when the entry layout or the recipe changes: every older entry then misses. */
export const CACHE_FORMAT = "1";

export type PolicySection = keyof Policy;

/** One declared input of a stage (see the module comment for the names each gives). */
export type CacheInput =
  | "build"
  | "sources"
  | "tests"
  | "code"
  | "lockfiles"
  | "tools"
  | "profile"
  | { readonly files: readonly string[] }
  | { readonly policy: readonly PolicySection[] }
  | { readonly env: readonly string[] }
  | { readonly value: string; readonly of: (ctx: CacheKeyContext) => unknown };

/** What a cached stage declares (Stage.cache). */
export interface StageCacheSpec {
  readonly inputs: readonly CacheInput[];
  /**
   * Output-folder-relative files or folders the stage publishes besides raw/<stage>/ (the coverage
   * stage's `coverage`, the bench stage's `gas/bench.json`): kept with the entry and put back on a hit,
   * so the reports' links resolve.
   */
  readonly outputs?: readonly string[];
}

/** What the key of a run's stage is computed from. */
export interface CacheKeyContext {
  /** The audited project's root (absolute). */
  root: string;
  /** The run's final output folder (absolute): never an input. */
  outDir: string;
  profile: Profile;
  policy: Policy;
  project: AuditProject;
  /** The run's build (after the compile stage, or the one on disk when compile is not selected). */
  build: BuildRef;
  /** The stages selected for the run. */
  plan: readonly string[];
  /** `--shard i/n`: the shard of the fuzzing campaign this run is (absent for a whole run). */
  shard?: import("../shard").Shard;
  env: NodeJS.ProcessEnv;
  /** The harness's root (its scripts/audit is hashed as the harness's code). */
  harnessRoot: string;
}

/** An input that cannot be read: the stage runs without the cache this time. */
export class CacheInputError extends Error {}

/** Top-level entries of a project that are never project code: GENERATED_TOP_LEVEL (the coverage stage's scratch-copy rule) and hardhat-gas-reporter's output. */
export const PROJECT_EXCLUDE: ReadonlySet<string> = new Set([...GENERATED_TOP_LEVEL, "gasReporterOutput.json"]);

/** Folder names skipped at every depth. */
const NEVER_DESCEND = new Set(["node_modules", ".git"]);

/** The harness's own code (relative to the harness root): folders hashed whole, then single files. */
export const HARNESS_CODE = ["scripts/audit", "scripts/bench", "scripts/lint", "package.json", "package-lock.json"] as const;

/** Lock and manifest files that pin the project's npm tools. */
export const LOCKFILES = ["package.json", "package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml"] as const;

export function sha256(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** JSON with object keys sorted at every depth (undefined members dropped, as JSON.stringify does). */
export function canonicalJson(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === "object") {
      return Object.fromEntries(
        Object.keys(v as Record<string, unknown>)
          .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
          .sort()
          .map((k) => [k, norm((v as Record<string, unknown>)[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(norm(value) ?? null);
}

/** THE key: sha256 over the named inputs, sorted by name (see the module comment). */
export function inputKey(inputs: Readonly<Record<string, string>>): string {
  const names = Object.keys(inputs).sort();
  return sha256(names.map((n) => `${n}\0${inputs[n]}\n`).join(""));
}

const slash = (p: string): string => p.split(path.sep).join("/");

/**
 * File digests and folder listings of one run, memoized: every stage's key reads the same file once.
 * Digests are of the bytes; a symbolic link to a folder is recorded by its target, not followed.
 */
export class InputHasher {
  private readonly digests = new Map<string, string>();
  private readonly listings = new Map<string, string[]>();

  /** `compute()` once per run under `name`. */
  memo(name: string, compute: () => string[]): string[] {
    const known = this.listings.get(name);
    if (known) return known;
    const value = compute();
    this.listings.set(name, value);
    return value;
  }

  /** sha256 of the file's bytes, `absent` when it does not exist; CacheInputError when it cannot be read. */
  file(abs: string): string {
    const known = this.digests.get(abs);
    if (known) return known;
    let digest: string;
    try {
      digest = sha256(readFileSync(abs));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT") digest = "absent";
      else if (code === "EISDIR") digest = "folder";
      else throw new CacheInputError(`cannot read ${abs} (${code ?? (e as Error).message})`);
    }
    this.digests.set(abs, digest);
    return digest;
  }

  /** Every file under `dir` (absolute, sorted), node_modules and .git excluded at every depth; [] when absent. */
  tree(dir: string, skipTop?: (name: string, isDir: boolean) => boolean): string[] {
    return skipTop ? this.walk(dir, skipTop) : this.memo(`tree\0${dir}`, () => this.walk(dir, () => false));
  }

  private walk(dir: string, skipTop: (name: string, isDir: boolean) => boolean): string[] {
    const out: string[] = [];
    const visit = (d: string, top: boolean): void => {
      let names: string[];
      try {
        names = readdirSync(d);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === "ENOENT" || code === "ENOTDIR") return;
        throw new CacheInputError(`cannot list ${d} (${code ?? (e as Error).message})`);
      }
      for (const name of names) {
        if (NEVER_DESCEND.has(name)) continue;
        const full = path.join(d, name);
        const lst = lstatSync(full, { throwIfNoEntry: false });
        if (!lst) continue;
        const isDir = lst.isDirectory() || (lst.isSymbolicLink() && statSync(full, { throwIfNoEntry: false })?.isDirectory() === true);
        if (top && skipTop(name, isDir)) continue;
        if (lst.isDirectory()) visit(full, false);
        else out.push(full); // files, and links (a link to a folder is hashed as "folder" below: recorded, not followed)
      }
    };
    const st = statSync(dir, { throwIfNoEntry: false });
    if (st?.isDirectory()) visit(dir, true);
    else if (st) out.push(dir);
    return out.sort();
  }
}

/** Adds `<prefix>/<path relative to base>` for each file. */
function addFiles(into: Record<string, string>, prefix: string, base: string, files: readonly string[], hasher: InputHasher): void {
  for (const f of files) into[`${prefix}/${slash(path.relative(base, f))}`] = hasher.file(f);
}

/** Whether `file` is `dir` or inside it (absolute paths). */
function within(dir: string, file: string): boolean {
  const rel = path.relative(dir, file);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/** The folders (absolute) of the tests input: the Hardhat tests folder and the scope's test entries. */
export function testRoots(ctx: CacheKeyContext): string[] {
  return [...new Set([ctx.project.hardhat.facts.paths.tests, ...ctx.project.scope.tests.map((t) => path.resolve(ctx.root, t))])].sort();
}

/**
 * Every named input of `stage` (implicit and declared, see the module comment): name -> digest.
 * Throws CacheInputError when an input cannot be read.
 */
export function stageInputs(stage: string, spec: StageCacheSpec, ctx: CacheKeyContext, hasher: InputHasher): Record<string, string> {
  const inputs: Record<string, string> = {
    "cache.format": CACHE_FORMAT,
    stage,
    root: sha256(path.resolve(ctx.root)),
    scope: sha256(canonicalJson({ scope: ctx.project.scope, paths: relativePaths(ctx) })),
  };
  for (const entry of HARNESS_CODE) {
    const abs = path.join(ctx.harnessRoot, entry);
    addFiles(inputs, "harness", ctx.harnessRoot, hasher.tree(abs), hasher);
  }
  for (const input of spec.inputs) addInput(inputs, input, ctx, hasher);
  return inputs;
}

/** The Hardhat paths the stages read, relative to the root (the config file's path is the run's own wrapper: not an input). */
function relativePaths(ctx: CacheKeyContext): Record<string, string> {
  const { sources, tests, artifacts, cache } = ctx.project.hardhat.facts.paths;
  return Object.fromEntries(Object.entries({ sources, tests, artifacts, cache }).map(([k, v]) => [k, slash(path.relative(ctx.root, v))]));
}

function addInput(inputs: Record<string, string>, input: CacheInput, ctx: CacheKeyContext, hasher: InputHasher): void {
  const { root } = ctx;
  if (input === "build") {
    const files = [...ctx.build.buildInfoFiles].sort();
    if (files.length === 0) inputs.build = "none";
    addFiles(inputs, "build", root, files, hasher);
  } else if (input === "sources") {
    const dir = ctx.project.hardhat.facts.paths.sources;
    addFiles(inputs, "sources", root, hasher.tree(dir).filter((f) => f.endsWith(".sol")), hasher);
  } else if (input === "tests") {
    for (const dir of testRoots(ctx)) addFiles(inputs, "tests", root, hasher.tree(dir), hasher);
  } else if (input === "code") {
    addFiles(inputs, "code", root, projectCode(ctx, hasher), hasher);
  } else if (input === "lockfiles") {
    for (const f of LOCKFILES) inputs[`file/${f}`] = hasher.file(path.join(root, f));
  } else if (input === "tools") {
    const stamps = path.join(ctx.project.toolsDir, "stamps");
    const files = hasher.tree(stamps);
    if (files.length === 0) inputs.tools = "none";
    addFiles(inputs, "tools", stamps, files, hasher);
  } else if (input === "profile") {
    inputs.profile = ctx.profile;
  } else if ("files" in input) {
    for (const f of input.files) {
      const abs = path.resolve(root, f);
      const st = statSync(abs, { throwIfNoEntry: false });
      if (st?.isDirectory()) addFiles(inputs, "file", root, hasher.tree(abs), hasher);
      else inputs[`file/${slash(path.relative(root, abs))}`] = hasher.file(abs);
    }
  } else if ("policy" in input) {
    for (const s of input.policy) inputs[`policy.${s}`] = sha256(canonicalJson(ctx.policy[s] ?? null));
  } else if ("env" in input) {
    for (const n of input.env) inputs[`env.${n}`] = ctx.env[n] === undefined ? "unset" : sha256(`set:${ctx.env[n]}`);
  } else {
    inputs[`value.${input.value}`] = sha256(canonicalJson(input.of(ctx) ?? null));
  }
}

/**
 * The project's own files (absolute): everything under the root except the top-level PROJECT_EXCLUDE
 * entries and hidden folders, the output folder, the Hardhat artifacts and cache folders, and the
 * tests input's folders.
 */
export function projectCode(ctx: CacheKeyContext, hasher: InputHasher): string[] {
  const root = path.resolve(ctx.root);
  const { artifacts, cache } = ctx.project.hardhat.facts.paths;
  const skipped = [path.resolve(ctx.outDir), path.resolve(artifacts), path.resolve(cache), ...testRoots(ctx)];
  return hasher.memo(`code\0${root}`, () =>
    hasher.tree(root, (name, isDir) => PROJECT_EXCLUDE.has(name) || (isDir && name.startsWith("."))).filter((f) => !skipped.some((d) => within(d, f))),
  );
}

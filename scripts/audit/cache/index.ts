/**
 * The stage-result cache of one audit run (docs/ARCHITECTURE.md, "The stage-result cache").
 *
 * run.ts wraps each selected stage that declares its inputs (Stage.cache) with `StageCache.wrap`.
 * When the wrapped stage starts (its dependencies done, so the build is known), its key is computed
 * (key.ts, the one recipe) and looked up under <out>/cache/<stage>/<key>/ (store.ts):
 * - hit: the entry's files are copied into the run's staging folder (raw/<stage>/ and the stage's
 *   declared outputs) and its stored result is returned with `cache: { hit: true, key, fromRun }`:
 *   the same status, findings, metrics and artifacts as when the tool ran. The result then goes
 *   through the gate, suppressions, baseline and merge like any other: those read inputs of their
 *   own (suppressions, policy) that change independently of the stage's.
 * - miss (or reuse off: --no-cache): the stage runs; a `passed` or `failed` result of a run that was
 *   not stopped is stored with `cache: { hit: false, key, changed }`. skipped, error, timed-out and
 *   interrupted results are never stored: their tool did not give an answer.
 * A stage whose inputs cannot be read, or whose entry is unusable, runs as if there were no cache,
 * after one warning line; the cache never fails a run.
 *
 * Stages share work through ctx.plan (the Slither session runs the other Slither stage's part when
 * that stage is in the plan): a stage that runs sees a plan without the stages the cache serves, so
 * nothing it does for them touches the outputs restored for them.
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { cacheFor, type Policy } from "../policy";
import type { GitState } from "../scope";
import type { CacheRunInfo, Profile, Stage, StageContext, StageResult } from "../types";
import { CacheInputError, inputKey, InputHasher, stageInputs, type CacheKeyContext } from "./key";
import { CACHE_DIR, CacheEntryError, latestInputs, mapStrings, pruneStage, readEntry, restoreEntry, tokenizer, writeEntry, type CacheEntry, type StoredOutcome } from "./store";

export { CACHE_DIR } from "./store";

/** How many changed input names a miss lists (then "... and N more"). */
export const CHANGED_LIMIT = 20;

export interface StageCacheOptions {
  /** The run's final output folder (the cache lives in its cache/ folder). */
  outDir: string;
  /** The run's staging folder (the stages' ctx.outDir). */
  staging: string;
  /** The key context as it is now (the build changes when the compile stage finishes). */
  keyContext(): CacheKeyContext;
  /** Whether the run's build is final (compile finished or not selected): keys that hash it wait for it. */
  buildReady(): boolean;
  /** false (--no-cache): never reuse, still store fresh results. */
  reuse: boolean;
  git: GitState;
  /** One line to the terminal (stderr). */
  warn(line: string): void;
}

/**
 * What the cache does in a run: off (env AUDIT_NO_CACHE=1, or audit/policy.json `cache` false for the
 * profile: nothing read, nothing stored), on without reuse (--no-cache: every stage runs, fresh results
 * are stored), or on.
 */
export function cacheMode(noCache: boolean, env: NodeJS.ProcessEnv, policy: Pick<Policy, "cache">, profile: Profile): { enabled: boolean; reuse: boolean } {
  if (env.AUDIT_NO_CACHE === "1" || !cacheFor(policy, profile)) return { enabled: false, reuse: false };
  return { enabled: true, reuse: !noCache };
}

type Decision = { key: string; inputs: Record<string, string>; entry?: CacheEntry } | { off: true };

export class StageCache {
  /** This run's id (CacheRunInfo.runId of the entries it stores). */
  readonly runId = randomBytes(6).toString("hex");
  private readonly hasher = new InputHasher();
  private readonly decisions = new Map<string, Decision>();
  private readonly stages = new Map<string, Stage>();
  private readonly stored = new Set<string>();

  constructor(private readonly opts: StageCacheOptions) {}

  /** Stages this run stored a fresh entry for (in its staging folder). */
  storedStages(): string[] {
    return [...this.stored];
  }

  /** `stage` with the cache around its run; unchanged when it declares no inputs. */
  wrap(stage: Stage): Stage {
    if (!stage.cache) return stage;
    this.stages.set(stage.name, stage);
    return { ...stage, run: (ctx) => this.run(stage, ctx) };
  }

  /** The stage's key and entry, decided once per run; undefined while the build it hashes is not final. */
  private decide(stage: Stage): Decision | undefined {
    const known = this.decisions.get(stage.name);
    if (known) return known;
    const spec = stage.cache!;
    if (spec.inputs.includes("build") && !this.opts.buildReady()) return undefined;
    let decision: Decision;
    try {
      const inputs = stageInputs(stage.name, spec, this.opts.keyContext(), this.hasher);
      const key = inputKey(inputs);
      let entry: CacheEntry | undefined;
      if (this.opts.reuse) {
        try {
          entry = readEntry(this.opts.outDir, stage.name, key);
        } catch (e) {
          if (!(e instanceof CacheEntryError)) throw e;
          this.opts.warn(`cache: ignoring the unusable entry of ${stage.name} (${e.message}); running the stage`);
        }
      }
      decision = { key, inputs, ...(entry ? { entry } : {}) };
    } catch (e) {
      if (!(e instanceof CacheInputError)) throw e;
      this.opts.warn(`cache: ${stage.name} runs without the cache: ${e.message}`);
      decision = { off: true };
    }
    this.decisions.set(stage.name, decision);
    return decision;
  }

  /** Whether the cache will serve `name` in this run (as far as can be known now). */
  private served(name: string): boolean {
    const stage = this.stages.get(name);
    const d = stage ? this.decide(stage) : undefined;
    return d !== undefined && "key" in d && d.entry !== undefined;
  }

  private async run(stage: Stage, ctx: StageContext): Promise<Omit<StageResult, "name" | "durationMs">> {
    const d = this.decide(stage);
    if (!d || !("key" in d)) return stage.run(ctx);
    const { staging } = this.opts;
    const relStaging = path.relative(ctx.root, staging);
    const tokens = tokenizer(staging, relStaging && !relStaging.startsWith("..") && !path.isAbsolute(relStaging) ? relStaging.split(path.sep).join("/") : undefined);
    if (d.entry) {
      try {
        restoreEntry(this.opts.outDir, staging, d.entry);
        const { run } = d.entry;
        ctx.log(`cached: inputs unchanged since ${run.at} (commit ${run.commit.slice(0, 12)}${run.dirty ? ", dirty" : ""}; the tool took ${(run.durationMs / 1000).toFixed(1)}s then)`);
        return { ...mapStrings(d.entry.result, tokens.restore), cache: { hit: true, key: d.key, fromRun: run } };
      } catch (e) {
        this.opts.warn(`cache: could not restore the entry of ${stage.name} (${(e as Error).message.split("\n")[0]}); running the stage`);
      }
    }
    const previous = latestInputs(this.opts.outDir, stage.name);
    const plan = ctx.plan.filter((n) => n === stage.name || !this.served(n));
    const started = performance.now();
    const out = await stage.run({ ...ctx, plan });
    if (ctx.signal.aborted || (out.status !== "passed" && out.status !== "failed")) return out;
    const changed = previous ? changedInputs(previous, d.inputs) : undefined;
    const run: CacheRunInfo = { runId: this.runId, commit: this.opts.git.commit, dirty: this.opts.git.dirty, at: new Date().toISOString(), durationMs: Math.round(performance.now() - started) };
    const entry: CacheEntry = {
      format: d.inputs["cache.format"],
      stage: stage.name,
      key: d.key,
      inputs: d.inputs,
      run,
      result: mapStrings(withoutCache(out), tokens.store),
      files: keptFiles(stage, ctx, out, staging),
    };
    try {
      writeEntry(path.join(staging, CACHE_DIR), staging, entry);
      this.stored.add(stage.name);
    } catch (e) {
      this.opts.warn(`cache: could not store the result of ${stage.name} (${(e as Error).message.split("\n")[0]})`);
    }
    return { ...out, cache: { hit: false, key: d.key, ...(changed ? { changed } : {}) } };
  }
}

/** After the run's outputs (its new entries among them) are in place: drop the least recently used entries of the stages it stored. */
export function pruneCache(cache: StageCache | undefined, outDir: string, warn: (line: string) => void): void {
  for (const stage of cache?.storedStages() ?? []) {
    try {
      pruneStage(outDir, stage);
    } catch (e) {
      warn(`cache: could not prune ${path.join(outDir, CACHE_DIR, stage)} (${(e as Error).message.split("\n")[0]})`);
    }
  }
}

function withoutCache(out: Omit<StageResult, "name" | "durationMs">): StoredOutcome {
  const { cache: _cache, ...rest } = out as StageResult;
  void _cache;
  return rest;
}

/** Names of the inputs that were added, removed or changed between two input lists (at most CHANGED_LIMIT, then a count). */
export function changedInputs(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): string[] {
  const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort().filter((n) => before[n] !== after[n]);
  return names.length > CHANGED_LIMIT ? [...names.slice(0, CHANGED_LIMIT), `... and ${names.length - CHANGED_LIMIT} more`] : names;
}

/**
 * Staging-relative files an entry keeps: raw/<stage>/, the stage's declared outputs, and any other
 * artifact it lists inside the staging folder outside raw/ (another stage's raw folder is that stage's).
 */
function keptFiles(stage: Stage, ctx: StageContext, out: Omit<StageResult, "name" | "durationMs">, staging: string): string[] {
  const rel = (abs: string): string => path.relative(staging, abs).split(path.sep).join("/");
  const inside = (abs: string): boolean => {
    const r = path.relative(staging, abs);
    return r !== "" && !r.startsWith("..") && !path.isAbsolute(r);
  };
  const rawTop = rel(ctx.rawDir);
  const kept: string[] = [];
  const add = (abs: string): void => {
    const r = rel(abs);
    if (!inside(abs) || !existsSync(abs) || kept.some((k) => r === k || r.startsWith(`${k}/`))) return;
    kept.push(r);
  };
  add(path.join(ctx.rawDir, stage.name));
  for (const o of stage.cache?.outputs ?? []) add(path.join(staging, o));
  for (const a of out.artifacts) {
    const abs = path.resolve(ctx.root, a);
    if (rel(abs).startsWith(`${rawTop}/`)) continue;
    add(abs);
  }
  return kept;
}

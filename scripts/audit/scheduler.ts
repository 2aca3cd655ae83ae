/**
 * The stage scheduler. Starts every selected stage as soon as the selected
 * stages it depends on have finished, runs independent stages in parallel
 * with at most `maxHeavy` heavy stages at once, enforces each stage's time
 * limit, and never lets one stage's crash stop the others.
 *
 * Dependency rule: a stage whose dependency ended `error` or `skipped` is
 * skipped (its input is missing); a dependency that ended `failed` (it ran
 * and reported problems) does not block it. Dependencies that are not
 * selected for the run are ignored: the stage then works from what is on
 * disk (e.g. an existing build when compile is skipped).
 *
 * Reason rule: a stage that ends `error` says why in one line that carries
 * the first meaningful line of its tool's error output. Stages build it with
 * exec.ts `failureReason`; for a stage that did not, the scheduler appends
 * errorLine(stderrTail) to its reason (not to a time-out or an interrupt,
 * whose cause is the limit, not the tool).
 */
import { errorLine } from "./exec";
import type { Profile, Stage, StageContext, StageResult } from "./types";

export const DEFAULT_TIMEOUT_MS: Record<Profile, number> = {
  quick: 10 * 60_000,
  ci: 20 * 60_000,
  deep: 60 * 60_000,
};

/** After a stage's signal fires, how long it gets to stop its tools and return its own (error) result. */
export const ABORT_GRACE_MS = 15_000;

export function stageTimeout(stage: Stage, profile: Profile): number {
  return stage.timeoutMs?.[profile] ?? DEFAULT_TIMEOUT_MS[profile];
}

/**
 * Checks the registry: unique names, known dependencies, no cycles.
 * Returns the stages in a dependency-respecting order (registry order otherwise).
 */
export function validateRegistry(stages: readonly Stage[]): Stage[] {
  const byName = new Map<string, Stage>();
  for (const s of stages) {
    if (byName.has(s.name)) throw new Error(`stage registry: duplicate stage name "${s.name}"`);
    byName.set(s.name, s);
  }
  for (const s of stages) {
    for (const d of s.dependsOn ?? []) {
      if (!byName.has(d)) throw new Error(`stage registry: "${s.name}" depends on unknown stage "${d}"`);
    }
  }
  const ordered: Stage[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (s: Stage, trail: string[]): void => {
    if (state.get(s.name) === "done") return;
    if (state.get(s.name) === "visiting") throw new Error(`stage registry: dependency cycle ${[...trail, s.name].join(" -> ")}`);
    state.set(s.name, "visiting");
    for (const d of s.dependsOn ?? []) visit(byName.get(d)!, [...trail, s.name]);
    state.set(s.name, "done");
    ordered.push(s);
  };
  for (const s of stages) visit(s, []);
  return ordered;
}

export interface SchedulerOptions {
  /** The stages to run. */
  stages: readonly Stage[];
  profile: Profile;
  /** Most heavy stages running at once. */
  maxHeavy: number;
  /** Builds the context of a stage when it starts (its upstream results are final by then). */
  context(stage: Stage, upstream: ReadonlyMap<string, StageResult>, signal: AbortSignal): StageContext;
  /** Overrides stageTimeout() (tests use tiny limits). */
  timeoutMs?(stage: Stage): number;
  /** Stops everything (Ctrl-C). */
  signal?: AbortSignal;
  onStart?(stage: Stage): void;
  onDone?(stage: Stage, result: StageResult): void;
  /** For tests: the grace period after an abort. */
  abortGraceMs?: number;
}

function skipped(name: string, reason: string): StageResult {
  return { name, status: "skipped", reason, durationMs: 0, tools: [], findings: [], metrics: {}, artifacts: [] };
}

function errorResult(name: string, reason: string, durationMs: number, extra: Partial<StageResult> = {}): StageResult {
  return { name, status: "error", reason, durationMs, tools: [], findings: [], metrics: {}, artifacts: [], ...extra };
}

const VALID_STATUS = new Set(["passed", "failed", "skipped", "error"]);

/** An `error` result whose reason lacks its tool's first error line gets it appended (the reason rule). */
export function withToolErrorLine(result: StageResult): StageResult {
  if (result.status !== "error" || !result.stderrTail) return result;
  const line = errorLine(result.stderrTail);
  if (!line || result.reason?.includes(line)) return result;
  return { ...result, reason: result.reason ? `${result.reason}: ${line}` : line };
}

async function runOne(stage: Stage, opts: SchedulerOptions, upstream: ReadonlyMap<string, StageResult>): Promise<StageResult> {
  const limit = opts.timeoutMs?.(stage) ?? stageTimeout(stage, opts.profile);
  const grace = opts.abortGraceMs ?? ABORT_GRACE_MS;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new Error(`timed out after ${Math.round(limit / 1000)}s`));
  }, limit);
  const onOuterAbort = (): void => controller.abort(new Error("interrupted"));
  opts.signal?.addEventListener("abort", onOuterAbort, { once: true });
  if (opts.signal?.aborted) onOuterAbort();

  const started = performance.now();
  const elapsed = (): number => Math.round(performance.now() - started);
  const abortReason = (): string => (timedOut ? `timed out after ${Math.round(limit / 1000)}s` : "interrupted");

  // If the stage ignores its signal, give up on it after the grace period.
  let graceTimer: NodeJS.Timeout | undefined;
  const abandoned = new Promise<"abandoned">((resolve) => {
    controller.signal.addEventListener("abort", () => {
      graceTimer = setTimeout(() => resolve("abandoned"), grace);
    });
  });
  try {
    const ctx = opts.context(stage, upstream, controller.signal);
    const outcome = await Promise.race([stage.run(ctx), abandoned]);
    if (outcome === "abandoned") return errorResult(stage.name, `${abortReason()} (the stage did not stop)`, elapsed());
    if (!VALID_STATUS.has(outcome.status)) {
      return errorResult(stage.name, `stage returned invalid status "${String(outcome.status)}"`, elapsed());
    }
    const result: StageResult = { ...outcome, name: stage.name, durationMs: elapsed() };
    if (controller.signal.aborted) {
      // Whatever the stage made of its killed tools, the cause is the time limit / interrupt.
      return { ...result, status: "error", reason: abortReason() };
    }
    return withToolErrorLine(result);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    return errorResult(stage.name, controller.signal.aborted ? abortReason() : `stage crashed: ${message.split("\n")[0]}`, elapsed(), {
      ...(e instanceof Error && e.stack ? { stderrTail: e.stack.split("\n").slice(0, 8).join("\n") } : {}),
    });
  } finally {
    clearTimeout(timer);
    if (graceTimer) clearTimeout(graceTimer);
    opts.signal?.removeEventListener("abort", onOuterAbort);
  }
}

/** Runs the stages; resolves with one result per stage, in the order given. */
export async function runStages(opts: SchedulerOptions): Promise<StageResult[]> {
  const selected = new Map(opts.stages.map((s) => [s.name, s]));
  const results = new Map<string, StageResult>();
  const pending = new Set(opts.stages.map((s) => s.name));
  const running = new Map<string, Promise<void>>();
  let heavyRunning = 0;

  const finish = (stage: Stage, result: StageResult): void => {
    results.set(stage.name, result);
    opts.onDone?.(stage, result);
  };

  while (pending.size > 0 || running.size > 0) {
    let progressed = false;
    for (const name of [...pending]) {
      const stage = selected.get(name)!;
      const deps = (stage.dependsOn ?? []).filter((d) => selected.has(d));
      if (!deps.every((d) => results.has(d))) continue;
      const blocker = deps.map((d) => results.get(d)!).find((r) => r.status === "error" || r.status === "skipped");
      if (blocker) {
        pending.delete(name);
        finish(stage, skipped(name, `dependency ${blocker.name} ${blocker.status === "error" ? "errored" : "was skipped"}`));
        progressed = true;
        continue;
      }
      if (opts.signal?.aborted) {
        pending.delete(name);
        finish(stage, skipped(name, "run interrupted"));
        progressed = true;
        continue;
      }
      if (stage.heavy && heavyRunning >= Math.max(1, opts.maxHeavy)) continue;
      pending.delete(name);
      if (stage.heavy) heavyRunning++;
      const upstream = new Map(deps.map((d) => [d, results.get(d)!]));
      opts.onStart?.(stage);
      const p = runOne(stage, opts, upstream).then((result) => {
        if (stage.heavy) heavyRunning--;
        running.delete(name);
        finish(stage, result);
      });
      running.set(name, p);
      progressed = true;
    }
    if (running.size > 0) {
      await Promise.race(running.values());
    } else if (!progressed && pending.size > 0) {
      // Unreachable with a validated registry; guards against an infinite loop.
      for (const name of pending) finish(selected.get(name)!, errorResult(name, "could not be scheduled (dependency cycle?)", 0));
      pending.clear();
    }
  }
  return opts.stages.map((s) => results.get(s.name)!);
}

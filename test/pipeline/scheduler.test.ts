/** The scheduler with fake stages: order, parallelism, heavy limit, failures, timeouts. */
import { expect } from "chai";
import { runStages, validateRegistry, type SchedulerOptions } from "../../scripts/audit/scheduler";
import type { Stage, StageContext } from "../../scripts/audit/types";

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => {
      clearTimeout(t);
      reject(new Error("aborted"));
    });
  });

interface Trace {
  events: string[];
  running: number;
  maxHeavy: number;
}

function fake(name: string, trace: Trace, over: Partial<Stage> & { ms?: number; status?: "passed" | "failed" | "skipped" | "error"; throws?: string } = {}): Stage {
  return {
    name,
    title: name,
    ...over,
    async run(ctx: StageContext) {
      trace.events.push(`start:${name}`);
      if (over.heavy) {
        trace.running++;
        trace.maxHeavy = Math.max(trace.maxHeavy, trace.running);
      }
      try {
        await sleep(over.ms ?? 20, ctx.signal);
        if (over.throws) throw new Error(over.throws);
        return { status: over.status ?? "passed", tools: [], findings: [], metrics: { upstream: [...ctx.upstream.keys()] }, artifacts: [] };
      } finally {
        if (over.heavy) trace.running--;
        trace.events.push(`end:${name}`);
      }
    },
  };
}

function options(stages: Stage[], over: Partial<SchedulerOptions> = {}): SchedulerOptions {
  return {
    stages,
    profile: "quick",
    maxHeavy: 2,
    context: (_stage, upstream, signal) => ({
      root: "/r",
      outDir: "/r/audit",
      rawDir: "/r/audit/raw",
      profile: "quick",
      build: { artifactsDir: "", buildInfoDir: "", buildInfoFiles: [], solcVersion: "" },
      upstream,
      plan: stages.map((s) => s.name),
      signal,
      log: () => undefined,
    }),
    ...over,
  };
}

const newTrace = (): Trace => ({ events: [], running: 0, maxHeavy: 0 });

describe("audit scheduler", function () {
  it("starts a stage only after its dependencies and hands it their results", async function () {
    const t = newTrace();
    const results = await runStages(options([fake("compile", t), fake("test", t, { dependsOn: ["compile"] }), fake("gas", t, { dependsOn: ["test"] })]));
    expect(t.events).to.deep.equal(["start:compile", "end:compile", "start:test", "end:test", "start:gas", "end:gas"]);
    expect(results.map((r) => r.status)).to.deep.equal(["passed", "passed", "passed"]);
    expect(results[2].metrics.upstream).to.deep.equal(["test"]);
  });

  it("runs independent stages in parallel", async function () {
    const t = newTrace();
    await runStages(options([fake("a", t, { ms: 40 }), fake("b", t, { ms: 40 })]));
    expect(t.events.slice(0, 2)).to.deep.equal(["start:a", "start:b"]);
  });

  it("never runs more than maxHeavy heavy stages at once", async function () {
    const t = newTrace();
    const stages = ["h1", "h2", "h3", "h4"].map((n) => fake(n, t, { heavy: true, ms: 30 }));
    const results = await runStages(options([...stages, fake("light", t, { ms: 10 })], { maxHeavy: 2 }));
    expect(t.maxHeavy).to.equal(2);
    expect(results.every((r) => r.status === "passed")).to.equal(true);
    // the light stage did not wait for a heavy slot
    expect(t.events.indexOf("start:light")).to.be.lessThan(t.events.indexOf("start:h3"));
  });

  it("with maxHeavy 1 runs heavy stages one after the other", async function () {
    const t = newTrace();
    await runStages(options([fake("h1", t, { heavy: true }), fake("h2", t, { heavy: true })], { maxHeavy: 1 }));
    expect(t.maxHeavy).to.equal(1);
  });

  it("skips the dependents of an errored stage, but runs those of a failed one", async function () {
    const t = newTrace();
    const results = await runStages(
      options([
        fake("compile", t, { status: "error" }),
        fake("test", t, { dependsOn: ["compile"] }),
        fake("lint", t, { status: "failed" }),
        fake("after-lint", t, { dependsOn: ["lint"] }),
      ]),
    );
    expect(results.map((r) => [r.name, r.status])).to.deep.equal([
      ["compile", "error"],
      ["test", "skipped"],
      ["lint", "failed"],
      ["after-lint", "passed"],
    ]);
    expect(results[1].reason).to.equal("dependency compile errored");
    expect(t.events).to.not.include("start:test");
  });

  it("ignores dependencies that are not part of the run", async function () {
    const t = newTrace();
    const [test] = await runStages(options([fake("test", t, { dependsOn: ["compile"] })]));
    expect(test.status).to.equal("passed");
  });

  it("turns a crashing stage into an error result without stopping the others", async function () {
    const t = newTrace();
    const results = await runStages(options([fake("boom", t, { throws: "kaput" }), fake("fine", t)]));
    expect(results[0].status).to.equal("error");
    expect(results[0].reason).to.equal("stage crashed: kaput");
    expect(results[1].status).to.equal("passed");
  });

  it("errors a stage that exceeds its time limit (its signal fires)", async function () {
    const t = newTrace();
    const results = await runStages(options([fake("slow", t, { ms: 5_000 }), fake("quick", t)], { timeoutMs: (s) => (s.name === "slow" ? 50 : 10_000) }));
    expect(results[0].status).to.equal("error");
    expect(results[0].reason).to.match(/^timed out after/);
    expect(results[0].durationMs).to.be.lessThan(2_000);
    expect(results[1].status).to.equal("passed");
  });

  it("gives up on a stage that ignores its signal after the grace period", async function () {
    const stubborn: Stage = {
      name: "stubborn",
      title: "stubborn",
      run: () => new Promise(() => undefined),
    };
    const [r] = await runStages(options([stubborn], { timeoutMs: () => 20, abortGraceMs: 20 }));
    expect(r.status).to.equal("error");
    expect(r.reason).to.contain("did not stop");
  });

  it("takes the per-profile time limit from the stage", async function () {
    const t = newTrace();
    const results = await runStages(options([fake("s", t, { ms: 5_000, timeoutMs: { quick: 30 } })]));
    expect(results[0].reason).to.match(/^timed out/);
  });

  it("an error result carries its tool's first error line in the reason (not a time-out's)", async function () {
    const erroring = (name: string, reason: string, stderrTail: string, ms = 5): Stage => ({
      name,
      title: name,
      async run(ctx) {
        await sleep(ms, ctx.signal).catch(() => undefined);
        return { status: "error", reason, stderrTail, tools: [], findings: [], metrics: {}, artifacts: [] };
      },
    });
    const tail = "compiling\nTraceback (most recent call last):\n  File \"x.py\", line 1\nValueError: Unknown file: contracts/Gone.sol";
    const r = await runStages(
      options([
        erroring("bare", "tool exited with 1", tail),
        erroring("carries", "tool failed: ValueError: Unknown file: contracts/Gone.sol", tail),
        erroring("quiet", "tool exited with 1", "all fine, no message"),
        erroring("slow", "tool exited with 1", tail, 5_000),
      ], { timeoutMs: (stage) => (stage.name === "slow" ? 30 : 60_000) }),
    );
    expect(r.map((x) => x.reason)).to.deep.equal([
      "tool exited with 1: ValueError: Unknown file: contracts/Gone.sol",
      "tool failed: ValueError: Unknown file: contracts/Gone.sol",
      "tool exited with 1",
      "timed out after 0s",
    ]);
  });

  describe("registry validation", function () {
    const t = newTrace();
    it("rejects unknown dependencies, duplicates and cycles", function () {
      expect(() => validateRegistry([fake("a", t, { dependsOn: ["nope"] })])).to.throw(/unknown stage "nope"/);
      expect(() => validateRegistry([fake("a", t), fake("a", t)])).to.throw(/duplicate/);
      expect(() => validateRegistry([fake("a", t, { dependsOn: ["b"] }), fake("b", t, { dependsOn: ["a"] })])).to.throw(/cycle/);
    });

    it("orders dependencies first", function () {
      const order = validateRegistry([fake("gas", t, { dependsOn: ["test"] }), fake("test", t)]).map((s) => s.name);
      expect(order).to.deep.equal(["test", "gas"]);
    });
  });
});

/**
 * Live progress. On a TTY (and not CI): listr2's default renderer, one task
 * per stage, driven by the scheduler's events (listr2 only displays; the
 * scheduler decides what runs). Otherwise, or with CI=true: plain lines.
 */
import type { Writable } from "node:stream";
import type { StageResult } from "./types";

export interface Progress {
  start(stage: string): void;
  log(stage: string, message: string): void;
  done(stage: string, result: StageResult): void;
  /** Resolves once the display has finished drawing. */
  close(): Promise<void>;
}

const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)}s`;

export function describeResult(r: StageResult): string {
  const findings = r.findings.length ? `, ${r.findings.length} finding${r.findings.length === 1 ? "" : "s"}` : "";
  const why = r.reason ? `: ${r.reason}` : "";
  const cached = r.cache?.hit ? "cached, " : "";
  return `${r.status} (${cached}${seconds(r.durationMs)}${findings})${why}`;
}

export function plainProgress(out: Writable): Progress {
  const line = (s: string): void => void out.write(`[audit] ${s}\n`);
  return {
    start: (stage) => line(`${stage}: started`),
    log: (stage, message) => line(`${stage}: ${message}`),
    done: (stage, result) => line(`${stage}: ${describeResult(result)}`),
    close: async () => undefined,
  };
}

interface Deferred {
  promise: Promise<StageResult>;
  resolve(r: StageResult): void;
}
function deferred(): Deferred {
  let resolve!: (r: StageResult) => void;
  const promise = new Promise<StageResult>((r) => (resolve = r));
  return { promise, resolve };
}

/** listr2 display of the given stages; `out` is where it draws (stderr with --json). */
export async function listrProgress(stages: { name: string; title: string }[], out: NodeJS.WriteStream): Promise<Progress> {
  const { Listr, ListrLogger, ProcessOutput } = await import("listr2");
  const waits = new Map(stages.map((s) => [s.name, deferred()]));
  const outputs = new Map<string, (message: string) => void>();
  const list = new Listr(
    stages.map((s) => ({
      title: s.title,
      task: async (_ctx: unknown, task: { output: string; title: string; skip(message?: string): void }) => {
        outputs.set(s.name, (m) => (task.output = m));
        const r = await waits.get(s.name)!.promise;
        task.title = `${s.title} - ${describeResult(r)}`;
        if (r.status === "skipped") task.skip(task.title);
        else if (r.status === "error" || r.status === "failed") throw new Error(task.title);
      },
    })),
    {
      concurrent: true,
      exitOnError: false,
      registerSignalListeners: false,
      rendererOptions: {
        collapseErrors: false,
        // Draw on `out` (stderr when stdout carries the JSON summary).
        logger: new ListrLogger({ useIcons: true, toStderr: [], processOutput: new ProcessOutput(out, out) }),
      },
    },
  );
  const running = list.run().catch(() => undefined);
  return {
    start: () => undefined,
    log: (stage, message) => outputs.get(stage)?.(message),
    done: (stage, result) => waits.get(stage)?.resolve(result),
    close: async () => {
      await running;
    },
  };
}

export function wantsInteractive(out: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  const ci = env.CI !== undefined && env.CI !== "" && env.CI !== "false" && env.CI !== "0";
  return Boolean(out.isTTY) && !ci;
}

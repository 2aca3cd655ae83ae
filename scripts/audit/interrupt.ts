/**
 * The pipeline's one interrupt path (Ctrl-C, `kill`, a CI job cancelled).
 *
 * - `handleInterrupts()` turns SIGINT / SIGTERM into an abort of the run's
 *   AbortSignal. Its listeners stay registered for the whole run (`process.on`,
 *   never `once`): Node removes a `once` listener before calling it, and
 *   execa's signal-exit, seeing no listener left, re-raises the signal and
 *   kills the process before any clean-up. The scheduler then stops every
 *   running stage (their tools get the stage's signal), run.ts discards the
 *   run's staging folder so the previous reports stay as they were, and the
 *   CLI exits 130. A second signal stops at once: what is registered below is
 *   released and the process exits 130.
 * - `holdDirectory()` / `holdProcessGroup()` register what a run must not
 *   leave behind (scratch copies, the staging folder, tool process groups).
 *   Their owners release them on every normal path; `releaseHeld()` is the
 *   safety net, run synchronously when the process exits however it exits
 *   (except SIGKILL, which nothing can catch).
 */
import { rmSync } from "node:fs";
import { EXIT } from "./errors";

/** Exit code of an interrupted run (128 + SIGINT, the shell's convention for Ctrl-C). */
export const INTERRUPTED_EXIT = EXIT.interrupted;

export const INTERRUPT_SIGNALS = ["SIGINT", "SIGTERM"] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

/** The abort reason of an interrupted run: which signal stopped it. */
export class Interrupted extends Error {
  constructor(readonly signal: InterruptSignal) {
    super(`interrupted by ${signal}`);
    this.name = "Interrupted";
  }
}

const directories = new Set<string>();
const groups = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", releaseHeld);
}

/** Registers a directory to remove at exit; returns the function that removes it now and forgets it. */
export function holdDirectory(dir: string): () => void {
  installExitHook();
  directories.add(dir);
  return () => {
    directories.delete(dir);
    rmSync(dir, { recursive: true, force: true });
  };
}

/**
 * Stops holding `dir` without removing it: from here on an exit leaves it (a run moving its
 * staging folder into place must not have it deleted half-way; a later run removes what is left).
 */
export function unholdDirectory(dir: string): void {
  directories.delete(dir);
}

/** Sends `signal` to the whole process group `pgid`; false when it is already gone. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/** Registers a child's process group to SIGKILL at exit; returns the function that forgets it. */
export function holdProcessGroup(pgid: number): () => void {
  installExitHook();
  groups.add(pgid);
  return () => {
    groups.delete(pgid);
  };
}

/** Kills every held process group and removes every held directory (synchronous; safe to call twice). */
export function releaseHeld(): void {
  for (const pgid of groups) signalGroup(pgid, "SIGKILL");
  groups.clear();
  for (const dir of directories) {
    try {
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // Best effort at exit.
    }
  }
  directories.clear();
}

/**
 * Routes SIGINT / SIGTERM to `controller` for the duration of a run. `notify` prints the one line
 * that says what happens next. Returns the function that removes the listeners.
 */
export function handleInterrupts(controller: AbortController, notify: (line: string) => void): () => void {
  const listeners = INTERRUPT_SIGNALS.map((signal) => {
    const listener = (): void => {
      if (!controller.signal.aborted) {
        notify(`audit: ${signal}: stopping the running stages; the previous reports stay as they are (press Ctrl-C again to stop at once)`);
        controller.abort(new Interrupted(signal));
        return;
      }
      notify(`audit: ${signal} again: stopping at once`);
      releaseHeld();
      process.exit(INTERRUPTED_EXIT);
    };
    process.on(signal, listener);
    return [signal, listener] as const;
  });
  return () => {
    for (const [signal, listener] of listeners) process.removeListener(signal, listener);
  };
}

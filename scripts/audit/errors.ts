/**
 * Bad input the pipeline cannot run with (unknown stage, malformed policy,
 * missing build...). The CLI prints `message` as one line and exits 2.
 */
export class InputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InputError";
  }
}

export const EXIT = { passed: 0, failed: 1, cannotRun: 2 } as const;

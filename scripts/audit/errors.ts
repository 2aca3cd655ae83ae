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

/** Exit codes: 0 gate passed, 1 gate failed, 2 could not run (nothing written), 130 interrupted (interrupt.ts; nothing written). */
export const EXIT = { passed: 0, failed: 1, cannotRun: 2, interrupted: 130 } as const;

/** What each exit code means, for --help (README.md's exit-code table says the same, with what is written). */
export const EXIT_CODES: readonly { code: number; meaning: string }[] = [
  { code: EXIT.passed, meaning: "gate passed" },
  { code: EXIT.failed, meaning: "gate failed, or a stage could not do its job (reasons in the summary and report.md)" },
  {
    code: EXIT.cannotRun,
    meaning: "the pipeline could not run (bad input: flags, input files, --root/--out, stale or missing build; nothing written)",
  },
  { code: EXIT.interrupted, meaning: "interrupted (SIGINT/SIGTERM: tools stopped, nothing written, the previous reports untouched)" },
];

const ERRNO: Record<string, string> = {
  EROFS: "read-only file system",
  EACCES: "permission denied",
  EPERM: "permission denied",
  ENOTDIR: "not a directory",
  EISDIR: "is a directory",
  ENOSPC: "no space left on device",
  EDQUOT: "disk quota exceeded",
  ENOENT: "no such file or directory",
  ELOOP: "too many symbolic links",
  ENAMETOOLONG: "name too long",
};

/** A short, human description of a file-system error ("read-only file system", "permission denied"). */
export function describeErrno(e: unknown): string {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return (code && ERRNO[code]) ?? (e instanceof Error ? e.message.split("\n")[0] : String(e));
}

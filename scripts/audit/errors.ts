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

/**
 * Reading a committed JSON input file against its zod schema, with one-line
 * errors that name the file and the field: the loader every input of the
 * pipeline goes through (policy.ts, inputs.ts, the invariant campaign).
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import type { z } from "zod";
import { describeErrno, InputError } from "../errors";

/** `a.b.0.c: message; ...` for the first `max` issues (`(root)` for the top level). */
export function describeZodIssues(error: z.ZodError, max = 3): string {
  return error.issues
    .slice(0, max)
    .map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`)
    .join("; ");
}

/** 1-based line and column of character `offset` in `text`. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lines = before.split("\n");
  return { line: lines.length, column: lines[lines.length - 1].length + 1 };
}

/**
 * JSON.parse's complaint as one line with a line and column: V8 says "at position N" (and, in
 * newer versions, "(line L column C)"); the end of a truncated file is its last line.
 */
export function describeJsonError(text: string, error: Error): string {
  const message = error.message.split("\n")[0];
  const bare = message.replace(/\s*\(line \d+ column \d+\)/, "").replace(/ in JSON at position \d+/, "").replace(/,? "[^"]*"\.{3} is not valid JSON$/, "");
  const position = /at position (\d+)/.exec(message);
  const where = position ? lineColumn(text, Number(position[1])) : /end of JSON input/.test(message) ? lineColumn(text, text.length) : undefined;
  return `not valid JSON${where ? ` (line ${where.line}, column ${where.column})` : ""}: ${bare}`;
}

/**
 * Reads `file` (repository-relative to `root`) and validates it. Undefined when the file does not
 * exist; an InputError `malformed <what> <file>: <field>: <problem>` when it cannot be read, is not
 * JSON or does not match `schema`.
 */
export function readJsonInput<T extends z.ZodTypeAny>(root: string, file: string, schema: T, what: string): z.infer<T> | undefined {
  const full = path.resolve(root, file);
  if (!existsSync(full)) return undefined;
  const shown = path.relative(root, full).split(path.sep).join("/") || full;
  let text: string;
  try {
    text = readFileSync(full, "utf8");
  } catch (e) {
    throw new InputError(`cannot read ${what} ${shown} (${describeErrno(e)})`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new InputError(`malformed ${what} ${shown}: ${describeJsonError(text, e as Error)}`);
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) throw new InputError(`malformed ${what} ${shown}: ${describeZodIssues(parsed.error)}`);
  return parsed.data;
}

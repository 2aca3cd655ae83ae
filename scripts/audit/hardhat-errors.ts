import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * Hardhat's errors as one line that names the cause. Hardhat's HH606 ("The project cannot be compiled,
 * see reasons below.") puts its reasons after the first line - which files, which pragma, what is wrong
 * (hardhat/src/builtin-tasks/compile.ts) - so printing the first line alone hides them. This turns the
 * reasons into one line with the compilers the project has.
 */

/** What each of Hardhat's reason paragraphs means, in a few words (matched on its opening sentence). */
const REASONS: readonly { match: RegExp; says: string }[] = [
  { match: /fixed through an override/, says: "its compiler override does not satisfy its pragma" },
  { match: /doesn't match any of the configured compilers/, says: "matches no configured compiler" },
  { match: /import other files that use a different and incompatible version/, says: "imports files that need another Solidity version" },
  { match: /depend on other files that use a different and incompatible version/, says: "depends on files that need another Solidity version" },
  { match: /cannot be compiled with your config/, says: "cannot be compiled with the configured compilers" },
];

/**
 * One line for a Hardhat error message: for HH606, `cannot compile <file> (pragma <range>): <reason>;
 * ... (the project's compilers: <versions>)`; otherwise the message's first line.
 */
export function describeHardhatError(message: string, compilers: readonly string[] = []): string {
  const lines = message.split("\n");
  if (!/cannot be compiled, see reasons below/.test(lines[0])) return lines[0];
  const causes: string[] = [];
  let says: string | undefined;
  for (const line of lines.slice(1)) {
    const reason = REASONS.find((r) => r.match.test(line));
    if (reason) {
      says = reason.says;
      continue;
    }
    const bullet = /^\s*\*\s+(\S+)(?:\s+\(([^)]*)\))?(.*)$/.exec(line);
    if (bullet && says) causes.push(`${bullet[1]}${bullet[2] ? ` (pragma ${bullet[2]})` : ""} ${says}${bullet[3].trim() ? ` ${bullet[3].trim()}` : ""}`);
  }
  if (causes.length === 0) return lines[0];
  const have = compilers.length > 0 ? ` (the project's compilers: ${[...new Set(compilers)].join(", ")})` : "";
  return `cannot compile ${causes.join("; ")}${have}`;
}

/**
 * Syntax that a compiler older than `since` does not parse: it fails with a ParserError at the line
 * that uses it, which names neither the feature nor the version it needs (solc's changelog: custom
 * errors 0.8.4, user-defined value types 0.8.8, file-level `using ... global` 0.8.13, user-defined
 * operators 0.8.19, `layout at` 0.8.29).
 */
const NEWER_SYNTAX: readonly { pattern: RegExp; feature: string; since: string }[] = [
  { pattern: /\blayout\s+at\b/, feature: "`layout at` (a custom storage base slot)", since: "0.8.29" },
  { pattern: /\busing\b[^;]*\bas\s*[-+*/%&|^~<>=!]/, feature: "user-defined operators (`using {f as +} for T global`)", since: "0.8.19" },
  { pattern: /\busing\b[^;]*\bfor\b[^;]*\bglobal\s*;/, feature: "`using ... for T global`", since: "0.8.13" },
  { pattern: /^\s*type\s+\w+\s+is\s+\w+/, feature: "user-defined value types (`type T is ...`)", since: "0.8.8" },
  { pattern: /^\s*error\s+\w+\s*\(/, feature: "custom errors (`error E(...)`)", since: "0.8.4" },
];

function versionBelow(version: string, since: string): boolean {
  const a = version.split(/[.+-]/).slice(0, 3).map(Number);
  const b = since.split(".").map(Number);
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] < b[i];
  return false;
}

/**
 * Why a compiler's error at `file:line` happened, when the line uses syntax newer than every compiler the
 * project has: e.g. "`layout at` (a custom storage base slot) needs solc >= 0.8.29 (the project's
 * compilers: 0.8.28)". `sourceLine` is the text of that line; undefined when nothing explains it.
 */
export function newerSyntaxHint(sourceLine: string, compilers: readonly string[]): string | undefined {
  const have = [...new Set(compilers)];
  if (have.length === 0) return undefined;
  const hit = NEWER_SYNTAX.find((s) => s.pattern.test(sourceLine) && have.every((v) => versionBelow(v, s.since)));
  return hit ? `${hit.feature} needs solc >= ${hit.since} (the project's compilers: ${have.join(", ")})` : undefined;
}

/** `<file>.sol:<line>:<col>: ParserError: ...` as Hardhat and the compile stage's reason print it. */
const COMPILER_ERROR_AT = /(\S+\.sol):(\d+):\d+:\s*(ParserError|SyntaxError|DeclarationError|TypeError)\b/;

/**
 * A compiler error line with its cause appended when the source line it points at uses syntax newer than
 * the project's compilers (`newerSyntaxHint`); the line as it was otherwise. `readLine(file, n)` gives
 * line n (1-based) of a project-relative file, or undefined.
 */
export function explainCompilerError(message: string, compilers: readonly string[], readLine: (file: string, line: number) => string | undefined): string {
  const at = COMPILER_ERROR_AT.exec(message);
  if (!at) return message;
  const text = readLine(at[1], Number(at[2]));
  const hint = text === undefined ? undefined : newerSyntaxHint(text, compilers);
  return hint ? `${message}: ${hint}` : message;
}

/** `readLine` for explainCompilerError over a project's files (paths relative to `root`, or absolute). */
export function sourceLines(root: string): (file: string, line: number) => string | undefined {
  return (file, line) => {
    try {
      return readFileSync(path.resolve(root, file), "utf8").split(/\r?\n/)[line - 1];
    } catch {
      return undefined;
    }
  };
}

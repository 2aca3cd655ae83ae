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

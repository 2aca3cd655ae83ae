/**
 * The compile an analyzer task runs, with the compiler's errors as one line. Hardhat prints each solc
 * error as a multi-line excerpt and then throws HH600 ("Compilation failed"), which names no file and
 * no cause. While `compileForAnalysis` runs, the TASK_COMPILE_SOLIDITY_CHECK_ERRORS override in
 * ./tasks.ts hands the errors here instead of printing them, and the compile fails with an
 * AnalyzerInputError (exit 2) that names the first error's file, line, column and message, with the
 * cause when the line uses syntax newer than the project's compilers (hardhat-errors.ts).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { explainCompilerError, sourceLines } from "../hardhat-errors";
import { AnalyzerInputError } from "./errors";

/** A solc standard-JSON output error (the fields read here). */
export interface SolcError {
  severity: string;
  type?: string;
  message: string;
  sourceLocation?: { file: string; start: number; end: number };
}

let capturing: SolcError[] | undefined;

/** For the CHECK_ERRORS override: true when a task's compile is being captured (the errors are kept, not printed). */
export function captureCompileErrors(errors: readonly SolcError[] | undefined): boolean {
  if (!capturing) return false;
  capturing.push(...(errors ?? []).filter((e) => e.severity === "error"));
  return true;
}

/** `file:line:col: Type: message` for a solc error; `start` is a byte offset into the file. */
export function locateSolcError(error: SolcError, readSource: (file: string) => Buffer | undefined): string {
  const head = `${error.type ?? "Error"}: ${error.message.split("\n")[0]}`;
  const loc = error.sourceLocation;
  if (!loc) return head;
  const bytes = readSource(loc.file);
  if (!bytes || loc.start < 0 || loc.start > bytes.length) return `${loc.file}: ${head}`;
  const before = bytes.subarray(0, loc.start).toString("utf8");
  const line = before.split("\n").length;
  const col = before.length - before.lastIndexOf("\n");
  return `${loc.file}:${line}:${col}: ${head}`;
}

/** `hre.run("compile")`, quiet; a compiler error becomes one AnalyzerInputError line (see above). */
export async function compileForAnalysis(hre: HardhatRuntimeEnvironment): Promise<void> {
  const root = hre.config.paths.root;
  capturing = [];
  const errors = capturing;
  try {
    await hre.run("compile", { quiet: true });
  } catch (e) {
    if (errors.length === 0) throw e;
    const read = (file: string): Buffer | undefined => {
      try {
        return readFileSync(path.resolve(root, file));
      } catch {
        return undefined;
      }
    };
    const compilers = [...hre.config.solidity.compilers, ...Object.values(hre.config.solidity.overrides)].map((c) => c.version);
    const first = explainCompilerError(locateSolcError(errors[0], read), compilers, sourceLines(root));
    const more = errors.length > 1 ? ` (and ${errors.length - 1} more compiler error(s))` : "";
    throw new AnalyzerInputError(`the project does not compile: ${first}${more}`);
  } finally {
    capturing = undefined;
  }
}

/**
 * Shared by the analyzer tests (no tests here): compiles test/fixtures/analyzers/*.sol with solcjs
 * (the pinned `solc` package, offline) once per test run, with the outputSelection of
 * hardhat.config.ts, and builds analyzer domains from the result.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { SolcBuild, type BuildInfoJson } from "../../../scripts/audit/analyzers/build-info";
import { domainFromCli, resolveDomain, type CliDomainArgs, type ResolvedDomain } from "../../../scripts/audit/analyzers/domain";
import { analyzeSelectors } from "../../../scripts/audit/analyzers/selectors/analyze";
import { analyzeStorage } from "../../../scripts/audit/analyzers/storage/analyze";
import type { Finding, Severity } from "../../../scripts/audit/types";

export const REPO = path.resolve(__dirname, "..", "..", "..");
export const FIXTURE_DIR = "test/fixtures/analyzers";

/** hardhat.config.ts's outputSelection (kept in step by a test in build-info.test.ts). */
export const OUTPUT_SELECTION = {
  "*": {
    "*": ["abi", "evm.bytecode", "evm.deployedBytecode", "evm.methodIdentifiers", "metadata", "storageLayout"],
    "": ["ast"],
  },
};

interface Solc {
  compile(input: string, callbacks?: { import(p: string): { contents: string } | { error: string } }): string;
  version(): string;
}

function findImport(importPath: string): { contents: string } | { error: string } {
  for (const candidate of [path.join(REPO, "node_modules", importPath), path.join(REPO, importPath)]) {
    try {
      return { contents: readFileSync(candidate, "utf8") };
    } catch {
      // try the next root
    }
  }
  return { error: `not found: ${importPath}` };
}

/** Compiles Solidity sources (keyed by repository-relative path) to a build-info-shaped object. */
export function compileSources(sources: Record<string, string>): BuildInfoJson {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require("solc") as Solc;
  const input = {
    language: "Solidity",
    sources: Object.fromEntries(Object.entries(sources).map(([name, content]) => [name, { content }])),
    // No optimizer: layout, ABI and AST do not depend on it, and compiling is faster.
    settings: { evmVersion: "cancun", outputSelection: OUTPUT_SELECTION },
  };
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport })) as BuildInfoJson["output"];
  const errors = (output.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length > 0) throw new Error(`fixture compile failed:\n${errors.map((e) => e.formattedMessage ?? e.message).join("\n")}`);
  // Imported files are part of the output; give them their text too (line numbers need it).
  const allSources: Record<string, { content: string }> = { ...input.sources };
  for (const name of Object.keys(output.sources ?? {})) {
    if (!allSources[name]) allSources[name] = { content: (findImport(name) as { contents: string }).contents };
  }
  return { solcVersion: solc.version(), input: { sources: allSources }, output };
}

export function fixtureSources(): Record<string, string> {
  const dir = path.join(REPO, FIXTURE_DIR);
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith(".sol"))
      .sort()
      .map((f) => [`${FIXTURE_DIR}/${f}`, readFileSync(path.join(dir, f), "utf8")]),
  );
}

let fixtureBuild: SolcBuild | undefined;

/** All fixtures in one build, compiled on first use (about a second) and shared by every test file. */
export function fixtures(): SolcBuild {
  fixtureBuild ??= new SolcBuild([compileSources(fixtureSources())], { root: REPO, preferredRoots: [FIXTURE_DIR] });
  return fixtureBuild;
}

export function domain(build: SolcBuild, args: CliDomainArgs): ResolvedDomain {
  return resolveDomain(build, domainFromCli(args));
}

export function storageFindings(args: CliDomainArgs, build = fixtures()): Finding[] {
  return analyzeStorage(build, [domain(build, args)]).findings;
}

export function selectorFindings(args: CliDomainArgs, build = fixtures()): Finding[] {
  return analyzeSelectors(build, [domain(build, args)]).findings;
}

export function ofRule(findings: Finding[], rule: string): Finding[] {
  return findings.filter((f) => f.rule === rule);
}

const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

/** Findings above info (what "clean" must not have). */
export function aboveInfo(findings: Finding[]): Finding[] {
  return findings.filter((f) => RANK[f.severity] > 0);
}

export function atOrAbove(findings: Finding[], severity: Severity): Finding[] {
  return findings.filter((f) => RANK[f.severity] >= RANK[severity]);
}

/** One line per finding, for assertion messages. */
export function summary(findings: Finding[]): string {
  return findings.map((f) => `${f.severity} ${f.rule} ${f.location?.file}:${f.location?.line} ${f.title}`).join("\n") || "(none)";
}

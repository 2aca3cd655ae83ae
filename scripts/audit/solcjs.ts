/**
 * The offline Solidity compilers: the pinned `solc` npm packages (solcjs), one per version, installed
 * side by side with npm aliases (`"solc-0.8.30": "npm:solc@0.8.30"` in package.json). No native solc can
 * be downloaded on our machines, so this is the one place that says which compiler builds which version:
 * hardhat.config.ts's TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD override, the analyzer tests and the corpus
 * script all ask it.
 */
import path from "node:path";

/** Solidity version -> npm package (name in node_modules) that ships that solcjs build. */
export const SOLCJS_PACKAGES: Readonly<Record<string, string>> = {
  "0.8.28": "solc",
  "0.8.30": "solc-0.8.30",
};

export interface SolcJs {
  compile(input: string, callbacks?: { import(p: string): { contents: string } | { error: string } }): string;
  version(): string;
}

/** What Hardhat's TASK_COMPILE_SOLIDITY_GET_SOLC_BUILD returns for a solcjs compiler. */
export interface SolcJsBuild {
  compilerPath: string;
  isSolcJs: true;
  version: string;
  longVersion: string;
}

function packageOf(version: string): string | undefined {
  return SOLCJS_PACKAGES[version];
}

/** The versions an offline build can compile, ascending. */
export function offlineVersions(): string[] {
  return Object.keys(SOLCJS_PACKAGES).sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
}

/**
 * The solcjs build of `version`, or undefined when no pinned package ships it. Throws when the package
 * is pinned but installed at another version (a stale node_modules: run npm ci).
 */
export function solcJsBuild(version: string): SolcJsBuild | undefined {
  const pkg = packageOf(version);
  if (!pkg) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const installed = (require(`${pkg}/package.json`) as { version: string }).version;
  if (installed !== version) throw new Error(`npm package ${pkg} is ${installed}, expected ${version}: run npm ci`);
  return {
    compilerPath: path.join(path.dirname(require.resolve(`${pkg}/package.json`)), "soljson.js"),
    isSolcJs: true,
    version,
    longVersion: solcJs(version).version(),
  };
}

/** The solcjs module of `version` (for in-process standard-JSON compiles). */
export function solcJs(version: string): SolcJs {
  const pkg = packageOf(version);
  if (!pkg) throw new Error(`no offline compiler for Solidity ${version} (have ${offlineVersions().join(", ")})`);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(pkg) as SolcJs;
}

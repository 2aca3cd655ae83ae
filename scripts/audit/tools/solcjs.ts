/**
 * solcjs compilers of any version, provisioned from the npm registry (the `solc` package of that exact
 * version) into the shared tools cache: <tools>/solc/<version>/node_modules/solc. For audited projects
 * whose compiler versions the harness does not pin (../solcjs.ts) and whose native solc Hardhat cannot
 * download. Reused across runs and projects; installs are serialized with the provisioning lock.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { SolcJs, SolcJsBuild } from "../solcjs";
import { networkProblem, ToolInstallError, ToolUnavailableError, toolPaths, withLock } from "./provision";

const VERSION = /^\d+\.\d+\.\d+$/;

export interface SolcProvisionOptions {
  toolsDir: string;
  log(line: string): void;
  signal?: AbortSignal;
  /** Never install: use what is there or throw ToolUnavailableError. */
  offline?: boolean;
}

function installed(dir: string, version: string): boolean {
  try {
    return (JSON.parse(readFileSync(path.join(dir, "node_modules", "solc", "package.json"), "utf8")) as { version: string }).version === version;
  } catch {
    return false;
  }
}

function buildOf(dir: string, version: string): SolcJsBuild {
  const pkg = path.join(dir, "node_modules", "solc");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solc = require(pkg) as SolcJs;
  return { compilerPath: path.join(pkg, "soljson.js"), isSolcJs: true, version, longVersion: solc.version() };
}

/** The solcjs build of `version` from the tools cache, installing it first when needed. */
export async function provisionSolcJs(version: string, opts: SolcProvisionOptions): Promise<SolcJsBuild> {
  if (!VERSION.test(version)) throw new ToolUnavailableError(`solc ${version}`, "not a released Solidity version (x.y.z)");
  const dir = path.join(opts.toolsDir, "solc", version);
  if (installed(dir, version)) return buildOf(dir, version);
  if (opts.offline) throw new ToolUnavailableError(`solc ${version}`, `not in ${dir} and AUDIT_TOOLS_OFFLINE forbids installing it`);
  const root = path.dirname(opts.toolsDir);
  return withLock(toolPaths({ root, toolsDir: opts.toolsDir }), `solc-${version}`, { root, log: opts.log, signal: opts.signal }, async () => {
    if (installed(dir, version)) return buildOf(dir, version);
    opts.log(`installing solc ${version} (solcjs, from the npm registry) into ${path.relative(root, dir)}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: `solc-${version}-cache`, private: true }) + "\n");
    const { execa } = await import("execa");
    const run = await execa("npm", ["install", "--no-audit", "--no-fund", "--save-exact", `solc@${version}`], {
      cwd: dir,
      reject: false,
      stdin: "ignore",
      ...(opts.signal ? { cancelSignal: opts.signal } : {}),
    });
    const output = `${String(run.stdout)}\n${String(run.stderr)}`;
    if (run.exitCode !== 0 || !existsSync(path.join(dir, "node_modules", "solc"))) {
      rmSync(dir, { recursive: true, force: true });
      const network = networkProblem(output);
      if (network) throw new ToolUnavailableError(`solc ${version}`, `the npm registry is unreachable (${network})`);
      throw new ToolInstallError(`solc ${version}`, `npm install solc@${version} failed (exit ${run.exitCode})`, output);
    }
    return buildOf(dir, version);
  });
}

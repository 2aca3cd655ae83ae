/**
 * `npm run tools:install [-- --only python,medusa] [--offline]`: provisions
 * every external audit tool into .tools/ (see provision.ts), so CI and users
 * can pre-install before `npm run audit`. Already-installed pins are reused.
 *
 * Exit codes: 0 all installed; 1 an installer failed; 2 a tool is unavailable
 * on this machine (registry unreachable, no python3 / go) - one line each.
 */
import path from "node:path";
import {
  detectEchidna,
  describeTool,
  ensureEchidnaParade,
  ensureMedusa,
  ensureSlither,
  ToolInstallError,
  ToolUnavailableError,
  type ProvisionOptions,
} from "./provision";

const GROUPS = ["python", "medusa"] as const;
type Group = (typeof GROUPS)[number];

function parseArgs(argv: string[]): { only: Group[]; offline: boolean; root: string } {
  let only: Group[] = [...GROUPS];
  let offline = false;
  let root = path.resolve(__dirname, "..", "..", "..");
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--offline") offline = true;
    else if (a === "--only") {
      const list = (argv[++i] ?? "").split(",").filter(Boolean);
      const bad = list.filter((g) => !(GROUPS as readonly string[]).includes(g));
      if (bad.length > 0 || list.length === 0) throw new Error(`--only takes a comma-separated list of ${GROUPS.join(", ")}`);
      only = list as Group[];
    } else if (a === "--root") root = path.resolve(argv[++i] ?? ".");
    else if (a === "--help" || a === "-h") {
      process.stdout.write("usage: npm run tools:install [-- --only python,medusa] [--offline] [--root DIR]\n");
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return { only, offline, root };
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`tools:install: ${(e as Error).message}\n`);
    return 2;
  }
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  const opts: ProvisionOptions = {
    root: args.root,
    log: (m) => process.stderr.write(`[tools] ${m}\n`),
    signal: controller.signal,
    offline: args.offline,
  };
  let code = 0;
  const attempt = async (label: string, fn: () => Promise<string[]>): Promise<void> => {
    try {
      for (const line of await fn()) process.stdout.write(`${line}\n`);
    } catch (e) {
      if (e instanceof ToolUnavailableError) {
        process.stderr.write(`tools:install: ${label}: ${e.message}\n`);
        code = Math.max(code, 2);
      } else if (e instanceof ToolInstallError) {
        process.stderr.write(`tools:install: ${label}: ${e.message}\n${e.stderrTail ? `${e.stderrTail}\n` : ""}`);
        code = Math.max(code, 1);
      } else throw e;
    }
  };
  if (args.only.includes("python")) {
    await attempt("python tools", async () => {
      const s = await ensureSlither(opts);
      const parade = await ensureEchidnaParade(opts);
      return [s.slither, s.checkUpgradeability, s.cryticCompile, parade].map(describeTool);
    });
  }
  if (args.only.includes("medusa")) await attempt("medusa", async () => [describeTool(await ensureMedusa(opts))]);
  const echidna = await detectEchidna({ root: args.root });
  process.stdout.write(echidna ? `${describeTool(echidna)} (found, not managed)\n` : "echidna: not found on PATH (not installable from npm/PyPI/Go; optional)\n");
  return code;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`tools:install: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = 1;
  },
);

/**
 * `npx hardhat audit [flags]`: the audit pipeline as a Hardhat task, with the same flags as
 * `npm run audit`: its parameters are built from the one flag table (FLAGS in args.ts; Hardhat
 * spells `jsonFile` as --json-file, as typed), and `npx hardhat audit --help` (or
 * `npx hardhat help audit`) prints the same generated help as `npm run audit -- --help`. The
 * pipeline itself is loaded only when the task runs or its help is printed, so registering it costs
 * Hardhat nothing. The task does not compile: the pipeline's compile stage does, once.
 */
import { task, types } from "hardhat/config";
import { TASK_HELP } from "hardhat/builtin-tasks/task-names";
import { FLAGS, hardhatParamName, type FlagSpec } from "./args";

const TASK_FLAGS: readonly FlagSpec[] = FLAGS.filter((f: FlagSpec) => f.hardhat !== false);

const audit = task(
  "audit",
  "Runs the audit pipeline: the profile's stages against one compile, reports in audit/, gated by audit/policy.json (npx hardhat audit --help lists the stages and profiles)",
);
for (const flag of TASK_FLAGS) {
  if (flag.value !== undefined) audit.addOptionalParam(hardhatParamName(flag.name), flag.summary, undefined, types.string);
  else audit.addFlag(hardhatParamName(flag.name), flag.summary);
}
audit.setAction(async (args: Record<string, string | boolean | undefined>, hre) => {
  const { runInProcess } = await import("./run");
  const argv: string[] = [];
  for (const flag of TASK_FLAGS) {
    const value = args[hardhatParamName(flag.name)];
    if (flag.value !== undefined && typeof value === "string") argv.push(`--${flag.name}`, value);
    else if (flag.value === undefined && value === true) argv.push(`--${flag.name}`);
  }
  // The project is this Hardhat project unless --root names another.
  if (args[hardhatParamName("root")] === undefined) argv.push("--root", hre.config.paths.root);
  // SIGINT / SIGTERM: the same interrupt path as npm run audit (exit 130, nothing written).
  process.exitCode = await runInProcess(argv);
});

task("audit:init", "Prepares this project for its first audit: infers its storage domains, writes starter audit/domains.json, audit/policy.json and .solhint.json (never overwriting), and says what is missing").setAction(
  async (_args: Record<string, never>, hre) => {
    const { runInProcess } = await import("./run");
    process.exitCode = await runInProcess(["init", "--root", hre.config.paths.root]);
  },
);

// `npx hardhat audit --help`: the generated help (stages and profiles from the registry), not only the parameter list.
task(TASK_HELP).setAction(async (args: { scopeOrTask?: string; task?: string }, _hre, runSuper) => {
  if (args.scopeOrTask !== "audit" || args.task !== undefined) return runSuper(args);
  const [{ usage }, { STAGES }, { DEFAULT_TIMEOUT_MS }] = await Promise.all([import("./args"), import("./stages"), import("./scheduler")]);
  process.stdout.write(usage({ stages: STAGES, defaultTimeoutMs: DEFAULT_TIMEOUT_MS, entry: "hardhat" }) + "\n");
});

/**
 * `npx hardhat audit [flags]`: the audit pipeline as a Hardhat task, with the
 * same flags as `npm run audit` (Hardhat spells them --only, --skip,
 * --profile, --out, --json, --json-file, --update-gas-baseline, --baseline,
 * --baseline-ref, --list-rules, --accept, --why, --reviewer, --expires). The pipeline itself is
 * loaded only when the task runs, so registering it costs Hardhat nothing.
 * The task does not compile: the pipeline's compile stage does, once.
 */
import { task, types } from "hardhat/config";

task("audit", "Runs the audit pipeline (compile, lint, test, gas, coverage) and gates the result")
  .addOptionalParam("only", "Run only these stages (comma-separated)", undefined, types.string)
  .addOptionalParam("skip", "Do not run these stages (comma-separated)", undefined, types.string)
  .addOptionalParam("profile", "quick | ci | deep (default ci)", undefined, types.string)
  .addOptionalParam("out", "Output directory (default audit/)", undefined, types.string)
  .addOptionalParam("jsonFile", "Also write the JSON summary to this file", undefined, types.string)
  .addFlag("json", "Print the summary as JSON on stdout (progress on stderr)")
  .addFlag("updateGasBaseline", "Write audit/baselines/gas.json from this run's gas measurements")
  .addOptionalParam("baseline", "Mark findings new / unchanged / fixed against this report.json", undefined, types.string)
  .addOptionalParam("baselineRef", "...against the cached report of this git ref's commit", undefined, types.string)
  .addFlag("listRules", "Print every rule a stage can report (the rule catalog)")
  .addOptionalParam("accept", "Accept this finding id of the last report: write its suppression entry", undefined, types.string)
  .addOptionalParam("why", "The justification of --accept's entry", undefined, types.string)
  .addOptionalParam("reviewer", "Who accepted it (--accept)", undefined, types.string)
  .addOptionalParam("expires", "YYYY-MM-DD after which --accept's entry no longer applies", undefined, types.string)
  .setAction(
    async (
      args: {
        only?: string;
        skip?: string;
        profile?: string;
        out?: string;
        jsonFile?: string;
        json: boolean;
        updateGasBaseline: boolean;
        baseline?: string;
        baselineRef?: string;
        listRules: boolean;
        accept?: string;
        why?: string;
        reviewer?: string;
        expires?: string;
      },
      hre,
    ) => {
      const { runInProcess } = await import("./run");
      const argv = ["--root", hre.config.paths.root];
      for (const key of ["only", "skip", "profile", "out", "baseline", "accept", "why", "reviewer", "expires"] as const) {
        const value = args[key];
        if (value !== undefined) argv.push(`--${key}`, value);
      }
      if (args.jsonFile !== undefined) argv.push("--json-file", args.jsonFile);
      if (args.baselineRef !== undefined) argv.push("--baseline-ref", args.baselineRef);
      if (args.json) argv.push("--json");
      if (args.listRules) argv.push("--list-rules");
      if (args.updateGasBaseline) argv.push("--update-gas-baseline");
      // SIGINT / SIGTERM: the same interrupt path as npm run audit (exit 130, nothing written).
      process.exitCode = await runInProcess(argv);
    },
  );

task("audit:init", "Prepares this project for its first audit: infers its storage domains, writes starter audit/domains.json, audit/policy.json and .solhint.json (never overwriting), and says what is missing").setAction(
  async (_args: Record<string, never>, hre) => {
    const { runInProcess } = await import("./run");
    process.exitCode = await runInProcess(["init", "--root", hre.config.paths.root]);
  },
);

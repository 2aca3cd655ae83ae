/**
 * `npx hardhat audit:storage` and `npx hardhat audit:selectors`: the two analyzers as standalone tasks.
 *
 *   npx hardhat audit:storage                                   # the domains of audit/domains.json
 *   npx hardhat audit:storage --proxy LoadBalancer --impl Staking,Voting --json out.json
 *   npx hardhat audit:selectors --proxy P --impl A,B --dispatch diamond
 *   npx hardhat audit:storage --upgrade Staking:StakingV2       # V1 -> V2 (comma-separated pairs)
 *   npx hardhat audit:storage --live                            # deploy scripts/deploy.ts in-process, analyze what is registered
 *   npx hardhat audit:storage --live --network localhost [--address 0xProxy]
 *
 * Hardhat 2 does not accept a named parameter twice, so lists are comma-separated
 * (`--impl Staking,Voting`, `--impl LoadBalancerAdmin@0,Staking@1`).
 * Exit codes: 0 clean (nothing at or above audit/policy.json failOnSeverity), 1 findings at or above it, 2 bad input (one line
 * on stderr, no stack trace). The analyzers are loaded only when a task runs.
 */
import { subtask, task, types } from "hardhat/config";
import { TASK_COMPILE_SOLIDITY_CHECK_ERRORS } from "hardhat/builtin-tasks/task-names";
import { captureCompileErrors, type SolcError } from "./compile-errors";
import { DISPATCH_MODELS } from "./domain";
import type { HardhatRuntimeEnvironment } from "hardhat/types";

export interface AnalyzerTaskArgs {
  proxy?: string;
  impl?: string;
  dispatch?: string;
  upgrade?: string;
  idBytes?: number;
  domain?: string;
  /** Domains file (`--domains`; Hardhat reserves `--config`). */
  domains?: string;
  json?: string;
  address?: string;
  live: boolean;
  noCompile: boolean;
  quiet: boolean;
}

const ANALYZER_TASKS = [
  { name: "audit:storage", kind: "storage" as const, description: "Storage-collision analysis of proxy storage domains (overlaps, ERC-7201 namespaces, slot constants, V1 -> V2 layouts)" },
  { name: "audit:selectors", kind: "selectors" as const, description: "Selector-clash analysis of proxy storage domains (proxy vs implementation, diamond facets, id-routing capture)" },
];

for (const t of ANALYZER_TASKS) {
  task(t.name, t.description)
    .addOptionalParam("proxy", "Proxy contract (Name or path/File.sol:Name); with --impl replaces audit/domains.json", undefined, types.string)
    .addOptionalParam("impl", "Implementations, comma-separated; Name@id sets an id-routed id (default 1, 2, ...)", undefined, types.string)
    .addOptionalParam("dispatch", `${DISPATCH_MODELS.join(" | ")} (default: the domains file's for that proxy, else what the proxy's code shows)`, undefined, types.string)
    .addOptionalParam("upgrade", "V1:V2 pairs, comma-separated (V2 replaces V1 under the same id)", undefined, types.string)
    .addOptionalParam("idBytes", "id-routed: bytes of the id prefix (default 1)", undefined, types.int)
    .addOptionalParam("domain", "Only this domain of the domains file", undefined, types.string)
    .addOptionalParam("domains", "Domains file (default audit/domains.json)", undefined, types.string)
    .addOptionalParam("json", "Write findings and metrics (the pipeline's StageResult shape) to this file", undefined, types.string)
    .addOptionalParam("address", "Live mode: the deployed proxy (default: deploy scripts/deploy.ts on the selected network)", undefined, types.string)
    .addFlag("live", "Analyze the implementations actually registered in a deployed proxy")
    .addFlag("noCompile", "Do not compile first")
    .addFlag("quiet", "Print only the one-line summary (and errors)")
    .setAction(async (args: AnalyzerTaskArgs, hre: HardhatRuntimeEnvironment) => {
      const { runAnalyzerTask } = await import("./run-task");
      return runAnalyzerTask(t.kind, args, hre);
    });
}

// While an analyzer task compiles (compile-errors.ts), the compiler's errors become its one-line error
// instead of Hardhat's multi-line excerpts; every other compile is Hardhat's own.
subtask(TASK_COMPILE_SOLIDITY_CHECK_ERRORS).setAction(async (args: { output?: { errors?: SolcError[] }; quiet: boolean }, _hre, runSuper) => {
  if (captureCompileErrors(args.output?.errors) && (args.output?.errors ?? []).some((e) => e.severity === "error")) {
    throw new Error("compilation failed (the errors are reported by the analyzer task)");
  }
  return runSuper(args);
});

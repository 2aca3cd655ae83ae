/**
 * `npm run bench:gas [-- flags]`: the routing-cost benchmark in one Hardhat run (see docs/BENCHMARK.md).
 *
 *   --out <file>        where to write the result (default audit/gas/bench.json; env BENCH_OUT)
 *   --update-baseline   also write the committed baseline audit/baselines/bench.json (env BENCH_UPDATE_BASELINE=1)
 *   --check             exit 1 when a metric regressed beyond policy.gas.maxRegressionPercent
 *   --no-compile        do not compile first (env BENCH_NO_COMPILE=1; the audit stage sets it)
 *   --json              print the report as JSON instead of the table
 *
 * Also runs as `npx hardhat run [--no-compile] scripts/bench/gas.ts` (flags through the env variables).
 * Prints the table with our cold overhead and its ratio to the floor, and the comparison with the baseline.
 */
import path from "node:path";
import hre from "hardhat";
import { compareBench, diffBench } from "./compare";
import { formatTable } from "./format";
import { loadBenchBaseline, loadMaxRegressionPct, serializeReport, writeFileAtomic } from "./io";
import { runBench } from "./measure";
import { BENCH_BASELINE_FILE, BENCH_OUTPUT_FILE } from "./types";

interface Options {
  out: string;
  updateBaseline: boolean;
  check: boolean;
  compile: boolean;
  json: boolean;
}

const truthy = (v: string | undefined): boolean => v !== undefined && v !== "" && v !== "0" && v !== "false";

export function parseArgs(argv: readonly string[], env: NodeJS.ProcessEnv): Options {
  const opts: Options = {
    out: env.BENCH_OUT ?? BENCH_OUTPUT_FILE,
    updateBaseline: truthy(env.BENCH_UPDATE_BASELINE),
    check: truthy(env.BENCH_CHECK),
    compile: !truthy(env.BENCH_NO_COMPILE),
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--update-baseline") opts.updateBaseline = true;
    else if (a === "--check") opts.check = true;
    else if (a === "--no-compile") opts.compile = false;
    else if (a === "--json") opts.json = true;
    else if (a === "--out" && argv[i + 1] !== undefined) opts.out = argv[++i];
    else if (a.startsWith("--out=")) opts.out = a.slice("--out=".length);
    else throw new Error(`unknown argument ${a} (see scripts/bench/gas.ts)`);
  }
  return opts;
}

async function main(): Promise<number> {
  const opts = parseArgs(process.argv.slice(2), process.env);
  const root = hre.config.paths.root;
  // The committed inputs are checked before anything is measured: a malformed baseline or policy
  // stops here with one line, not after the benchmark ran.
  const committed = loadBenchBaseline(root);
  const limit = loadMaxRegressionPct(root);
  if (opts.compile) await hre.run("compile", { quiet: true });
  const report = await runBench(hre, { log: (l) => process.stderr.write(`bench: ${l}\n`) });

  const out = path.resolve(root, opts.out);
  writeFileAtomic(out, serializeReport(report));
  if (opts.updateBaseline) {
    writeFileAtomic(
      path.join(root, BENCH_BASELINE_FILE),
      serializeReport(report, "Routing-cost benchmark baseline: written only by `npm run bench:gas -- --update-baseline`; fields in docs/BENCHMARK.md."),
    );
  }

  const print = (s: string): void => void process.stdout.write(`${s}\n`);
  if (opts.json) print(JSON.stringify(report, null, 2));
  else print(formatTable(report));
  process.stderr.write(`bench: wrote ${path.relative(root, out)}${opts.updateBaseline ? ` and ${BENCH_BASELINE_FILE}` : ""}\n`);

  const baseline = opts.updateBaseline ? report : committed;
  if (!baseline) {
    process.stderr.write(`bench: no baseline (${BENCH_BASELINE_FILE}); create it with npm run bench:gas -- --update-baseline\n`);
    return 0;
  }
  const reasons = compareBench(report, baseline, limit);
  const { added } = diffBench(report, baseline, limit);
  for (const r of reasons) process.stderr.write(`bench: REGRESSION ${r}\n`);
  for (const r of added) process.stderr.write(`bench: new row ${r} is not in the baseline\n`);
  if (reasons.length === 0) process.stderr.write(`bench: no regression above ${limit}% against ${BENCH_BASELINE_FILE}\n`);
  return opts.check && reasons.length > 0 ? 1 : 0;
}

if (require.main === module) {
  main()
    .then((code) => {
      process.exitCode = code;
    })
    .catch((e: unknown) => {
      // One line (BENCH_DEBUG=1 for the stack): bad input and failed runs alike, exit 2.
      const message = e instanceof Error ? e.message.split("\n")[0] : String(e);
      process.stderr.write(`bench: ${message}${process.env.BENCH_DEBUG && e instanceof Error && e.stack ? `\n${e.stack}` : ""}\n`);
      process.exitCode = 2;
    });
}

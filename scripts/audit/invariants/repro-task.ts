/**
 * `npx hardhat audit:repro [--input file] [--out dir] [--harness Name] [--artifacts dir]`: the invariant
 * campaign's failing sequences become regression tests under test/unit/repro/ (see ./repro.ts).
 * The generator is loaded only when the task runs.
 */
import { task, types } from "hardhat/config";

task("audit:repro", "Turns failing invariant sequences (audit/raw/invariants/failures.json) into regression tests")
  .addOptionalParam("input", "failures.json of the invariant stage", undefined, types.string)
  .addOptionalParam("out", "Directory for the generated tests (default test/unit/repro)", undefined, types.string)
  .addOptionalParam("harness", "Replay on this harness instead of the one the failure was found on", undefined, types.string)
  .addOptionalParam("artifacts", "Artifacts directory to read the harness from", undefined, types.string)
  .setAction(async (args: { input?: string; out?: string; harness?: string; artifacts?: string }, hre) => {
    const { generateReproTests } = await import("./repro");
    const written = generateReproTests({
      root: hre.config.paths.root,
      input: args.input,
      out: args.out,
      harness: args.harness,
      artifactsDir: args.artifacts,
    });
    for (const r of written) console.log(`${r.written ? "wrote" : "exists"} ${r.file} (${r.property})`);
    if (written.length === 0) console.log("no failing sequences");
  });

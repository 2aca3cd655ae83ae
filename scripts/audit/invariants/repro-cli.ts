/**
 * `npm run invariants:repro -- [--input file] [--out dir] [--harness Name] [--artifacts dir]`:
 * failing invariant sequences -> regression tests (see ./repro.ts).
 */
import path from "node:path";
import { DEFAULT_INPUT, DEFAULT_OUT, generateReproTests, type ReproOptions } from "./repro";

export function parseReproArgs(argv: readonly string[]): Omit<ReproOptions, "root"> {
  const opts: Omit<ReproOptions, "root"> = {};
  const keys: Record<string, keyof Omit<ReproOptions, "root">> = {
    "--input": "input",
    "--out": "out",
    "--harness": "harness",
    "--artifacts": "artifactsDir",
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split("=", 2);
    const key = keys[flag];
    if (!key) throw new Error(`unknown option ${argv[i]} (expected ${Object.keys(keys).join(", ")})`);
    const value = inline ?? argv[++i];
    if (value === undefined || value.startsWith("--")) throw new Error(`${flag} needs a value`);
    opts[key] = value;
  }
  return opts;
}

if (require.main === module) {
  try {
    const opts = parseReproArgs(process.argv.slice(2));
    const root = path.resolve(__dirname, "../../..");
    const written = generateReproTests({ root, ...opts });
    if (written.length === 0) console.log(`no failing sequences in ${opts.input ?? DEFAULT_INPUT}`);
    for (const r of written) {
      console.log(r.skipped ? `skipped ${r.property}: ${r.skipped}` : `${r.written ? "wrote" : "exists"} ${r.file} (${r.property})`);
    }
    if (written.some((r) => !r.skipped)) console.log(`run them: npx hardhat test ${opts.out ?? DEFAULT_OUT}/*.test.ts`);
  } catch (e) {
    console.error((e as Error).message);
    process.exitCode = 1;
  }
}

/**
 * Command-line flags of `npm run audit` / `npx hardhat audit`, parsed with
 * node:util parseArgs. Bad input throws InputError (exit 2).
 */
import { parseArgs } from "node:util";
import { InputError } from "./errors";
import type { Profile } from "./types";

export const PROFILES: readonly Profile[] = ["quick", "ci", "deep"];
export const DEFAULT_PROFILE: Profile = "ci";

export interface AuditOptions {
  only?: string[];
  skip: string[];
  profile: Profile;
  /** Output directory (default <root>/audit). */
  out?: string;
  json: boolean;
  help: boolean;
  updateGasBaseline: boolean;
  /** Repository root (default: the nearest directory with hardhat.config.ts). */
  root?: string;
}

export function usage(stageNames: readonly string[]): string {
  return `Usage: npm run audit -- [options]      (or: npx hardhat audit [options])

Runs the audit pipeline (${stageNames.join(", ")}), writes report.json/.md/.html/.sarif
and junit.xml to the output directory, and gates the result against audit/policy.json.

Options:
  --profile quick|ci|deep   stage set and time limits (default ${DEFAULT_PROFILE})
                              quick: compile, lint, test; ci: + gas, coverage; deep: all stages
  --only a,b                run only these stages (the profile still sets required stages)
  --skip a,b                do not run these stages
  --out DIR                 output directory (default audit/)
  --json                    print the summary as JSON on stdout (progress goes to stderr)
  --update-gas-baseline     write audit/baselines/gas.json from this run's gas measurements
  --root DIR                repository root (default: nearest directory with hardhat.config.ts)
  -h, --help                show this help

Exit codes: 0 gate passed, 1 gate failed, 2 the pipeline could not run (bad input).`;
}

function list(value: string | undefined, flag: string): string[] | undefined {
  if (value === undefined) return undefined;
  const items = value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (items.length === 0) throw new InputError(`${flag} needs a comma-separated list of stages`);
  return items;
}

export function parseAuditArgs(argv: readonly string[]): AuditOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        only: { type: "string" },
        skip: { type: "string" },
        profile: { type: "string" },
        out: { type: "string" },
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        "update-gas-baseline": { type: "boolean" },
        root: { type: "string" },
      },
    }));
  } catch (e) {
    throw new InputError(`${(e as Error).message.split("\n")[0]} (see --help)`);
  }
  const profile = values.profile ?? DEFAULT_PROFILE;
  if (!(PROFILES as readonly string[]).includes(profile)) {
    throw new InputError(`unknown profile "${profile}" (valid: ${PROFILES.join(", ")})`);
  }
  return {
    only: list(values.only, "--only"),
    skip: list(values.skip, "--skip") ?? [],
    profile: profile as Profile,
    out: values.out,
    json: values.json ?? false,
    help: values.help ?? false,
    updateGasBaseline: values["update-gas-baseline"] ?? false,
    root: values.root,
  };
}

export interface StagePlan {
  /** Stages that run. */
  selected: string[];
  /** Stages of the profile (or --only) that do not run, with why. */
  excluded: { name: string; reason: string }[];
}

/**
 * Which registered stages run: --only's list, else the profile's stages;
 * minus --skip. Unknown names are an InputError listing the valid ones.
 */
export function planStages(
  registry: readonly { name: string; profiles?: readonly Profile[] }[],
  opts: Pick<AuditOptions, "only" | "skip" | "profile">,
): StagePlan {
  const names = registry.map((s) => s.name);
  for (const [flag, given] of [["--only", opts.only ?? []], ["--skip", opts.skip]] as const) {
    const unknown = given.filter((n) => !names.includes(n));
    if (unknown.length > 0) {
      throw new InputError(`unknown stage${unknown.length > 1 ? "s" : ""} ${unknown.map((u) => `"${u}"`).join(", ")} in ${flag} (valid: ${names.join(", ")})`);
    }
  }
  const inProfile = registry.filter((s) => !s.profiles || s.profiles.includes(opts.profile)).map((s) => s.name);
  const wanted = opts.only ?? inProfile;
  const shown = names.filter((n) => inProfile.includes(n) || wanted.includes(n));
  const selected = shown.filter((n) => wanted.includes(n) && !opts.skip.includes(n));
  const excluded = shown
    .filter((n) => !selected.includes(n))
    .map((name) => ({ name, reason: opts.skip.includes(name) ? "excluded by --skip" : "not selected by --only" }));
  return { selected, excluded };
}

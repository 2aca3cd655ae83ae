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
  /** Also write the JSON summary to this file (written when the run completes). */
  jsonFile?: string;
  help: boolean;
  updateGasBaseline: boolean;
  /** Repository root (default: the nearest directory with hardhat.config.ts). */
  root?: string;
  /** Print the rule catalog (findings/catalog.ts) and exit. */
  listRules: boolean;
  /** A previous run's report.json to mark findings new / unchanged / updated / absent against. */
  baseline?: string;
  /** A git ref whose cached report is the baseline (findings/baseline.ts). */
  baselineRef?: string;
  /** Write a suppression entry for this finding id (from the last report.json) instead of running. */
  accept?: string;
  /** The justification of --accept's entry. */
  why?: string;
  reviewer?: string;
  /** YYYY-MM-DD. */
  expires?: string;
}

export function usage(stageNames: readonly string[]): string {
  return `Usage: npm run audit -- [options]      (or: npx hardhat audit [options])
       npm run audit -- init [--root DIR]  (or: npx hardhat audit:init): prepare a project for its first audit

Runs the audit pipeline (${stageNames.join(", ")}), writes report.json/.md/.html/.sarif
and junit.xml to the output directory, and gates the result against audit/policy.json.

Options:
  --profile quick|ci|deep   stage set and time limits (default ${DEFAULT_PROFILE})
                              quick: compile, storage, selectors, lint, slither, test;
                              ci: every stage; deep: every stage, long limits and fuzzing
  --only a,b                run only these stages (the profile still sets required stages)
  --skip a,b                do not run these stages
  --out DIR                 output directory (default audit/)
  --json                    print the summary as JSON on stdout (progress goes to stderr);
                              with npm, use npm run --silent audit -- --json (npm prints a banner)
  --json-file FILE          also write the JSON summary to FILE
  --update-gas-baseline     write audit/baselines/gas.json from this run's gas measurements
  --root DIR                the Hardhat project to audit (default: nearest directory with a
                              hardhat.config.*); any project with its dependencies installed
  --baseline FILE           mark each finding new / unchanged / updated against a previous
                              run's report.json, and list what it had that is gone (fixed);
                              audit/policy.json failOn "new" then gates on new findings only
  --baseline-ref REF        the same against the cached report of git REF's commit
                              (<out>/history/<sha>.json, kept by every clean-tree run); none
                              cached: one line saying how to get it, exit 2
  --list-rules              print every rule a stage can report (the rule catalog; --json: JSON)
  --accept ID --why TEXT    accept finding ID of the last report.json: write its entry
                              (stage, rule, file, symbol, justification) to
                              audit/suppressions.json; optional --reviewer NAME, --expires
                              YYYY-MM-DD; runs no stage
  -h, --help                show this help

Each flag that takes a value may be given once.

Exit codes: 0 gate passed, 1 gate failed, 2 the pipeline could not run (bad input: flags, input
files, --root/--out, stale or missing build; nothing written), 130 interrupted (SIGINT/SIGTERM:
tools stopped, nothing written, the previous reports untouched).`;
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

const VALUED = ["only", "skip", "profile", "out", "json-file", "root", "baseline", "baseline-ref", "accept", "why", "reviewer", "expires"] as const;

export function parseAuditArgs(argv: readonly string[]): AuditOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        ...(Object.fromEntries(VALUED.map((name) => [name, { type: "string", multiple: true }])) as Record<(typeof VALUED)[number], { type: "string"; multiple: true }>),
        json: { type: "boolean" },
        help: { type: "boolean", short: "h" },
        "update-gas-baseline": { type: "boolean" },
        "list-rules": { type: "boolean" },
      },
    }));
  } catch (e) {
    throw new InputError(`${(e as Error).message.split("\n")[0]} (see --help)`);
  }
  // "Last one wins" would silently drop a stage list or a profile: a repeated flag is an error.
  const single = (name: (typeof VALUED)[number]): string | undefined => {
    const given = values[name];
    if (given && given.length > 1) {
      throw new InputError(`--${name} given ${given.length} times (${given.map((g) => JSON.stringify(g)).join(", ")}): give it once${name === "only" || name === "skip" ? ", with a comma-separated list" : ""}`);
    }
    return given?.[0];
  };
  const profile = single("profile") ?? DEFAULT_PROFILE;
  if (!(PROFILES as readonly string[]).includes(profile)) {
    throw new InputError(`unknown profile "${profile}" (valid: ${PROFILES.join(", ")})`);
  }
  for (const name of ["out", "json-file", "root", "baseline"] as const) {
    if (single(name) === "") throw new InputError(`--${name} needs a path`);
  }
  const accept = single("accept");
  const why = single("why");
  if (single("baseline") !== undefined && single("baseline-ref") !== undefined) throw new InputError("--baseline and --baseline-ref are alternatives: give one");
  if (single("baseline-ref") === "") throw new InputError("--baseline-ref needs a git ref (a branch, tag or commit)");
  if (accept === undefined) {
    const stray = (["why", "reviewer", "expires"] as const).filter((n) => single(n) !== undefined);
    if (stray.length) throw new InputError(`--${stray[0]} goes with --accept <finding-id>`);
  } else {
    if (!accept.trim()) throw new InputError("--accept needs a finding id (from report.json, e.g. slither:reentrancy-eth:3f0c9a1b2c4d)");
    if (!why?.trim()) throw new InputError("--accept needs --why \"<justification>\": why the finding is accepted");
    if (single("reviewer") === "") throw new InputError("--reviewer needs a name");
    const expires = single("expires");
    if (expires !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(expires)) throw new InputError(`--expires needs a date YYYY-MM-DD, not "${expires}"`);
  }
  return {
    only: list(single("only"), "--only"),
    skip: list(single("skip"), "--skip") ?? [],
    profile: profile as Profile,
    out: single("out"),
    json: values.json ?? false,
    jsonFile: single("json-file"),
    help: values.help ?? false,
    updateGasBaseline: values["update-gas-baseline"] ?? false,
    root: single("root"),
    listRules: values["list-rules"] ?? false,
    baseline: single("baseline"),
    baselineRef: single("baseline-ref"),
    accept,
    why,
    reviewer: single("reviewer"),
    expires: single("expires"),
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

/**
 * Command-line flags of `npm run audit` / `npx hardhat audit`, parsed with
 * node:util parseArgs. Bad input throws InputError (exit 2).
 *
 * FLAGS is the one description of the flags: the parser (parseAuditArgs), the help (usage), and the
 * Hardhat task's parameters (hardhat-task.ts) are all built from it, so a flag added here is parsed,
 * listed in --help and accepted by `npx hardhat audit` at once. The help's stage and profile lists
 * come from the stage registry (stages/index.ts) passed in by the caller, so they cannot go stale.
 */
import { parseArgs } from "node:util";
import { EXIT_CODES, InputError } from "./errors";
import { parseShard, type Shard } from "./shard";
import type { Profile } from "./types";

export const PROFILES: readonly Profile[] = ["quick", "ci", "deep"];
export const DEFAULT_PROFILE: Profile = "ci";

/** What each profile is for (the help adds its stage set, from the registry, and its time limit). */
export const PROFILE_PURPOSE: Record<Profile, string> = {
  quick: "a laptop check",
  ci: "the CI gate",
  deep: "long time limits and fuzzing budgets",
};

/** One command-line flag. */
export interface FlagSpec {
  /** The long name as typed, without the dashes: `json-file`. Hardhat's parameter is its camelCase. */
  readonly name: string;
  /** One-letter alias (`-h`); the npm entry only (Hardhat tasks have none). */
  readonly short?: string;
  /** Placeholder of the value, for a flag that takes one (`DIR`, `a,b`); absent for an on/off flag. */
  readonly value?: string;
  /** One line: the help's first line for the flag and the Hardhat parameter's description. */
  readonly summary: string;
  /** More help text, after the summary (the npm entry's --help only). */
  readonly details?: readonly string[];
  /** false: not a parameter of the Hardhat task (Hardhat has its own --help). */
  readonly hardhat?: false;
}

/** The flags of the audit run, in help order. */
export const FLAGS = [
  { name: "profile", value: PROFILES.join("|"), summary: `stage set and time limits (default ${DEFAULT_PROFILE}; profiles below)` },
  { name: "only", value: "a,b", summary: "run only these stages (the profile still sets required stages and time limits)" },
  { name: "skip", value: "a,b", summary: "do not run these stages" },
  { name: "out", value: "DIR", summary: "output directory (default audit/ of the audited project)" },
  {
    name: "json",
    summary: "print the summary as JSON on stdout (progress goes to stderr)",
    details: ["with npm, use npm run --silent audit -- --json (npm prints a banner on stdout)"],
  },
  { name: "json-file", value: "FILE", summary: "also write the JSON summary to FILE (when the run completes)" },
  {
    name: "no-cache",
    summary: "run every stage: reuse no result from <out>/cache (the fresh results replace the cached ones)",
    details: ["by default a stage whose inputs are unchanged is reused and marked cached in the reports; AUDIT_NO_CACHE=1 or audit/policy.json \"cache\": false turn the cache off"],
  },
  { name: "update-gas-baseline", summary: "write audit/baselines/gas.json from this run's gas measurements" },
  {
    name: "root",
    value: "DIR",
    summary: "the Hardhat project to audit (default: the nearest directory with a hardhat.config.*)",
    details: ["any Hardhat 2 project with its dependencies installed (docs/AUDITING-OTHER-PROJECTS.md)"],
  },
  {
    name: "baseline",
    value: "FILE",
    summary: "mark each finding new / unchanged / updated against a previous run's report.json",
    details: ["and list what it had that is gone (fixed); audit/policy.json failOn \"new\" then gates on new findings only"],
  },
  {
    name: "baseline-ref",
    value: "REF",
    summary: "the same against the cached report of git REF's commit",
    details: ["<out>/history/<sha>.json, kept by every clean-tree run; none cached: one line saying how to get it, exit 2"],
  },
  {
    name: "shard",
    value: "i/n",
    summary: "run shard i of n of the fuzzing campaign (1 <= i <= n): its share of the budget, its own seed and corpus",
    details: ["the other stages run whole; join the shards with npm run audit:merge (audit/README.md)"],
  },
  { name: "list-rules", summary: "print every rule a stage can report (the rule catalog; with --json: JSON) and exit" },
  {
    name: "accept",
    value: "ID",
    summary: "accept finding ID of the last report.json (with --why): write its suppression entry and exit",
    details: ["stage, rule, file, symbol and justification go to audit/suppressions.json; runs no stage"],
  },
  { name: "why", value: "TEXT", summary: "--accept: the justification (required)" },
  { name: "reviewer", value: "NAME", summary: "--accept: who reviewed it (optional)" },
  { name: "expires", value: "YYYY-MM-DD", summary: "--accept: when the acceptance lapses (optional)" },
  { name: "help", short: "h", summary: "show this help", hardhat: false },
] as const satisfies readonly FlagSpec[];

/** The flags of `npm run audit -- init`. */
export const INIT_FLAGS = [
  { name: "root", value: "DIR", summary: "the Hardhat project to prepare (default: the nearest directory with a hardhat.config.*)" },
  { name: "help", short: "h", summary: "show this help", hardhat: false },
] as const satisfies readonly FlagSpec[];

type Flag = (typeof FLAGS)[number];
type ValuedName = Extract<Flag, { value: string }>["name"];
type SwitchName = Exclude<Flag["name"], ValuedName>;

/** Hardhat's name of a flag's task parameter: `json-file` -> `jsonFile` (Hardhat types it back as --json-file). */
export function hardhatParamName(flag: string): string {
  return flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
}

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
  /** --no-cache: run every stage, reuse no cached result (fresh results are still stored). */
  noCache: boolean;
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
  /** --shard i/n: this run is shard i of n of the fuzzing campaign (shard.ts). */
  shard?: Shard;
}

/** What the help needs to know of a registered stage (a `Stage` fits). */
export interface StageInfo {
  readonly name: string;
  readonly title: string;
  readonly profiles?: readonly Profile[];
  readonly dependsOn?: readonly string[];
}

/** The help's view of the pipeline: the stage registry and the scheduler's default time limits. */
export interface HelpContext {
  readonly stages: readonly StageInfo[];
  readonly defaultTimeoutMs: Readonly<Record<Profile, number>>;
  /** Which entry point prints it: `npm run audit --` or `npx hardhat audit`. */
  readonly entry?: "npm" | "hardhat";
}

const WIDTH = 100;

/** `text` wrapped into lines of at most `width` characters (a longer word stays whole). */
function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}

/** Two-column rows: `left` indented by 2 and padded to `column`, `right` wrapped beside it. */
function rows(entries: readonly (readonly [string, string])[], column: number): string[] {
  const out: string[] = [];
  for (const [left, right] of entries) {
    const head = `  ${left}`;
    const text = wrap(right, WIDTH - column).map((l) => " ".repeat(column) + l);
    if (text.length === 0) out.push(head);
    else if (head.length + 2 <= column) text[0] = head.padEnd(column) + text[0].slice(column);
    else text.unshift(head);
    if (text.length > 0) out.push(...text);
  }
  return out;
}

/** The flags' section of a help text (`--name VALUE  summary; details`). */
export function flagRows(flags: readonly FlagSpec[], column = 28): string[] {
  return flags.flatMap((f) => {
    const left = `${f.short ? `-${f.short}, ` : ""}--${f.name}${f.value ? ` ${f.value}` : ""}`;
    return rows([[left, [f.summary, ...(f.details ?? [])].join("; ")]], column);
  });
}

/** The stages a profile selects (the registry's rule, as planStages applies it). */
export function profileStages(stages: readonly StageInfo[], profile: Profile): string[] {
  return stages.filter((s) => !s.profiles || s.profiles.includes(profile)).map((s) => s.name);
}

const minutes = (ms: number): string => `${Math.round(ms / 60_000)} min`;

/** `--help` of `npm run audit` / `npx hardhat audit`, built from FLAGS, the stage registry and PROFILES. */
export function usage(ctx: HelpContext): string {
  const hardhat = ctx.entry === "hardhat";
  const names = ctx.stages.map((s) => s.name);
  const lines: string[] = hardhat
    ? ["Usage: npx hardhat [GLOBAL OPTIONS] audit [options]     (or: npm run audit -- [options])", "       npx hardhat audit:init                          prepare this project for its first audit"]
    : [
        "Usage: npm run audit -- [options]        (or: npx hardhat audit [options])",
        "       npm run audit -- init [--root DIR]  (or: npx hardhat audit:init): prepare a project for its first audit",
      ];
  lines.push(
    "",
    ...wrap(
      "Runs the profile's stages against one compile of the project, writes report.json, report.md, report.html, report.sarif and junit.xml to the output directory, and gates the result against audit/policy.json.",
      WIDTH,
    ),
    "",
    "Options:",
    ...flagRows(FLAGS.filter((f) => !hardhat || !("hardhat" in f))),
    "",
    "Each flag that takes a value may be given once.",
    "",
    "Stages (--only and --skip take these names; each runs after the stages it needs):",
    ...rows(
      ctx.stages.map((s) => [s.name, `${s.title}; ${s.profiles ? s.profiles.join(", ") : "every profile"}${s.dependsOn?.length ? `; needs ${s.dependsOn.join(", ")}` : ""}`] as const),
      Math.max(...names.map((n) => n.length)) + 5,
    ),
    "",
    "Profiles (audit/policy.json's requiredStages says which stages must run for the gate to pass):",
  );
  let previous: { profile: Profile; stages: string[] } | undefined;
  const profileRows: [string, string][] = [];
  for (const profile of PROFILES) {
    const stages = profileStages(ctx.stages, profile);
    let set: string;
    if (previous && stages.join() === previous.stages.join()) set = `the ${previous.profile} stages`;
    else if (previous && previous.stages.every((n) => stages.includes(n))) set = `${previous.profile} + ${stages.filter((n) => !previous!.stages.includes(n)).join(", ")}`;
    else set = stages.join(", ");
    const purpose = `${PROFILE_PURPOSE[profile]}${profile === DEFAULT_PROFILE ? " (default)" : ""}`;
    profileRows.push([profile, `${purpose}: ${set}; default time limit ${minutes(ctx.defaultTimeoutMs[profile])} a stage`]);
    previous = { profile, stages };
  }
  lines.push(...rows(profileRows, 9), "", "Exit codes:", ...rows(EXIT_CODES.map((e) => [String(e.code), e.meaning] as const), 9));
  return lines.join("\n");
}

/** `--help` of `npm run audit -- init`, built from INIT_FLAGS. */
export function initUsage(description: string): string {
  return ["Usage: npm run audit -- init [--root DIR]      (or: npx hardhat audit:init)", "", description, "", "Options:", ...flagRows(INIT_FLAGS)].join("\n");
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

/** node:util parseArgs options of a flag table: a valued flag collects every occurrence (to refuse repeats). */
export function parseArgsOptions(flags: readonly FlagSpec[]): Record<string, { type: "string"; multiple: true } | { type: "boolean"; short?: string }> {
  return Object.fromEntries(
    flags.map((f) => [f.name, f.value !== undefined ? { type: "string", multiple: true } : { type: "boolean", ...(f.short ? { short: f.short } : {}) }] as const),
  );
}

export function parseAuditArgs(argv: readonly string[]): AuditOptions {
  let values: Record<string, string[] | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: [...argv], strict: true, allowPositionals: false, options: parseArgsOptions(FLAGS) }) as { values: Record<string, string[] | boolean | undefined> });
  } catch (e) {
    throw new InputError(`${(e as Error).message.split("\n")[0]} (see --help)`);
  }
  // "Last one wins" would silently drop a stage list or a profile: a repeated flag is an error.
  const single = (name: ValuedName): string | undefined => {
    const given = values[name] as string[] | undefined;
    if (given && given.length > 1) {
      throw new InputError(`--${name} given ${given.length} times (${given.map((g) => JSON.stringify(g)).join(", ")}): give it once${name === "only" || name === "skip" ? ", with a comma-separated list" : ""}`);
    }
    return given?.[0];
  };
  const on = (name: SwitchName): boolean => values[name] === true;
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
  const shard = single("shard");
  return {
    ...(shard !== undefined ? { shard: parseShard(shard) } : {}),
    only: list(single("only"), "--only"),
    skip: list(single("skip"), "--skip") ?? [],
    profile: profile as Profile,
    out: single("out"),
    json: on("json"),
    jsonFile: single("json-file"),
    help: on("help"),
    updateGasBaseline: on("update-gas-baseline"),
    noCache: on("no-cache"),
    root: single("root"),
    listRules: on("list-rules"),
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

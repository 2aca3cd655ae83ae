/**
 * The committed audit inputs, validated with zod: audit/policy.json,
 * audit/suppressions.json and audit/baselines/gas.json. Every loader turns a
 * missing file into documented defaults and a malformed one into an
 * InputError with one line naming the file and the first problems
 * (fs/json-input.ts). inputs.ts checks these and every other input file
 * before any stage runs.
 */
import { z } from "zod";
import { InputError } from "./errors";
import { readJsonInput } from "./fs/json-input";
import { SEVERITIES, type Profile, type SuppressionEntry } from "./types";

export const POLICY_FILE = "audit/policy.json";
export const SUPPRESSIONS_FILE = "audit/suppressions.json";
export const GAS_BASELINE_FILE = "audit/baselines/gas.json";

const percent = z.number().min(0).max(100);
const stageList = z.array(z.string().min(1));

export const DEFAULT_REQUIRED_STAGES: Record<Profile, string[]> = {
  quick: ["compile", "lint", "test"],
  ci: ["compile", "lint", "test", "gas", "coverage"],
  deep: ["compile", "lint", "test", "gas", "coverage"],
};

/** Which findings the gate judges: every one (`all`) or only those a baseline run did not have (`new`). */
export const FAIL_ON = ["new", "all"] as const;
export type FailOn = (typeof FAIL_ON)[number];
const failOnMode = z.enum(FAIL_ON);

/**
 * What the gate does when, against its baseline, the change moved the rules themselves
 * (findings/rules-change.ts: suppressions added, widened or removed; policy thresholds and required
 * stages; the gas and bench baselines):
 *   report            list every change in the reports (a warning), fail on none;
 *   require-reviewer  as report, and fail on a new or widened suppression that names no `reviewer`
 *                     (its justification is always required);
 *   fail              fail on every change that lets more through (a suppression added or widened, signed
 *                     or not; a threshold loosened; a required stage dropped; a baseline value raised or
 *                     removed); changes that only tighten are listed.
 * Ordered from the weakest; the gate applies the stricter of the baseline's mode and this run's, so a
 * change cannot loosen the mode that judges it.
 */
export const RULES_CHANGE = ["report", "require-reviewer", "fail"] as const;
export type RulesChangeMode = (typeof RULES_CHANGE)[number];
const rulesChangeMode = z.enum(RULES_CHANGE);

/**
 * Defaults: `report` for quick (a laptop run: show, never block), `require-reviewer` for ci and deep (the
 * gate runs: a suppression a change adds or widens must be signed, so one that hides a finding the same
 * change introduced blocks unless someone put their name on it).
 */
export const DEFAULT_RULES_CHANGE: Readonly<Record<Profile, RulesChangeMode>> = { quick: "report", ci: "require-reviewer", deep: "require-reviewer" };

export const PolicySchema = z
  .object({
    $comment: z.string().optional(),
    /** Unsuppressed findings at or above this severity fail the gate. */
    failOnSeverity: z.enum(SEVERITIES).default("medium"),
    /**
     * `all` (default): every unsuppressed finding at or above failOnSeverity fails the gate. `new`: only
     * those that are `new` or `updated` against the run's baseline (--baseline / --baseline-ref); with
     * no baseline every finding is new. One mode for every profile, or one per profile.
     */
    failOn: z
      .union([failOnMode, z.object({ quick: failOnMode.optional(), ci: failOnMode.optional(), deep: failOnMode.optional() }).strict()])
      .default("all"),
    /** What a change of the rules themselves does (see RULES_CHANGE): one mode, or one per profile (a profile not named: its default). */
    rulesChange: z
      .union([rulesChangeMode, z.object({ quick: rulesChangeMode.optional(), ci: rulesChangeMode.optional(), deep: rulesChangeMode.optional() }).strict()])
      .default({}),
    /** Minimum overall coverage percentages (checked when the coverage stage ran). */
    coverage: z
      .object({
        lines: percent.default(95),
        branches: percent.default(95),
        functions: percent.default(100),
        statements: percent.default(95),
      })
      .strict()
      .default({}),
    gas: z
      .object({
        /** Largest allowed increase of a method's (or deployment's) average gas over the baseline, in percent. */
        maxRegressionPercent: z.number().min(0).default(5),
      })
      .strict()
      .default({}),
    /** The routing benchmark's tolerances (stage bench); without a budget, no budget finding. */
    bench: z
      .object({
        /** Largest allowed cold execution overhead, in gas, of our small routed call (finding routing-overhead-budget). */
        routingOverheadBudget: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    /**
     * Findings this run's evidence contradicts (scripts/audit/disputes.ts: another stage's proof, or the
     * build's AST for a tool's known blind spot): `prefer-proof` (default) lets the proof win - the
     * finding stays in every report, marked, and the gate lists it as a warning; `report` keeps it
     * blocking like any other. Default `prefer-proof`: on the analyzer corpus (docs/ANALYZERS.md) the
     * storage analyzer is right on every case where slither-check-upgradeability disagrees with it.
     */
    disputes: z.enum(["report", "prefer-proof"]).default("prefer-proof"),
    /**
     * What the audit looks at (scripts/audit/scope.ts): test files or folders to run (default: the
     * project's Hardhat `paths.tests`) and folders under the sources that are out of scope (default:
     * `<sources>/mocks`, `<sources>/test`). Repository-relative paths.
     */
    scope: z
      .object({
        tests: z.array(z.string().min(1)).min(1).optional(),
        exclude: z.array(z.string().min(1)).optional(),
      })
      .strict()
      .optional(),
    /**
     * The stage-result cache (scripts/audit/cache/): `true` (default) reuses a stage's result while its
     * inputs are unchanged; `false` turns it off (nothing read, nothing stored). One setting, or one per
     * profile (a profile not named: on). Not a judged rule: a reused result is judged like a fresh one.
     */
    cache: z
      .union([z.boolean(), z.object({ quick: z.boolean().optional(), ci: z.boolean().optional(), deep: z.boolean().optional() }).strict()])
      .default(true),
    /** Stages that must run (not be skipped) for the gate to pass, per profile. */
    requiredStages: z
      .object({
        quick: stageList.default(DEFAULT_REQUIRED_STAGES.quick),
        ci: stageList.default(DEFAULT_REQUIRED_STAGES.ci),
        deep: stageList.default(DEFAULT_REQUIRED_STAGES.deep),
      })
      .strict()
      .default({}),
  })
  .strict();

export type Policy = z.infer<typeof PolicySchema>;

/** The policy's failOn mode for a profile (`all` when the policy names none for it). */
export function failOnFor(policy: Pick<Policy, "failOn">, profile: Profile): FailOn {
  return typeof policy.failOn === "string" ? policy.failOn : (policy.failOn[profile] ?? "all");
}

/** The policy's rulesChange mode for a profile (DEFAULT_RULES_CHANGE when it names none for it). */
export function rulesChangeFor(policy: Pick<Policy, "rulesChange">, profile: Profile): RulesChangeMode {
  const mode = policy.rulesChange;
  return typeof mode === "string" ? mode : (mode?.[profile] ?? DEFAULT_RULES_CHANGE[profile]);
}

/** Whether the policy lets the stage-result cache work for a profile (on unless it says false). */
export function cacheFor(policy: Pick<Policy, "cache">, profile: Profile): boolean {
  return typeof policy.cache === "boolean" ? policy.cache : (policy.cache[profile] ?? true);
}

export const DEFAULT_POLICY: Policy = PolicySchema.parse({});

const SuppressionSchema = z
  .object({
    fingerprint: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be a 64-character lowercase hex sha256")
      .optional(),
    stage: z.string().min(1).optional(),
    rule: z.string().min(1).optional(),
    file: z.string().min(1).optional(),
    symbol: z.string().min(1).optional(),
    justification: z.string().trim().min(1, "must be a non-empty explanation"),
    reviewer: z.string().min(1).optional(),
    expires: z.string().date("must be a date YYYY-MM-DD").optional(),
  })
  .strict()
  .refine((e) => e.fingerprint !== undefined || (e.rule !== undefined && e.file !== undefined), {
    message: "needs a fingerprint, or a rule and a file",
  });

export const SuppressionsSchema = z
  .object({
    $comment: z.string().optional(),
    suppressions: z.array(SuppressionSchema).default([]),
  })
  .strict();

export const GasBaselineSchema = z
  .object({
    $comment: z.string().optional(),
    /** "Contract.method" (or "Contract.method(types)" for overloads) -> average gas. */
    methods: z.record(z.string(), z.number().nonnegative()).default({}),
    /** Contract name -> average deployment gas. */
    deployments: z.record(z.string(), z.number().nonnegative()).default({}),
  })
  .strict();

export type GasBaseline = z.infer<typeof GasBaselineSchema>;

/** audit/policy.json of `root` checked against its schema (defaults for a missing file); InputError when malformed. */
export function loadPolicyFile(root: string): Policy {
  return readJsonInput(root, POLICY_FILE, PolicySchema, "policy") ?? DEFAULT_POLICY;
}

/**
 * The policy, with defaults for a missing file. Stage names in
 * requiredStages must be known to the registry.
 */
export function loadPolicy(root: string, knownStages: readonly string[]): Policy {
  const policy = loadPolicyFile(root);
  for (const [profile, stages] of Object.entries(policy.requiredStages)) {
    const unknown = stages.filter((s) => !knownStages.includes(s));
    if (unknown.length > 0) {
      throw new InputError(
        `malformed policy ${POLICY_FILE}: requiredStages.${profile} names unknown stage(s) ${unknown.join(", ")} (valid: ${knownStages.join(", ")})`,
      );
    }
  }
  return policy;
}

export function loadSuppressions(root: string): SuppressionEntry[] {
  const file = readJsonInput(root, SUPPRESSIONS_FILE, SuppressionsSchema, "suppressions file");
  return file?.suppressions ?? [];
}

export function loadGasBaseline(root: string): GasBaseline | undefined {
  return readJsonInput(root, GAS_BASELINE_FILE, GasBaselineSchema, "gas baseline");
}

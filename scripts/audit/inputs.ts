/**
 * The one input validator: every committed file the pipeline itself reads,
 * checked with its zod schema before any stage runs. A problem stops the run
 * with one line naming the file and the field (InputError, exit 2), so no
 * stage starts, no tool runs and the previous reports stay as they are.
 *
 * A file is checked when a stage that reads it is selected (policy and
 * suppressions always). A missing file is not an error here: each reader has
 * its documented default (no baseline, no campaign: the stage is skipped).
 * Files that only tools read (hardhat.config.ts, .solcover.js, echidna.yaml)
 * are the tools' to check; their errors reach the stage's reason.
 */
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { RecordedBaselineFile } from "./findings/rules-change";
import { BENCH_STAGE } from "./stages/bench";
import { DomainsFileSchema } from "./analyzers/domain";
import { BenchReportSchema } from "../bench/io";
import { BENCH_BASELINE_FILE } from "../bench/types";
import { InputError } from "./errors";
import { readJsonInput } from "./fs/json-input";
import { CAMPAIGN_CONFIG, CampaignConfigSchema, MedusaConfigSchema, type CampaignConfig } from "./invariants/campaign";
import { GAS_BASELINE_FILE, GasBaselineSchema, loadPolicy, loadSuppressions, type Policy } from "./policy";
import { DOMAINS_FILE } from "./analyzers/domain";
import { INVARIANTS_STAGE } from "./stages/invariants";
import { DEFAULT_SOLHINT_CONFIG, SOLHINT_CONFIGS } from "./stages/lint";
import type { SuppressionEntry } from "./types";

/** solhint's config: the keys solhint knows, with their types; anything else passes through. */
export const SolhintConfigSchema = z
  .object({
    extends: z.union([z.string(), z.array(z.string())]).optional(),
    plugins: z.array(z.string()).optional(),
    rules: z.record(z.string(), z.union([z.string(), z.number(), z.array(z.unknown()).min(1)])).optional(),
    excludedFiles: z.array(z.string()).optional(),
  })
  .passthrough();

export const SOLHINT_CONFIG = ".solhint.json";

/** One input file: where it is, what it is called in errors, its schema and which stages read it. */
export interface InputFile {
  file: string;
  what: string;
  schema: z.ZodTypeAny;
  readBy: readonly string[];
}

/** Every input file of a fixed path (policy.json and suppressions.json are checked by their loaders, always). */
export const INPUT_FILES: readonly InputFile[] = [
  { file: GAS_BASELINE_FILE, what: "gas baseline", schema: GasBaselineSchema, readBy: ["gas"] },
  { file: BENCH_BASELINE_FILE, what: "bench baseline", schema: BenchReportSchema, readBy: [BENCH_STAGE] },
  { file: DOMAINS_FILE, what: "domains file", schema: DomainsFileSchema, readBy: ["storage", "selectors", "slither-upgradeability"] },
  { file: CAMPAIGN_CONFIG, what: "invariant campaign", schema: CampaignConfigSchema, readBy: [INVARIANTS_STAGE] },
  { file: SOLHINT_CONFIG, what: "solhint config", schema: SolhintConfigSchema, readBy: ["lint"] },
];

export interface ValidatedInputs {
  policy: Policy;
  suppressions: SuppressionEntry[];
  /** Repository-relative files that were checked (present and valid). */
  checked: string[];
}

/**
 * Checks every input file the selected stages read; throws InputError on the first problem.
 * Files named by other inputs are checked too: the Medusa config that campaign.json names (when
 * the engine can be Medusa: env AUDIT_INVARIANT_ENGINE, else campaign.json's `engine`).
 */
export function validateInputs(root: string, knownStages: readonly string[], selected: readonly string[], env: NodeJS.ProcessEnv): ValidatedInputs {
  const policy = loadPolicy(root, knownStages);
  const suppressions = loadSuppressions(root);
  const checked: string[] = [];
  for (const input of INPUT_FILES) {
    if (!input.readBy.some((s) => selected.includes(s))) continue;
    const value: unknown = readJsonInput(root, input.file, input.schema, input.what);
    if (value === undefined) continue;
    checked.push(input.file);
    if (input.file === CAMPAIGN_CONFIG) {
      const medusa = medusaConfigFile(value as CampaignConfig, env);
      if (!medusa) continue;
      if (readJsonInput(root, medusa, MedusaConfigSchema, "medusa config") === undefined) {
        throw new InputError(`malformed invariant campaign ${CAMPAIGN_CONFIG}: medusa.config: ${medusa} does not exist`);
      }
      checked.push(medusa);
    }
  }
  return { policy, suppressions, checked };
}

/** The Medusa config the campaign will read, or undefined when the engine is Echidna for sure. */
function medusaConfigFile(cfg: CampaignConfig, env: NodeJS.ProcessEnv): string | undefined {
  const engine = env.AUDIT_INVARIANT_ENGINE?.trim().toLowerCase() || cfg.engine;
  return engine === "echidna" ? undefined : path.posix.normalize(cfg.medusa.config);
}

/** The committed baselines a stage judges numbers against: recorded in every report (report.rules) for the rules comparison. */
export const RULE_BASELINE_FILES: readonly Pick<RecordedBaselineFile, "kind" | "file">[] = [
  { kind: "gas", file: GAS_BASELINE_FILE },
  { kind: "bench", file: BENCH_BASELINE_FILE },
];

/**
 * The lint stage's rules as they are now: the project's solhint config (the first of SOLHINT_CONFIGS
 * there, as solhint finds it; parsed when it is JSON), or, without one, the default config the stage
 * writes (`sha256: null`, DEFAULT_SOLHINT_CONFIG as content), so that adding a config that turns rules
 * off is compared with what ran before.
 */
function readLintRules(root: string): RecordedBaselineFile {
  const file = SOLHINT_CONFIGS.find((f) => existsSync(path.join(root, f)));
  if (!file) return { kind: "lint", file: SOLHINT_CONFIGS[0], sha256: null, content: DEFAULT_SOLHINT_CONFIG };
  let bytes: Buffer;
  try {
    bytes = readFileSync(path.join(root, file));
  } catch {
    return { kind: "lint", file, sha256: null };
  }
  const sha256 = createHash("sha256").update(bytes).digest("hex");
  try {
    return { kind: "lint", file, sha256, content: JSON.parse(bytes.toString("utf8")) as unknown };
  } catch {
    return { kind: "lint", file, sha256 };
  }
}

/**
 * The gas and bench baselines and the lint rules as they are now (findings/rules-change.ts): the
 * sha256 of each file's bytes and its parsed content; `sha256: null` for a file that does not exist.
 * Never throws: a file the run's stages do not read is not validated, and one that is not JSON is
 * recorded by its hash alone.
 */
export function readRecordedBaselines(root: string): RecordedBaselineFile[] {
  return [...readBaselineFiles(root), readLintRules(root)];
}

function readBaselineFiles(root: string): RecordedBaselineFile[] {
  return RULE_BASELINE_FILES.map(({ kind, file }) => {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path.join(root, file));
    } catch {
      return { kind, file, sha256: null };
    }
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    try {
      return { kind, file, sha256, content: JSON.parse(bytes.toString("utf8")) as unknown };
    } catch {
      return { kind, file, sha256 };
    }
  });
}

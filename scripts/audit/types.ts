/**
 * The audit pipeline's shared data model. Every stage, adapter and writer
 * speaks these types; report.json is `AuditReport` serialized (see
 * scripts/audit/schema/report.schema.json, which must stay in step).
 */

// The severity scale lives in the findings core (scripts/audit/findings/severity.ts).
import type { Severity } from "./findings/severity";
export { SEVERITIES, type Severity } from "./findings/severity";

export type StageStatus = "passed" | "failed" | "skipped" | "error";

export type Profile = "quick" | "ci" | "deep";

/** A source position. `file` is repository-relative with forward slashes. */
export interface Location {
  file: string;
  line?: number;
  endLine?: number;
  /** Contract / function the finding is about, when known (helps fingerprints survive line moves). */
  symbol?: string;
}

/** One normalized finding, whatever tool produced it. */
export interface Finding {
  /** Unique within one report: `${stage}:${rule}:${fingerprint.slice(0, 12)}`. */
  id: string;
  stage: string;
  /** Rule id in the producing tool's namespace (e.g. `reentrancy-eth`, `solhint/no-unused-vars`). */
  rule: string;
  severity: Severity;
  title: string;
  description: string;
  location?: Location;
  tool: { name: string; version: string };
  recommendation?: string;
  /**
   * Stable across runs and line moves: a hash of stage, rule, file and the
   * finding's symbolic anchor (never the line number).
   */
  fingerprint: string;
  /** Set by the gate when a suppression entry accepted this finding. */
  suppressed?: { justification: string; reviewer?: string };
  /** Set when another stage of the run proves the opposite (disputes.ts); policy `disputes` decides what the gate does. */
  disputed?: { by: string; reason: string };
  /**
   * Other tools' findings of the same problem at the same place (findings/merge.ts): this finding
   * stands for all of them - shown once, counted once, and a suppression naming any of them accepts it.
   * Set on the report's top-level findings only.
   */
  alsoReportedBy?: FindingSighting[];
  /** On a stage's own finding that another tool's finding stands for (findings/merge.ts): that finding's id. */
  mergedInto?: string;
  /** Against the run's baseline (--baseline, --baseline-ref), SARIF's baselineState; absent without one. */
  baselineState?: BaselineState;
  /** Set by the gate: this finding fails it. */
  blocking?: boolean;
  /** Tool-specific extra data (call sequences, storage ranges...). */
  data?: Record<string, unknown>;
}

/** A finding of another tool that a merged finding stands for (Finding.alsoReportedBy). */
export interface FindingSighting {
  id: string;
  stage: string;
  rule: string;
  tool: ToolInfo;
  severity: Severity;
  title: string;
  fingerprint: string;
  location?: Location;
}

/**
 * SARIF 2.1.0 baselineState: `new` - not in the baseline; `unchanged` - in it; `updated` - in it under
 * another fingerprint (same stage, rule, file and symbol: its anchor changed) or seen by another tool
 * now too; `absent` - in the baseline only (fixed), listed in `report.baseline.fixed`.
 */
export type BaselineState = "new" | "unchanged" | "updated" | "absent";

export interface ToolInfo {
  name: string;
  version: string;
}

/** What a stage returns. */
export interface StageResult {
  name: string;
  status: StageStatus;
  /** Why the stage was skipped or errored; a short human sentence. */
  reason?: string;
  durationMs: number;
  tools: ToolInfo[];
  findings: Finding[];
  metrics: Record<string, unknown>;
  /** Repository-relative paths of files this stage produced (raw outputs, html...). */
  artifacts: string[];
  /** Tail of the tool's stderr when the stage errored. */
  stderrTail?: string;
  /**
   * Tables and bar charts the stage contributes to report.md / report.html
   * ("Stage details", after Coverage and Gas). The writers render them
   * generically, so a stage never needs writer code of its own. Keep the raw
   * numbers in `metrics` too: sections are presentation.
   */
  sections?: ReportSection[];
  /**
   * The stage-result cache (scripts/audit/cache/): set on every result of a stage that declares its
   * inputs (Stage.cache) when the cache is on. `hit: true`: this result was reused - the tool did not
   * run in this run; `status`, findings, metrics and raw outputs are those of `fromRun`. Since 1.5.0.
   */
  cache?: StageCacheInfo;
}

/** StageResult.cache. */
export interface StageCacheInfo {
  /** true: reused from the cache (its inputs were unchanged); false: the stage ran (and, passed or failed, was stored). */
  hit: boolean;
  /** sha256 (hex) of the stage's named inputs: the entry's name under <out>/cache/<stage>/. */
  key: string;
  /** On a hit: the run that produced the result. */
  fromRun?: CacheRunInfo;
  /**
   * On a miss: the inputs that differ from the stage's most recently used cache entry (at most 20 names,
   * e.g. `tests/test/unit/staking.test.ts`, `policy.bench`); empty when they are the same (a run forced by
   * --no-cache); absent when there was no entry to compare with.
   */
  changed?: string[];
}

/** The run a cached result came from. */
export interface CacheRunInfo {
  /** Random id of that audit run. */
  runId: string;
  commit: string;
  dirty: boolean;
  /** ISO 8601 time the result was stored. */
  at: string;
  /** How long the stage took in that run, ms. */
  durationMs: number;
}

/* ------------------------------------------------------------------------ *
 * Report sections: the extension point through which a stage shows its
 * results in the human-readable reports. Every string is untrusted (tool
 * output) and escaped by the writers; schema: $defs/reportSection.
 * ------------------------------------------------------------------------ */

/** One table cell: text, a number (formatted, right-aligned) or null (shown as a dash). */
export type ReportCell = string | number | null;

export interface ReportTableColumn {
  /** Key of the cell in each row. */
  key: string;
  label: string;
  /** Default: right when every non-null cell of the column is a number, else left. */
  align?: "left" | "right";
}

export interface ReportTable {
  columns: ReportTableColumn[];
  /** One object per row; a key the row lacks shows as a dash, keys no column names are ignored. */
  rows: Record<string, ReportCell>[];
}

/** A horizontal bar chart (SVG in report.html, a text bar list in report.md). */
export interface ReportChart {
  title: string;
  /** Unit of the values ("gas", "%", "bytes"...), shown with the title and in tooltips. */
  unit: string;
  /** One group of bars per category, top to bottom. */
  categories: string[];
  /** One bar per category per series; `values[i]` belongs to `categories[i]`, null draws no bar. */
  series: { name: string; values: (number | null)[] }[];
  /** A reference value drawn as a line across every category (a floor, a budget...). */
  marker?: { label: string; value: number };
}

export interface ReportSection {
  /**
   * Stable anchor, lowercase letters, digits and hyphens, e.g. "bench-routing-overhead".
   * Unique within the stage; the writers prefix the stage name when it does not start with it.
   */
  id: string;
  title: string;
  /** Short plain text shown above the table (escaped, not interpreted as Markdown). */
  description?: string;
  table?: ReportTable;
  chart?: ReportChart;
}

export interface GateResult {
  passed: boolean;
  reasons: string[];
  unusedSuppressions: SuppressionEntry[];
}

export interface SuppressionEntry {
  /**
   * Only findings of this stage match. Also scopes the unused-entry warning: an entry whose stage did
   * not run (skipped, --only) is not evaluated, so it is not reported as unused.
   */
  stage?: string;
  /** Matches Finding.fingerprint exactly, or... */
  fingerprint?: string;
  /** ...rule plus file (and optional symbol), which survives code moves inside the file. */
  rule?: string;
  file?: string;
  symbol?: string;
  justification: string;
  reviewer?: string;
  expires?: string;
}

export interface ScopeEntry {
  file: string;
  contracts: string[];
  nsloc: number;
}

export interface AuditReport {
  schemaVersion: string;
  generatedAt: string;
  commit: string;
  dirty: boolean;
  profile: Profile;
  scope: ScopeEntry[];
  stages: StageResult[];
  /** One finding per bug (findings/merge.ts), suppressed ones included, marked by the gate. */
  findings: Finding[];
  gate: GateResult;
  /** The run this one was compared with (--baseline / --baseline-ref), and what it had that is gone. */
  baseline?: import("./findings/baseline").BaselineInfo;
  /**
   * The rules the gate judged this run by: the effective policy, the suppression entries, the gas and
   * bench baselines (findings/rules-change.ts). A later run compares its own with these. Since 1.3.0.
   */
  rules?: import("./findings/rules-change").RulesInForce;
  /** With a baseline: the rules' changes against the baseline report's ("Rules changed by this change"). Since 1.3.0. */
  rulesChanged?: import("./findings/rules-change").RulesComparison;
  /** A `--shard i/n` run: which shard of the fuzzing campaign this report is (shard.ts). Since 1.4.0. */
  shard?: import("./shard").Shard;
  /** A report of `npm run audit:merge`: the shard reports it joins (shards/merge.ts). Since 1.4.0. */
  merged?: MergedFrom;
}

/** report.json `merged`: what `npm run audit:merge` joined. */
export interface MergedFrom {
  /** n of the shards' `--shard i/n`. */
  count: number;
  /** The shards merged, by index, with the report each came from (as given on the command line). */
  shards: { index: number; report: string; generatedAt: string }[];
  /** Indices 1..n with no report: the merged gate fails while any is missing. */
  missing: number[];
}

/** Everything a stage may read. Stages never recompile: they read `build`. */
export interface StageContext {
  /** Repository root (absolute). */
  root: string;
  /** Output directory for this run (absolute; default <root>/audit). */
  outDir: string;
  /** <outDir>/raw: each tool's raw output goes here, one file or folder per stage. */
  rawDir: string;
  profile: Profile;
  /** The single compile's outputs, produced by the compile stage. */
  build: BuildRef;
  /** Results of the stages this one declared in `dependsOn`. */
  upstream: ReadonlyMap<string, StageResult>;
  /** Progress line for the terminal (listr2 task output or a plain line). */
  log(message: string): void;
  /** Fires when the stage times out or the run is interrupted: stop child processes. */
  signal: AbortSignal;
  /** Names of the stages selected for this run (e.g. the test stage collects gas data only when `gas` runs). */
  plan: readonly string[];
  /**
   * The validated audit/policy.json. A stage that turns measurements into findings reads its tolerances
   * here (never a constant of its own); the gate alone decides what fails. Absent in unit tests:
   * DEFAULT_POLICY applies.
   */
  policy?: import("./policy").Policy;
  /**
   * The audited project: its Hardhat (run through the wrapper config that injects the audit's
   * settings, scripts/audit/project/hardhat-project.ts), its facts, and its scope. Absent only in unit
   * tests of stages that do not run Hardhat.
   */
  project?: AuditProject;
  /** `--shard i/n`: the run is one shard of the fuzzing campaign (shard.ts); absent for a whole run. */
  shard?: import("./shard").Shard;
}

/** What stages know of the audited project. */
export interface AuditProject {
  hardhat: import("./project/hardhat-project").HardhatProject;
  scope: import("./scope").ProjectScope;
  /** The shared tools cache (the harness's .tools): Slither, Medusa, solcjs builds. */
  toolsDir: string;
}

export interface BuildRef {
  artifactsDir: string;
  buildInfoDir: string;
  /** Absolute paths of the build-info JSON files of the one compile. */
  buildInfoFiles: string[];
  solcVersion: string;
}

/** A stage: one module under scripts/audit/stages/, one line in the registry. */
export interface Stage {
  name: string;
  title: string;
  /** Stages whose results this one needs; the scheduler orders by these. */
  dependsOn?: string[];
  /** Profiles the stage runs in by default (all when absent). */
  profiles?: Profile[];
  /** Heavy stages (test runs, coverage, fuzzing) take one of the machine's cores each. */
  heavy?: boolean;
  /** Time limit per profile in ms (scheduler defaults: quick 10 min, ci 20 min, deep 60 min). */
  timeoutMs?: Partial<Record<Profile, number>>;
  /** One short metric for the summary table (e.g. "12 passed, 1 failed"). */
  keyMetric?(result: StageResult): string | undefined;
  /**
   * The inputs the stage reads, for the stage-result cache (scripts/audit/cache/key.ts): a passed or
   * failed result is reused while they are unchanged. A stage without it always runs (compile, whose
   * build every other key hashes; gas, a cheap comparison of the test stage's output).
   */
  cache?: import("./cache/key").StageCacheSpec;
  run(ctx: StageContext): Promise<Omit<StageResult, "name" | "durationMs">>;
}

/* ------------------------------------------------------------------------ *
 * Stage metrics conventions. `StageResult.metrics` is free-form, but the
 * report writers (scripts/audit/reports/) find coverage, gas and test data by
 * stage name and read it in these shapes. report.schema.json enforces them
 * for the stages named below, so a drift fails validation instead of
 * silently dropping a report section. Extra keys are allowed.
 * ------------------------------------------------------------------------ */

/**
 * Version of report.json's layout; bump with scripts/audit/schema/report.schema.json.
 * 1.1.0: optional `stages[].sections` (ReportSection). 1.2.0: optional `baseline` (BaselineInfo) and, on
 * findings, `alsoReportedBy`, `mergedInto`, `baselineState`, `blocking`. 1.3.0: optional `rules` (the
 * rules in force) and `rulesChanged` (their changes against the baseline). 1.4.0: optional `shard` and
 * `merged` (sharded fuzzing campaigns). 1.5.0: optional `stages[].cache` (StageCacheInfo). 1.6.0: the lint rules (kind `lint`) among `rules.baselines`, compared like a baseline. Older reports
 * stay valid.
 */
export const REPORT_SCHEMA_VERSION = "1.6.0";

/** Stage names whose metrics follow the interfaces below. */
export const METRICS_STAGE = { coverage: "coverage", gas: "gas", test: "test" } as const;

/** One coverage dimension; `pct` is 0..100 (100 when `total` is 0). */
export interface CoverageCounter {
  pct: number;
  covered: number;
  total: number;
}

export interface CoverageSummary {
  lines: CoverageCounter;
  branches: CoverageCounter;
  functions: CoverageCounter;
  statements: CoverageCounter;
}

/** `metrics` of the "coverage" stage. */
export interface CoverageMetrics {
  total: CoverageSummary;
  /** Keyed by repository-relative source path (forward slashes). */
  files: Record<string, CoverageSummary>;
}

export interface GasMethodMetric {
  contract: string;
  /** Function name, or full signature when the contract overloads it. */
  method: string;
  min: number;
  max: number;
  avg: number;
  calls: number;
  /** Average gas in the committed baseline, when the method is in it. */
  baselineAvg?: number;
  /** (avg - baselineAvg) / baselineAvg * 100, when a baseline exists. */
  deltaPct?: number;
}

export interface GasDeploymentMetric {
  contract: string;
  gas: number;
  baseline?: number;
  deltaPct?: number;
}

/** `metrics` of the "gas" stage. */
export interface GasMetrics {
  methods: GasMethodMetric[];
  deployments: GasDeploymentMetric[];
}

/** `metrics` of the "test" stage (mocha's counts). */
export interface TestMetrics {
  passes: number;
  failures: number;
  pending: number;
  tests: number;
}

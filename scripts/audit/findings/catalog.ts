/**
 * THE rule catalog: every rule a stage of the audit can put in a finding's `rule`, with its tool, stage,
 * title, summary, default severity, documentation and recommendation. SARIF's `tool.driver.rules`, the
 * reports and `npm run audit -- --list-rules` read it; test/pipeline/findings-catalog.test.ts fails when
 * a stage can emit a rule that is not here.
 *
 * Where the entries come from (no entry is written by hand twice):
 *   storage / selectors   the analyzers' rule registries (analyzers/{storage,selectors}/rules/, live.ts)
 *   lint                  the installed solhint's own rule metadata (every core rule) and the plugins of
 *                         this harness (scripts/lint/solhint-plugin-loadbalancer): `solhint/<ruleId>`
 *   slither               the pinned Slither's `--list-detectors` output, recorded (rules/slither-detectors.json)
 *   slither-upgradeability  slither-check-upgradeability's `--list-detectors-json`, recorded
 *                         (rules/slither-check-upgradeability.json): `upgradeability/<check>`
 *   test, invariants, bench  declared below (`test-failure`, the family `invariant/<property>`,
 *                         `gas-regression`, `routing-overhead-budget`)
 *
 * Default severity: the severity the rule reports at most in this pipeline (slither: impact x
 * confidence, adapters/slither.ts; solhint: `error` setups medium, `warn` low). A finding may carry a
 * lower one (a selector clash for the admin only is medium).
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { slitherSeverity } from "../adapters/slither";
import { UPGRADEABILITY_SEVERITY } from "../adapters/slither-upgradeability";
import { solhintSeverity } from "../adapters/solhint";
import { LIVE_UNKNOWN_BYTECODE } from "../analyzers/live-rule";
import { SELECTOR_RULES } from "../analyzers/selectors/rules";
import { STORAGE_RULES } from "../analyzers/storage/rules";
import type { Finding } from "../types";
import { mostSevere, SEVERITIES, type Severity } from "./severity";

export interface RuleEntry {
  /** The finding's `rule` (`reentrancy-eth`, `solhint/no-unused-vars`, `upgradeability/order-vars-proxy`...). */
  id: string;
  /** The tool that reports it (the finding's `tool.name`; `medusa | echidna` for invariants). */
  tool: string;
  /** The stage whose findings carry it. */
  stage: string;
  title: string;
  /** What the rule catches, one paragraph. */
  summary: string;
  /** Default severity: the most severe this pipeline reports it at. */
  severity: Severity;
  /** What to do about it, in general (each finding carries its own when the tool gives one). */
  recommendation: string;
  /** Absolute documentation URL (the tool's rule page). */
  helpUri?: string;
  /** Repository-relative documentation of the harness's own rules (`docs/ANALYZERS.md#rules`). */
  docs?: string;
  /** A family: `id` ends in `/<...>` (`invariant/<property>`) and every rule with that prefix is one of it. */
  family?: boolean;
}

/** The compact list of one external tool's rules, as the data files keep it (dev/rule-catalog-data.ts). */
export interface ToolRuleList {
  tool: string;
  version: string;
  /** Which recorded output of the tool it comes from. */
  source: string;
  rules: { check: string; title: string; impact: string; confidence?: string; wiki_url: string; description: string; recommendation: string }[];
}

export const CATALOG_DATA_FILES = {
  slither: path.join(__dirname, "rules", "slither-detectors.json"),
  upgradeability: path.join(__dirname, "rules", "slither-check-upgradeability.json"),
} as const;

const ANALYZER_DOCS = "docs/ANALYZERS.md#rules";
const SOLHINT_DOCS = "https://github.com/protofire/solhint/blob/develop/docs/rules";
const SOLHINT_RECOMMENDATION =
  "Change the code as the rule's documentation shows, or configure the rule in the project's solhint config (a reviewed change).";

/** The first paragraph of a tool's description, whitespace collapsed. */
function paragraph(text: string): string {
  return (text.trim().split(/\n\s*\n/)[0] ?? "").replace(/\s+/g, " ").trim();
}

function analyzerEntries(): RuleEntry[] {
  const entries = (tool: string, stage: string, rules: readonly { id: string; title: string; severity: Severity; summary: string; recommendation: string }[]): RuleEntry[] =>
    rules.map((r) => ({ id: r.id, tool, stage, title: r.title, summary: r.summary, severity: r.severity, recommendation: r.recommendation, docs: ANALYZER_DOCS }));
  return [
    ...entries("storage-analyzer", "storage", STORAGE_RULES),
    ...entries("selector-analyzer", "selectors", SELECTOR_RULES),
    // Live mode reports it under either analyzer's stage; the catalog names the storage one.
    ...entries("storage-analyzer", "storage", [LIVE_UNKNOWN_BYTECODE]),
  ];
}

/** solhint's rule objects (what `solhint/lib/rules` builds) carry `ruleId` and `meta`. */
interface SolhintRule {
  ruleId: string;
  meta?: { type?: string; docs?: { description?: string; category?: string }; defaultSetup?: unknown; deprecated?: boolean };
}

function solhintSetupSeverity(setup: unknown): Severity {
  const level = Array.isArray(setup) ? setup[0] : setup;
  return solhintSeverity(String(level ?? "warn"));
}

/** A title from a one-line description: up to its first colon or semicolon, at most 100 characters. */
function titleOf(description: string): string {
  const head = description.split(/[:;] /)[0].replace(/\.$/, "");
  const title = head.length >= 12 ? head : description.replace(/\.$/, "");
  return title.length <= 100 ? title : `${title.slice(0, 99).replace(/\s+\S*$/, "")}…`;
}

function solhintEntry(rule: SolhintRule, id: string, helpUri: string | undefined): RuleEntry {
  const description = (rule.meta?.docs?.description ?? id).replace(/\s+/g, " ").trim();
  return {
    id: `solhint/${id}`,
    tool: "solhint",
    stage: "lint",
    title: titleOf(description),
    summary: `${description}${rule.meta?.docs?.category ? ` (${rule.meta.docs.category}${rule.meta.deprecated ? ", deprecated" : ""})` : ""}`,
    severity: solhintSetupSeverity(rule.meta?.defaultSetup),
    recommendation: SOLHINT_RECOMMENDATION,
    ...(helpUri ? { helpUri } : {}),
  };
}

/**
 * Every core rule of the installed solhint, from its own rule modules: each category's index builds
 * its checkers from a reporter and a config, which is all a checker needs to carry its metadata.
 */
function solhintCoreRules(): SolhintRule[] {
  const rulesDir = path.join(path.dirname(require.resolve("solhint/package.json")), "lib", "rules");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const config = (require(path.join(rulesDir, "..", "config")) as { from(c: object): object }).from({ rules: {} });
  const reporter = { config: {} };
  const rules: SolhintRule[] = [];
  for (const category of readdirSync(rulesDir, { withFileTypes: true }).filter((d) => d.isDirectory())) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const build = require(path.join(rulesDir, category.name, "index.js")) as (...args: unknown[]) => SolhintRule[];
    rules.push(...build(reporter, config, "", [], ""));
  }
  return rules;
}

/** The harness's own solhint plugins: `<plugin>/<ruleId>` (solhint's prefix). */
const HARNESS_SOLHINT_PLUGINS: readonly { name: string; module: string }[] = [
  { name: "loadbalancer", module: path.join(__dirname, "..", "..", "lint", "solhint-plugin-loadbalancer") },
];

function solhintEntries(): RuleEntry[] {
  const core = solhintCoreRules().map((r) => solhintEntry(r, r.ruleId, r.meta?.type ? `${SOLHINT_DOCS}/${r.meta.type}/${r.ruleId}.md` : undefined));
  const plugins = HARNESS_SOLHINT_PLUGINS.flatMap(({ name, module }) => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const classes = require(module) as (new (reporter: object, config: object) => SolhintRule)[];
    return classes.map((Rule) => {
      const rule = new Rule({ config: {} }, {});
      return { ...solhintEntry(rule, `${name}/${rule.ruleId}`, undefined), docs: "README.md#lint-policy-solhint" };
    });
  });
  return [...core, ...plugins];
}

// eslint-disable-next-line @typescript-eslint/no-require-imports
const readList = (file: string): ToolRuleList => require(file) as ToolRuleList;

function slitherEntries(): RuleEntry[] {
  const detectors = readList(CATALOG_DATA_FILES.slither);
  const checks = readList(CATALOG_DATA_FILES.upgradeability);
  return [
    ...detectors.rules.map((d) => ({
      id: d.check,
      tool: "slither",
      stage: "slither",
      title: d.title,
      summary: paragraph(d.description) || d.title,
      severity: slitherSeverity(d.impact, d.confidence ?? "High"),
      recommendation: paragraph(d.recommendation) || "See the detector's documentation.",
      ...(d.wiki_url ? { helpUri: d.wiki_url } : {}),
    })),
    ...checks.rules.map((c) => ({
      id: `upgradeability/${c.check}`,
      tool: "slither-check-upgradeability",
      stage: "slither-upgradeability",
      title: c.title,
      summary: paragraph(c.description) || c.title,
      severity: UPGRADEABILITY_SEVERITY[c.impact] ?? "medium",
      recommendation: paragraph(c.recommendation) || "See the check's documentation.",
      ...(c.wiki_url ? { helpUri: c.wiki_url } : {}),
    })),
  ];
}

/** The rules of the stages that run no external rule set: tests, invariants, the routing benchmark. */
const PIPELINE_ENTRIES: readonly RuleEntry[] = [
  {
    id: "test-failure",
    tool: "mocha",
    stage: "test",
    title: "Test failed",
    summary: "A test of the project's suite failed (the finding is located in the test file; its symbol is the test's full title).",
    severity: "high",
    recommendation: "Make the test pass: fix the code it exercises, or the test when its expectation is what is wrong.",
    docs: "docs/ARCHITECTURE.md#stages",
  },
  {
    id: "invariant/<property>",
    tool: "medusa | echidna",
    stage: "invariants",
    title: "Invariant broken",
    summary: "The fuzzing campaign found a call sequence after which an invariant property of the harness (test/invariant/campaign.json) no longer holds; one rule per property.",
    severity: "high",
    recommendation: "Replay the shrunk call sequence (npm run invariants:repro turns it into a regression test) and fix the transition that breaks the property.",
    docs: "docs/INVARIANTS.md",
    family: true,
  },
  {
    id: "gas-regression",
    tool: "routing-bench",
    stage: "bench",
    title: "Gas regression against the benchmark baseline",
    summary: "A routing-benchmark metric grew more than gas.maxRegressionPercent of audit/policy.json over audit/baselines/bench.json, or a baseline row was not measured.",
    severity: "medium",
    recommendation: "Find the change that made the call more expensive; if intended, re-baseline with npm run bench:gas -- --update-baseline and commit the baseline.",
    docs: "docs/BENCHMARK.md",
  },
  {
    id: "routing-overhead-budget",
    tool: "routing-bench",
    stage: "bench",
    title: "Routing overhead above the budget",
    summary: "The cold execution overhead of a small routed call exceeds bench.routingOverheadBudget of audit/policy.json.",
    severity: "medium",
    recommendation: "Trim the router's hot path (docs/BENCHMARK.md lists where its gas goes), or raise the budget in a reviewed change of audit/policy.json.",
    docs: "docs/BENCHMARK.md",
  },
];

export class RuleCatalog {
  readonly entries: readonly RuleEntry[];
  private readonly byId: ReadonlyMap<string, RuleEntry>;
  private readonly families: readonly RuleEntry[];

  constructor(entries: readonly RuleEntry[]) {
    this.entries = [...entries].sort((a, b) => a.stage.localeCompare(b.stage) || a.id.localeCompare(b.id));
    this.byId = new Map(this.entries.filter((e) => !e.family).map((e) => [e.id, e]));
    this.families = this.entries.filter((e) => e.family);
  }

  /** The entry of a rule id: its own, or its family's (`invariant/x` -> `invariant/<property>`). */
  get(ruleId: string): RuleEntry | undefined {
    return this.byId.get(ruleId) ?? this.families.find((f) => ruleId.startsWith(f.id.slice(0, f.id.lastIndexOf("/") + 1)));
  }

  has(ruleId: string): boolean {
    return this.get(ruleId) !== undefined;
  }

  /**
   * The entry a report shows for a rule: the catalog's (a family's instantiated for the rule, e.g.
   * title "Invariant broken: p"), else - a rule of a tool the catalog cannot list, such as another
   * project's solhint plugin - one built from the findings that carry it, marked `catalogued: false`.
   */
  describe(ruleId: string, findings: readonly Finding[] = []): RuleEntry & { catalogued: boolean } {
    const entry = this.get(ruleId);
    if (entry && !entry.family) return { ...entry, catalogued: true };
    if (entry) {
      const member = ruleId.slice(entry.id.lastIndexOf("/") + 1);
      return { ...entry, id: ruleId, title: `${entry.title}: ${member}`, family: undefined, catalogued: true };
    }
    const own = findings.filter((f) => f.rule === ruleId);
    const example = own[0];
    return {
      id: ruleId,
      tool: example?.tool.name ?? "unknown",
      stage: example?.stage ?? "unknown",
      title: example?.title ?? ruleId,
      summary: example?.description.trim() || example?.title || ruleId,
      severity: mostSevere(own.map((f) => f.severity)) ?? "info",
      recommendation: own.find((f) => f.recommendation?.trim())?.recommendation?.trim() ?? "No recommendation provided.",
      catalogued: false,
    };
  }
}

let catalog: RuleCatalog | undefined;

/** The catalog (built once: the solhint metadata is read from its modules on first use). */
export function ruleCatalog(): RuleCatalog {
  catalog ??= new RuleCatalog([...analyzerEntries(), ...solhintEntries(), ...slitherEntries(), ...PIPELINE_ENTRIES]);
  return catalog;
}

/** The versions of the external rule lists the catalog holds (for --list-rules and the tests). */
export function catalogSources(): { tool: string; version: string; source: string }[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const solhintVersion = (require("solhint/package.json") as { version: string }).version;
  return [
    { tool: "solhint", version: solhintVersion, source: "the installed solhint's rule metadata (every core rule) and the harness's plugin" },
    ...[readList(CATALOG_DATA_FILES.slither), readList(CATALOG_DATA_FILES.upgradeability)].map(({ tool, version, source }) => ({ tool, version, source })),
  ];
}

/** `--list-rules`: the catalog as a text table (or JSON), one rule a line, grouped by stage. */
export function formatCatalog(entries: readonly RuleEntry[], format: "text" | "json"): string {
  if (format === "json") return `${JSON.stringify(entries, null, 2)}\n`;
  const header = ["Rule", "Stage", "Tool", "Severity", "Title"];
  const rows = entries.map((e) => [e.id, e.stage, e.tool, e.severity, e.title]);
  const widths = header.map((h, i) => Math.min(48, Math.max(h.length, ...rows.map((r) => r[i].length))));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i < cells.length - 1 ? c.padEnd(widths[i]) : c)).join("  ").trimEnd();
  const counts = SEVERITIES.map((s) => `${entries.filter((e) => e.severity === s).length} ${s}`).join(", ");
  return [fmt(header), fmt(widths.map((w) => "-".repeat(w))), ...rows.map(fmt), "", `${entries.length} rules (${counts} by default severity).`].join("\n") + "\n";
}

/**
 * slither-check-upgradeability's `--json` output -> findings, and the
 * side-by-side comparison rows the report shows next to our own storage and
 * selector analysis. Pure; tested on recorded real outputs.
 *
 * The tool always exits 0: success is the JSON's `success` field, and a
 * contract it could not find is `success: false` with an `error` message.
 *
 * Its JSON carries no impact: the impact comes from `--list-detectors-json`
 * (recorded per run) or, failing that, UPGRADEABILITY_CHECKS below (slither
 * 0.11.6). Severity: High -> high, Medium -> medium, Low -> low,
 * Informational -> info (the checks have no confidence level).
 *
 * Which checks run in which invocation (slither 0.11.6 __main__):
 *   `C --proxy-name P`         generic checks on C, then proxy checks C vs P
 *   `V1 --new-contract-name V2` generic on V1, update checks V1 -> V2, generic on V2
 * The stage runs one proxy invocation per implementation (and per V2, which is
 * what would be registered next) and one update invocation per V1 -> V2 pair,
 * keeping only the update checks from the latter (the generic ones are already
 * covered per contract). Results without elements (e.g. init-missing) are
 * attributed to the invocation's contract.
 */
import type { Finding, Severity } from "../types";
import { elementFile, elementSymbol, elementDescriptor, finalizeDrafts, parseSlitherJson, slitherErrorLine, type DraftFinding, type SlitherElement, type SlitherJson } from "./slither";

export const UPGRADEABILITY_STAGE = "slither-upgradeability";
export const UPGRADEABILITY_TOOL = "slither-check-upgradeability";

export type CheckMode = "generic" | "proxy" | "update";
export type CheckCategory = "storage-layout" | "selectors" | "initialization";

export interface UpgradeabilityCheck {
  impact: "High" | "Medium" | "Low" | "Informational";
  mode: CheckMode;
  category: CheckCategory;
}

/** slither-check-upgradeability 0.11.6 `--list-detectors` (Proxy / Contract V2 columns -> mode). */
export const UPGRADEABILITY_CHECKS: Readonly<Record<string, UpgradeabilityCheck>> = {
  "became-constant": { impact: "High", mode: "update", category: "storage-layout" },
  "function-id-collision": { impact: "High", mode: "proxy", category: "selectors" },
  "function-shadowing": { impact: "High", mode: "proxy", category: "selectors" },
  "missing-calls": { impact: "High", mode: "generic", category: "initialization" },
  "missing-init-modifier": { impact: "High", mode: "generic", category: "initialization" },
  "multiple-calls": { impact: "High", mode: "generic", category: "initialization" },
  "order-vars-contracts": { impact: "High", mode: "update", category: "storage-layout" },
  "order-vars-proxy": { impact: "High", mode: "proxy", category: "storage-layout" },
  "variables-initialized": { impact: "High", mode: "generic", category: "storage-layout" },
  "were-constant": { impact: "High", mode: "update", category: "storage-layout" },
  "extra-vars-proxy": { impact: "Medium", mode: "proxy", category: "storage-layout" },
  "missing-variables": { impact: "Medium", mode: "update", category: "storage-layout" },
  "multiple-new-reinitializers": { impact: "Low", mode: "update", category: "initialization" },
  "extra-vars-v2": { impact: "Informational", mode: "update", category: "storage-layout" },
  "init-inherited": { impact: "Informational", mode: "generic", category: "initialization" },
  "init-missing": { impact: "Informational", mode: "generic", category: "initialization" },
  "initialize-target": { impact: "Informational", mode: "generic", category: "initialization" },
  "initializer-missing": { impact: "Informational", mode: "generic", category: "initialization" },
};

/** Impact -> severity of slither-check-upgradeability's checks (they have no confidence level). */
export const UPGRADEABILITY_SEVERITY: Readonly<Record<string, Severity>> = { High: "high", Medium: "medium", Low: "low", Informational: "info" };

/** One entry of `slither-check-upgradeability --list-detectors-json`. */
export interface UpgradeabilityCheckInfo {
  check: string;
  title: string;
  impact: string;
  wiki_url?: string;
  description?: string;
  exploit_scenario?: string;
  recommendation?: string;
}

/** One invocation of the tool. */
export interface UpgradeabilityRun {
  /** `proxy`: `contract` against the proxy `against`; `update`: `contract` (V1) -> `against` (V2). */
  kind: "proxy" | "update";
  contract: string;
  against: string;
}

export interface UpgradeabilityAdapterOptions {
  root: string;
  toolVersion: string;
  /** Contract name -> repository-relative file, to place results that have no elements. */
  contractFile?(name: string): string | undefined;
  checks?: readonly UpgradeabilityCheckInfo[];
}

export function parseUpgradeabilityJson(text: string): SlitherJson {
  return parseSlitherJson(text, { requireImpact: false });
}

export { slitherErrorLine as upgradeabilityErrorLine };

/** The checks an invocation reports on, in our reading of the tool (see the header). */
export function checksFor(run: UpgradeabilityRun, known: Readonly<Record<string, UpgradeabilityCheck>> = UPGRADEABILITY_CHECKS): string[] {
  const modes: CheckMode[] = run.kind === "proxy" ? ["generic", "proxy"] : ["update"];
  return Object.entries(known)
    .filter(([, c]) => modes.includes(c.mode))
    .map(([name]) => name)
    .sort();
}

interface RawResult {
  check: string;
  description: string;
  markdown?: string;
  id?: string;
  elements: SlitherElement[];
}

function checkInfo(name: string, infos: readonly UpgradeabilityCheckInfo[] | undefined): { impact: string; title: string; info?: UpgradeabilityCheckInfo } {
  const info = infos?.find((c) => c.check === name);
  return { impact: info?.impact ?? UPGRADEABILITY_CHECKS[name]?.impact ?? "Medium", title: info?.title ?? name, info };
}

/** Findings of one invocation (drafts; the stage finalizes all runs together so ids are unique). */
export function upgradeabilityDrafts(json: SlitherJson, run: UpgradeabilityRun, opts: UpgradeabilityAdapterOptions): DraftFinding[] {
  const results = (json.results.detectors ?? []) as unknown as RawResult[];
  const drafts: DraftFinding[] = [];
  for (const r of results) {
    const known = UPGRADEABILITY_CHECKS[r.check];
    // From an update invocation keep only the update checks (its generic ones repeat per-contract runs).
    if (run.kind === "update" && known && known.mode !== "update") continue;
    const { impact, title, info } = checkInfo(r.check, opts.checks);
    const first = r.elements.find((e) => e.source_mapping);
    const file = first ? elementFile(first, opts.root) : opts.contractFile?.(run.contract);
    const lines = first?.source_mapping?.lines ?? [];
    const symbol = first ? elementSymbol(first) : run.contract;
    const pairScoped = known?.mode === "proxy" || known?.mode === "update";
    const elements = r.elements.map(elementDescriptor).join(" | ");
    drafts.push({
      stage: UPGRADEABILITY_STAGE,
      rule: `upgradeability/${r.check}`,
      severity: UPGRADEABILITY_SEVERITY[impact] ?? "medium",
      title,
      description: `${run.kind === "proxy" ? `${run.contract} behind ${run.against}` : `${run.contract} -> ${run.against}`}: ${r.description.replace(/\s+$/, "")}`,
      ...(file
        ? {
            location: {
              file,
              symbol,
              ...(lines.length ? { line: Math.min(...lines) } : {}),
              ...(lines.length && Math.max(...lines) > Math.min(...lines) ? { endLine: Math.max(...lines) } : {}),
            },
          }
        : {}),
      tool: { name: UPGRADEABILITY_TOOL, version: opts.toolVersion },
      ...(info?.recommendation?.trim() ? { recommendation: info.recommendation.trim() } : {}),
      // Pair-scoped checks name the pair; generic ones belong to the contract alone (deduplicated across runs).
      anchor: [pairScoped ? `${run.kind}:${run.contract}->${run.against}` : `contract:${run.contract}`, elements].filter(Boolean).join(" | "),
      data: {
        impact,
        kind: run.kind,
        contract: run.contract,
        against: run.against,
        category: known?.category ?? "initialization",
        // The variables and functions the result names (`CounterV1.owner`, `CounterV1.burn(uint256)`): what
        // the findings core matches against the storage and selector analyzers (findings/merge.ts).
        members: r.elements.filter((e) => e.type === "variable" || e.type === "function").map(elementSymbol),
        ...(info?.wiki_url ? { helpUri: info.wiki_url } : {}),
        ...(r.id ? { slitherId: r.id } : {}),
      },
    });
  }
  return drafts;
}

/** Finalizes drafts from all runs: the same generic finding reported by two runs collapses to one. */
export function upgradeabilityFindings(drafts: readonly DraftFinding[]): Finding[] {
  const seen = new Set<string>();
  const unique = drafts.filter((d) => {
    const key = [d.rule, d.location?.file ?? "", d.anchor].join("\u0000");
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return finalizeDrafts(unique);
}

/* ------------------------------------------------------------------------ *
 * Side-by-side comparison with our own analyzers
 * ------------------------------------------------------------------------ */

/**
 * One row of `metrics.comparison`: what Slither concluded about one check of
 * one contract pair, with room for what our own analysis concluded.
 *
 * `key` = `${category}:${contract}->${against}` - our storage-layout and
 * selector analyzers (stage `storage` / `selectors`) produce verdicts under
 * the same key, so the report joins rows on it:
 *   storage-layout:Staking->LoadBalancer   (implementation behind the proxy)
 *   selectors:Staking->LoadBalancer
 *   storage-layout:Staking->StakingV2      (V1 -> V2 upgrade)
 */
export interface ComparisonRow {
  key: string;
  category: CheckCategory;
  kind: "proxy" | "update";
  contract: string;
  against: string;
  check: string;
  slither: {
    /** `finding`: the check reported something; `clean`: it ran and reported nothing; `not-run`: the invocation failed. */
    verdict: "finding" | "clean" | "not-run";
    findings: string[];
    /**
     * `vacuous` when the check compares declared state variables and neither
     * contract declares any (ERC-7201 namespaced storage is invisible to it):
     * "clean" then means "nothing to compare", not "layouts agree".
     */
    coverage: "full" | "vacuous";
  };
  /** Filled by the report from our own analyzers' verdicts under the same key; null until then. */
  ours: null | { verdict: "finding" | "clean" | "not-run"; findings: string[]; note?: string };
}

export interface StateVarCounts {
  /** Declared (non-constant, non-immutable) state variables of a contract, by name; from the build's storageLayout. */
  (contract: string): number | undefined;
}

export function comparisonRows(
  runs: readonly { run: UpgradeabilityRun; ok: boolean }[],
  findings: readonly Finding[],
  stateVars: StateVarCounts = () => undefined,
): ComparisonRow[] {
  const rows: ComparisonRow[] = [];
  for (const { run, ok } of runs) {
    const vacuous = (stateVars(run.contract) ?? -1) === 0 && (stateVars(run.against) ?? -1) === 0;
    for (const check of checksFor(run)) {
      const meta = UPGRADEABILITY_CHECKS[check];
      const hits = findings.filter(
        (f) =>
          f.rule === `upgradeability/${check}` &&
          (f.data?.contract === run.contract || f.data?.contract === undefined) &&
          (meta.mode === "generic" || f.data?.against === run.against),
      );
      rows.push({
        key: `${meta.category}:${run.contract}->${run.against}`,
        category: meta.category,
        kind: run.kind,
        contract: run.contract,
        against: run.against,
        check,
        slither: {
          verdict: !ok ? "not-run" : hits.length > 0 ? "finding" : "clean",
          findings: hits.map((f) => f.id),
          coverage: meta.category === "storage-layout" && vacuous ? "vacuous" : "full",
        },
        ours: null,
      });
    }
  }
  return rows;
}

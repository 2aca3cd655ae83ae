/**
 * selectors: the selector-clash analyzer (scripts/audit/analyzers/selectors/) over the domains of
 * audit/domains.json. metrics: SelectorMetrics (every external selector; the id router's routing proof).
 */
import { analyzeSelectors, SELECTORS_STAGE, type SelectorMetrics } from "../analyzers/selectors/analyze";
import { routingProofSection, selectorsSection } from "../analyzers/report";
import { runAnalyzerStage } from "../analyzers/stage-common";
import { SELECTOR_TOOL } from "../analyzers/findings";
import { DOMAINS_FILE } from "../analyzers/domain";
import type { Stage } from "../types";

export const selectorsStage: Stage = {
  name: SELECTORS_STAGE,
  title: "Selectors (proxy clashes, id routing)",
  dependsOn: ["compile"],
  // The build (the analyzers read nothing else of the code) and the declared domains.
  cache: { inputs: ["build", "sources", { files: [DOMAINS_FILE] }] },
  keyMetric: (r) => {
    const m = r.metrics as Partial<SelectorMetrics>;
    return m.selectors ? `${m.selectors.length} selector(s), ${r.findings.length} finding(s)` : undefined;
  },
  run: (ctx) => runAnalyzerStage(ctx, SELECTORS_STAGE, SELECTOR_TOOL, analyzeSelectors, (m) => [routingProofSection(m.routingProofs), selectorsSection(m.selectors)]),
};

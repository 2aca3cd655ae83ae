/**
 * storage: the storage-collision analyzer (scripts/audit/analyzers/storage/) over the domains of
 * audit/domains.json. metrics: StorageMetrics (storageMap rows: which module owns which slot range).
 */
import { analyzeStorage, STORAGE_STAGE, type StorageMetrics } from "../analyzers/storage/analyze";
import { domainsSection, storageMapSection } from "../analyzers/report";
import { runAnalyzerStage } from "../analyzers/stage-common";
import { STORAGE_TOOL } from "../analyzers/findings";
import { DOMAINS_FILE } from "../analyzers/domain";
import type { Stage } from "../types";

export const storageStage: Stage = {
  name: STORAGE_STAGE,
  title: "Storage layout (collisions, namespaces, upgrades)",
  dependsOn: ["compile"],
  // The build (the analyzers read nothing else of the code) and the declared domains.
  cache: { inputs: ["build", "sources", { files: [DOMAINS_FILE] }] },
  keyMetric: (r) => {
    const m = r.metrics as Partial<StorageMetrics>;
    return m.storageMap ? `${m.storageMap.length} region(s), ${r.findings.length} finding(s)` : undefined;
  },
  run: (ctx) => runAnalyzerStage(ctx, STORAGE_STAGE, STORAGE_TOOL, analyzeStorage, (m) => [domainsSection(m.domains), storageMapSection(m.storageMap)]),
};

/**
 * Writes the rule catalog's data files for the pinned Slither (scripts/audit/findings/rules/*.json) from
 * the tools' own lists, recorded unmodified by `npm run audit:record-slither-fixtures`:
 *
 *   test/pipeline/fixtures/slither/clean.json                          `slither --json-types ...,list-detectors`
 *   test/pipeline/fixtures/slither/upgradeability/list-detectors.json  `slither-check-upgradeability --list-detectors-json`
 *
 *   npx ts-node --transpile-only scripts/audit/dev/rule-catalog-data.ts
 *
 * Run it after re-recording (a Slither upgrade); test/pipeline/findings-catalog.test.ts fails while the
 * data files and the recordings disagree, or while the data's version is not the pinned one.
 */
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { SlitherDetectorInfo } from "../adapters/slither";
import type { UpgradeabilityCheckInfo } from "../adapters/slither-upgradeability";
import { CATALOG_DATA_FILES, type ToolRuleList } from "../findings/catalog";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const RECORDED = path.join(ROOT, "test", "pipeline", "fixtures", "slither");

const text = (s: string | undefined): string => (s ?? "").trim();

/** The catalog data of both Slither tools, from the recordings (pure: the test compares with it). */
export function ruleListsFromRecordings(): { slither: ToolRuleList; upgradeability: ToolRuleList } {
  const meta = JSON.parse(readFileSync(path.join(RECORDED, "meta.json"), "utf8")) as { slither: string };
  const clean = JSON.parse(readFileSync(path.join(RECORDED, "clean.json"), "utf8")) as { results: { "list-detectors": SlitherDetectorInfo[] } };
  const checks = JSON.parse(readFileSync(path.join(RECORDED, "upgradeability", "list-detectors.json"), "utf8")) as UpgradeabilityCheckInfo[];
  return {
    slither: {
      tool: "slither",
      version: meta.slither,
      source: "slither --json-types list-detectors (test/pipeline/fixtures/slither/clean.json)",
      rules: clean.results["list-detectors"].map((d) => ({
        check: d.check,
        title: text(d.title),
        impact: d.impact,
        confidence: d.confidence,
        wiki_url: d.wiki_url ?? "",
        description: text(d.description),
        recommendation: text(d.recommendation),
      })),
    },
    upgradeability: {
      tool: "slither-check-upgradeability",
      version: meta.slither,
      source: "slither-check-upgradeability --list-detectors-json (test/pipeline/fixtures/slither/upgradeability/list-detectors.json)",
      rules: checks.map((c) => ({
        check: c.check,
        title: text(c.title),
        impact: c.impact,
        wiki_url: c.wiki_url ?? "",
        description: text(c.description),
        recommendation: text(c.recommendation),
      })),
    },
  };
}

if (require.main === module) {
  const lists = ruleListsFromRecordings();
  writeFileSync(CATALOG_DATA_FILES.slither, `${JSON.stringify(lists.slither, null, 2)}\n`);
  writeFileSync(CATALOG_DATA_FILES.upgradeability, `${JSON.stringify(lists.upgradeability, null, 2)}\n`);
  console.log(`wrote ${path.relative(ROOT, CATALOG_DATA_FILES.slither)} (${lists.slither.rules.length} detectors), ${path.relative(ROOT, CATALOG_DATA_FILES.upgradeability)} (${lists.upgradeability.rules.length} checks)`);
}

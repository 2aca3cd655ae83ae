/**
 * gas: per contract/method min/max/avg gas and deployment gas, measured by
 * hardhat-gas-reporter during the test stage's mocha run (no second run),
 * compared with the committed baseline audit/baselines/gas.json. Only the
 * contracts of contracts/ count: mocks and harnesses compiled into the same
 * build are left out.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { gasMetrics, parseGasReporterJson, type GasMetrics, type GasReporterJson } from "../adapters/gas-reporter";
import { GAS_BASELINE_FILE, loadGasBaseline, type GasBaseline } from "../policy";
import { relPath, walkFiles } from "../paths";
import { gasJsonSupported } from "../project/hardhat-project";
import type { Stage } from "../types";
import { freshRawDir, outcome, skip } from "./common";

/**
 * Names of the contracts compiled from contracts/ outside contracts/mocks/
 * (from the build's artifacts); undefined when the artifacts cannot be read.
 */
export function inScopeContracts(artifactsDir: string): Set<string> | undefined {
  const base = path.join(artifactsDir, "contracts");
  const files = walkFiles(base, (f) => f.endsWith(".json") && !f.endsWith(".dbg.json"));
  if (files.length === 0) return undefined;
  const names = files
    .filter((f) => !relPath(base, f).startsWith("mocks/"))
    .map((f) => path.basename(f, ".json"));
  return new Set(names);
}

/** The gas stage's metrics: in-scope contracts' gas, compared with `baseline`. */
export function compareGas(report: GasReporterJson, artifactsDir: string, baseline: GasBaseline | undefined): GasMetrics {
  const scope = inScopeContracts(artifactsDir);
  return gasMetrics(report, baseline, scope ? (c) => scope.has(c) : undefined);
}

export const gasStage: Stage = {
  name: "gas",
  title: "Gas (hardhat-gas-reporter vs baseline)",
  dependsOn: ["test"],
  profiles: ["ci", "deep"],
  keyMetric: (r) => {
    const m = r.metrics as Partial<GasMetrics>;
    if (!m.methods || !m.deployments) return undefined;
    const deltas = [...m.methods, ...m.deployments].map((x) => x.deltaPct).filter((d): d is number => d !== undefined);
    const worst = deltas.length ? Math.max(...deltas) : undefined;
    const vs = worst !== undefined ? `, worst ${worst > 0 ? "+" : ""}${worst}% vs baseline` : m.baseline === "absent" ? ", no baseline" : "";
    return `${m.methods.length} methods, ${m.deployments.length} deployments${vs}`;
  },
  async run(ctx) {
    const test = ctx.upstream.get("test");
    if (!test) return skip("needs the test stage in the same run (its mocha run measures gas)");
    const rel = test.metrics.gasReport;
    if (typeof rel !== "string") {
      const facts = ctx.project?.hardhat.facts;
      if (facts && !facts.plugins.gasReporter) return skip("the project's Hardhat config does not load hardhat-gas-reporter");
      if (facts && !gasJsonSupported(facts)) return skip(`hardhat-gas-reporter ${facts.versions.gasReporter ?? "?"} writes no JSON report (version 2 does): gas not measured`);
      return skip("the test stage produced no gas report");
    }
    const file = path.resolve(ctx.root, rel);
    if (!existsSync(file)) return skip(`gas report ${rel} is missing`);
    const raw = freshRawDir(ctx, "gas");
    let report;
    try {
      report = parseGasReporterJson(readFileSync(file, "utf8"));
    } catch (e) {
      return outcome("error", { reason: `unreadable gas report ${rel}: ${(e as Error).message}` });
    }
    const baseline = loadGasBaseline(ctx.root);
    const metrics = compareGas(report, ctx.build.artifactsDir, baseline);
    const out = path.join(raw, "gas-comparison.json");
    writeFileSync(out, JSON.stringify({ baselineFile: baseline ? GAS_BASELINE_FILE : null, ...metrics }, null, 2));
    ctx.log(`${metrics.methods.length} methods, ${metrics.deployments.length} deployments`);
    return outcome("passed", {
      tools: [{ name: "hardhat-gas-reporter", version: report.version ?? "unknown" }],
      metrics: { ...metrics },
      artifacts: [rel, relPath(ctx.root, out)],
    });
  },
};

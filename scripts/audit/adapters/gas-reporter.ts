/**
 * hardhat-gas-reporter adapter: its outputJSON file -> per-method and
 * per-deployment gas metrics, compared with the committed baseline
 * (audit/baselines/gas.json). The gate judges the deltas against policy.
 */
import type { GasBaseline } from "../policy";
import type { GasMethodMetric } from "../types";

interface GasReporterMethod {
  contract: string;
  method: string;
  fnSig: string;
  numberOfCalls: number;
  executionGasAverage?: number;
  min?: number;
  max?: number;
  gasData?: number[];
}
interface GasReporterDeployment {
  name: string;
  gasData?: number[];
  executionGasAverage?: number;
  min?: number;
  max?: number;
}
export interface GasReporterJson {
  namespace: string;
  version?: string;
  data: { methods: Record<string, GasReporterMethod>; deployments: GasReporterDeployment[] };
}

/** A method's gas as the report shows it (GasMethodMetric), plus what the baseline comparison needs. */
export interface MethodGas extends GasMethodMetric {
  fnSig: string;
  /** Baseline key: "Contract.method". */
  key: string;
}

export interface DeploymentGas {
  contract: string;
  /** Average deployment gas. */
  gas: number;
  min: number;
  max: number;
  deployments: number;
  baseline?: number;
  deltaPct?: number;
}

export interface GasMetrics {
  methods: MethodGas[];
  deployments: DeploymentGas[];
  /** Whether a committed baseline was compared against. */
  baseline: "compared" | "absent";
  /** Baseline keys not measured in this run (removed or no longer called). */
  missingFromRun: string[];
  /** Measured keys the baseline does not know yet (new methods). */
  newSinceBaseline: string[];
}

export function parseGasReporterJson(text: string): GasReporterJson {
  const json = JSON.parse(text) as Partial<GasReporterJson>;
  if (json.namespace !== "HardhatGasReporter" || typeof json.data?.methods !== "object" || !Array.isArray(json.data?.deployments)) {
    throw new Error("not a hardhat-gas-reporter JSON file (expected namespace HardhatGasReporter with data.methods and data.deployments)");
  }
  return json as GasReporterJson;
}

const round = (n: number): number => Math.round(n);
const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
/** Percent change, two decimals; undefined without a positive baseline. */
export function deltaPercent(current: number, baseline: number | undefined): number | undefined {
  if (baseline === undefined || baseline <= 0) return undefined;
  return Math.round(((current - baseline) / baseline) * 10_000) / 100;
}

/**
 * `inScope` (default: everything) keeps the contracts whose gas matters; the
 * gas stage passes the contracts of contracts/ minus contracts/mocks/, so
 * test doubles neither clutter the report nor fail the gate.
 */
export function gasMetrics(report: GasReporterJson, baseline?: GasBaseline, inScope: (contract: string) => boolean = () => true): GasMetrics {
  const called = Object.values(report.data.methods).filter((m) => m.numberOfCalls > 0 && inScope(m.contract));
  const nameCount = new Map<string, number>();
  for (const m of Object.values(report.data.methods)) {
    const k = `${m.contract}\u0000${m.method}`;
    nameCount.set(k, (nameCount.get(k) ?? 0) + 1);
  }
  const methods = called
    .map((m): MethodGas => {
      const overloaded = (nameCount.get(`${m.contract}\u0000${m.method}`) ?? 0) > 1;
      const method = overloaded ? m.fnSig : m.method;
      const key = `${m.contract}.${method}`;
      const data = m.gasData ?? [];
      const avg = round(m.executionGasAverage ?? (data.length ? mean(data) : 0));
      const baselineAvg = baseline?.methods[key];
      const deltaPct = deltaPercent(avg, baselineAvg);
      return {
        contract: m.contract,
        method,
        fnSig: m.fnSig,
        key,
        min: m.min ?? (data.length ? Math.min(...data) : avg),
        max: m.max ?? (data.length ? Math.max(...data) : avg),
        avg,
        calls: m.numberOfCalls,
        ...(baselineAvg !== undefined ? { baselineAvg } : {}),
        ...(deltaPct !== undefined ? { deltaPct } : {}),
      };
    })
    .sort((a, b) => a.key.localeCompare(b.key));
  const deployments = report.data.deployments
    .filter((d) => (d.gasData ?? []).length > 0 && inScope(d.name))
    .map((d): DeploymentGas => {
      const data = d.gasData ?? [];
      const gas = round(d.executionGasAverage ?? mean(data));
      const base = baseline?.deployments[d.name];
      const deltaPct = deltaPercent(gas, base);
      return {
        contract: d.name,
        gas,
        min: d.min ?? Math.min(...data),
        max: d.max ?? Math.max(...data),
        deployments: data.length,
        ...(base !== undefined ? { baseline: base } : {}),
        ...(deltaPct !== undefined ? { deltaPct } : {}),
      };
    })
    .sort((a, b) => a.contract.localeCompare(b.contract));

  const measured = new Set([...methods.map((m) => m.key), ...deployments.map((d) => `deploy:${d.contract}`)]);
  const known = new Set([
    ...Object.keys(baseline?.methods ?? {}),
    ...Object.keys(baseline?.deployments ?? {}).map((c) => `deploy:${c}`),
  ]);
  return {
    methods,
    deployments,
    baseline: baseline ? "compared" : "absent",
    missingFromRun: baseline ? [...known].filter((k) => !measured.has(k)).sort() : [],
    newSinceBaseline: baseline ? [...measured].filter((k) => !known.has(k)).sort() : [],
  };
}

/** The baseline file content for the current measurements (`npm run audit:baseline`). */
export function baselineFrom(metrics: Pick<GasMetrics, "methods" | "deployments">): GasBaseline {
  const methods: Record<string, number> = {};
  for (const m of [...metrics.methods].sort((a, b) => a.key.localeCompare(b.key))) methods[m.key] = m.avg;
  const deployments: Record<string, number> = {};
  for (const d of [...metrics.deployments].sort((a, b) => a.contract.localeCompare(b.contract))) deployments[d.contract] = d.gas;
  return {
    $comment: "Average gas per method and per deployment; compared by the audit gas stage. Update only with `npm run audit:baseline`.",
    methods,
    deployments,
  };
}

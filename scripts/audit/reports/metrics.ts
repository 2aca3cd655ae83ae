/**
 * Reads the coverage, gas and test metrics out of a report, by stage name
 * (see the conventions in ../types.ts). Metrics are free-form at the type
 * level, so they are parsed here rather than cast: a malformed block yields a
 * note in the report instead of a crash or a wrong table.
 */
import { z } from "zod";
import { METRICS_STAGE } from "../types";
import type { AuditReport, CoverageMetrics, GasMetrics, StageResult, TestMetrics } from "../types";

const count = z.number().int().nonnegative();
const counter = z.object({ pct: z.number().min(0).max(100), covered: count, total: count });
const coverageSummary = z.object({ lines: counter, branches: counter, functions: counter, statements: counter });

const coverageMetrics: z.ZodType<CoverageMetrics, z.ZodTypeDef, unknown> = z.object({
  total: coverageSummary,
  files: z.record(coverageSummary),
});

const gasMetrics: z.ZodType<GasMetrics, z.ZodTypeDef, unknown> = z.object({
  methods: z.array(
    z.object({
      contract: z.string(),
      method: z.string(),
      min: z.number(),
      max: z.number(),
      avg: z.number(),
      calls: count,
      baselineAvg: z.number().optional(),
      deltaPct: z.number().optional(),
    }),
  ),
  deployments: z.array(
    z.object({ contract: z.string(), gas: z.number(), baseline: z.number().optional(), deltaPct: z.number().optional() }),
  ),
});

const testMetrics: z.ZodType<TestMetrics, z.ZodTypeDef, unknown> = z.object({
  passes: count,
  failures: count,
  pending: count,
  tests: count,
});

/**
 * `data` when the stage produced these metrics; otherwise `note` says why
 * there are none (stage absent, skipped, produced nothing, or malformed).
 */
export type MetricsLookup<T> = { data: T; note?: undefined } | { data?: undefined; note: string };

function lookup<T>(report: AuditReport, stageName: string, schema: z.ZodType<T, z.ZodTypeDef, unknown>): MetricsLookup<T> {
  const stage: StageResult | undefined = report.stages.find((s) => s.name === stageName);
  if (!stage) return { note: `No "${stageName}" stage in this run.` };
  if (Object.keys(stage.metrics).length === 0) {
    const why = stage.reason ? `: ${stage.reason}` : ".";
    return { note: `The "${stageName}" stage (${stage.status}) reported no metrics${why}` };
  }
  const parsed = schema.safeParse(stage.metrics);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    return { note: `The "${stageName}" stage's metrics are malformed (${first.path.join(".") || "root"}: ${first.message}).` };
  }
  return { data: parsed.data };
}

export const readCoverageMetrics = (report: AuditReport): MetricsLookup<CoverageMetrics> =>
  lookup(report, METRICS_STAGE.coverage, coverageMetrics);

export const readGasMetrics = (report: AuditReport): MetricsLookup<GasMetrics> => lookup(report, METRICS_STAGE.gas, gasMetrics);

export const readTestMetrics = (report: AuditReport): MetricsLookup<TestMetrics> =>
  lookup(report, METRICS_STAGE.test, testMetrics);

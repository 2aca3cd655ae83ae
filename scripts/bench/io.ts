/**
 * Reading and writing the benchmark's JSON: the result (audit/gas/bench.json, written atomically), the
 * committed baseline (audit/baselines/bench.json, validated) and the regression limit of the audit
 * policy (audit/policy.json `gas.maxRegressionPercent`, the same limit the gas stage uses).
 */
import { randomBytes } from "node:crypto";
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { BENCH_BASELINE_FILE, type BenchReport } from "./types";

export const POLICY_FILE = "audit/policy.json";
/** Default of policy.gas.maxRegressionPercent (scripts/audit/policy.ts). */
export const DEFAULT_MAX_REGRESSION_PCT = 5;

const gas = z.number().int();
const callGas = z.object({ cold: gas, warm: gas, tx: gas, exec: gas });

export const BenchRowSchema = z.object({
  proxy: z.string().min(1),
  kind: z.enum(["id-router", "storage-lookup", "hard-coded"]),
  case: z.enum(["small", "large"]),
  calldataBytes: gas,
  returndataBytes: gas,
  routingBytes: gas,
  routingCalldataGas: gas,
  direct: callGas,
  proxied: callGas,
  coldOverhead: gas,
  warmOverhead: gas,
  txOverhead: gas,
  txExecOverhead: gas,
  txOverheadNoFloor: gas,
  deploymentGas: gas,
  setupGas: gas,
  runtimeSize: gas,
});

export const BatchRowSchema = z.object({
  name: z.string().min(1),
  description: z.string(),
  extraCallGas: gas,
  directCallGas: gas,
  overheadPerExtraCall: gas,
  txGasPerExtraCall: gas,
  extraCalls: gas,
});

export const BenchReportSchema = z.object({
  $comment: z.string().optional(),
  schemaVersion: z.string(),
  generatedAt: z.string(),
  environment: z.object({
    hardhat: z.string(),
    solc: z.string(),
    evmVersion: z.string(),
    optimizerRuns: z.number(),
    hardfork: z.string(),
  }),
  floor: z.object({ coldSload: gas, coldDelegatecallTarget: gas, opcodes: gas, coldExecOverhead: gas }),
  rows: z.array(BenchRowSchema),
  batch: z.array(BatchRowSchema),
  summary: z.object({
    coldOverhead: z.number(),
    ratioToFloor: z.number(),
    budget: z.number(),
    withinBudget: z.boolean(),
    notBelow: z.array(z.string()),
  }),
});

/** Parses and validates a bench report; throws one line naming `what` and the first problems. */
export function parseBenchReport(text: string, what: string): BenchReport {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`malformed ${what}: ${(e as Error).message.split("\n")[0]}`);
  }
  const parsed = BenchReportSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.length ? i.path.join(".") : "(root)"}: ${i.message}`)
      .join("; ");
    throw new Error(`malformed ${what}: ${issues}`);
  }
  const { $comment: _comment, ...report } = parsed.data;
  return report as BenchReport;
}

/** The committed baseline, or undefined when none is committed. */
export function loadBenchBaseline(root: string): BenchReport | undefined {
  const file = path.join(root, BENCH_BASELINE_FILE);
  if (!existsSync(file)) return undefined;
  return parseBenchReport(readFileSync(file, "utf8"), BENCH_BASELINE_FILE);
}

/** policy.gas.maxRegressionPercent, or its default when the policy file or the field is absent. */
export function loadMaxRegressionPct(root: string): number {
  const file = path.join(root, POLICY_FILE);
  if (!existsSync(file)) return DEFAULT_MAX_REGRESSION_PCT;
  let policy: { gas?: { maxRegressionPercent?: unknown } };
  try {
    policy = JSON.parse(readFileSync(file, "utf8")) as { gas?: { maxRegressionPercent?: unknown } };
  } catch (e) {
    throw new Error(`malformed ${POLICY_FILE}: ${(e as Error).message.split("\n")[0]}`);
  }
  const pct = policy.gas?.maxRegressionPercent;
  if (pct === undefined) return DEFAULT_MAX_REGRESSION_PCT;
  if (typeof pct !== "number" || !(pct >= 0)) throw new Error(`malformed ${POLICY_FILE}: gas.maxRegressionPercent must be a number >= 0`);
  return pct;
}

/**
 * Replaces `file` with `data` atomically: written to a temporary file in the same directory, flushed,
 * then renamed over the target, so a reader sees the old or the new content, never a prefix.
 */
export function writeFileAtomic(file: string, data: string): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`);
  try {
    const fd = openSync(tmp, "wx", 0o644);
    try {
      writeSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

export function serializeReport(report: BenchReport, comment?: string): string {
  return `${JSON.stringify(comment ? { $comment: comment, ...report } : report, null, 2)}\n`;
}

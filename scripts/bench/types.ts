/**
 * The shape of audit/gas/bench.json (and of the committed baseline audit/baselines/bench.json), written
 * by the routing-cost benchmark (scripts/bench/gas.ts). docs/BENCHMARK.md documents every field and
 * how it is measured; keep the two in step and bump BENCH_SCHEMA_VERSION on a breaking change.
 *
 * All gas figures are exact integers from one Hardhat run (gas is deterministic): never averages of
 * timing runs.
 */

export const BENCH_SCHEMA_VERSION = "1.0.0";

/** Where `npm run bench:gas` writes its result, relative to the repository root. */
export const BENCH_OUTPUT_FILE = "audit/gas/bench.json";
/** The committed baseline the audit's bench stage compares against (updated only by --update-baseline). */
export const BENCH_BASELINE_FILE = "audit/baselines/bench.json";

/**
 * The floor of "look the implementation up in storage, then delegatecall", cold: one cold SLOAD
 * (EIP-2929: 2,100), the cold account access of the DELEGATECALL target (2,600) and about 60 gas of
 * unavoidable opcodes (copy calldata in, push the call's arguments, copy return data out, branch on
 * success). Any proxy that reads its implementation from storage pays at least this much.
 */
export const FLOOR = {
  coldSload: 2100,
  coldDelegatecallTarget: 2600,
  opcodes: 60,
  coldExecOverhead: 4760,
} as const;

/** Our budget: cold execution overhead of the LoadBalancer, small case, within 3% of the floor. */
export const LOADBALANCER_BUDGET = 4900;

/** Name of our proxy's rows. */
export const OURS = "LoadBalancer";

export type BenchCase = "small" | "large";

/**
 * How the proxy finds its implementation:
 * - `id-router`: our LoadBalancer (id byte -> registry slot, one SLOAD);
 * - `storage-lookup`: reads one implementation (ERC-1967 slot) or a per-selector facet from storage;
 * - `hard-coded`: the implementation address is part of the proxy's code (EIP-1167), no SLOAD at all.
 */
export type ProxyKind = "id-router" | "storage-lookup" | "hard-coded";

/** Gas of one call shape: in the driver (first and second call of one transaction) and as a transaction. */
export interface CallGas {
  /** Gas of the first call to the target in a transaction, CALL opcode included (cold accesses). */
  cold: number;
  /** Gas of a second, identical call in the same transaction (everything warm). */
  warm: number;
  /** Receipt gasUsed of a transaction from an EOA that makes this call (intrinsic cost included). */
  tx: number;
  /** Execution gas of that transaction (intrinsic cost excluded), from debug_traceTransaction. */
  exec: number;
}

/** One proxy, one call size. */
export interface BenchRow {
  /** Proxy name, e.g. "LoadBalancer", "OZ ERC1967Proxy (UUPS)". */
  proxy: string;
  kind: ProxyKind;
  case: BenchCase;
  /** Bytes of calldata sent to the proxy (the implementation's calldata plus routing bytes). */
  calldataBytes: number;
  /** Bytes of return data. */
  returndataBytes: number;
  /** Calldata bytes the routing adds to the implementation's calldata (our id byte: 1; others: 0). */
  routingBytes: number;
  /** Intrinsic transaction cost of the routing bytes at 16 gas per non-zero and 4 per zero byte. */
  routingCalldataGas: number;
  /** The same call made directly to the implementation. */
  direct: CallGas;
  /** The call made through the proxy. */
  proxied: CallGas;
  /** Execution overhead, cold: proxied.cold - direct.cold. */
  coldOverhead: number;
  /** Execution overhead, warm (second call in the same transaction): proxied.warm - direct.warm. */
  warmOverhead: number;
  /**
   * Total transaction overhead, measured: proxied.tx - direct.tx (routing calldata included), under the
   * network's intrinsic-gas rules. From Prague on (EIP-7623) a transaction pays at least a calldata
   * floor, which can absorb part or all of the execution overhead (docs/BENCHMARK.md).
   */
  txOverhead: number;
  /**
   * Execution overhead of the transaction: proxied.exec - direct.exec. A cross-check of the method: it
   * equals coldOverhead (the transaction's target is warm, the implementation cold, exactly as in
   * the driver's first call once both sides' CALL costs cancel; docs/BENCHMARK.md).
   */
  txExecOverhead: number;
  /** Total transaction overhead without EIP-7623's floor (Cancun rules): txExecOverhead + routingCalldataGas. */
  txOverheadNoFloor: number;
  /** Receipt gasUsed of the proxy's creation transaction (constructor work such as deploying an admin contract included). */
  deploymentGas: number;
  /** Gas of the transactions needed after deployment before the call routes (registration, diamond cut); 0 when the constructor does it. */
  setupGas: number;
  /** Size of the proxy's runtime bytecode in bytes. */
  runtimeSize: number;
}

/** One batching measurement of the LoadBalancer (ILoadBalancer.batch). */
export interface BatchRow {
  /** e.g. "same id", "another id". */
  name: string;
  /** What the extra call is. */
  description: string;
  /** Execution gas one more batched call adds (driver-measured, averaged over `extraCalls` calls). */
  extraCallGas: number;
  /** Execution gas of the same call made directly to the implementation (same warmth). */
  directCallGas: number;
  /** extraCallGas - directCallGas: what routing one more call inside a batch costs. */
  overheadPerExtraCall: number;
  /** Receipt gas one more batched call adds to the batch transaction (its calldata included). */
  txGasPerExtraCall: number;
  /** How many extra calls the averages are over. */
  extraCalls: number;
}

export interface BenchEnvironment {
  hardhat: string;
  solc: string;
  evmVersion: string;
  optimizerRuns: number;
  /** The Hardhat network's hardfork: decides the intrinsic-gas rules of the tx figures (EIP-7623 from Prague on). */
  hardfork: string;
}

export interface BenchSummary {
  /** Our cold execution overhead, small case. */
  coldOverhead: number;
  /** coldOverhead / FLOOR.coldExecOverhead. */
  ratioToFloor: number;
  budget: number;
  withinBudget: boolean;
  /** Storage-lookup proxies whose small-case cold overhead is at or below ours. */
  notBelow: string[];
}

export interface BenchReport {
  schemaVersion: string;
  generatedAt: string;
  environment: BenchEnvironment;
  floor: typeof FLOOR;
  rows: BenchRow[];
  batch: BatchRow[];
  summary: BenchSummary;
}

/** The metrics of a row that the regression gate compares (lower is better for all of them). */
export const ROW_METRICS = ["coldOverhead", "warmOverhead", "txOverhead", "txOverheadNoFloor", "deploymentGas", "runtimeSize"] as const;
export type RowMetric = (typeof ROW_METRICS)[number];
export const BATCH_METRICS = ["overheadPerExtraCall", "txGasPerExtraCall"] as const;
export type BatchMetric = (typeof BATCH_METRICS)[number];

/** A row's identity across runs. */
export const rowKey = (r: Pick<BenchRow, "proxy" | "case">): string => `${r.proxy} / ${r.case}`;
export const batchKey = (b: Pick<BatchRow, "name">): string => `batch / ${b.name}`;

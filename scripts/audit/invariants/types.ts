/**
 * The invariant campaign's engine-neutral data model: what the Medusa and
 * Echidna adapters parse tool output into, what the stage reports, and what
 * the reproducer generator turns into regression tests.
 */

export type InvariantEngine = "medusa" | "echidna";
export type EngineChoice = InvariantEngine | "auto";

/** One step of a failing call sequence, as the engine reported it. */
export interface CallStep {
  /**
   * Function signature (`stake(uint8,uint256)`), or `*wait*` for an Echidna
   * step that only advances time and blocks.
   */
  function: string;
  /** Arguments as the engine printed them (decimal integers, 0x addresses, true/false). */
  args: string[];
  /** The account that sent the call (0x, 40 hex digits), when the engine reports it. */
  sender?: string;
  /** Contract (name or address) the call went to, when the engine reports it. */
  target?: string;
  /** Exact ABI calldata, when the engine records it (Medusa's test_results JSON). */
  calldata?: string;
  /** Seconds the engine advanced block.timestamp before this call. */
  timeDelay: number;
  /** Blocks the engine advanced block.number before this call. */
  blockDelay: number;
  /** msg.value in wei (decimal), when not zero. */
  value?: string;
}

export type PropertyKind = "property" | "assertion" | "optimization";
export type PropertyStatus = "passed" | "failed" | "not-run" | "error";

export interface PropertyResult {
  /** Function name without contract or arguments for properties (`echidna_solvent`); signature for assertion tests. */
  name: string;
  kind: PropertyKind;
  status: PropertyStatus;
  /** Why the engine could not evaluate it (Echidna "could not evaluate"). */
  detail?: string;
}

export interface PropertyFailure {
  property: string;
  kind: PropertyKind;
  /** The shrunk sequence that breaks the property. */
  callSequence: CallStep[];
  /** Where the sequence came from. */
  source: "medusa-test-results" | "medusa-text" | "echidna-text";
  /** The engine's machine-readable sequence file (repository-relative), when there is one. */
  file?: string;
}

/** Coverage as the engine reports it (each engine counts differently; see the adapters). */
export interface EngineCoverage {
  /** Medusa: branches hit, from its progress line. */
  branches?: number;
  /** Echidna: unique instructions / code hashes. */
  instructions?: number;
  codehashes?: number;
  /** From the engine's lcov (Medusa, Echidna with coverageFormats lcov) for files under contracts/. */
  lines?: { covered: number; total: number; pct: number };
  /** Repository-relative path of the lcov file, when written. */
  lcov?: string;
}

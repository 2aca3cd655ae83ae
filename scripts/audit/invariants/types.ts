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
  /**
   * Arguments as the engine prints them: decimal integers, 0x addresses, true/false, and for Echidna
   * Haskell string literals for bytes and strings (`"ab\NUL"`), `[…]` arrays and `(…)` tuples
   * (scripts/audit/adapters/echidna-values.ts decodes them).
   */
  args: string[];
  /**
   * The account that sent the call (0x, 40 lowercase hex digits). Absent when the engine did not say:
   * Echidna prints `from:` only when a sequence has several senders; the failure's `unknownSender`
   * then lists the accounts it may have been.
   */
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
  /** Gas limit of the call, when the engine recorded it (Echidna's reproducers, Medusa's sequences). */
  gas?: number;
  /** Gas price in wei (decimal), when not zero. */
  gasPrice?: string;
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
  /**
   * Where the sequence came from:
   * - `medusa-test-results`: Medusa's <corpus>/test_results JSON (exact calldata, senders, values);
   * - `medusa-text`: Medusa's stdout;
   * - `echidna-reproducer`: Echidna's <corpus>/reproducers JSON, written at the end of a run
   *   (exact senders, values, typed arguments) - the shrunk sequence of the final report;
   * - `echidna-reproducer-unshrunk`: Echidna's <corpus>/reproducers-unshrunk JSON, written when the
   *   test was falsified (2.2.3+) - used when the run ended without a final report;
   * - `echidna-text`: Echidna's final text report;
   * - `echidna-live`: Echidna's live `Test … falsified!` event (2.2.4+, unshrunk), when there was no
   *   final report.
   */
  source:
    | "medusa-test-results"
    | "medusa-text"
    | "echidna-reproducer"
    | "echidna-reproducer-unshrunk"
    | "echidna-text"
    | "echidna-live";
  /** The engine's machine-readable sequence file (repository-relative), when there is one. */
  file?: string;
  /** Why the test failed, as the engine words it (Echidna 2.3.3+: `Reason: ReturnFalse`). */
  reason?: string;
  /**
   * Set when the engine did not name the sender of the calls (Echidna prints `from:` only when a
   * sequence has several senders, so a one-sender sequence from its text report has none): the
   * sequence was sent by one of `candidates` (the campaign's configured senders, ascending; Echidna's
   * shrinker moves senders towards the first), and `note` says where they come from. A reproducer
   * replays the sequence from each candidate.
   */
  unknownSender?: { candidates: string[]; note: string };
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

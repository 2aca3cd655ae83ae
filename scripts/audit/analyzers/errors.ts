/**
 * Bad analyzer input (unknown contract, malformed domain config, missing build). The Hardhat tasks print
 * the message as one line and exit 2; the audit stages turn it into an `error` stage result.
 */
export class AnalyzerInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AnalyzerInputError";
  }
}

/** Exit codes of `audit:storage` / `audit:selectors` (same convention as `npm run audit`). */
export const ANALYZER_EXIT = { clean: 0, findings: 1, badInput: 2 } as const;

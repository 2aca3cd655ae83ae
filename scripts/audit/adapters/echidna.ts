/**
 * Echidna 2.x text-output adapter.
 *
 * Echidna's `--format json` leaves test names as a placeholder, so the text
 * report is parsed instead (format from Echidna's lib/Echidna/UI/Report.hs):
 *
 *   echidna_solvent: passing                       (open, no counterexample)
 *   echidna_solvent:  passed! 🎉                   (proved / limit reached, older wording)
 *   echidna_locked_stake_stays_until_end: failed!💥
 *     Call sequence:                               (", shrinking n/m" while shrinking)
 *       C.stake(3,100) from: 0x…10000 Time delay: 5 seconds Block delay: 2
 *       *wait* Time delay: 600 seconds Block delay: 10
 *       C.withdraw(3,1)
 *
 *   Traces:
 *   …
 *   f(uint8): could not evaluate ☣
 *     <error>
 *   Unique instructions: 5123
 *   Unique codehashes: 14
 *   Corpus size: 37
 *   Seed: 3421784…
 *   Total calls: 50123                             (2.2+)
 *
 * A call line is `[Contract.]fn(args)` followed by optional ` from: <sender>`
 * (printed only when the sequence has several senders), ` Gas: n`,
 * ` Gas price: n`, ` Value: n`, ` Time delay: n seconds`, ` Block delay: n`.
 * Progress lines look like `[2024-01-01 00:00:00.00] [status] tests: 1/12,
 * fuzzing: 5000/50000, values: [], cov: 5123, corpus: 37, gas/s: …`.
 *
 * Echidna cannot be installed on our machines: this adapter is tested on a
 * sample constructed from that documented format (test/pipeline/fixtures/echidna/),
 * not on a recording.
 */
import type { CallStep, PropertyFailure, PropertyResult } from "../invariants/types";
import { normalizeAddress, splitArgs, stripAnsi } from "./medusa";

export interface EchidnaTextResult {
  tests: PropertyResult[];
  failures: PropertyFailure[];
  /** From the last `[status]` line. */
  progress?: { failed: number; total: number; calls: number; testLimit: number; coverage: number; corpus: number };
  instructions?: number;
  codehashes?: number;
  corpusSize?: number;
  seed?: string;
  totalCalls?: number;
}

const TEST_LINE = /^([A-Za-z_$][\w$]*(?:\([^)]*\))?):\s+(passing|passed!.*|failed!.*|could not evaluate.*|fuzzing.*|max value:.*)$/u;
const STATUS_LINE = /\[status\] tests: (\d+)\/(\d+), fuzzing: (\d+)\/(\d+),.*?cov: (\d+), corpus: (\d+)/;

/** One `Call sequence:` line (without its indentation). */
export function parseEchidnaCallLine(line: string): CallStep | undefined {
  let rest = line.trim();
  if (rest === "") return undefined;
  const delays = (tail: string): { timeDelay: number; blockDelay: number } => ({
    timeDelay: Number(/Time delay: (\d+) seconds/.exec(tail)?.[1] ?? 0),
    blockDelay: Number(/Block delay: (\d+)/.exec(tail)?.[1] ?? 0),
  });
  if (rest.startsWith("*wait*")) return { function: "*wait*", args: [], ...delays(rest) };
  const open = rest.indexOf("(");
  if (open < 0) return undefined;
  // Find the closing parenthesis of the argument list (arguments may hold strings and arrays).
  let depth = 0;
  let quote = false;
  let close = -1;
  for (let i = open; i < rest.length; i++) {
    const ch = rest[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === '"') quote = false;
      continue;
    }
    if (ch === '"') quote = true;
    else if (ch === "(" || ch === "[") depth++;
    else if ((ch === ")" || ch === "]") && --depth === 0) {
      close = i;
      break;
    }
  }
  if (close < 0) return undefined;
  const qualified = rest.slice(0, open);
  const dot = qualified.lastIndexOf(".");
  const target = dot >= 0 ? qualified.slice(0, dot) : undefined;
  const name = dot >= 0 ? qualified.slice(dot + 1) : qualified;
  const args = splitArgs(rest.slice(open + 1, close));
  rest = rest.slice(close + 1);
  const sender = /from: (0x[0-9a-fA-F]+)/.exec(rest)?.[1];
  const value = /Value: (\d+)/.exec(rest)?.[1];
  return {
    // Echidna prints the name and arguments only; the signature is recovered from the ABI by the caller.
    function: name,
    args,
    ...(target ? { target } : {}),
    ...(sender ? { sender: normalizeAddress(sender) } : {}),
    ...(value && value !== "0" ? { value } : {}),
    ...delays(rest),
  };
}

/** Parses Echidna's text report (and its progress lines). */
export function parseEchidnaOutput(raw: string): EchidnaTextResult {
  const lines = stripAnsi(raw).split(/\r?\n/);
  const tests = new Map<string, PropertyResult>();
  const failures = new Map<string, PropertyFailure>();
  const result: EchidnaTextResult = { tests: [], failures: [] };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trimEnd();
    const st = STATUS_LINE.exec(line);
    if (st) {
      result.progress = {
        failed: Number(st[1]),
        total: Number(st[2]),
        calls: Number(st[3]),
        testLimit: Number(st[4]),
        coverage: Number(st[5]),
        corpus: Number(st[6]),
      };
      continue;
    }
    const num = (re: RegExp): number | undefined => {
      const m = re.exec(line);
      return m ? Number(m[1]) : undefined;
    };
    result.instructions = num(/^Unique instructions: (\d+)$/) ?? result.instructions;
    result.codehashes = num(/^Unique codehashes: (\d+)$/) ?? result.codehashes;
    result.corpusSize = num(/^Corpus size: (\d+)$/) ?? result.corpusSize;
    result.totalCalls = num(/^Total calls: (\d+)$/) ?? result.totalCalls;
    const seed = /^Seed: (-?\d+)$/.exec(line);
    if (seed) result.seed = seed[1];

    const t = TEST_LINE.exec(line);
    if (!t) continue;
    const name = t[1];
    const verdict = t[2];
    // Assertion tests are printed by signature (`f(uint8)`), properties by name.
    const kind = name.includes("(") ? "assertion" : "property";
    if (verdict.startsWith("failed!")) {
      const calls: CallStep[] = [];
      let j = i + 1;
      if (/^\s*Call sequence/.test(lines[j] ?? "")) j++;
      for (; j < lines.length; j++) {
        const l = lines[j];
        if (!/^\s{4}\S/.test(l)) break; // the sequence ends at the blank line before "Traces:"
        const step = parseEchidnaCallLine(l);
        if (step) calls.push(step);
      }
      tests.set(name, { name, kind, status: "failed" });
      failures.set(name, { property: name, kind, callSequence: calls, source: "echidna-text" });
      i = j - 1;
    } else if (verdict.startsWith("could not evaluate")) {
      tests.set(name, { name, kind, status: "error", detail: (lines[i + 1] ?? "").trim() || undefined });
    } else if (verdict.startsWith("fuzzing")) {
      tests.set(name, { name, kind, status: "not-run" });
    } else if (!verdict.startsWith("max value")) {
      tests.set(name, { name, kind, status: "passed" });
    }
  }
  result.tests = [...tests.values()];
  result.failures = [...failures.values()];
  return result;
}

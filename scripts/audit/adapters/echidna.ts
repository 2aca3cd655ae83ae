/**
 * Echidna 2.x output adapter: the reproducer files it writes into its corpus directory (the failing
 * sequences, exact) and its text output (statuses, numbers, and the sequences again as a fallback).
 *
 * Reproducers (lib/Echidna/Output/Corpus.hs, src/Main.hs; 2.0.5+): with a corpus directory, Echidna
 * writes each failed test's reproducer to `<corpus>/reproducers/<hash>.txt` when the run ends, and
 * (2.2.3+) each falsification, unshrunk, to `<corpus>/reproducers-unshrunk/<hash>.txt` when it happens.
 * A file is a JSON array of transactions (lib/Echidna/Types/Tx.hs, ToJSON Tx):
 *
 *   {"call": {"tag":"SolCall","contents":["deposit",[<AbiValue>…]]}   (or {"tag":"NoCall"}: a wait)
 *    "src": "0x…20000", "dst": "0x…", "gas": 12500000,                 (sender, destination, gas limit)
 *    "gasprice": "0x…0", "value": "0x…1bc16d674ec80001",              (hex words, zero-padded to 64)
 *    "delay": ["0x…e10", "0x…12c"]}                                    (seconds, blocks before the call)
 *
 * (2.0.x wrote the words unpadded, `"0x3"`.) The files do not name the test they broke: they are
 * matched to the report's failures by their calls, as Medusa's test_results are. Arguments are typed
 * AbiValues (./echidna-values.ts), so a reproducer gives the exact signature and calldata.
 *
 * Text (lib/Echidna/UI/Report.hs, lib/Echidna/Worker.hs, lib/Echidna/UI.hs), 2.0 to 2.3:
 *
 *   [2026-…] [status] tests: 1/11, fuzzing: 4410/1000000000, values: [], cov: 9650, corpus: 14, …
 *   [2026-…] [Worker 1] Test echidna_x falsified!           (live event; 2.2.4+ adds the unshrunk
 *     Call sequence:                                           sequence below it, calls unindented)
 *   H.f(3) from: 0x…10000 Value: 0x81
 *   [2026-…]  Saved reproducer to corpus/reproducers-unshrunk/123.txt  (2.2.4+)
 *   echidna_a: passing                                       (2.2+; 2.0/2.1: `echidna_a:  fuzzing (N/M)`)
 *   echidna_b:  passed! 🎉                                   (test limit reached)
 *   echidna_c: verified ✅                                   (2.3+, symbolic verification)
 *   f((uint256,address),uint8): failed with no transactions made ⁉️   (2.0 to 2.3.2)
 *   echidna_d: failed!💥
 *     Reason: ReturnFalse                                    (2.3.3+)
 *     Call sequence, shrinking 12/5000:                      (2.0/2.1: `shrinking (12/5000)`)
 *       H.f("a\NUL",[1, 2]) from: 0x…20000 Gas: 30000 Gas price: 0x3b9aca00 Value: 0x81 Time delay: 5 seconds Block delay: 2
 *       *wait* Time delay: 600 seconds Block delay: 50
 *   (2.3.3+, no calls:  `  Reason: …` then `  No transactions were needed to reach the failure.`)
 *   echidna_e: could not evaluate ☣
 *     <error>
 *   Unique instructions: 5123 / Unique codehashes: 14 / Corpus size: 37 / Seed: … / Total calls: … (2.2+)
 *
 * On a call line, ` from: <sender>` appears only when the sequence has several senders (so a one-sender
 * sequence names none: see PropertyFailure.unknownSender); ` Gas:` (decimal) only when it differs from
 * the configured txGas; ` Gas price:` and ` Value:` are hexadecimal (`show` of a 256-bit word); delays
 * are decimal. After the sequence: a blank line, then `Traces:` (2.2+) or `Event sequence:` (2.0/2.1).
 *
 * When the process was stopped before its final report (killed at a time limit, echidna-parade's
 * --no-wait), the live `falsified!` events are the only record: their tests count as failed with the
 * unshrunk sequence (and its reproducers-unshrunk file when one matches).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { CallStep, PropertyFailure, PropertyKind, PropertyResult } from "../invariants/types";
import {
  abiValueFromJson,
  decodeHaskellString,
  EchidnaValueError,
  encodeTypedCall,
  parseEchidnaArgs,
  parseEchidnaLiteral,
  printEchidnaValue,
} from "./echidna-values";
import { functionName, normalizeAddress, splitArgs, stripAnsi } from "./medusa";

export interface EchidnaTextResult {
  tests: PropertyResult[];
  /** Final-report failures (`echidna-text`), and live events of tests the final report does not cover (`echidna-live`). */
  failures: PropertyFailure[];
  /** Whether the output holds Echidna's final report (test status lines). */
  finalReport: boolean;
  /** From the last `[status]` line. */
  progress?: { failed: number; total: number; calls: number; testLimit: number; coverage: number; corpus: number };
  instructions?: number;
  codehashes?: number;
  corpusSize?: number;
  seed?: string;
  totalCalls?: number;
  /** `Saved reproducer to <file>` events (2.2.4+), as printed. */
  savedReproducers: string[];
}

const STATUS_LINE = /\[status\] tests: (\d+)\/(\d+), fuzzing: (\d+)\/(\d+),.*?cov: (\d+), corpus: (\d+)/;
const LIVE_FALSIFIED = /^\[[^\]]*\]\s*\[Worker \d+(?:, \w+)?\] Test (.+) falsified!\s*$/;
const SAVED = /^\[[^\]]*\]\s*Saved reproducer to (.+?)\s*$/;
/** A call line of a final report's sequence: 4 spaces, then the call. */
const REPORT_CALL = /^ {4}\S/;

/** `0x81` or `129` (older outputs) -> decimal string. */
function word(text: string): string {
  return BigInt(text).toString();
}

/** Index of the `)` closing the group opened at `open`, skipping strings and `«labels»`; -1 if none. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (ch === "«") {
      while (i < text.length && text[i] !== "»") i++;
    } else if (ch === "(" || ch === "[") depth++;
    else if ((ch === ")" || ch === "]") && --depth === 0) return i;
  }
  return -1;
}

/** One call line of a sequence (indentation allowed). */
export function parseEchidnaCallLine(line: string): CallStep | undefined {
  const text = line.trim();
  if (text === "") return undefined;
  const meta = (tail: string): Omit<CallStep, "function" | "args" | "target"> => {
    const sender = /\bfrom: (0x[0-9a-fA-F]+)/.exec(tail)?.[1];
    const value = /\bValue: (0x[0-9a-fA-F]+|\d+)/.exec(tail)?.[1];
    const gasPrice = /\bGas price: (0x[0-9a-fA-F]+|\d+)/.exec(tail)?.[1];
    const gas = /\bGas: (\d+)/.exec(tail)?.[1];
    return {
      ...(sender ? { sender: normalizeAddress(sender) } : {}),
      ...(value && word(value) !== "0" ? { value: word(value) } : {}),
      ...(gas ? { gas: Number(gas) } : {}),
      ...(gasPrice && word(gasPrice) !== "0" ? { gasPrice: word(gasPrice) } : {}),
      timeDelay: Number(/Time delay: (\d+) seconds/.exec(tail)?.[1] ?? 0),
      blockDelay: Number(/Block delay: (\d+)/.exec(tail)?.[1] ?? 0),
    };
  };
  if (text.startsWith("*wait*")) {
    const { timeDelay, blockDelay } = meta(text);
    return { function: "*wait*", args: [], timeDelay, blockDelay };
  }
  // A call Echidna made with raw calldata (no ABI): printed as hex.
  const raw = /^(0x[0-9a-fA-F]*)(?=\s|$)/.exec(text);
  if (raw) return { function: "*calldata*", args: [], calldata: raw[1].toLowerCase(), ...meta(text.slice(raw[1].length)) };
  const open = text.indexOf("(");
  if (open < 0) return undefined;
  const close = closingParen(text, open);
  if (close < 0) return undefined;
  const qualified = text.slice(0, open);
  const dot = qualified.lastIndexOf(".");
  const target = dot >= 0 ? qualified.slice(0, dot) : undefined;
  const name = dot >= 0 ? qualified.slice(dot + 1) : qualified;
  const inner = text.slice(open + 1, close);
  let args: string[];
  try {
    args = parseEchidnaArgs(inner).printed;
  } catch {
    args = splitArgs(inner); // kept as printed; the replay reports what it cannot decode
  }
  return {
    // Echidna prints the name and arguments only; the signature is recovered from the ABI by the caller.
    function: name,
    args,
    ...(target ? { target } : {}),
    ...meta(text.slice(close + 1)),
  };
}

/** `name: verdict` of a final report, where name may be a signature with tuples: `f((uint8,bytes)[],bool)`. */
function splitTestLine(line: string): { name: string; verdict: string } | undefined {
  const id = /^[A-Za-z_$][\w$]*/.exec(line);
  if (!id) return undefined;
  let end = id[0].length;
  if (line[end] === "(") {
    const close = closingParen(line, end);
    if (close < 0) return undefined;
    end = close + 1;
  }
  if (!line.startsWith(":", end)) return undefined;
  const verdict = line.slice(end + 1).trim();
  if (!/^(?:passing|passed!|failed!|failed with no transactions made|verified|could not evaluate|fuzzing|max value:)/.test(verdict)) return undefined;
  return { name: line.slice(0, end), verdict };
}

function kindOf(name: string): PropertyKind {
  // Assertion tests are printed by signature (`f(uint8)`), properties by name.
  return name.includes("(") ? "assertion" : "property";
}

/** Reads the sequence lines of a final report's failure, from `lines[start]`; returns the calls and the next index. */
function readReportSequence(lines: string[], start: number): { calls: CallStep[]; next: number; reason?: string } {
  let j = start;
  let reason: string | undefined;
  const r = /^\s+Reason: (.+?)\s*$/.exec(lines[j] ?? "");
  if (r) {
    reason = r[1];
    j++;
  }
  if (/^\s+No transactions were needed/.test(lines[j] ?? "")) return { calls: [], next: j + 1, reason };
  if (!/^\s*Call sequence/.test(lines[j] ?? "")) return { calls: [], next: j, reason };
  j++;
  const calls: CallStep[] = [];
  // The sequence ends at the blank line before "Traces:" (2.2+) or "Event sequence:" (2.0/2.1).
  for (; j < lines.length && REPORT_CALL.test(lines[j]); j++) {
    const step = parseEchidnaCallLine(lines[j]);
    if (step) calls.push(step);
  }
  return { calls, next: j, reason };
}

/** Parses Echidna's text output: final report, progress lines and live events. */
export function parseEchidnaOutput(raw: string): EchidnaTextResult {
  const lines = stripAnsi(raw).split(/\r?\n/);
  const tests = new Map<string, PropertyResult>();
  const failures = new Map<string, PropertyFailure>();
  const live = new Map<string, PropertyFailure>();
  const result: EchidnaTextResult = { tests: [], failures: [], finalReport: false, savedReproducers: [] };

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
    const ev = LIVE_FALSIFIED.exec(line);
    if (ev) {
      const name = ev[1];
      const calls: CallStep[] = [];
      let j = i + 1;
      if (/^\s*Call sequence:/.test(lines[j] ?? "")) {
        for (j++; j < lines.length; j++) {
          const l = lines[j].trimEnd();
          if (l === "" || /^\[\d{4}-/.test(l)) break;
          const step = parseEchidnaCallLine(l);
          if (step) calls.push(step);
        }
      }
      if (!live.has(name)) live.set(name, { property: name, kind: kindOf(name), callSequence: calls, source: "echidna-live" });
      i = j - 1;
      continue;
    }
    const saved = SAVED.exec(line);
    if (saved) {
      result.savedReproducers.push(saved[1]);
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

    const t = splitTestLine(line);
    if (!t) continue;
    result.finalReport = true;
    const { name, verdict } = t;
    const kind = kindOf(name);
    if (verdict.startsWith("failed!")) {
      const { calls, next, reason } = readReportSequence(lines, i + 1);
      tests.set(name, { name, kind, status: "failed", ...(reason ? { detail: reason } : {}) });
      failures.set(name, { property: name, kind, callSequence: calls, source: "echidna-text", ...(reason ? { reason } : {}) });
      i = next - 1;
    } else if (verdict.startsWith("failed with no transactions made")) {
      tests.set(name, { name, kind, status: "failed", detail: "failed with no transactions made" });
      failures.set(name, { property: name, kind, callSequence: [], source: "echidna-text" });
    } else if (verdict.startsWith("could not evaluate")) {
      tests.set(name, { name, kind, status: "error", detail: (lines[i + 1] ?? "").trim() || undefined });
    } else if (verdict.startsWith("fuzzing")) {
      // 2.0/2.1: a test still open when the run stopped before its test limit (2.2+ words it "passing").
      const m = /\((\d+)\/(\d+)\)/.exec(verdict);
      const done = Number(m?.[1] ?? 0);
      tests.set(name, done > 0
        ? { name, kind, status: "passed", detail: `held for ${done} of ${m?.[2]} calls (the run stopped before its test limit)` }
        : { name, kind, status: "not-run" });
    } else if (verdict.startsWith("max value:")) {
      tests.set(name, { name, kind: "optimization", status: "passed", detail: verdict });
    } else if (verdict.startsWith("verified")) {
      tests.set(name, { name, kind, status: "passed", detail: "verified (symbolic execution)" });
    } else {
      tests.set(name, { name, kind, status: "passed" });
    }
  }
  // Live falsifications of tests the final report does not show failing (or when there is no final report).
  for (const [name, f] of live) {
    if (failures.has(name)) continue;
    if (result.finalReport && tests.has(name)) continue;
    failures.set(name, f);
    tests.set(name, { name, kind: f.kind, status: "failed", detail: "falsified (live event; the run ended before its final report)" });
  }
  result.tests = [...tests.values()];
  result.failures = [...failures.values()];
  return result;
}

/* ------------------------------------------------------------------------ *
 * Reproducer files
 * ------------------------------------------------------------------------ */

export class EchidnaReproducerError extends Error {}

function wordOf(x: unknown, what: string): bigint {
  if (typeof x === "number" && Number.isSafeInteger(x) && x >= 0) return BigInt(x);
  if (typeof x === "string" && /^(?:0x[0-9a-fA-F]*|\d+)$/.test(x)) return x === "0x" ? 0n : BigInt(x);
  throw new EchidnaReproducerError(`${what}: expected a number, got ${JSON.stringify(x)}`);
}

/** Parses one reproducer (or corpus) file: a JSON array of Echidna transactions. */
export function parseEchidnaReproducer(text: string): CallStep[] {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new EchidnaReproducerError(`not JSON: ${(e as Error).message}`);
  }
  if (!Array.isArray(data)) throw new EchidnaReproducerError("expected a JSON array of transactions");
  return data.map((raw, i) => {
    if (typeof raw !== "object" || raw === null) throw new EchidnaReproducerError(`transaction ${i + 1}: expected an object`);
    const tx = raw as Record<string, unknown>;
    const where = `transaction ${i + 1}`;
    const call = tx.call as { tag?: string; contents?: unknown } | undefined;
    const delay = tx.delay;
    if (!call || typeof call.tag !== "string" || !Array.isArray(delay) || delay.length !== 2) {
      throw new EchidnaReproducerError(`${where}: missing call or delay`);
    }
    const timeDelay = Number(wordOf(delay[0], `${where} delay`));
    const blockDelay = Number(wordOf(delay[1], `${where} delay`));
    if (call.tag === "NoCall") return { function: "*wait*", args: [], timeDelay, blockDelay };
    const value = wordOf(tx.value ?? 0, `${where} value`);
    const gasPrice = wordOf(tx.gasprice ?? 0, `${where} gasprice`);
    const gasRaw = tx.gas;
    const src = tx.src;
    const dst = tx.dst;
    if (typeof src !== "string" || typeof dst !== "string") throw new EchidnaReproducerError(`${where}: src and dst must be addresses`);
    const common = {
      sender: normalizeAddress(src),
      target: normalizeAddress(dst),
      ...(gasRaw !== undefined ? { gas: Number(wordOf(gasRaw, `${where} gas`)) } : {}),
      ...(value !== 0n ? { value: value.toString() } : {}),
      ...(gasPrice !== 0n ? { gasPrice: gasPrice.toString() } : {}),
      timeDelay,
      blockDelay,
    };
    try {
      if (call.tag === "SolCall") {
        const [name, rawArgs] = call.contents as [unknown, unknown];
        if (typeof name !== "string" || !Array.isArray(rawArgs)) throw new EchidnaReproducerError(`${where}: SolCall needs a name and arguments`);
        const args = rawArgs.map(abiValueFromJson);
        const { signature, calldata } = encodeTypedCall(name, args);
        return { function: signature, args: args.map((a) => printEchidnaValue(a.value)), calldata, ...common };
      }
      if (call.tag === "SolCalldata") {
        const bytes = decodeHaskellString(String(call.contents));
        return { function: "*calldata*", args: [], calldata: `0x${Buffer.from(bytes).toString("hex")}`, ...common };
      }
    } catch (e) {
      if (e instanceof EchidnaValueError) throw new EchidnaReproducerError(`${where}: ${e.message}`);
      throw e;
    }
    throw new EchidnaReproducerError(`${where}: ${call.tag} transactions are not replayed`);
  });
}

export interface EchidnaReproducerFile {
  /** Absolute path. */
  file: string;
  mtimeMs: number;
  /** From reproducers-unshrunk/ (written at falsification) rather than reproducers/ (end of run). */
  unshrunk: boolean;
  calls: CallStep[];
}

/** Every readable reproducer in <corpus>/reproducers and <corpus>/reproducers-unshrunk, newest first. */
export function readEchidnaReproducers(corpusDir: string): EchidnaReproducerFile[] {
  const out: EchidnaReproducerFile[] = [];
  for (const [sub, unshrunk] of [["reproducers", false], ["reproducers-unshrunk", true]] as const) {
    const dir = path.join(corpusDir, sub);
    let names: string[];
    try {
      names = readdirSync(dir).filter((n) => n.endsWith(".txt") || n.endsWith(".json"));
    } catch {
      continue;
    }
    for (const name of names) {
      const file = path.join(dir, name);
      try {
        out.push({ file, mtimeMs: statSync(file).mtimeMs, unshrunk, calls: parseEchidnaReproducer(readFileSync(file, "utf8")) });
      } catch {
        // Half-written, foreign or not replayable (a CREATE): the text report still has the sequence.
      }
    }
  }
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs || a.file.localeCompare(b.file));
}

function canonical(arg: string): string {
  try {
    return printEchidnaValue(parseEchidnaLiteral(arg));
  } catch {
    return arg.trim();
  }
}

/** Whether a printed sequence and a reproducer file are the same calls (what the text shows must agree). */
export function sameEchidnaCalls(text: readonly CallStep[], file: readonly CallStep[]): boolean {
  if (text.length !== file.length) return false;
  return text.every((t, i) => {
    const f = file[i];
    if ((t.function === "*wait*") !== (f.function === "*wait*")) return false;
    if (t.timeDelay !== f.timeDelay || t.blockDelay !== f.blockDelay) return false;
    if (t.function === "*wait*") return true;
    if (t.function === "*calldata*" || f.function === "*calldata*") return t.calldata === f.calldata;
    if (functionName(t.function) !== functionName(f.function)) return false;
    if (t.sender && t.sender !== f.sender) return false;
    if ((t.value ?? "0") !== (f.value ?? "0") || (t.gasPrice ?? "0") !== (f.gasPrice ?? "0")) return false;
    return t.args.length === f.args.length && t.args.every((a, k) => canonical(a) === canonical(f.args[k]));
  });
}

/** Repository-relative with forward slashes; absolute when outside the repository. */
function repoPath(root: string, file: string): string {
  const rel = path.relative(root, file);
  return (rel.startsWith("..") || path.isAbsolute(rel) ? path.resolve(file) : rel).split(path.sep).join("/");
}

export interface EchidnaSenders {
  /** The campaign's senders (Echidna `sender`), ascending. */
  candidates: string[];
  /** Where they come from (for PropertyFailure.unknownSender.note). */
  source: string;
}

/**
 * The failures of one Echidna output: each with its exact sequence from a reproducer file when one
 * matches (the final report's from reproducers/, live events' from reproducers-unshrunk/; newest first,
 * each file used once), else the printed sequence, whose sender, when Echidna did not print it, is one of
 * `senders` (PropertyFailure.unknownSender).
 */
export function echidnaFailures(
  text: EchidnaTextResult,
  files: readonly EchidnaReproducerFile[],
  root: string,
  senders: EchidnaSenders,
): PropertyFailure[] {
  const used = new Set<string>();
  const matched = text.failures.map((f) => {
    const unshrunk = f.source === "echidna-live";
    const match =
      f.callSequence.length === 0 && unshrunk
        ? undefined
        : (files.find((x) => !used.has(x.file) && x.unshrunk === unshrunk && sameEchidnaCalls(f.callSequence, x.calls)) ??
          files.find((x) => !used.has(x.file) && sameEchidnaCalls(f.callSequence, x.calls)));
    if (match) used.add(match.file);
    return { f, match };
  });
  // 2.2.0-2.2.3 printed live events without their sequence: pair such a failure with the one unclaimed
  // unshrunk reproducer when there is exactly one of each.
  const bare = matched.filter((m) => !m.match && m.f.source === "echidna-live" && m.f.callSequence.length === 0);
  const spare = files.filter((x) => x.unshrunk && !used.has(x.file));
  if (bare.length === 1 && spare.length === 1) {
    bare[0].match = spare[0];
    used.add(spare[0].file);
  }
  return matched.map(({ f, match }) => {
    if (match) {
      const targetName = f.callSequence.find((c) => c.target)?.target;
      return {
        ...f,
        callSequence: match.calls.map((c) => (c.function === "*wait*" || !targetName ? c : { ...c, target: targetName })),
        source: match.unshrunk ? ("echidna-reproducer-unshrunk" as const) : ("echidna-reproducer" as const),
        file: repoPath(root, match.file),
      };
    }
    const unnamed = f.callSequence.some((c) => c.function !== "*wait*" && !c.sender);
    return unnamed
      ? {
          ...f,
          unknownSender: {
            candidates: senders.candidates,
            note: `Echidna prints from: only when a sequence has several senders, and no reproducer file matched; the calls came from one of the campaign's senders (${senders.source})`,
          },
        }
      : f;
  });
}

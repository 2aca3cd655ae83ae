/**
 * Medusa (crytic/medusa 1.x) output adapter.
 *
 * Two sources, both recorded from real runs in test/pipeline/fixtures/medusa/:
 *
 * - stdout: per-test status lines (`⇾ [PASSED] Property Test: C.echidna_x()`),
 *   each failure's shrunk call sequence (`Test for method "C.f()" failed after
 *   the following call sequence:` then `[Call Sequence]` and numbered lines
 *   `1) C.f(uint8)(3) (block=12, time=12, gas=…, gasprice=…, value=0, sender=0x10000)`),
 *   progress lines (`fuzz: elapsed: 39s, calls: 9620 (225/sec), … branches: 1615, corpus: 73, …`)
 *   and `Test summary: N test(s) passed, M test(s) failed`.
 * - <corpus>/test_results/*.json: the failing sequences, machine-readable
 *   (exact calldata, full sender addresses, msg.value and gas price as hex, gas limit,
 *   block number / timestamp delays),
 *   but without the name of the test they broke. They are matched to the
 *   stdout failures by their calls (signature and arguments, in order).
 *   Their delays are what the fuzzer drew, not always what it did: Medusa
 *   (fuzzing/calls/call_sequence_execution.go) keeps adding calls to the pending
 *   block until one has a block-number delay, and a call without one runs in
 *   that block at its timestamp, whatever its timestamp delay. The adapter
 *   records what Medusa did (see {@link medusaEffectiveDelays}).
 *
 * Exit codes (cmd/exitcodes): 0 no failure, 7 a test failed, anything else an error.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { CallStep, PropertyFailure, PropertyKind, PropertyResult } from "../invariants/types";

export const MEDUSA_EXIT = { success: 0, generalError: 1, handledError: 6, testFailed: 7 } as const;

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;

export function stripAnsi(text: string): string {
  return text.replace(ANSI, "");
}

/** A failure as printed on stdout (sequence without exact calldata). */
export interface MedusaTextFailure {
  /** `C.echidna_x()` / `C.f(uint8)` as printed. */
  test: string;
  contract: string;
  /** Property function name, or the assertion test's signature. */
  property: string;
  kind: PropertyKind;
  callSequence: CallStep[];
}

export interface MedusaProgress {
  elapsedSeconds: number;
  calls: number;
  callsPerSecond: number;
  sequencesPerSecond: number;
  branches: number;
  corpus: number;
  gasPerSecond: number;
}

export interface MedusaTextResult {
  tests: PropertyResult[];
  failures: MedusaTextFailure[];
  /** The last progress line, if any. */
  progress?: MedusaProgress;
  summary?: { passed: number; failed: number };
  /** Seconds crytic-compile took (`Finished compiling targets in 8s`). */
  compileSeconds?: number;
  /** Relative lcov path medusa reported (`lcov report(s) saved to: …`). */
  lcov?: string;
  /** Lines medusa logged at error level (`⇾ Error: …` / `error …`). */
  errors: string[];
}

const STATUS_LINE = /^(?:⇾\s*)?\[(PASSED|FAILED|NOT STARTED|RUNNING)\]\s+(Property|Assertion|Optimization) Test:\s+(\S+)\s*$/;
const FAILURE_HEADER = /^Test for method "([^"]+)" (failed|resulted in an assertion failure|resulted in an optimization)/;
const CALL_LINE = /^(\d+)\) (.+)$/;
// elapsed is "39s", then "1m00s", "1h02m03s" past a minute / an hour.
const PROGRESS_LINE =
  /fuzz: elapsed:\s*(?:(\d+)h)?(?:(\d+)m)?(\d+)s, calls:\s*(\d+) \(\s*(\d+)\/sec\), seq\/s:\s*(\d+), branches:\s*(\d+), corpus:\s*(\d+), failures:\s*\d+\/\d+, gas\/s:\s*(\d+)/;

/** Splits `a, [b, c], "d, e"` at top-level commas. */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = false;
  let cur = "";
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      cur += ch;
      if (ch === "\\" && i + 1 < text.length) cur += text[++i];
      else if (ch === '"') quote = false;
      continue;
    }
    if (ch === '"') quote = true;
    else if (ch === "[" || ch === "(" || ch === "{") depth++;
    else if (ch === "]" || ch === ")" || ch === "}") depth--;
    if (ch === "," && depth === 0) {
      out.push(cur.trim());
      cur = "";
      continue;
    }
    cur += ch;
  }
  if (cur.trim() !== "") out.push(cur.trim());
  return out;
}

/** Index just past the parenthesised group that starts at `open` (text[open] === "("). */
function closeParen(text: string, open: number): number {
  let depth = 0;
  let quote = false;
  for (let i = open; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === "\\") i++;
      else if (ch === '"') quote = false;
      continue;
    }
    if (ch === '"') quote = true;
    else if (ch === "(") depth++;
    else if (ch === ")" && --depth === 0) return i + 1;
  }
  return -1;
}

/** 0x-prefixed, 40 lowercase hex digits (medusa prints `0x10000` for 0x…010000). */
export function normalizeAddress(addr: string): string {
  const hex = addr.toLowerCase().replace(/^0x/, "");
  return `0x${hex.padStart(40, "0")}`;
}

/** Function name of a signature: `stake(uint8,uint256)` -> `stake`. */
export function functionName(signature: string): string {
  const i = signature.indexOf("(");
  return i < 0 ? signature : signature.slice(0, i);
}

/**
 * One numbered call line: `C.f(uint8,uint256)(3, 7) (block=12, time=12, gas=…, gasprice=0, value=0, sender=0x20000)`.
 * Returns the call with absolute block/time (delays are computed by the caller).
 */
export function parseMedusaCallLine(line: string): (CallStep & { block: number; time: number }) | undefined {
  const sigOpen = line.indexOf("(");
  if (sigOpen < 0) return undefined;
  const sigEnd = closeParen(line, sigOpen);
  if (sigEnd < 0 || line[sigEnd] !== "(") return undefined;
  const argsEnd = closeParen(line, sigEnd);
  if (argsEnd < 0) return undefined;
  const qualified = line.slice(0, sigEnd); // C.f(uint8,uint256)
  const dot = qualified.lastIndexOf(".", sigOpen);
  const target = dot > 0 ? qualified.slice(0, dot) : undefined;
  const signature = dot > 0 ? qualified.slice(dot + 1) : qualified;
  const args = splitArgs(line.slice(sigEnd + 1, argsEnd - 1));
  const meta = line.slice(argsEnd);
  const field = (name: string): string | undefined => new RegExp(`[(,]\\s*${name}=([^,)]*)`).exec(meta)?.[1]?.trim();
  const block = Number(field("block") ?? 0);
  const time = Number(field("time") ?? 0);
  const sender = field("sender");
  const value = field("value");
  return {
    function: signature,
    args,
    target,
    ...(sender ? { sender: normalizeAddress(sender) } : {}),
    ...(value && value !== "0" && value !== "<nil>" ? { value } : {}),
    timeDelay: 0,
    blockDelay: 0,
    block,
    time,
  };
}

function kindOf(word: string): PropertyKind {
  return word === "Assertion" ? "assertion" : word === "Optimization" ? "optimization" : "property";
}

/** `C.echidna_x()` -> `echidna_x` for properties; assertion tests keep their signature (`f(uint8)`). */
function propertyName(test: string, kind: PropertyKind): { contract: string; property: string } {
  const open = test.indexOf("(");
  const dot = test.lastIndexOf(".", open < 0 ? test.length : open);
  const contract = dot > 0 ? test.slice(0, dot) : "";
  const sig = dot > 0 ? test.slice(dot + 1) : test;
  return { contract, property: kind === "assertion" ? sig : functionName(sig) };
}

/** Parses medusa's stdout (colours allowed). */
export function parseMedusaOutput(raw: string): MedusaTextResult {
  const lines = stripAnsi(raw).split(/\r?\n/);
  const tests = new Map<string, PropertyResult>();
  // A run that goes on after a failure (stopOnFailedTest false) prints it when found and again in the
  // final summary: one entry per test, the last printing wins.
  const failures = new Map<string, MedusaTextFailure>();
  const errors: string[] = [];
  let progress: MedusaProgress | undefined;
  let summary: MedusaTextResult["summary"];
  let compileSeconds: number | undefined;
  let lcov: string | undefined;

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trimEnd();
    const status = STATUS_LINE.exec(line);
    if (status) {
      const kind = kindOf(status[2]);
      const { property } = propertyName(status[3], kind);
      const st = status[1] === "PASSED" ? "passed" : status[1] === "FAILED" ? "failed" : "not-run";
      tests.set(`${kind}:${property}`, { name: property, kind, status: st });
      continue;
    }
    const header = FAILURE_HEADER.exec(line);
    if (header) {
      const kind: PropertyKind = header[2].includes("assertion") ? "assertion" : header[2].includes("optimization") ? "optimization" : "property";
      const { contract, property } = propertyName(header[1], kind);
      const calls: (CallStep & { block: number; time: number })[] = [];
      let j = i + 1;
      if (lines[j]?.trim() === "[Call Sequence]") j++;
      for (; j < lines.length; j++) {
        const m = CALL_LINE.exec(lines[j].trimEnd());
        if (!m) {
          // Execution traces of a call are indented (` => …`) or bracketed headers; the numbered list resumes after them.
          if (/^\s|^\[Execution Trace\]$|^$/.test(lines[j])) continue;
          break;
        }
        const call = parseMedusaCallLine(m[2]);
        if (call) calls.push(call);
      }
      // Absolute block/time -> delays (the first call's delay is relative to the deployment block,
      // which stdout does not print; the JSON sequence has the exact delays).
      const callSequence: CallStep[] = calls.map(({ block, time, ...step }, k) => ({
        ...step,
        blockDelay: k === 0 ? 0 : Math.max(0, block - calls[k - 1].block),
        timeDelay: k === 0 ? 0 : Math.max(0, time - calls[k - 1].time),
      }));
      failures.set(`${kind}:${header[1]}`, { test: header[1], contract, property, kind, callSequence });
      i = j - 1;
      continue;
    }
    const p = PROGRESS_LINE.exec(line);
    if (p) {
      progress = {
        elapsedSeconds: Number(p[1] ?? 0) * 3600 + Number(p[2] ?? 0) * 60 + Number(p[3]),
        calls: Number(p[4]),
        callsPerSecond: Number(p[5]),
        sequencesPerSecond: Number(p[6]),
        branches: Number(p[7]),
        corpus: Number(p[8]),
        gasPerSecond: Number(p[9]),
      };
      continue;
    }
    const s = /Test summary:\s*(\d+) test\(s\) passed,\s*(\d+) test\(s\) failed/.exec(line);
    if (s) {
      summary = { passed: Number(s[1]), failed: Number(s[2]) };
      continue;
    }
    const c = /Finished compiling targets in (\d+)s/.exec(line);
    if (c) compileSeconds = Number(c[1]);
    const l = /lcov report\(s\) saved to:\s*(.+)$/.exec(line);
    if (l) lcov = l[1].trim();
    if (/^(?:⇾\s*)?(?:Error|error)\b/.test(line) || /\bfailed to\b/i.test(line)) errors.push(line.replace(/^⇾\s*/, ""));
  }
  return { tests: [...tests.values()], failures: [...failures.values()], progress, summary, compileSeconds, lcov, errors };
}

/* ------------------------------------------------------------------------ *
 * <corpus>/test_results/*.json
 * ------------------------------------------------------------------------ */

interface MedusaJsonElement {
  call: {
    from: string;
    to: string;
    value?: string;
    gasLimit?: number;
    gasPrice?: string;
    data: string;
    dataAbiValues?: { methodSignature?: string; inputValues?: unknown[] };
  };
  blockNumberDelay: number;
  blockTimestampDelay: number;
}

export interface MedusaSequenceFile {
  /** Absolute path. */
  file: string;
  mtimeMs: number;
  calls: CallStep[];
}

function hexToDecimal(value: string | undefined): string | undefined {
  if (!value) return undefined;
  try {
    const v = BigInt(value);
    return v === 0n ? undefined : v.toString();
  } catch {
    return undefined;
  }
}

/**
 * The delays Medusa 1.x applied to the call at `index` of a sequence, from those it recorded.
 * The first call opens a block (timestamp delay honoured, at least 1 s). After it a block is always
 * pending, and a call with a block-number delay moves it on by its timestamp delay (at least 1 s);
 * a call without one joins the pending block at its timestamp, so its recorded timestamp delay is
 * not applied. (Recorded run: test/pipeline/fixtures/medusa/delays/.)
 * @returns seconds and blocks before the call, as CallStep.timeDelay / blockDelay
 */
export function medusaEffectiveDelays(index: number, blockNumberDelay: number, blockTimestampDelay: number): { timeDelay: number; blockDelay: number } {
  if (index > 0 && blockNumberDelay === 0) return { timeDelay: 0, blockDelay: 0 };
  return { timeDelay: blockTimestampDelay, blockDelay: blockNumberDelay };
}

/** Parses one medusa call-sequence JSON file (test_results/ or call_sequences/). */
export function parseMedusaSequenceJson(text: string): CallStep[] {
  const data = JSON.parse(text) as MedusaJsonElement[];
  if (!Array.isArray(data)) throw new Error("medusa call sequence: expected a JSON array");
  return data.map((el, index) => {
    const abi = el.call.dataAbiValues;
    const value = hexToDecimal(el.call.value);
    const gasPrice = hexToDecimal(el.call.gasPrice);
    return {
      function: abi?.methodSignature ?? "<unknown>",
      args: (abi?.inputValues ?? []).map((v) => (typeof v === "string" ? v : JSON.stringify(v))),
      sender: normalizeAddress(el.call.from),
      target: el.call.to.toLowerCase(),
      calldata: el.call.data,
      ...medusaEffectiveDelays(index, Number(el.blockNumberDelay ?? 0), Number(el.blockTimestampDelay ?? 0)),
      ...(value ? { value } : {}),
      ...(typeof el.call.gasLimit === "number" ? { gas: el.call.gasLimit } : {}),
      ...(gasPrice ? { gasPrice } : {}),
    };
  });
}

/** Repository-relative with forward slashes; absolute when outside the repository. */
function repoPath(root: string, file: string): string {
  const rel = path.relative(root, file);
  return (rel.startsWith("..") || path.isAbsolute(rel) ? path.resolve(file) : rel).split(path.sep).join("/");
}

/** Every readable sequence in <corpus>/test_results (newest first). Unreadable files are skipped. */
export function readMedusaTestResults(corpusDir: string): MedusaSequenceFile[] {
  const dir = path.join(corpusDir, "test_results");
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".json"));
  } catch {
    return [];
  }
  const out: MedusaSequenceFile[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      out.push({ file, mtimeMs: statSync(file).mtimeMs, calls: parseMedusaSequenceJson(readFileSync(file, "utf8")) });
    } catch {
      // A half-written or foreign file: the text output still has the sequence.
    }
  }
  return out.sort((a, b) => b.mtimeMs - a.mtimeMs || b.file.localeCompare(a.file));
}

function sameCalls(text: CallStep[], json: CallStep[]): boolean {
  if (text.length !== json.length) return false;
  return text.every((t, i) => {
    const j = json[i];
    if (t.function !== j.function || t.args.length !== j.args.length) return false;
    if (t.sender && j.sender && t.sender !== j.sender) return false;
    return t.args.every((a, k) => a === j.args[k]);
  });
}

/**
 * The failures of one run: each stdout failure with its exact sequence from
 * test_results when one matches (newest first; each file used once), else the
 * sequence parsed from stdout.
 */
export function medusaFailures(text: MedusaTextResult, sequences: MedusaSequenceFile[], root: string): PropertyFailure[] {
  const used = new Set<string>();
  return text.failures.map((f) => {
    const match = sequences.find((s) => !used.has(s.file) && sameCalls(f.callSequence, s.calls));
    if (match) {
      used.add(match.file);
      const targetName = f.callSequence[0]?.target;
      return {
        property: f.property,
        kind: f.kind,
        callSequence: match.calls.map((c) => ({ ...c, ...(targetName ? { target: targetName } : {}) })),
        source: "medusa-test-results" as const,
        file: repoPath(root, match.file),
      };
    }
    return { property: f.property, kind: f.kind, callSequence: f.callSequence, source: "medusa-text" as const };
  });
}

/**
 * The pure half of `npm run bench:audit` (scripts/bench/audit.ts): its flags, the stage times read from
 * an audit's report.json, and the tables and ratios it prints. No I/O, no process.
 */

export interface BenchAuditOptions {
  /** The cold run starts with an empty tools cache in the scratch copy: Slither and Medusa are installed again. */
  freshTools: boolean;
  /** Repository-relative file the one-file-change run edits (a line appended). */
  change: string;
  /** Do not run the tools by hand (no hand sum, no ratio). */
  skipHand: boolean;
  /** Also write the figures to this file as JSON. */
  json?: string;
  /** Keep the scratch copy (its path is printed). */
  keep: boolean;
  help: boolean;
}

/** A bad flag: one line, exit 2. */
export class BenchArgsError extends Error {}

export const DEFAULT_CHANGE_FILE = "test/unit/staking.test.ts";

export const BENCH_AUDIT_USAGE = `usage: npm run bench:audit [-- flags]

Runs the ci audit three times in a scratch copy of the repository (cold: no build, no corpus;
warm: again, nothing changed; one-file change: one test file edited), then slither alone and both
Slither stages (--only), then the same tools one by one by hand, and prints each stage's wall time,
each hand command with its time, and the ratios.

  --fresh-tools   cold run with an empty tools cache (reinstalls Slither and Medusa: PyPI and the
                  Go module proxy, several minutes); default: the repository's .tools
  --change FILE   the file the one-file-change run edits (default ${DEFAULT_CHANGE_FILE})
  --skip-hand     do not run the tools by hand
  --json FILE     also write the figures as JSON
  --keep          keep the scratch copy
  --help          this text`;

export function parseBenchAuditArgs(argv: readonly string[]): BenchAuditOptions {
  const opts: BenchAuditOptions = { freshTools: false, change: DEFAULT_CHANGE_FILE, skipHand: false, keep: false, help: false };
  const value = (flag: string, i: number): string => {
    const v = argv[i + 1];
    if (v === undefined || v.startsWith("--")) throw new BenchArgsError(`${flag} needs a value`);
    return v;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--fresh-tools") opts.freshTools = true;
    else if (a === "--skip-hand") opts.skipHand = true;
    else if (a === "--keep") opts.keep = true;
    else if (a === "--help" || a === "-h") opts.help = true;
    else if (a === "--change") opts.change = value(a, i++);
    else if (a === "--json") opts.json = value(a, i++);
    else throw new BenchArgsError(`unknown argument ${a} (npm run bench:audit -- --help)`);
  }
  return opts;
}

export interface StageTime {
  name: string;
  status: string;
  seconds: number;
  /** Reused from the stage-result cache (report.json stages[].cache.hit): the tool did not run. */
  cached?: true;
}

/** The stages that ran (not `skipped`), with their wall time, from an audit's report.json. */
export function stageTimes(report: unknown): StageTime[] {
  const stages = (report as { stages?: unknown } | null)?.stages;
  if (!Array.isArray(stages)) throw new Error("report.json has no stages array");
  return stages.map((s: unknown, i) => {
    const { name, status, durationMs, cache } = (s ?? {}) as { name?: unknown; status?: unknown; durationMs?: unknown; cache?: { hit?: unknown } };
    if (typeof name !== "string" || typeof status !== "string" || typeof durationMs !== "number") {
      throw new Error(`report.json stages[${i}] lacks name/status/durationMs`);
    }
    return { name, status, seconds: durationMs / 1000, ...(cache?.hit === true ? { cached: true as const } : {}) };
  });
}

/** One audit run of the benchmark. */
export interface AuditRunFigures {
  name: string;
  /** The audit process, start to exit (what a user waits). */
  wallSeconds: number;
  exitCode: number;
  /** 1-minute load average when it started (other work on the machine). */
  load: number;
  stages: StageTime[];
}

/** One tool run by hand. */
export interface HandFigures {
  label: string;
  /** The command line as printed (from the repository root). */
  command: string;
  seconds: number;
  exitCode: number | undefined;
}

export function seconds(s: number): string {
  return `${s.toFixed(1)} s`;
}

function pad(text: string, width: number, right = false): string {
  return right ? text.padStart(width) : text.padEnd(width);
}

/** Per-stage wall time of each run (skipped stages as "-"), the audit's wall time and the load. */
export function formatStageTable(runs: readonly AuditRunFigures[]): string {
  const names: string[] = [];
  for (const r of runs) for (const s of r.stages) if (!names.includes(s.name)) names.push(s.name);
  const width = Math.max(22, ...names.map((n) => n.length + 2));
  const col = 12;
  const cell = (r: AuditRunFigures, name: string): string => {
    const s = r.stages.find((x) => x.name === name);
    if (!s || s.status === "skipped") return "-";
    const shown = s.status === "passed" ? seconds(s.seconds) : `${seconds(s.seconds)} ${s.status}`;
    return s.cached ? `${shown} cached` : shown;
  };
  const lines = [pad("stage", width) + runs.map((r) => pad(r.name, col + 8, true)).join("")];
  for (const n of names) lines.push(pad(n, width) + runs.map((r) => pad(cell(r, n), col + 8, true)).join(""));
  lines.push(pad("audit wall time", width) + runs.map((r) => pad(seconds(r.wallSeconds), col + 8, true)).join(""));
  lines.push(pad("exit code", width) + runs.map((r) => pad(String(r.exitCode), col + 8, true)).join(""));
  lines.push(pad("load average (1 min)", width) + runs.map((r) => pad(r.load.toFixed(1), col + 8, true)).join(""));
  return lines.join("\n");
}

/** The hand commands, numbered, with their times and the sum. */
export function formatHandTable(hand: readonly HandFigures[]): string {
  const lines = hand.map((h, i) => `${pad(`${i + 1}.`, 4)}${pad(seconds(h.seconds), 10, true)}  ${h.exitCode === 0 ? "" : `(exit ${h.exitCode ?? "signal"}) `}${h.label}\n      ${h.command}`);
  lines.push(`    ${pad(seconds(handSum(hand)), 10, true)}  sum`);
  return lines.join("\n");
}

export function handSum(hand: readonly HandFigures[]): number {
  return hand.reduce((a, h) => a + h.seconds, 0);
}

export function ratio(value: number, reference: number): number {
  return reference > 0 ? value / reference : Number.NaN;
}

/** `label  0.62  goal <= 0.4: does not hold`. */
export function goalLine(label: string, value: number, goal?: number): string {
  const shown = Number.isFinite(value) ? value.toFixed(2) : "n/a";
  const verdict = goal === undefined || !Number.isFinite(value) ? "" : `  goal <= ${goal}: ${value <= goal ? "holds" : "does not hold"}`;
  return `  ${pad(label, 56)}${pad(shown, 6, true)}${verdict}`;
}

/**
 * One argument as a reader can paste it from the repository root: the scratch root becomes "$PWD"
 * (in double quotes), an argument with shell characters is single-quoted.
 */
export function shellArg(a: string, root: string): string {
  if (root && a.includes(root)) return `"${a.split(root).map((part) => part.replace(/(["\\`$])/g, "\\$1")).join("$PWD")}"`;
  return /^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, "'\\''")}'`;
}

/** A command line (`NAME=value ... program args`) a reader can paste from the repository root. */
export function displayCommand(program: string, argv: readonly string[], root: string, env: Readonly<Record<string, string>> = {}): string {
  return [...Object.entries(env).map(([k, v]) => `${k}=${shellArg(v, root)}`), program, ...argv.map((a) => shellArg(a, root))].join(" ");
}

/**
 * The documentation test's reader (no tests here; test/docs/commands.test.ts runs what it finds, and
 * doc-commands.test.ts tests it). It reads the fenced code blocks of a Markdown document and the
 * `doc-test` marker before each command block, which says, one line per command, whether the test
 * runs it (and what it must do) or skips it (and why):
 *
 *     <!-- doc-test
 *     setup: fixture-project uups-vault at ../my-project
 *     `npm run audit -- --profile quick`: exit 0; writes audit/report.json audit/report.md
 *     `npm run --silent audit -- --profile quick --json`: exit 0; json
 *     `npm run audit -- --help`: exit 0; prints Usage: npm run audit
 *     `npm run audit`: skip: the whole ci profile (about ten minutes); .ci/run runs it after npm test
 *     `*`: skip: (every command of the block) why
 *     -->
 *     ```sh
 *     npm run audit -- --profile quick     # a comment is not part of the command
 *     ```
 *
 * Clauses of a run: `exit N` (required: the documented exit code), `writes PATH...` (each must exist
 * after the command, written by it; a trailing `/` is a non-empty folder), `json` (stdout is one JSON
 * value; its `exitCode`, when it has one, is the exit code), `prints TEXT` (stdout contains TEXT),
 * `needs PATH` (a provisioned tool the command runs, e.g. .tools/bin/medusa: without it the test is
 * skipped, saying so, as the README promises npm test needs no Go), `note TEXT` (why, for the reader),
 * `alone` (run in a fresh scratch copy of its own: for a command that leaves a build every later
 * command would have to redo, such as coverage's instrumented one).
 * `setup: fixture-project NAME at PATH` copies test/fixtures/projects/NAME, its dependencies linked, to
 * PATH (relative to the repository copy) before the block's first command.
 *
 * Rules (each broken one is an error naming the file and line): every fence has an info string (`sh`
 * for commands, `text` for diagrams and output...); every command block (sh, bash, shell, zsh, console) has
 * a marker; every command in it has exactly one line in the marker; every marker line names a command
 * of its block (no stale lines); a skip gives a reason; a run gives its exit code.
 */

/** Info strings of blocks whose lines are shell commands. */
export const COMMAND_LANGUAGES = new Set(["sh", "bash", "shell", "console", "zsh"]);

export interface RunSpec {
  exit: number;
  /** Paths relative to the repository copy; `dir/` means a non-empty folder. */
  writes: string[];
  /** stdout must be one JSON value. */
  json: boolean;
  /** Texts stdout must contain. */
  prints: string[];
  /** Files (relative to the repository copy) the command needs: without one the test is skipped, saying so. */
  needs: string[];
  /** Why the expectation is what it is (free text, for the reader). */
  notes: string[];
  /** Run in a scratch copy of its own, not in the document's shared one. */
  alone: boolean;
}

export interface DocCommand {
  /** The command as written (continuation lines joined), without its trailing `# comment`. */
  command: string;
  /** 1-based line of the command in the document. */
  line: number;
  run?: RunSpec;
  /** Why the test does not run it. */
  skip?: string;
}

export interface FixtureSetup {
  kind: "fixture-project";
  name: string;
  /** Where, relative to the repository copy. */
  at: string;
}

export interface CommandBlock {
  file: string;
  /** 1-based line of the opening fence. */
  line: number;
  lang: string;
  commands: DocCommand[];
  setup: FixtureSetup[];
}

export interface ParsedDocument {
  file: string;
  blocks: CommandBlock[];
  /** Every rule broken, as `file:line: what`. */
  errors: string[];
}

interface Fence {
  line: number;
  info: string;
  body: { text: string; line: number }[];
}

const FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;

function fences(lines: readonly string[]): Fence[] {
  const out: Fence[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = FENCE.exec(lines[i]);
    if (!open) continue;
    const marker = open[1];
    const fence: Fence = { line: i + 1, info: open[2].trim(), body: [] };
    let j = i + 1;
    for (; j < lines.length; j++) {
      const close = FENCE.exec(lines[j]);
      if (close && close[1][0] === marker[0] && close[1].length >= marker.length && close[2].trim() === "") break;
      fence.body.push({ text: lines[j], line: j + 1 });
    }
    out.push(fence);
    i = j;
  }
  return out;
}

/** `line` without a trailing shell comment (a `#` after whitespace, outside quotes). */
export function stripComment(line: string): string {
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === "\\" && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === "\\") i++;
    else if (c === "#" && (i === 0 || /\s/.test(line[i - 1]))) return line.slice(0, i).trimEnd();
  }
  return line.trimEnd();
}

/** The commands of a command block: comment and blank lines dropped, `\` continuations joined. */
export function blockCommands(body: readonly { text: string; line: number }[]): { command: string; line: number }[] {
  const out: { command: string; line: number }[] = [];
  let pending: { command: string; line: number } | undefined;
  for (const { text, line } of body) {
    const stripped = stripComment(text).trim();
    if (pending) {
      const more = stripped.endsWith("\\");
      pending.command += ` ${more ? stripped.slice(0, -1).trim() : stripped}`;
      if (!more) {
        out.push(pending);
        pending = undefined;
      }
      continue;
    }
    if (stripped === "") continue;
    if (stripped.endsWith("\\")) pending = { command: stripped.slice(0, -1).trim(), line };
    else out.push({ command: stripped, line });
  }
  if (pending) out.push(pending);
  return out;
}

/** The `<!-- doc-test ... -->` comment that ends right above line `fenceLine` (blank lines allowed), as lines. */
function markerBefore(lines: readonly string[], fenceLine: number): { lines: { text: string; line: number }[]; line: number } | undefined {
  let end = fenceLine - 2; // index of the line above the fence
  while (end >= 0 && lines[end].trim() === "") end--;
  if (end < 0 || !lines[end].trim().endsWith("-->")) return undefined;
  let start = end;
  while (start >= 0 && !lines[start].includes("<!--")) start--;
  if (start < 0 || !/^\s*<!--\s*doc-test\b/.test(lines[start])) return undefined;
  const text = lines.slice(start, end + 1);
  const body: { text: string; line: number }[] = [];
  text.forEach((t, k) => {
    let s = t;
    if (k === 0) s = s.replace(/^\s*<!--\s*doc-test\b:?/, "");
    if (k === text.length - 1) s = s.replace(/-->\s*$/, "");
    if (s.trim() !== "") body.push({ text: s.trim(), line: start + k + 1 });
  });
  return { lines: body, line: start + 1 };
}

/** Parses the clauses after a command's colon; returns the spec or an error. */
export function parseClauses(spec: string): { run?: RunSpec; skip?: string; error?: string } {
  const skip = /^skip\s*:\s*(.*)$/.exec(spec);
  if (skip) return skip[1].trim().length < 8 ? { error: "a skip needs its reason (skip: why)" } : { skip: skip[1].trim() };
  const run: RunSpec = { exit: -1, writes: [], json: false, prints: [], needs: [], notes: [], alone: false };
  for (const clause of spec.split(";").map((c) => c.trim()).filter(Boolean)) {
    let m: RegExpExecArray | null;
    if ((m = /^exit\s+(\d+)$/.exec(clause))) run.exit = Number(m[1]);
    else if ((m = /^writes\s+(.+)$/.exec(clause))) run.writes.push(...m[1].split(/\s+/));
    else if (clause === "json") run.json = true;
    else if (clause === "alone") run.alone = true;
    else if ((m = /^prints\s+(.+)$/.exec(clause))) run.prints.push(m[1]);
    else if ((m = /^needs\s+(\S+)$/.exec(clause))) run.needs.push(m[1]);
    else if ((m = /^note\s+(.+)$/.exec(clause))) run.notes.push(m[1]);
    else return { error: `unknown clause "${clause}" (exit N; writes PATH...; json; prints TEXT; needs PATH; note TEXT; alone; or skip: REASON)` };
  }
  if (run.exit < 0) return { error: "a command the test runs needs its documented exit code (exit N)" };
  return { run };
}

/** Reads one document; never throws (what is wrong is in `errors`). */
export function parseDocument(file: string, text: string): ParsedDocument {
  const lines = text.split("\n");
  const doc: ParsedDocument = { file, blocks: [], errors: [] };
  const error = (line: number, what: string): void => void doc.errors.push(`${file}:${line}: ${what}`);
  for (const fence of fences(lines)) {
    const lang = fence.info.split(/\s+/)[0] ?? "";
    if (lang === "") {
      error(fence.line, "a code block needs an info string (sh for commands, text for diagrams and output, ts, json...)");
      continue;
    }
    const marker = markerBefore(lines, fence.line);
    if (!COMMAND_LANGUAGES.has(lang)) {
      if (marker) error(marker.line, `a doc-test marker before a ${lang} block (only ${[...COMMAND_LANGUAGES].join(", ")} blocks are run)`);
      continue;
    }
    const found = blockCommands(fence.body);
    if (!marker) {
      error(fence.line, `${lang} block is not marked: put <!-- doc-test ... --> before it, one line per command: \`command\`: exit N[; writes FILES] or \`command\`: skip: REASON`);
      continue;
    }
    const block: CommandBlock = { file, line: fence.line, lang, commands: found.map((c) => ({ ...c })), setup: [] };
    const assigned = new Set<number>();
    for (const { text: directive, line } of marker.lines) {
      const setup = /^setup:\s*fixture-project\s+(\S+)\s+at\s+(\S+)$/.exec(directive);
      if (setup) {
        block.setup.push({ kind: "fixture-project", name: setup[1], at: setup[2] });
        continue;
      }
      const m = /^`([^`]+)`\s*:\s*(.*)$/.exec(directive);
      if (!m) {
        error(line, `unreadable doc-test line "${directive}" (\`command\`: clauses, or setup: fixture-project NAME at PATH)`);
        continue;
      }
      const [, command, clauses] = m;
      const parsed = parseClauses(clauses.trim());
      if (parsed.error) {
        error(line, `\`${command}\`: ${parsed.error}`);
        continue;
      }
      const targets = command === "*" ? block.commands.map((_c, k) => k) : block.commands.flatMap((c, k) => (c.command === command.trim() ? [k] : []));
      if (targets.length === 0) {
        error(line, `\`${command}\` is not a command of the block below (line ${fence.line}): a stale doc-test line`);
        continue;
      }
      if (command === "*" && parsed.run) {
        error(line, "`*` can only skip (each command the test runs says what it must do)");
        continue;
      }
      for (const k of targets) {
        if (assigned.has(k)) {
          error(line, `\`${block.commands[k].command}\` has more than one doc-test line`);
          continue;
        }
        assigned.add(k);
        block.commands[k].run = parsed.run;
        block.commands[k].skip = parsed.skip;
      }
    }
    block.commands.forEach((c, k) => {
      if (!assigned.has(k)) error(c.line, `\`${c.command}\` is neither run nor skipped: add a line for it to the doc-test marker at line ${marker.line}`);
    });
    doc.blocks.push(block);
  }
  return doc;
}

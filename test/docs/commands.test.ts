/**
 * The documentation test (issue 16): every shell command in the code blocks of README.md, docs/*.md
 * and audit/README.md does what its text says on a fresh clone. Each document's command blocks are
 * read by doc-commands.ts (the `doc-test` marker before a block says, per command, what it must do or
 * why it is not run); the commands that run, run in document order, as written (`sh -c`), in a
 * scratch copy of the repository (sources and committed inputs; node_modules and .tools linked; no
 * build, no reports: a clone after `npm ci`), inside a private parent folder so that `../my-project`
 * stays in it. Each must exit with its documented code and write its documented files. The documents
 * share the one copy, in the order of documents() (a compile takes about 20 s; the first command
 * that needs a build makes it, as on a fresh clone, and later ones reuse it as a user's would).
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ensureFixtureDeps, FIXTURE_DEPS_DIR, FIXTURE_PROJECTS_DIR } from "../../scripts/audit/dev/fixture-projects";
import { scratchRepository } from "../pipeline/faults/harness";
import { REPO } from "../pipeline/helpers";
import { parseDocument, type CommandBlock, type DocCommand, type ParsedDocument } from "./doc-commands";

/** The documents whose commands are tested: the README, every docs/*.md, the audit folder's README. */
export function documents(): string[] {
  const docs = readdirSync(path.join(REPO, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs, "audit/README.md"];
}

/** One command's time limit: far above any command the test runs (the slowest, coverage, takes about a minute). */
const COMMAND_TIMEOUT_MS = 10 * 60_000;

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `command` with sh (the blocks are `sh`) in `cwd` as its own process group; the whole group is killed at the time limit. */
function runCommand(command: string, cwd: string): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn("sh", ["-c", command], { cwd, detached: true, env: { ...process.env, CI: "true" }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const kill = (signal: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // Already gone.
      }
    };
    const timer = setTimeout(() => {
      kill("SIGTERM");
      setTimeout(() => kill("SIGKILL"), 5_000).unref();
    }, COMMAND_TIMEOUT_MS);
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The last lines of a run's output, for a failure message. */
function tail(r: Result, n = 25): string {
  return `${r.stdout}\n${r.stderr}`.trim().split("\n").slice(-n).join("\n");
}

/** Copies fixture project `name` to `at`, its dependencies (installed once into the tools cache) linked. */
async function placeFixture(name: string, at: string): Promise<void> {
  await ensureFixtureDeps();
  cpSync(path.join(FIXTURE_PROJECTS_DIR, name), at, { recursive: true });
  symlinkSync(path.join(FIXTURE_DEPS_DIR, "node_modules"), path.join(at, "node_modules"), "dir");
}

/** Checks a `writes` path: written by the command that just ran (modified at or after `since`). */
function expectWritten(root: string, rel: string, since: number, r: Result): void {
  const full = path.resolve(root, rel);
  expect(existsSync(full), `${rel} was not written\n${tail(r)}`).to.equal(true);
  const st = statSync(full);
  if (rel.endsWith("/")) {
    expect(st.isDirectory(), `${rel} is not a folder`).to.equal(true);
    expect(readdirSync(full), `${rel} is empty`).to.not.deep.equal([]);
  } else {
    expect(st.isFile(), `${rel} is not a file`).to.equal(true);
    expect(st.size, `${rel} is empty`).to.be.greaterThan(0);
  }
  expect(st.mtimeMs, `${rel} is older than the command: not written by it`).to.be.at.least(since - 1_000);
}

function title(c: DocCommand): string {
  const what = [`exit ${c.run!.exit}`, ...(c.run!.writes.length > 0 ? [`writes ${c.run!.writes.join(" ")}`] : []), ...(c.run!.json ? ["JSON on stdout"] : [])];
  return `line ${c.line}: ${c.command} (${what.join(", ")})`;
}

const parsed: ParsedDocument[] = documents().map((file) => parseDocument(file, readFileSync(path.join(REPO, file), "utf8")));

describe("documentation commands (README.md, docs/*.md, audit/README.md)", function () {
  let parent: string | undefined;
  let root: string | undefined;
  const prepared = new Set<CommandBlock>();
  /** The one scratch copy, made when the first command runs (a --grep that runs none makes none). */
  const scratchParent = (): string => (parent ??= mkdtempSync(path.join(os.tmpdir(), "docs-test-")));
  const scratch = (): string => (root ??= scratchRepository(path.join(scratchParent(), "repository")));
  after(function () {
    if (parent) rmSync(parent, { recursive: true, force: true });
  });

  it("every fenced block has an info string, and every command in a command block is run or skipped with its reason", function () {
    expect(parsed.flatMap((d) => d.errors)).to.deep.equal([]);
    // The test has something to run in the README, and runs what the README's quick path needs.
    expect(parsed[0].blocks.flatMap((b) => b.commands).filter((c) => c.run).length).to.be.greaterThan(5);
  });

  for (const doc of parsed) {
    const blocks = doc.blocks.filter((b) => b.commands.some((c) => c.run));
    if (blocks.length === 0) continue;
    describe(`${doc.file}, run as written in a scratch copy`, function () {
      this.timeout(COMMAND_TIMEOUT_MS + 60_000);

      for (const block of blocks) {
        for (const c of block.commands.filter((x) => x.run)) {
          it(title(c), async function () {
            const root = c.run!.alone ? scratchRepository(path.join(scratchParent(), `alone-${c.line}`)) : scratch();
            if (!prepared.has(block)) {
              for (const s of block.setup) await placeFixture(s.name, path.resolve(root, s.at));
              prepared.add(block);
            }
            const run = c.run!;
            const missing = run.needs.filter((f) => !existsSync(path.resolve(root, f)));
            // The README's promise: npm test needs no Go and no Python tool installed beforehand.
            if (missing.length > 0) {
              process.stdout.write(`      skipped: needs ${missing.join(", ")}, not provisioned (npm run tools:install provisions it)\n`);
              return this.skip();
            }
            const started = Date.now();
            const r = await runCommand(c.command, root);
            expect(r.signal, `killed by ${r.signal} (time limit ${COMMAND_TIMEOUT_MS / 60_000} min)\n${tail(r)}`).to.equal(null);
            expect(r.code, `exit code of ${c.command}\n${tail(r)}`).to.equal(run.exit);
            for (const rel of run.writes) expectWritten(root, rel, started, r);
            if (run.json) {
              let value: unknown;
              expect(() => (value = JSON.parse(r.stdout)), `stdout is not JSON:\n${r.stdout.slice(0, 400)}`).to.not.throw();
              const exitCode = (value as { exitCode?: unknown } | null)?.exitCode;
              if (exitCode !== undefined) expect(exitCode, "exitCode in the JSON summary").to.equal(r.code);
            }
            for (const text of run.prints) expect(r.stdout, `stdout lacks "${text}"`).to.include(text);
          });
        }
      }
    });
  }
});

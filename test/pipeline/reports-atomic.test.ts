import { expect } from "chai";
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { commitStaged, createStagingDir, removeStaleStagingDirs, replaceFileSet, writeFileAtomic } from "../../scripts/audit/fs/atomic";
import type { FileSetEntry } from "../../scripts/audit/fs/atomic";
import { REPORT_WRITERS, writeReports } from "../../scripts/audit/reports";
import type { ReportWriter } from "../../scripts/audit/reports";
import type { AuditReport } from "../../scripts/audit/types";

const ROOT = path.resolve(__dirname, "..", "..");
const SAMPLE = path.join(__dirname, "fixtures", "report-sample.json");
const loadSample = (): AuditReport => JSON.parse(readFileSync(SAMPLE, "utf8")) as AuditReport;
const REPORT_FILES = REPORT_WRITERS.map((w) => w.fileName).sort();

/** name -> bytes of every file in `dir` (hidden entries included, directories marked). */
function snapshot(dir: string): Map<string, string> {
  return new Map(
    readdirSync(dir, { withFileTypes: true }).map((e) => [e.name, e.isDirectory() ? "<dir>" : readFileSync(path.join(dir, e.name), "latin1")]),
  );
}

async function rejection(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected the promise to reject");
}

/** A pid that certainly belongs to no running process. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(child.stdout);
}

describe("pipeline reports: atomic writes", function () {
  let dir: string;

  beforeEach(function () {
    dir = mkdtempSync(path.join(os.tmpdir(), "audit-atomic-"));
  });

  afterEach(function () {
    rmSync(dir, { recursive: true, force: true });
  });

  it("writeFileAtomic replaces a file and leaves no temp file", async function () {
    const file = path.join(dir, "nested", "report.json");
    await writeFileAtomic(file, "old");
    await writeFileAtomic(file, "new");
    expect(readFileSync(file, "utf8")).to.equal("new");
    expect(readdirSync(path.dirname(file))).to.deep.equal(["report.json"]);
  });

  it("a writer that throws mid-run leaves the previous report set byte-identical", async function () {
    const previous = loadSample();
    await writeReports(previous, dir, { root: ROOT });
    expect([...snapshot(dir).keys()].sort()).to.deep.equal(REPORT_FILES);
    const before = snapshot(dir);

    const next = loadSample();
    next.findings[0].title = "changed in the second run";
    const crashing: ReportWriter = {
      fileName: "report.sarif",
      render: () => {
        throw new Error("simulated writer crash");
      },
    };
    const writers = REPORT_WRITERS.map((w) => (w.fileName === "report.sarif" ? crashing : w));
    const error = await rejection(writeReports(next, dir, { root: ROOT, writers }));
    expect(error.message).to.equal("simulated writer crash");
    expect(snapshot(dir)).to.deep.equal(before);
  });

  it("a failure between renames rolls back the files already swapped", async function () {
    const old: FileSetEntry[] = [
      { name: "a.txt", data: "old a" },
      { name: "b.txt", data: "old b" },
    ];
    await replaceFileSet(dir, old);
    const before = snapshot(dir);
    const next: FileSetEntry[] = [
      { name: "a.txt", data: "new a" },
      { name: "b.txt", data: "new b" },
      { name: "c.txt", data: "new c" },
      { name: "d.txt", data: "new d" },
    ];
    const error = await rejection(
      replaceFileSet(dir, next, {
        beforeRename: (name) => {
          if (name === "d.txt") throw new Error("simulated crash before the last rename");
        },
      }),
    );
    expect(error.message).to.match(/simulated crash/);
    // a and b are back to their old bytes, c (new) is gone again, nothing else is left.
    expect(snapshot(dir)).to.deep.equal(before);
  });

  it("refuses to replace something that is not a regular file, before touching anything", async function () {
    await replaceFileSet(dir, [{ name: "a.txt", data: "old a" }]);
    mkdirSync(path.join(dir, "b.txt"));
    const before = snapshot(dir);
    const error = await rejection(
      replaceFileSet(dir, [
        { name: "a.txt", data: "new a" },
        { name: "b.txt", data: "new b" },
      ]),
    );
    expect(error.message).to.match(/not a regular file/);
    expect(snapshot(dir)).to.deep.equal(before);
    await rejection(replaceFileSet(dir, [{ name: "../escape.txt", data: "x" }]));
    await rejection(replaceFileSet(dir, [{ name: ".hidden", data: "x" }]));
  });

  it("commitStaged moves a whole run (folders and files) into place, replacing only what the run produced", async function () {
    mkdirSync(path.join(dir, "raw", "test"), { recursive: true });
    mkdirSync(path.join(dir, "raw", "bench"), { recursive: true });
    writeFileSync(path.join(dir, "raw", "test", "old.log"), "old test log");
    writeFileSync(path.join(dir, "raw", "bench", "bench.log"), "bench log of an earlier run");
    writeFileSync(path.join(dir, "report.json"), "old report");
    const staging = await createStagingDir(dir);
    expect(path.basename(staging)).to.match(/^\.staging-\d+-[0-9a-f]+$/);
    mkdirSync(path.join(staging, "raw", "test"), { recursive: true });
    writeFileSync(path.join(staging, "raw", "test", "new.log"), "new test log");
    mkdirSync(path.join(staging, "coverage"));
    writeFileSync(path.join(staging, "coverage", "index.html"), "<html>");
    writeFileSync(path.join(staging, "report.json"), "new report");
    const placed = await commitStaged(staging, dir, ["raw/test", "coverage", "report.json"]);
    rmSync(staging, { recursive: true, force: true });
    expect(placed).to.deep.equal(["raw/test", "coverage", "report.json"].map((n) => path.join(dir, n)));
    expect(readdirSync(path.join(dir, "raw", "test"))).to.deep.equal(["new.log"]);
    expect(readFileSync(path.join(dir, "raw", "bench", "bench.log"), "utf8"), "a stage that did not run keeps its raw folder").to.equal("bench log of an earlier run");
    expect(readFileSync(path.join(dir, "report.json"), "utf8")).to.equal("new report");
    expect(readdirSync(dir).sort()).to.deep.equal(["coverage", "raw", "report.json"]);
  });

  it("commitStaged undoes every move when one fails: the previous run stays whole", async function () {
    mkdirSync(path.join(dir, "raw", "test"), { recursive: true });
    writeFileSync(path.join(dir, "raw", "test", "old.log"), "old test log");
    writeFileSync(path.join(dir, "report.json"), "old report");
    const before = JSON.stringify([snapshot(dir).get("report.json"), readdirSync(path.join(dir, "raw", "test"))]);
    const staging = await createStagingDir(dir);
    mkdirSync(path.join(staging, "raw", "test"), { recursive: true });
    writeFileSync(path.join(staging, "raw", "test", "new.log"), "new");
    mkdirSync(path.join(staging, "gas"));
    writeFileSync(path.join(staging, "report.json"), "new report");
    const error = await rejection(
      commitStaged(staging, dir, ["raw/test", "gas", "report.json"], {
        beforeRename: (name) => {
          if (name === "report.json") throw new Error("simulated crash before the reports");
        },
      }),
    );
    expect(error.message).to.match(/simulated crash/);
    rmSync(staging, { recursive: true, force: true });
    expect(JSON.stringify([snapshot(dir).get("report.json"), readdirSync(path.join(dir, "raw", "test"))])).to.equal(before);
    expect(existsSync(path.join(dir, "gas")), "a new folder is taken back out").to.equal(false);
    await rejection(commitStaged(staging, dir, ["../escape"]));
  });

  it("removes staging dirs of dead or ancient runs and keeps live ones", async function () {
    const dead = path.join(dir, `.staging-${deadPid()}-abc123`);
    const live = path.join(dir, `.staging-${process.ppid}-def456`);
    const ancient = path.join(dir, `.staging-${process.ppid}-0dd0dd`);
    for (const d of [dead, live, ancient]) {
      mkdirSync(d);
      writeFileSync(path.join(d, "report.json"), "{");
    }
    const twoHoursAgo = new Date(Date.now() - 2 * 3600_000);
    utimesSync(ancient, twoHoursAgo, twoHoursAgo);
    expect((await removeStaleStagingDirs(dir)).sort()).to.deep.equal([ancient, dead].sort());
    expect(existsSync(live)).to.equal(true);
    rmSync(live, { recursive: true });
  });

  it("a writer killed with SIGKILL mid-write leaves each file complete: old or new, never partial", async function () {
    this.timeout(60_000);
    // Big files so that the kill lands inside writes; each set is tagged by version.
    const names = ["report.json", "report.md", "report.html", "report.sarif", "junit.xml"];
    const size = 2 * 1024 * 1024;
    const content = (version: number, name: string): string => `${version}:${name}:`.padEnd(size, String(version % 10));
    const child = `
      const { replaceFileSet } = require(${JSON.stringify(path.join(ROOT, "scripts/audit/fs/atomic.ts"))});
      const [dir, size] = [process.argv[1], Number(process.argv[2])];
      const names = ${JSON.stringify(names)};
      const content = ${content.toString()};
      (async () => {
        for (let version = 1; ; version++) {
          if (version === 2) process.stdout.write("writing\\n");
          await replaceFileSet(dir, names.map((name) => ({ name, data: content(version, name) })));
        }
      })();
    `;
    const valid = (name: string, bytes: string): boolean => {
      const version = Number(bytes.slice(0, bytes.indexOf(":")));
      return version >= 1 && bytes === content(version, name);
    };

    let sawStaging = false;
    for (const delayMs of [5, 40, 120, 260]) {
      const proc = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", child, dir, String(size)], {
        cwd: ROOT,
        stdio: ["ignore", "pipe", "inherit"],
      });
      const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
      try {
        await new Promise<void>((resolve, reject) => {
          proc.once("error", reject);
          proc.once("exit", (code) => reject(new Error(`writer exited early with ${code}`)));
          proc.stdout.once("data", () => resolve());
        });
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      } finally {
        proc.kill("SIGKILL");
        await exited;
      }

      const entries = readdirSync(dir);
      sawStaging ||= entries.some((e) => e.startsWith(".staging-"));
      expect(entries.filter((e) => !e.startsWith(".")).sort(), `after kill at +${delayMs} ms`).to.deep.equal([...names].sort());
      for (const name of names) {
        expect(valid(name, readFileSync(path.join(dir, name), "latin1")), `${name} after kill at +${delayMs} ms`).to.equal(true);
      }
    }
    // The kills did land mid-write (a staging dir was left behind)...
    expect(sawStaging, "no kill interrupted a write; the test proved nothing").to.equal(true);
    // ...and the next run sweeps those leftovers.
    await replaceFileSet(dir, [{ name: "report.json", data: "{}" }]);
    expect(readdirSync(dir).filter((e) => e.startsWith("."))).to.deep.equal([]);
  });
});

/**
 * The orchestrator's staging folder and interrupt path, in process with fake stages: a run writes
 * into <outDir>/.staging-*, moves everything into place only when it completes, with paths in the
 * report pointing at the final places; an interrupted run moves nothing and exits 130.
 */
import { expect } from "chai";
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { holdDirectory, holdProcessGroup, Interrupted, releaseHeld } from "../../scripts/audit/interrupt";
import { relPath } from "../../scripts/audit/paths";
import { main, runAudit } from "../../scripts/audit/run";
import { parseAuditArgs } from "../../scripts/audit/args";
import type { Stage, StageContext } from "../../scripts/audit/types";
import { checksums, REPO, tempDir } from "./helpers";

function sink(): { stream: Writable; text: () => string } {
  let text = "";
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      text += chunk.toString();
      done();
    },
  });
  return { stream, text: () => text };
}

/**
 * A Hardhat project root whose policy requires no stage (the fake registry has none of the real ones),
 * with this repository's node_modules (the run opens the project through its own Hardhat first).
 */
function project(): string {
  const root = tempDir("audit-run-");
  writeFileSync(path.join(root, "hardhat.config.js"), "module.exports = {};\n");
  symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"), "dir");
  mkdirSync(path.join(root, "audit"));
  writeFileSync(path.join(root, "audit", "policy.json"), JSON.stringify({ requiredStages: { quick: [], ci: [], deep: [] } }));
  return root;
}

const ok = (rest: object = {}) => ({ status: "passed" as const, tools: [], findings: [], metrics: {}, artifacts: [], ...rest });

/** Writes a raw log and a published file, and records where it was asked to write. */
function writer(name: string, seen: string[]): Stage {
  return {
    name,
    title: name,
    async run(ctx: StageContext) {
      seen.push(ctx.rawDir);
      const raw = path.join(ctx.rawDir, name);
      mkdirSync(raw, { recursive: true });
      writeFileSync(path.join(raw, "tool.log"), `${name} output\n`);
      mkdirSync(path.join(ctx.outDir, "published"), { recursive: true });
      writeFileSync(path.join(ctx.outDir, "published", `${name}.txt`), "published\n");
      const log = relPath(ctx.root, path.join(raw, "tool.log"));
      return ok({ artifacts: [log], metrics: { log, absolute: path.join(raw, "tool.log") } });
    },
  };
}

/** Starts a tool-like wait and reports `started`; ends only when its signal fires. */
function waiter(name: string, started: () => void): Stage {
  return {
    name,
    title: name,
    async run(ctx: StageContext) {
      mkdirSync(path.join(ctx.rawDir, name), { recursive: true });
      writeFileSync(path.join(ctx.rawDir, name, "partial.log"), "half");
      started();
      if (!ctx.signal.aborted) await new Promise<void>((resolve) => ctx.signal.addEventListener("abort", () => resolve(), { once: true }));
      return { ...ok(), status: "error" as const, reason: "stopped" };
    },
  };
}

describe("audit run: staging folder and interrupt path (fake stages)", function () {
  this.timeout(30_000);

  it("a completed run moves its outputs into place and its report points at them", async function () {
    const root = project();
    const seen: string[] = [];
    const out = sink();
    const code = await runAudit(parseAuditArgs(["--root", root, "--profile", "quick", "--json"]), { stdout: out.stream, stderr: sink().stream, cwd: root, env: {} }, [
      writer("alpha", seen),
      writer("beta", seen),
    ]);
    expect(code, out.text()).to.equal(0);
    expect(path.relative(path.join(root, "audit"), seen[0])).to.match(/^\.staging-\d+-[0-9a-f]+\/raw$/);
    const report = JSON.parse(readFileSync(path.join(root, "audit", "report.json"), "utf8")) as { stages: { artifacts: string[]; metrics: Record<string, string> }[] };
    expect(report.stages.map((s) => s.artifacts)).to.deep.equal([["audit/raw/alpha/tool.log"], ["audit/raw/beta/tool.log"]]);
    expect(report.stages[0].metrics).to.deep.equal({ log: "audit/raw/alpha/tool.log", absolute: path.join(root, "audit", "raw", "alpha", "tool.log") });
    for (const f of ["raw/alpha/tool.log", "raw/beta/tool.log", "published/alpha.txt", "published/beta.txt", "report.md"]) expect(existsSync(path.join(root, "audit", f)), f).to.equal(true);
    for (const f of ["report.json", "report.md", "report.html", "junit.xml"]) expect(readFileSync(path.join(root, "audit", f), "utf8"), f).to.not.contain(".staging-");
    expect(readdirSync(path.join(root, "audit")).filter((n) => n.startsWith("."))).to.deep.equal([]);
  });

  it("an interrupted run exits 130 and changes nothing: no report, no raw log, no staging folder", async function () {
    const root = project();
    await runAudit(parseAuditArgs(["--root", root, "--profile", "quick"]), { stdout: sink().stream, stderr: sink().stream, cwd: root, env: {} }, [
      writer("alpha", []),
      writer("beta", []),
    ]);
    const before = checksums(path.join(root, "audit"));
    const controller = new AbortController();
    const err = sink();
    const code = await runAudit(
      parseAuditArgs(["--root", root, "--profile", "quick"]),
      { stdout: sink().stream, stderr: err.stream, cwd: root, env: {}, signal: controller.signal },
      [writer("alpha", []), waiter("beta", () => controller.abort(new Interrupted("SIGINT")))],
    );
    expect(code).to.equal(130);
    expect(err.text()).to.match(/^audit: interrupted by SIGINT; stopped (alpha, )?beta; nothing was written, the previous reports in \S+ are unchanged\n$/);
    expect(err.text()).to.contain(` in ${path.join(root, "audit")} are unchanged`);
    expect(checksums(path.join(root, "audit"))).to.deep.equal(before);
    expect(readdirSync(path.join(root, "audit")).filter((n) => n.startsWith("."))).to.deep.equal([]);
  });

  it("bad --root and --out stop the run with one line and exit 2, creating nothing", async function () {
    const root = project();
    const err = sink();
    const io = { stdout: sink().stream, stderr: err.stream, cwd: root, env: {} };
    expect(await main(["--root", path.join(root, "audit")], io)).to.equal(2);
    writeFileSync(path.join(root, "file"), "x");
    expect(await main(["--root", root, "--out", path.join(root, "file", "out")], io)).to.equal(2);
    expect(await main(["--root", root, "--json-file", path.join(root, "audit")], io)).to.equal(2);
    expect(err.text().split("\n").filter(Boolean)).to.deep.equal([
      `audit: not a Hardhat project: ${path.join(root, "audit")} (no hardhat.config.{ts,js,cjs,mjs,cts,mts} in it; --root DIR names the project)`,
      `audit: cannot write to ${path.join(root, "file", "out")} (${path.join(root, "file")} is not a directory)`,
      `audit: cannot write to ${path.join(root, "audit")} (is a directory)`,
    ]);
    expect(readdirSync(root).sort()).to.deep.equal(["audit", "file", "hardhat.config.js", "node_modules"]);
    expect(readdirSync(path.join(root, "audit"))).to.deep.equal(["policy.json"]);
  });

  it("what a run holds is released at exit: process groups killed, directories removed", async function () {
    const dir = tempDir("audit-held-");
    writeFileSync(path.join(dir, "x"), "x");
    const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { detached: true, stdio: "ignore" });
    const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on("exit", (_code, signal) => resolve(signal)));
    holdProcessGroup(child.pid!);
    holdDirectory(dir);
    releaseHeld();
    expect(await exited).to.equal("SIGKILL");
    expect(existsSync(dir)).to.equal(false);
  });
});

/**
 * How the two Slither stages share one session (stages/slither-session.ts), with a fake `python` in
 * a fake tools folder instead of Slither (a node script that records each start, waits, and writes
 * what the session script writes): one process for both stages, a new one for a second run of a
 * stage, only the selected parts, and a process that stops when - and only when - no stage waits.
 * The real thing is compared with the tools run one by one in slither-session.test.ts.
 */
import { expect } from "chai";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { makeFixtureProject, stageContext, type FixtureProject } from "../../scripts/audit/dev/slither-fixture";
import { runInSession, slitherPartRun, upgradeabilityJobRun, type UpgradeabilityPart } from "../../scripts/audit/stages/slither-session";
import type { SlitherTools } from "../../scripts/audit/tools/provision";
import type { StageContext } from "../../scripts/audit/types";

const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** The fake session script: argv[2] is the session script, argv[3] the job. */
const FAKE_PYTHON = `#!/usr/bin/env node
const fs = require("node:fs");
const job = JSON.parse(fs.readFileSync(process.argv[3], "utf8"));
fs.appendFileSync(process.env.FAKE_STARTS, JSON.stringify({ pid: process.pid, parts: Object.keys(job).filter((k) => k !== "status") }) + "\\n");
setTimeout(() => {
  const upgradeability = {};
  for (const run of job.upgradeability ? job.upgradeability.runs : []) {
    fs.writeFileSync(run.stdout, "");
    fs.writeFileSync(run.stderr, "fake run " + run.name + "\\n");
    upgradeability[run.name] = 0;
  }
  fs.writeFileSync(job.status, JSON.stringify({ slither: job.slither ? 255 : null, upgradeability }));
  process.exit(job.slither ? 255 : 0);
}, Number(process.env.FAKE_SECONDS) * 1000);
`;

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("the Slither session shared by the two Slither stages (fake python)", function () {
  this.timeout(60_000);
  let fixture: FixtureProject;
  let dir: string;
  let tools: SlitherTools;
  let starts: string;
  const savedEnv = { ...process.env };

  before(function () {
    fixture = makeFixtureProject(path.join(REPO_ROOT, "test", "fixtures", "slither", "ReentrantVault.sol"), REPO_ROOT);
  });
  after(function () {
    rmSync(fixture.root, { recursive: true, force: true });
  });
  beforeEach(function () {
    dir = mkdtempSync(path.join(tmpdir(), "slither-session-"));
    const bin = path.join(dir, "venv", "bin");
    mkdirSync(bin, { recursive: true });
    writeFileSync(path.join(bin, "python"), FAKE_PYTHON);
    chmodSync(path.join(bin, "python"), 0o755);
    const tool = (name: string) => ({ name, version: "0.0.0-fake", bin: path.join(bin, name) });
    tools = { slither: tool("slither"), checkUpgradeability: tool("slither-check-upgradeability"), cryticCompile: tool("crytic-compile") };
    starts = path.join(dir, "starts.jsonl");
    process.env.FAKE_STARTS = starts;
    process.env.FAKE_SECONDS = "0.2";
  });
  afterEach(function () {
    process.env = { ...savedEnv };
    rmSync(dir, { recursive: true, force: true });
  });

  const started = (): { pid: number; parts: string[] }[] =>
    existsSync(starts) ? readFileSync(starts, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { pid: number; parts: string[] }) : [];

  function context(plan: string[], signal = new AbortController().signal): StageContext {
    return { ...stageContext(fixture.root, fixture.build, path.join(dir, "out")), plan, signal };
  }

  /** An upgradeability part by hand (the fixture has no proxy, so it has none of its own). */
  function upgradeabilityPart(ctx: StageContext): UpgradeabilityPart {
    const raw = path.join(ctx.rawDir, "slither-upgradeability");
    const job = (name: string) => ({
      run: { kind: "update" as const, contract: `${name}V1`, against: `${name}V2` },
      name: `${name}V1-to-${name}V2`,
      argv: [".", `${name}V1`, "--new-contract-name", `${name}V2`],
      jsonFile: path.join(raw, `${name}V1-to-${name}V2.json`),
      stdoutLog: path.join(raw, `${name}V1-to-${name}V2.stdout.log`),
      stderrLog: path.join(raw, `${name}V1-to-${name}V2.stderr.log`),
    });
    return { raw, checksFile: path.join(raw, "list-detectors.json"), plan: { proxy: "P", implementations: [], pairs: [], runs: [] }, contracts: [], jobs: [job("A"), job("B")] };
  }

  it("one process serves both stages when the run selected both; each reads its own part", async function () {
    const ctx = context(["compile", "slither", "slither-upgradeability"]);
    const [upg, slither] = await Promise.all([
      runInSession(ctx, tools, { upgradeability: upgradeabilityPart(ctx) }),
      // The slither stage asks second: it joins.
      new Promise((r) => setTimeout(r, 20)).then(() => runInSession(ctx, tools, { slither: { raw: path.join(ctx.rawDir, "slither"), jsonFile: "", sarifFile: "", argv: [], scope: { sources: "contracts", exclude: [], tests: [], artifacts: "artifacts" } } })),
    ]);
    expect(started().map((s) => s.parts)).to.deep.equal([["slither", "upgradeability"]]);
    expect(upg.result).to.equal(slither.result);
    expect(upg.servedStages).to.deep.equal(["slither", "slither-upgradeability"]);
    expect(slitherPartRun(slither.result).exitCode).to.equal(255);
    const runs = upg.parts.upgradeability!.jobs.map((j) => upgradeabilityJobRun(upg.result, j));
    expect(runs.map((r) => [r.exitCode, r.stderr])).to.deep.equal([
      [0, "fake run AV1-to-AV2\n"],
      [0, "fake run BV1-to-BV2\n"],
    ]);
    // The job sits in the raw folder of the session's first part (slither), with both command lines.
    const job = JSON.parse(readFileSync(path.join(ctx.rawDir, "slither", "session.json"), "utf8")) as { upgradeability: { runs: unknown[] } };
    expect(job.upgradeability.runs).to.have.length(2);
    // A second run of a stage into the same folders is a new session, for that stage alone.
    await runInSession(ctx, tools, { upgradeability: upgradeabilityPart(ctx) });
    expect(started().map((s) => s.parts)).to.deep.equal([["slither", "upgradeability"], ["upgradeability"]]);
  });

  it("a run that selected one stage starts a session with that part alone", async function () {
    const ctx = context(["compile", "slither-upgradeability"]);
    const { result, servedStages } = await runInSession(ctx, tools, { upgradeability: upgradeabilityPart(ctx) });
    expect(started().map((s) => s.parts)).to.deep.equal([["upgradeability"]]);
    expect(servedStages).to.deep.equal(["slither-upgradeability"]);
    // Alone, the process's own logs are session.* in the stage's raw folder.
    expect(result.process.logs.map((l) => path.basename(l))).to.deep.equal(["session.stdout.log", "session.stderr.log"]);
  });

  it("the process runs while one stage still waits, and stops when none does; a stage that comes later starts its own", async function () {
    process.env.FAKE_SECONDS = "30";
    const a = new AbortController();
    const b = new AbortController();
    const plan = ["compile", "slither", "slither-upgradeability"];
    const first = runInSession(context(plan, a.signal), tools, { upgradeability: upgradeabilityPart(context(plan)) });
    const second = runInSession(context(plan, b.signal), tools, { slither: { raw: path.join(dir, "out", "raw", "slither"), jsonFile: "", sarifFile: "", argv: [], scope: { sources: "contracts", exclude: [], tests: [], artifacts: "artifacts" } } });
    for (let i = 0; i < 100 && started().length === 0; i++) await new Promise((r) => setTimeout(r, 50));
    const [{ pid }] = started();
    a.abort();
    const firstResult = await first;
    expect(firstResult.result.process.cancelled).to.equal(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(alive(pid), "still running for the other stage").to.equal(true);
    b.abort();
    expect((await second).result.process.cancelled).to.equal(true);
    for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 50));
    expect(alive(pid), "stopped once nobody waits").to.equal(false);
    expect(started()).to.have.length(1);
    process.env.FAKE_SECONDS = "0.2";
    // Stopped sessions serve nobody: the next request starts a new process.
    await runInSession(context(plan), tools, { upgradeability: upgradeabilityPart(context(plan)) });
    expect(started()).to.have.length(2);
  });
});

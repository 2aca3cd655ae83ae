/**
 * The stage-result cache (scripts/audit/cache/): the key recipe (every declared input changes the key
 * and names itself; files a stage does not read do not), reuse and miss through the orchestrator with
 * fake stages (restored raw outputs, a cached failure still fails, suppressions still apply, skipped
 * results never stored, an unusable entry is one warning line, --no-cache, AUDIT_NO_CACHE, the plan a
 * running stage sees), and once end to end with the real CLI.
 */
import { expect } from "chai";
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { Writable } from "node:stream";
import { parseAuditArgs } from "../../scripts/audit/args";
import { changedInputs } from "../../scripts/audit/cache";
import { canonicalJson, inputKey, InputHasher, stageInputs, type CacheInput, type CacheKeyContext, type StageCacheSpec } from "../../scripts/audit/cache/key";
import { createFixtureProject } from "../../scripts/audit/dev/fixture-project";
import { relPath } from "../../scripts/audit/paths";
import { DEFAULT_POLICY, PolicySchema } from "../../scripts/audit/policy";
import { runAudit } from "../../scripts/audit/run";
import { defaultScope } from "../../scripts/audit/scope";
import { STAGES } from "../../scripts/audit/stages";
import type { AuditProject, AuditReport, Finding, Stage, StageContext } from "../../scripts/audit/types";
import { runCli as runRealCli } from "./faults/harness";
import { finding, REPO, tempDir } from "./helpers";

function write(root: string, rel: string, text: string): void {
  mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  writeFileSync(path.join(root, rel), text);
}

/** A project tree with one file of each kind, a tools folder and a harness of its own. */
function keyFixture(): { ctx: CacheKeyContext; root: string; harness: string; tools: string } {
  const root = tempDir("cache-key-");
  const harness = tempDir("cache-harness-");
  const tools = tempDir("cache-tools-");
  const files: Record<string, string> = {
    "contracts/A.sol": "contract A {}\n",
    "contracts/mocks/M.sol": "contract M {}\n",
    "test/unit/a.test.ts": "it('a', () => {});\n",
    "test/helpers.ts": "export const h = 1;\n",
    "scripts/x.ts": "export const x = 1;\n",
    "hardhat.config.js": "module.exports = {};\n",
    "package-lock.json": "{}\n",
    ".solhint.json": "{}\n",
    ".solcover.js": "module.exports = {};\n",
    "docs/NOTES.md": "notes\n",
    "audit/policy.json": "{}\n",
    "audit/raw/lint/solhint.json": "[]\n",
    "artifacts/build-info/b1.json": '{"output":1}\n',
    "artifacts/contracts/A.sol/A.json": "{}\n",
    "cache/solidity-files-cache.json": "{}\n",
    "typechain-types/index.ts": "\n",
    "node_modules/dep/index.js": "\n",
    ".github/workflows/ci.yml": "on: push\n",
  };
  for (const [rel, text] of Object.entries(files)) write(root, rel, text);
  write(harness, "scripts/audit/stage.ts", "export {};\n");
  write(harness, "package.json", "{}\n");
  write(tools, "stamps/medusa.json", '{"version":"1"}\n');
  const paths = { root, sources: path.join(root, "contracts"), tests: path.join(root, "test"), artifacts: path.join(root, "artifacts"), cache: path.join(root, "cache"), configFile: path.join(root, "hardhat.config.js") };
  const project = { hardhat: { facts: { paths } }, scope: defaultScope("contracts", ["test/unit"], "artifacts"), toolsDir: tools } as unknown as AuditProject;
  const buildInfoDir = path.join(root, "artifacts", "build-info");
  const ctx: CacheKeyContext = {
    root,
    outDir: path.join(root, "audit"),
    profile: "ci",
    policy: DEFAULT_POLICY,
    project,
    build: { artifactsDir: path.join(root, "artifacts"), buildInfoDir, buildInfoFiles: [path.join(buildInfoDir, "b1.json")], solcVersion: "0.8.28" },
    plan: ["compile", "test", "gas"],
    env: {},
    harnessRoot: harness,
  };
  return { ctx, root, harness, tools };
}

const inputsOf = (spec: StageCacheSpec, ctx: CacheKeyContext): Record<string, string> => stageInputs("s", spec, ctx, new InputHasher());

describe("stage-result cache", function () {
  describe("the key recipe (cache/key.ts)", function () {
    /** [declared input, change made, the input names that must differ]. */
    type Case = [CacheInput, (f: ReturnType<typeof keyFixture>) => CacheKeyContext | void, string[]];
    const CASES: Case[] = [
      ["build", (f) => write(f.root, "artifacts/build-info/b1.json", '{"output":2}\n'), ["build/artifacts/build-info/b1.json"]],
      ["sources", (f) => appendFileSync(path.join(f.root, "contracts/A.sol"), "// x\n"), ["sources/contracts/A.sol"]],
      ["sources", (f) => write(f.root, "contracts/B.sol", "contract B {}\n"), ["sources/contracts/B.sol"]],
      ["tests", (f) => appendFileSync(path.join(f.root, "test/unit/a.test.ts"), "// x\n"), ["tests/test/unit/a.test.ts"]],
      ["tests", (f) => appendFileSync(path.join(f.root, "test/helpers.ts"), "// x\n"), ["tests/test/helpers.ts"]],
      ["code", (f) => appendFileSync(path.join(f.root, "scripts/x.ts"), "// x\n"), ["code/scripts/x.ts"]],
      ["code", (f) => appendFileSync(path.join(f.root, ".solcover.js"), "// x\n"), ["code/.solcover.js"]],
      ["code", (f) => appendFileSync(path.join(f.root, "contracts/mocks/M.sol"), "// x\n"), ["code/contracts/mocks/M.sol"]],
      ["lockfiles", (f) => write(f.root, "package-lock.json", '{"v":2}\n'), ["file/package-lock.json"]],
      ["tools", (f) => write(f.tools, "stamps/medusa.json", '{"version":"2"}\n'), ["tools/medusa.json"]],
      ["profile", (f) => ({ ...f.ctx, profile: "deep" }), ["profile"]],
      [{ files: [".solhint.json"] }, (f) => write(f.root, ".solhint.json", '{"rules":{}}\n'), ["file/.solhint.json"]],
      [{ files: ["slither.config.json"] }, (f) => write(f.root, "slither.config.json", "{}\n"), ["file/slither.config.json"]],
      [{ policy: ["coverage"] }, (f) => ({ ...f.ctx, policy: PolicySchema.parse({ coverage: { lines: 50 } }) }), ["policy.coverage"]],
      [{ env: ["AUDIT_FUZZ_SECONDS"] }, (f) => ({ ...f.ctx, env: { AUDIT_FUZZ_SECONDS: "60" } }), ["env.AUDIT_FUZZ_SECONDS"]],
      [{ value: "gas", of: (c) => c.plan.includes("gas") }, (f) => ({ ...f.ctx, plan: ["compile", "test"] }), ["value.gas"]],
    ];
    for (const [input, change, names] of CASES) {
      it(`${typeof input === "string" ? input : JSON.stringify(input)}: ${names.join(", ")} changes the key`, function () {
        const f = keyFixture();
        const spec = { inputs: [input] };
        const before = inputsOf(spec, f.ctx);
        const ctx = change(f) ?? f.ctx;
        const after = inputsOf(spec, ctx);
        expect(inputKey(after)).to.not.equal(inputKey(before));
        expect(changedInputs(before, after)).to.deep.equal(names);
      });
    }

    it("the implicit inputs: the harness's code, the scope and the stage name are in every key", function () {
      const f = keyFixture();
      const spec = { inputs: [] };
      const before = inputsOf(spec, f.ctx);
      expect(Object.keys(before).sort()).to.deep.equal(["cache.format", "harness/package.json", "harness/scripts/audit/stage.ts", "root", "scope", "stage"]);
      appendFileSync(path.join(f.harness, "scripts/audit/stage.ts"), "// fixed\n");
      expect(changedInputs(before, inputsOf(spec, f.ctx))).to.deep.equal(["harness/scripts/audit/stage.ts"]);
      const otherScope = { ...f.ctx, project: { ...f.ctx.project, scope: defaultScope("contracts", ["test"], "artifacts") } };
      expect(changedInputs(inputsOf(spec, f.ctx), inputsOf(spec, otherScope))).to.deep.equal(["scope"]);
      expect(inputKey(stageInputs("other", spec, f.ctx, new InputHasher()))).to.not.equal(inputKey(inputsOf(spec, f.ctx)));
    });

    it("files a stage does not read leave its key alone", function () {
      const f = keyFixture();
      const analyzer = { inputs: ["build", "sources", "lockfiles", { files: [".solhint.json"] }] as CacheInput[] };
      const code = { inputs: ["code"] as CacheInput[] };
      const tests = { inputs: ["tests"] as CacheInput[] };
      const keys = (): string[] => [analyzer, code, tests].map((s) => inputKey(inputsOf(s, f.ctx)));
      const before = keys();
      // Outputs, generated folders, dependencies, hidden folders: no stage's input.
      for (const rel of ["audit/raw/lint/solhint.json", "audit/cache/lint/x/entry.json", "artifacts/contracts/A.sol/A.json", "cache/solidity-files-cache.json", "typechain-types/index.ts", "node_modules/dep/index.js", ".github/workflows/ci.yml", "coverage/index.html"]) {
        write(f.root, rel, "changed\n");
      }
      expect(keys()).to.deep.equal(before);
      // A test file: only the tests input moves; a script: only code.
      appendFileSync(path.join(f.root, "test/unit/a.test.ts"), "// x\n");
      const afterTest = keys();
      expect([afterTest[0], afterTest[1]]).to.deep.equal([before[0], before[1]]);
      expect(afterTest[2]).to.not.equal(before[2]);
      appendFileSync(path.join(f.root, "docs/NOTES.md"), "more\n");
      const afterDoc = keys();
      expect([afterDoc[0], afterDoc[2]]).to.deep.equal([afterTest[0], afterTest[2]]);
    });

    it("one key for one list: order-free, names count, values canonical", function () {
      expect(inputKey({ a: "1", b: "2" })).to.equal(inputKey({ b: "2", a: "1" }));
      expect(inputKey({ a: "1" })).to.not.equal(inputKey({ b: "1" }));
      expect(inputKey({ a: "1", b: "" })).to.not.equal(inputKey({ a: "1" }));
      expect(canonicalJson({ b: [2, { d: 1, c: 0 }], a: undefined })).to.equal('{"b":[2,{"c":0,"d":1}]}');
    });

    it("a changed-input list is capped", function () {
      const many = Object.fromEntries(Array.from({ length: 30 }, (_v, i) => [`code/f${String(i).padStart(2, "0")}`, "x"]));
      const list = changedInputs({}, many);
      expect(list).to.have.length(21);
      expect(list[20]).to.equal("... and 10 more");
    });
  });

  describe("the registry's declarations", function () {
    it("every stage but compile and gas declares its inputs; each reading the build declares it; the test runners declare the tests and the project's code", function () {
      const byName = new Map(STAGES.map((s) => [s.name, s]));
      expect(STAGES.filter((s) => !s.cache).map((s) => s.name)).to.deep.equal(["compile", "gas"]);
      for (const s of STAGES.filter((x) => x.cache && x.dependsOn?.includes("compile"))) expect(s.cache!.inputs, s.name).to.include("build");
      for (const name of ["test", "coverage"]) expect(byName.get(name)!.cache!.inputs, name).to.include.members(["tests", "code", "lockfiles"]);
      expect(byName.get("lint")!.cache!.inputs).to.include("sources");
      const invariants = byName.get("invariants")!.cache!.inputs;
      expect(invariants).to.include.members(["profile", "tools"]);
      expect(invariants).to.deep.include({ env: ["AUDIT_INVARIANT_ENGINE", "AUDIT_FUZZ_SECONDS", "AUDIT_FUZZ_SEED"] });
      // A shard's key is its own: `--shard 1/2` and `2/2` (and a whole run) never share a result.
      const f = keyFixture();
      const spec = byName.get("invariants")!.cache!;
      const key = (shard?: { index: number; count: number }): string => inputKey(stageInputs("invariants", spec, { ...f.ctx, ...(shard ? { shard } : {}) }, new InputHasher()));
      expect(new Set([key(), key({ index: 1, count: 2 }), key({ index: 2, count: 2 })]).size).to.equal(3);
      expect(byName.get("bench")!.cache!.inputs).to.deep.include({ policy: ["gas", "bench"] });
      // What a stage publishes outside raw/<stage>/ is kept with its entry.
      expect(byName.get("coverage")!.cache!.outputs).to.deep.equal(["coverage"]);
      expect(byName.get("bench")!.cache!.outputs).to.deep.equal(["gas/bench.json"]);
    });
  });

  describe("reuse through the orchestrator (fake stages)", function () {
    this.timeout(120_000);

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

    const runs: Record<string, number> = {};
    const plans: Record<string, string[]> = {};
    const JUDGED: Finding = finding({ id: "judge:bad-thing:aaaaaaaaaaaa", stage: "judge", rule: "bad-thing", severity: "high", tool: { name: "judge", version: "1" }, fingerprint: "b".repeat(64) });

    /** A stage reading `input`, writing raw/<name>/out.txt (its run number) and returning `status`. */
    function fake(name: string, input: string, result: (n: number) => { status: "passed" | "failed" | "skipped"; findings?: Finding[] }): Stage {
      return {
        name,
        title: name,
        cache: { inputs: [{ files: [input] }] },
        async run(ctx: StageContext) {
          runs[name] = (runs[name] ?? 0) + 1;
          plans[name] = [...ctx.plan];
          const raw = path.join(ctx.rawDir, name);
          mkdirSync(raw, { recursive: true });
          writeFileSync(path.join(raw, "out.txt"), `run ${runs[name]}\n`);
          const r = result(runs[name]);
          return { tools: [{ name, version: "1" }], findings: r.findings ?? [], metrics: { run: runs[name], file: relPath(ctx.root, path.join(raw, "out.txt")) }, artifacts: [relPath(ctx.root, path.join(raw, "out.txt"))], status: r.status };
        },
      };
    }
    const REGISTRY: Stage[] = [
      fake("probe", "probe.txt", () => ({ status: "passed" })),
      fake("judge", "judge.txt", () => ({ status: "failed", findings: [JUDGED] })),
      fake("picky", "picky.txt", () => ({ status: "skipped" })),
      fake("partner", "partner.txt", () => ({ status: "passed" })),
    ];

    let root: string;
    let out: string;
    before(function () {
      root = tempDir("cache-run-");
      writeFileSync(path.join(root, "hardhat.config.js"), "module.exports = {};\n");
      symlinkSync(path.join(REPO, "node_modules"), path.join(root, "node_modules"), "dir");
      mkdirSync(path.join(root, "audit"));
      writeFileSync(path.join(root, "audit", "policy.json"), JSON.stringify({ requiredStages: { quick: [], ci: [], deep: [] }, failOnSeverity: "high" }));
      for (const f of ["probe.txt", "judge.txt", "picky.txt", "partner.txt"]) writeFileSync(path.join(root, f), "1\n");
      out = path.join(root, "audit");
    });

    async function audit(args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; report: AuditReport; stdout: string; stderr: string }> {
      const stdout = sink();
      const stderr = sink();
      const code = await runAudit(parseAuditArgs(["--root", root, ...args]), { stdout: stdout.stream, stderr: stderr.stream, cwd: root, env: { ...env, CI: "true" } }, REGISTRY);
      const report = JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as AuditReport;
      return { code, report, stdout: stdout.text(), stderr: stderr.text() };
    }
    const stage = (r: AuditReport, name: string) => r.stages.find((s) => s.name === name)!;

    it("a first run stores passed and failed results, never a skipped one", async function () {
      const { code, report } = await audit();
      expect(code).to.equal(1); // judge's high finding
      expect(stage(report, "probe").cache).to.deep.include({ hit: false });
      expect(stage(report, "judge").cache).to.deep.include({ hit: false });
      expect(stage(report, "picky").cache).to.equal(undefined);
      expect(readdirSync(path.join(out, "cache")).sort()).to.deep.equal(["judge", "partner", "probe"]);
      expect(readdirSync(out).filter((n) => n.startsWith(".staging-"))).to.deep.equal([]);
    });

    it("an unchanged input reuses the result: outputs restored, a cached failure still fails, the running stage's plan omits the cached ones", async function () {
      writeFileSync(path.join(root, "partner.txt"), "2\n");
      const { code, report, stdout } = await audit();
      expect(runs).to.deep.equal({ probe: 1, judge: 1, picky: 2, partner: 2 });
      const probe = stage(report, "probe");
      expect(probe.cache?.hit).to.equal(true);
      expect(probe.cache?.fromRun).to.include.keys("runId", "commit", "dirty", "at", "durationMs");
      expect(probe.metrics.run).to.equal(1);
      // The raw output of the run that produced it is where the report says.
      expect(probe.artifacts).to.deep.equal(["audit/raw/probe/out.txt"]);
      expect(readFileSync(path.join(root, "audit/raw/probe/out.txt"), "utf8")).to.equal("run 1\n");
      const judge = stage(report, "judge");
      expect(judge).to.deep.include({ status: "failed" });
      expect(judge.cache?.hit).to.equal(true);
      expect(code).to.equal(1);
      expect(report.findings.map((f) => [f.rule, f.blocking])).to.deep.equal([["bad-thing", true]]);
      expect(stage(report, "partner").cache).to.deep.include({ hit: false, changed: ["file/partner.txt"] });
      expect(plans.partner).to.deep.equal(["picky", "partner"]);
      expect(stdout).to.match(/\[audit\] probe: passed \(cached, /);
      expect(stdout).to.match(/^probe\s+PASSED \(cached\)/m);
      const text = (f: string): string => readFileSync(path.join(out, f), "utf8");
      expect(text("report.md")).to.match(/\| `probe` \| ✅ passed \(cached\) \|.*cached: inputs unchanged since the run of /);
      expect(text("report.html")).to.include('data-testid="stage-cached"');
      expect(text("summary.md")).to.include("Cached (inputs unchanged since an earlier run, not run again): `probe`, `judge`");
      expect(text("junit.xml")).to.match(/<property name="cache\.hit" value="true"\/>/);
      expect(JSON.stringify(JSON.parse(readFileSync(path.join(out, "report.sarif"), "utf8")).runs.find((r: { tool: { driver: { name: string } } }) => r.tool.driver.name === "judge").properties)).to.include('"stage":"judge"');
    });

    it("a cached finding still goes through the suppressions; a changed input runs the stage again", async function () {
      writeFileSync(path.join(out, "suppressions.json"), JSON.stringify({ suppressions: [{ fingerprint: JUDGED.fingerprint, justification: "accepted in this test" }] }));
      writeFileSync(path.join(root, "probe.txt"), "2\n");
      const { code, report } = await audit();
      expect(stage(report, "judge").cache?.hit).to.equal(true);
      expect(report.findings[0].suppressed?.justification).to.equal("accepted in this test");
      expect(code).to.equal(0);
      expect(runs.probe).to.equal(2);
      expect(stage(report, "probe").cache).to.deep.include({ hit: false, changed: ["file/probe.txt"] });
    });

    it("an unusable entry is one warning line and the stage runs; --no-cache runs every stage and refreshes the entries", async function () {
      const key = stage((await audit()).report, "probe").cache!.key;
      writeFileSync(path.join(out, "cache", "probe", key, "entry.json"), "{ not json");
      const broken = await audit();
      expect(broken.code).to.equal(0);
      expect(broken.stderr.split("\n").filter((l) => l.includes("cache:"))).to.have.length(1);
      expect(broken.stderr).to.match(/^audit: cache: ignoring the unusable entry of probe \(.*entry\.json: .*\); running the stage$/m);
      expect(runs.probe).to.equal(3);
      // A whole entry whose inputs do not hash to its key (edited by hand, or another recipe) is not used either.
      const file = path.join(out, "cache", "probe", key, "entry.json");
      const entry = JSON.parse(readFileSync(file, "utf8")) as { inputs: Record<string, string> };
      entry.inputs["file/probe.txt"] = "0".repeat(64);
      writeFileSync(file, JSON.stringify(entry));
      expect((await audit()).stderr).to.match(/^audit: cache: ignoring the unusable entry of probe \(.*its key is not the hash of its inputs\); running the stage$/m);
      expect(runs.probe).to.equal(4);
      const before = { ...runs };
      const fresh = await audit(["--no-cache"]);
      expect(runs).to.deep.equal({ probe: before.probe + 1, judge: before.judge + 1, picky: before.picky + 1, partner: before.partner + 1 });
      expect(fresh.report.stages.filter((s) => s.cache).map((s) => [s.name, s.cache!.hit])).to.deep.equal([["probe", false], ["judge", false], ["partner", false]]);
      expect(stage((await audit()).report, "probe").cache?.hit).to.equal(true);
    });

    it("AUDIT_NO_CACHE=1 turns the cache off: nothing reused, nothing stored", async function () {
      const before = { ...runs };
      const { report } = await audit([], { AUDIT_NO_CACHE: "1" });
      expect(report.stages.every((s) => s.cache === undefined)).to.equal(true);
      expect(runs.probe).to.equal(before.probe + 1);
      expect(readdirSync(path.join(out, "cache", "probe")).length).to.be.at.most(3);
    });
  });

  describe("end to end (real CLI)", function () {
    this.timeout(180_000);
    const cleanup: string[] = [];
    after(function () {
      for (const dir of cleanup.splice(0)) rmSync(dir, { recursive: true, force: true });
    });

    it("lint twice: the second run is cached; an unrelated file keeps it cached, a source change runs it again", async function () {
      const project = createFixtureProject();
      cleanup.push(project);
      const out = path.join(project, "out");
      const args = ["--root", project, "--profile", "quick", "--only", "lint", "--out", out];
      const lint = (): AuditReport["stages"][number] => (JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as AuditReport).stages.find((s) => s.name === "lint")!;
      const runCli = async (argv: string[]) => {
        const r = await runRealCli(argv);
        cleanup.push(r.tmpdir);
        return r;
      };
      const first = await runCli(args);
      expect(first.code, first.stderr).to.be.oneOf([0, 1]);
      expect(lint()).to.deep.include({ status: "passed" });
      expect(lint().cache?.hit).to.equal(false);
      const findings = lint().findings.map((f) => f.fingerprint);

      appendFileSync(path.join(project, "test", "unit", "Vault.test.ts"), "\n// a test change: lint does not read tests\n");
      const second = await runCli(args);
      expect(second.code).to.equal(first.code);
      expect(second.stdout).to.match(/^lint\s+PASSED \(cached\)/m);
      expect(lint().cache?.hit).to.equal(true);
      expect(lint().findings.map((f) => f.fingerprint)).to.deep.equal(findings);
      for (const a of lint().artifacts) expect(existsSync(path.resolve(project, a)), a).to.equal(true);

      appendFileSync(path.join(project, "contracts", "Vault.sol"), "\n// a source change\n");
      const third = await runCli(args);
      expect(third.code, third.stderr).to.be.oneOf([0, 1]);
      expect(lint().cache).to.deep.include({ hit: false, changed: ["sources/contracts/Vault.sol"] });
    });
  });
});

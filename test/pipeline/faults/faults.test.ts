/**
 * Fault injection: the real CLI on a scratch copy of this repository, one
 * fault of each kind the pipeline must survive (docs/ARCHITECTURE.md, "Faults
 * and interrupts"), then a run without --force or any clean-up that succeeds.
 *
 *   broken inputs     a committed input file truncated or of the wrong shape -> exit 2, one line naming
 *                     the file and the field, nothing runs (also bench:gas)
 *   bad --root/--out  not a Hardhat project, a file, a read-only mount -> exit 2, nothing created
 *   broken code       a syntax error in a contract -> exit 1, the compiler's message in the compile
 *                     stage's reason, its dependents skipped, reports written
 *   stale build       a contract added, compiled, deleted -> the compile stage recompiles once and
 *                     both Slither stages pass; with --skip compile, exit 2
 *   interrupts        SIGINT to the process group / SIGTERM to the CLI while coverage, Slither or
 *                     Medusa runs -> exit 130, no process left, no scratch copy left, no report
 *                     replaced, the previous report's raw logs still there
 *
 * Every case compares the checksums of the previous outputs (audit/, the fuzzing corpus aside)
 * before and after. Small stage sets keep the suite to about two minutes on two cores.
 */
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { SCRATCH_PREFIX } from "../../../scripts/audit/stages/coverage";
import type { AuditReport } from "../../../scripts/audit/types";
import { REPO, tempDir } from "../helpers";
import { checksums, copyOfScratch, processGroupsBelow, readOnly, removeTmp, runCli, scratchRepository, startCli, waitGroupsGone, type CliResult } from "./harness";

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("audit fault injection (real CLI, scratch copy of the repository)", function () {
  this.timeout(240_000);
  let repo: string;
  let out: string;
  /** `--root <scratch> --profile quick --only <stages>`. */
  const quick = (stages: string): string[] => ["--root", repo, "--profile", "quick", "--only", stages];
  /** The runs that must succeed: fast, and reading the build, the domains and the sources. */
  const STANDARD = "compile,storage,selectors";
  /** Files under audit/ that are not reports: the fuzzers' corpus persists across runs by design. */
  const NOT_REPORTS = ["corpus"];
  const tmpdirs: string[] = [];
  const copies: string[] = [];

  const file = (rel: string): string => path.join(repo, rel);
  const previous = (): Record<string, string> => checksums(out, NOT_REPORTS);
  const report = (): AuditReport => JSON.parse(readFileSync(path.join(out, "report.json"), "utf8")) as AuditReport;
  const run = async (args: string[], env: NodeJS.ProcessEnv = {}): Promise<CliResult> => {
    const r = await runCli(args, { env });
    tmpdirs.push(r.tmpdir);
    return r;
  };

  /** Exit 2 with one line, no stack, nothing run, nothing written. */
  function expectRejected(r: CliResult, line: RegExp, before: Record<string, string>, outDir = out): void {
    expect(r.code, r.stderr).to.equal(2);
    expect(r.stderr.trim().split("\n"), r.stderr).to.have.length(1);
    expect(r.stderr.trim()).to.match(/^audit: /).and.match(line);
    expect(r.stderr).to.not.match(/\n\s+at |internal error/);
    expect(r.stdout).to.not.match(/\[audit\] \w+: started/);
    expect(checksums(outDir, NOT_REPORTS), "previous reports untouched").to.deep.equal(before);
  }

  /** The run after a fault: no --force, no clean-up, the gate passes; the report's raw logs exist. */
  async function expectRecovers(args = quick(STANDARD)): Promise<AuditReport> {
    const summary = path.join(tempDir("audit-faults-summary-"), "summary.json");
    const r = await run([...args, "--json", "--json-file", summary]);
    expect(r.code, `${r.stderr}\n${r.stdout}`).to.equal(0);
    expect(JSON.parse(r.stdout)).to.deep.equal(JSON.parse(readFileSync(summary, "utf8")));
    const rep = report();
    expect(rep.gate.passed).to.equal(true);
    expectArtifactsPresent(rep);
    expect(readdirSync(out).filter((n) => n.startsWith(".staging-")), "no staging folder left").to.deep.equal([]);
    return rep;
  }

  function expectArtifactsPresent(rep: AuditReport): void {
    const artifacts = rep.stages.flatMap((s) => s.artifacts);
    expect(artifacts.length).to.be.greaterThan(0);
    for (const a of artifacts) expect(existsSync(path.resolve(repo, a)), a).to.equal(true);
  }

  before(async function () {
    repo = scratchRepository();
    out = path.join(repo, "audit");
    // The suite checks that runs complete and pass on their own results; which stages a profile
    // must run is policy (gate.test.ts), so here only the compile stage is required.
    const policy = JSON.parse(readFileSync(file("audit/policy.json"), "utf8")) as { requiredStages: Record<string, string[]> };
    policy.requiredStages.quick = ["compile"];
    writeFileSync(file("audit/policy.json"), JSON.stringify(policy, null, 2));
    // The previous reports every case starts from (lint included: its raw logs are part of them).
    await expectRecovers(quick(`${STANDARD},lint`));
  });

  after(function () {
    for (const d of [repo, ...copies]) if (d) rmSync(d, { recursive: true, force: true });
    for (const d of tmpdirs) removeTmp(d);
  });

  describe("broken inputs: exit 2 before any stage, naming the file and the field", function () {
    const cases: { file: string; break: (text: string) => string; line: RegExp }[] = [
      {
        file: "test/invariant/medusa.json",
        break: (t) => t.slice(0, Math.floor(t.length / 2)),
        line: /^audit: malformed medusa config test\/invariant\/medusa\.json: not valid JSON \(line \d+, column \d+\): /,
      },
      {
        file: "test/invariant/campaign.json",
        break: (t) => t.replace('"engine": "auto"', '"engine": "afl"'),
        line: /^audit: malformed invariant campaign test\/invariant\/campaign\.json: engine: Invalid enum value/,
      },
      {
        file: "audit/domains.json",
        break: (t) => t.replace('"dispatch": "id-routed"', '"dispatch": "round-robin"'),
        line: /^audit: malformed domains file audit\/domains\.json: domains\.0\.dispatch: /,
      },
      {
        file: "audit/baselines/bench.json",
        break: (t) => t.slice(0, t.length - 40),
        line: /^audit: malformed bench baseline audit\/baselines\/bench\.json: not valid JSON \(line \d+, column \d+\): /,
      },
      {
        file: ".solhint.json",
        break: (t) => t.replace(/"rules":\s*\{/, '"rules": { "no-empty-blocks": true,'),
        line: /^audit: malformed solhint config \.solhint\.json: rules\.no-empty-blocks: /,
      },
    ];
    const rejected = new Map<string, { result: CliResult; copy: string; before: Record<string, string> }>();

    before(async function () {
      // One copy of the scratch repository (reports included) per fault, all runs at once.
      await Promise.all(
        cases.map(async (c) => {
          const copy = copyOfScratch(repo);
          copies.push(copy);
          const target = path.join(copy, c.file);
          const original = readFileSync(target, "utf8");
          const broken = c.break(original);
          expect(broken, `the fault was injected into ${c.file}`).to.not.equal(original);
          writeFileSync(target, broken);
          const before = checksums(path.join(copy, "audit"), NOT_REPORTS);
          rejected.set(c.file, { result: await run(["--root", copy, "--profile", "ci"]), copy, before });
        }),
      );
    });

    for (const c of cases) {
      it(c.file, function () {
        const { result, copy, before } = rejected.get(c.file)!;
        expectRejected(result, c.line, before, path.join(copy, "audit"));
      });
    }

    it("bench:gas checks its baseline before measuring: one line, exit 2", async function () {
      const original = readFileSync(file("audit/baselines/bench.json"), "utf8");
      writeFileSync(file("audit/baselines/bench.json"), original.slice(0, 100));
      try {
        const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(REPO, "scripts/bench/gas.ts"), "--no-compile"], {
          cwd: repo,
          env: { ...process.env, TS_NODE_PROJECT: path.join(REPO, "tsconfig.json") },
          encoding: "utf8",
        });
        expect(r.status, r.stderr).to.equal(2);
        expect(r.stderr.trim().split("\n"), r.stderr).to.have.length(1);
        expect(r.stderr).to.match(/^bench: malformed audit\/baselines\/bench\.json: /);
        expect(r.stderr).to.not.match(/\n\s+at /);
      } finally {
        writeFileSync(file("audit/baselines/bench.json"), original);
      }
    });

    it("a run after the faults succeeds (a rejected run wrote nothing: no state of it is left to clean)", async function () {
      // lint too: it reads .solhint.json, one of the broken inputs.
      await expectRecovers(quick(`${STANDARD},lint`));
    });
  });

  describe("bad --root and --out: exit 2 before anything runs, nothing created", function () {
    it("--root at a folder that is no Hardhat project; --out at a file, and under a file", async function () {
      const dir = tempDir("audit-faults-noproject-");
      writeFileSync(path.join(dir, "notes.txt"), "not a project\n");
      const pkg = readFileSync(file("package.json"), "utf8");
      const before = previous();
      const [noProject, atFile, underFile] = await Promise.all([
        run(["--root", dir, "--profile", "quick"]),
        run([...quick(STANDARD), "--out", file("package.json")]),
        run([...quick(STANDARD), "--out", file("package.json/reports")]),
      ]);
      expectRejected(noProject, new RegExp(`^audit: not a Hardhat project: ${escape(dir)} \\(no hardhat\\.config\\.\\{ts,js,cjs,mjs,cts,mts\\} in it; `), before);
      expect(readdirSync(dir)).to.deep.equal(["notes.txt"]);
      expectRejected(atFile, new RegExp(`^audit: cannot write to ${escape(file("package.json"))} \\(not a directory\\)$`), before);
      expectRejected(underFile, new RegExp(`^audit: cannot write to ${escape(file("package.json/reports"))} \\(${escape(file("package.json"))} is not a directory\\)$`), before);
      expect(readFileSync(file("package.json"), "utf8")).to.equal(pkg);
    });

    it("an existing read-only --out, and a new --out under it", async function () {
      const ro = readOnly(out);
      // Neither a mount namespace (as root) nor file modes (as a user) can make a folder read-only here.
      if (!ro) this.skip();
      try {
        const before = previous();
        const dirs = [out, path.join(out, "new", "reports")];
        const results = await Promise.all(dirs.map((dir) => runCli([...quick(STANDARD), "--out", dir], { wrap: ro.wrap })));
        results.forEach((r, i) => {
          tmpdirs.push(r.tmpdir);
          expectRejected(r, new RegExp(`^audit: cannot write to ${escape(dirs[i])} \\(${ro.reason}\\)$`), before);
        });
        expect(existsSync(path.join(out, "new"))).to.equal(false);
      } finally {
        ro.restore();
      }
    });

    it("a run after the faults succeeds", async function () {
      await expectRecovers();
    });
  });

  const EXTRA = [
    "// SPDX-License-Identifier: MIT",
    "pragma solidity 0.8.28;",
    "",
    "/// @title Extra",
    "/// @notice A contract that is compiled once and then deleted.",
    "contract Extra {",
    "    /// @notice One.",
    "    /// @return The number one.",
    "    function one() external pure returns (uint256) {",
    "        return 1;",
    "    }",
    "}",
    "",
  ].join("\n");

  describe("broken Solidity: the compile stage reports it, the run completes", function () {
    it("exit 1, the compiler's message in the reason, dependents skipped, reports written", async function () {
      const voting = file("contracts/implementations/Voting.sol");
      const lib = file("contracts/libraries/LibVoting.sol");
      const originals = [readFileSync(voting, "utf8"), readFileSync(lib, "utf8")];
      // The repro in a contract body, and a library cut off mid-declaration.
      writeFileSync(voting, originals[0].replace(/contract Voting is InitializableModule \{\n/, (m) => `${m}    function broken( { uint x = ; }\n`));
      writeFileSync(lib, originals[1].slice(0, originals[1].lastIndexOf("function")) + "function half(uint256 a) internal { if (a > ");
      try {
        const r = await run(quick(STANDARD));
        expect(r.code, r.stderr + r.stdout).to.equal(1);
        expect(r.stderr + r.stdout).to.not.match(/internal error|\n\s+at /);
        const rep = report();
        const byName = new Map(rep.stages.map((s) => [s.name, s]));
        expect(byName.get("compile")).to.deep.include({ status: "error" });
        expect(byName.get("compile")!.reason).to.match(/^hardhat compile exited with 1: contracts\/\S+\.sol:\d+:\d+: ParserError: /);
        for (const s of ["storage", "selectors"]) expect(byName.get(s), s).to.deep.include({ status: "skipped", reason: "dependency compile errored" });
        expect(rep.gate.passed).to.equal(false);
        // The scope is still computed from the broken sources.
        expect(rep.scope.find((e) => e.file === "contracts/implementations/Voting.sol")?.contracts).to.deep.equal(["Voting"]);
        expectArtifactsPresent(rep);
      } finally {
        writeFileSync(voting, originals[0]);
        writeFileSync(lib, originals[1]);
      }
    });

    it("a run after the fault succeeds", async function () {
      // A contract is added too, for the next case: this run's compile is the one that builds it.
      writeFileSync(file("contracts/Extra.sol"), EXTRA);
      const rep = await expectRecovers();
      expect(rep.scope.map((e) => e.file)).to.include("contracts/Extra.sol");
    });
  });

  describe("a deleted contract leaves no stale build behind", function () {
    it("with --skip compile the stale build is refused (exit 2, nothing run)", async function () {
      rmSync(file("contracts/Extra.sol"));
      const before = previous();
      expectRejected(
        await run([...quick("slither"), "--skip", "compile"]),
        /^audit: the existing build names contracts\/Extra\.sol, which is no longer on disk: run the compile stage, or npx hardhat compile --force$/,
        before,
      );
    });

    it("the next run recompiles once and both Slither stages pass", async function () {
      // Slither is provisioned by `npm run tools:install` (.ci/run does it); without it the stages skip.
      if (!existsSync(path.join(REPO, ".tools", "venv", "bin", "slither"))) this.skip();
      const rep = await expectRecovers(quick("compile,slither,slither-upgradeability"));
      const byName = new Map(rep.stages.map((s) => [s.name, s]));
      expect(byName.get("compile")!.artifacts).to.include("audit/raw/compile/hardhat-compile-force.stdout.log");
      expect(byName.get("slither")).to.deep.include({ status: "passed" });
      expect(byName.get("slither-upgradeability")).to.deep.include({ status: "passed" });
    });
  });

  describe("interrupts: exit 130, nothing left running, nothing replaced", function () {
    /**
     * Starts a run, waits until `ready` shows in its output and the stage's tools run, sends
     * `signal` (to the whole process group, as Ctrl-C does, or to the CLI alone, as `kill` does),
     * and checks what the interrupt must leave behind.
     */
    async function interrupt(args: string[], opts: { ready: RegExp; signal: NodeJS.Signals; toGroup: boolean; env?: NodeJS.ProcessEnv; scratch?: boolean }): Promise<void> {
      const before = previous();
      const previousReport = report();
      const cli = startCli(args, { env: opts.env });
      tmpdirs.push(cli.tmpdir);
      try {
        await checkInterrupt(cli, opts, before, previousReport);
      } finally {
        // A failed check must not leave the run going (it would hold its staging folder).
        if (cli.child.exitCode === null && cli.child.signalCode === null) process.kill(-cli.pid, "SIGKILL");
      }
    }

    async function checkInterrupt(
      cli: ReturnType<typeof startCli>,
      opts: { ready: RegExp; signal: NodeJS.Signals; toGroup: boolean; scratch?: boolean },
      before: Record<string, string>,
      previousReport: AuditReport,
    ): Promise<void> {
      await cli.waitFor(opts.ready);
      // The stage's tools run in process groups of their own (exec.ts); wait until they started
      // and have had a moment to start theirs. Their groups, and the CLI's, must end up empty.
      let groups: number[] = [];
      for (let waited = 0; waited < 20_000 && groups.length === 0; waited += 100) {
        await new Promise((r) => setTimeout(r, 100));
        groups = processGroupsBelow(cli.pid);
      }
      expect(groups.length, `the stage has started its tools:\n${cli.output()}`).to.be.greaterThan(0);
      await new Promise((r) => setTimeout(r, 1_000));
      groups = [...new Set([cli.pid, ...groups, ...processGroupsBelow(cli.pid)])];
      if (opts.scratch) expect(readdirSync(cli.tmpdir).filter((n) => n.startsWith(SCRATCH_PREFIX)), "a scratch copy exists").to.have.length(1);
      process.kill(opts.toGroup ? -cli.pid : cli.pid, opts.signal);
      const r = await cli.done;
      expect(r.code, cli.output()).to.equal(130);
      expect(r.stderr).to.match(new RegExp(`audit: interrupted by ${opts.signal}; stopped .+; nothing was written, the previous reports in ${escape(out)} are unchanged`));
      expect(await waitGroupsGone(groups), "processes left running").to.deep.equal([]);
      expect(readdirSync(cli.tmpdir).filter((n) => n.startsWith(SCRATCH_PREFIX)), "scratch copies left").to.deep.equal([]);
      expect(previous(), "previous reports byte-identical").to.deep.equal(before);
      expect(readdirSync(out).filter((n) => n.startsWith(".staging-")), "staging folders left").to.deep.equal([]);
      expectArtifactsPresent(previousReport);
    }

    // --no-cache: the stage's tool must be running when the signal comes, not served from the stage-result cache.
    it("SIGINT to the process group while coverage runs in its scratch copy", async function () {
      await interrupt([...quick("compile,lint,coverage"), "--no-cache"], {
        ready: /\[audit\] coverage: hardhat coverage/,
        signal: "SIGINT",
        toGroup: true,
        scratch: true,
      });
    });

    it("SIGTERM to the CLI alone while Slither (and the tools it starts) runs", async function () {
      if (!existsSync(path.join(REPO, ".tools", "venv", "bin", "slither"))) this.skip(); // see the stale-build case
      await interrupt([...quick("compile,slither"), "--no-cache"], {
        ready: /\[audit\] slither: slither \S+: analyzing/,
        signal: "SIGTERM",
        toGroup: false,
      });
    });

    it("SIGINT while only Medusa runs", async function () {
      // Medusa and the crytic-compile it runs are provisioned by npm run tools:install (.ci/run does it).
      if (!existsSync(path.join(REPO, ".tools", "bin", "medusa")) || !existsSync(path.join(REPO, ".tools", "venv", "bin", "crytic-compile"))) this.skip();
      await interrupt([...quick("compile,invariants"), "--no-cache"], {
        ready: /\[audit\] invariants: medusa \S+: /,
        signal: "SIGINT",
        toGroup: true,
        env: { AUDIT_TOOLS_OFFLINE: "1" },
      });
    });

    it("a run after the interrupts succeeds", async function () {
      await expectRecovers();
    });
  });
});

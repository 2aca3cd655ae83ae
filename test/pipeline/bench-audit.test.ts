/**
 * `npm run bench:audit`'s pure half (scripts/bench/audit-figures.ts): its flags, the stage times it
 * reads from report.json, and what it prints. The benchmark itself measures; it is not run here.
 */
import { expect } from "chai";
import { execFileSync } from "node:child_process";
import {
  BenchArgsError,
  DEFAULT_CHANGE_FILE,
  displayCommand,
  formatHandTable,
  formatStageTable,
  goalLine,
  handSum,
  parseBenchAuditArgs,
  ratio,
  stageTimes,
  type AuditRunFigures,
} from "../../scripts/bench/audit-figures";

describe("bench:audit figures (parsing and formatting)", function () {
  it("parses its flags; defaults change a unit test file and keep the shared tools", function () {
    expect(parseBenchAuditArgs([])).to.deep.equal({ freshTools: false, change: DEFAULT_CHANGE_FILE, skipHand: false, keep: false, help: false });
    expect(parseBenchAuditArgs(["--fresh-tools", "--change", "contracts/core/LoadBalancer.sol", "--skip-hand", "--json", "out.json", "--keep"])).to.deep.equal({
      freshTools: true,
      change: "contracts/core/LoadBalancer.sol",
      skipHand: true,
      json: "out.json",
      keep: true,
      help: false,
    });
    expect(parseBenchAuditArgs(["--help"]).help).to.equal(true);
  });

  it("rejects an unknown flag or a missing value in one line", function () {
    for (const argv of [["--fast"], ["--change"], ["--json", "--keep"]]) {
      expect(() => parseBenchAuditArgs(argv), argv.join(" ")).to.throw(BenchArgsError).with.property("message").that.does.not.include("\n");
    }
    expect(() => parseBenchAuditArgs(["--fast"])).to.throw("unknown argument --fast");
    expect(() => parseBenchAuditArgs(["--change"])).to.throw("--change needs a value");
  });

  it("reads each stage's status and wall time from report.json, and refuses another shape", function () {
    const report = {
      stages: [
        { name: "compile", status: "passed", durationMs: 61_234 },
        { name: "gas", status: "skipped", durationMs: 0 },
        { name: "lint", status: "passed", durationMs: 40, cache: { hit: true, key: "k" } },
        { name: "test", status: "failed", durationMs: 9_000, cache: { hit: false, key: "k" } },
      ],
    };
    expect(stageTimes(report)).to.deep.equal([
      { name: "compile", status: "passed", seconds: 61.234 },
      { name: "gas", status: "skipped", seconds: 0 },
      { name: "lint", status: "passed", seconds: 0.04, cached: true },
      { name: "test", status: "failed", seconds: 9 },
    ]);
    expect(() => stageTimes({})).to.throw("report.json has no stages array");
    expect(() => stageTimes({ stages: [{ name: "x", status: "passed" }] })).to.throw("report.json stages[0] lacks name/status/durationMs");
  });

  it("prints one row per stage and one column per run, with the wall time, exit code and load", function () {
    const runs: AuditRunFigures[] = [
      { name: "cold", wallSeconds: 400.04, exitCode: 0, load: 3.14, stages: [{ name: "compile", status: "passed", seconds: 60 }, { name: "slither", status: "error", seconds: 12.5 }] },
      { name: "warm", wallSeconds: 350, exitCode: 1, load: 2, stages: [{ name: "compile", status: "passed", seconds: 3.21 }, { name: "slither", status: "failed", seconds: 0.1, cached: true }] },
    ];
    const lines = formatStageTable(runs).split("\n");
    expect(lines[0]).to.match(/^stage\s+cold\s+warm$/);
    expect(lines[1]).to.match(/^compile\s+60\.0 s\s+3\.2 s$/);
    expect(lines[2]).to.match(/^slither\s+12\.5 s error\s+0\.1 s failed cached$/);
    expect(lines[3]).to.match(/^audit wall time\s+400\.0 s\s+350\.0 s$/);
    expect(lines[4]).to.match(/^exit code\s+0\s+1$/);
    expect(lines[5]).to.match(/^load average \(1 min\)\s+3\.1\s+2\.0$/);
  });

  it("numbers the hand commands, marks failed ones, and sums their times", function () {
    const hand = [
      { label: "compile", command: "npx hardhat compile --force", seconds: 60, exitCode: 0 },
      { label: "slither", command: "slither .", seconds: 12.25, exitCode: 255 },
    ];
    expect(handSum(hand)).to.equal(72.25);
    expect(formatHandTable(hand).split("\n")).to.deep.equal([
      "1.      60.0 s  compile",
      "      npx hardhat compile --force",
      "2.      12.3 s  (exit 255) slither",
      "      slither .",
      "        72.3 s  sum",
    ]);
  });

  it("states each goal as holding or not, and n/a without a reference", function () {
    expect(ratio(30, 100)).to.equal(0.3);
    expect(goalLine("warm / hand", ratio(30, 100), 0.4)).to.match(/warm \/ hand\s+0\.30  goal <= 0\.4: holds$/);
    expect(goalLine("warm / hand", ratio(60, 100), 0.4)).to.match(/0\.60  goal <= 0\.4: does not hold$/);
    expect(goalLine("cold / hand", ratio(60, 0), 0.4)).to.match(/n\/a$/);
    expect(goalLine("cold / hand", 1.5)).to.match(/1\.50$/);
  });

  it("prints commands a shell accepts: the scratch root as $PWD, shell characters quoted", function () {
    const root = "/tmp/bench-audit-x1";
    const command = displayCommand("slither", [".", "--include-paths", `^${root}/contracts[/]`, "--json", `${root}/out/s.json`, "contracts/**/*.sol", "it's"], root, { REPORT_GAS: "true" });
    expect(command).to.equal(`REPORT_GAS=true slither . --include-paths "^$PWD/contracts[/]" --json "$PWD/out/s.json" 'contracts/**/*.sol' 'it'\\''s'`);
    // What the shell makes of it, with PWD set to the root: the original arguments.
    const echoed = execFileSync("bash", ["-c", `cd / && PWD=${root}; printf '%s\\n' ${command.replace(/^REPORT_GAS=true slither /, "")}`], { encoding: "utf8" });
    expect(echoed.trimEnd().split("\n")).to.deep.equal([".", "--include-paths", `^${root}/contracts[/]`, "--json", `${root}/out/s.json`, "contracts/**/*.sol", "it's"]);
  });
});

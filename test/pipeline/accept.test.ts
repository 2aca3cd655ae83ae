/**
 * `npm run audit -- --accept <finding-id> --why "..."` (scripts/audit/accept.ts): a well-formed entry in
 * audit/suppressions.json, the other entries kept byte for byte, one-line errors with exit 2.
 */
import { expect } from "chai";
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { PassThrough } from "node:stream";
import { acceptFinding, appendSuppression, suppressionEntryFor } from "../../scripts/audit/accept";
import { evaluateGate } from "../../scripts/audit/gate";
import { DEFAULT_POLICY, loadSuppressions, SUPPRESSIONS_FILE } from "../../scripts/audit/policy";
import { main } from "../../scripts/audit/run";
import type { AuditReport } from "../../scripts/audit/types";
import { FIXTURES, REPO, stage, tempDir } from "./helpers";

/** A project root with a hardhat config, the sample report as its last run, and this repository's suppressions. */
function project(): string {
  const root = tempDir("audit-accept-");
  writeFileSync(path.join(root, "hardhat.config.js"), "module.exports = {};\n");
  mkdirSync(path.join(root, "audit"));
  copyFileSync(path.join(FIXTURES, "report-sample.json"), path.join(root, "audit", "report.json"));
  copyFileSync(path.join(REPO, SUPPRESSIONS_FILE), path.join(root, SUPPRESSIONS_FILE));
  return root;
}

async function cli(argv: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  const [stdout, stderr] = [new PassThrough(), new PassThrough()];
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await main(argv, { stdout, stderr, cwd, env: {} });
  return { code, stdout: out, stderr: err };
}

const sample = (): AuditReport => JSON.parse(readFileSync(path.join(FIXTURES, "report-sample.json"), "utf8")) as AuditReport;

describe("audit --accept", function () {
  it("appends one entry to the suppressions array and keeps every other byte of the file", function () {
    const text = readFileSync(path.join(REPO, SUPPRESSIONS_FILE), "utf8");
    const entry = { stage: "slither", rule: "tx-origin", file: "contracts/A.sol", symbol: "A.f()", justification: "reviewed", reviewer: "alice", expires: "2027-01-01" };
    const next = appendSuppression(text, entry);
    const lastEntryEnd = text.lastIndexOf("}", text.lastIndexOf("]"));
    expect(next.slice(0, lastEntryEnd + 1)).to.equal(text.slice(0, lastEntryEnd + 1));
    expect(next.endsWith(text.slice(text.lastIndexOf("]")))).to.equal(true);
    const parsed = JSON.parse(next) as { suppressions: unknown[] };
    expect(parsed.suppressions.slice(0, -1)).to.deep.equal((JSON.parse(text) as { suppressions: unknown[] }).suppressions);
    expect(parsed.suppressions.at(-1)).to.deep.equal(entry);
    // Formatted like its neighbours: the file's indentation, one field a line, in the entry's order.
    expect(next.slice(lastEntryEnd + 1)).to.equal(
      `,\n    {\n      "stage": "slither",\n      "rule": "tx-origin",\n      "file": "contracts/A.sol",\n      "symbol": "A.f()",\n      "justification": "reviewed",\n      "reviewer": "alice",\n      "expires": "2027-01-01"\n    }\n  ]\n}\n`,
    );
    // No file yet, or an empty array: a new well-formed file.
    expect(JSON.parse(appendSuppression(undefined, entry))).to.deep.equal({ suppressions: [entry] });
    expect(JSON.parse(appendSuppression('{\n  "suppressions": []\n}\n', entry))).to.deep.equal({ suppressions: [entry] });
  });

  it("names the finding's stage, rule, file and symbol, or its fingerprint when it has no file", function () {
    const report = sample();
    const located = report.findings.find((f) => f.location?.symbol)!;
    expect(suppressionEntryFor(located, { why: "  ok  " })).to.deep.equal({ stage: located.stage, rule: located.rule, file: located.location!.file, symbol: located.location!.symbol, justification: "ok" });
    const unlocated = report.findings.find((f) => !f.location)!;
    expect(suppressionEntryFor(unlocated, { why: "ok", reviewer: "bob" })).to.deep.equal({ stage: unlocated.stage, fingerprint: unlocated.fingerprint, justification: "ok", reviewer: "bob" });
  });

  it("writes the entry through the CLI, and the gate then suppresses that finding", async function () {
    const root = project();
    const target = sample().findings.find((f) => f.rule === "divide-before-multiply")!;
    const r = await cli(["--accept", target.id, "--why", "Rounding is bounded; see docs.", "--reviewer", "alice", "--expires", "2027-06-30"], root);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout.trim()).to.equal(`accepted ${target.id}: ${SUPPRESSIONS_FILE} now suppresses divide-before-multiply in ${target.location!.file} (${target.location!.symbol}) in stage ${target.stage}`);
    const entries = loadSuppressions(root);
    expect(entries.at(-1)).to.deep.equal({
      stage: target.stage,
      rule: target.rule,
      file: target.location!.file,
      symbol: target.location!.symbol,
      justification: "Rounding is bounded; see docs.",
      reviewer: "alice",
      expires: "2027-06-30",
    });
    const { suppressed: _s, ...open } = target;
    const out = evaluateGate({ profile: "ci", policy: DEFAULT_POLICY, stages: [stage(target.stage, { findings: [open] })], suppressions: entries, today: "2027-01-01" });
    expect(out.findings[0].suppressed).to.deep.equal({ justification: "Rounding is bounded; see docs.", reviewer: "alice" });
    // Accepting it again changes nothing.
    const before = readFileSync(path.join(root, SUPPRESSIONS_FILE), "utf8");
    const again = await cli(["--accept", target.id, "--why", "again"], root);
    expect(again.code).to.equal(0);
    expect(again.stdout).to.contain("is already accepted");
    expect(readFileSync(path.join(root, SUPPRESSIONS_FILE), "utf8")).to.equal(before);
  });

  it("accepts another tool's finding that a merged finding stands for, by its own id", async function () {
    const root = project();
    const merged = sample().findings.find((f) => f.alsoReportedBy)!;
    const sightingId = merged.alsoReportedBy![0].id;
    await acceptFinding(root, path.join(root, "audit"), { id: sightingId, why: "solhint's view of it, reviewed" });
    expect(loadSuppressions(root).at(-1)).to.deep.include({ stage: "lint", rule: "solhint/not-rely-on-time" });
  });

  it("bad input: one line on stderr, exit 2, the file untouched", async function () {
    const root = project();
    const before = readFileSync(path.join(root, SUPPRESSIONS_FILE), "utf8");
    const cases: [string[], RegExp][] = [
      [["--accept", "slither:nope:000000000000", "--why", "x"], /^audit: --accept: no finding slither:nope:000000000000 in audit\/report\.json \(ids look like static:arbitrary-send-eth:96c984838bae; see report\.md or report\.json\)$/],
      [["--accept", "static:pragma:96944ad8b26e"], /^audit: --accept needs --why "<justification>": why the finding is accepted$/],
      [["--accept", "static:pragma:96944ad8b26e", "--why", "   "], /^audit: --accept needs --why/],
      [["--why", "x"], /^audit: --why goes with --accept <finding-id>$/],
      [["--accept", "static:pragma:96944ad8b26e", "--why", "x", "--expires", "next week"], /^audit: --expires needs a date YYYY-MM-DD, not "next week"$/],
      [["--accept", "static:pragma:96944ad8b26e", "--why", "x", "--expires", "2027-02-30"], /^audit: --accept: the entry would be invalid: suppressions\.\d+\.expires: must be a date YYYY-MM-DD$/],
      [["--accept", "static:pragma:96944ad8b26e", "--why", "x", "--out", "elsewhere"], /^audit: --accept static:pragma:96944ad8b26e: no report to accept from \(elsewhere\/report\.json does not exist\): run the audit first$/],
    ];
    for (const [argv, message] of cases) {
      const r = await cli(argv, root);
      expect(r.code, argv.join(" ")).to.equal(2);
      expect(r.stderr.trim().split("\n"), argv.join(" ")).to.have.length(1);
      expect(r.stderr.trim(), argv.join(" ")).to.match(message);
    }
    expect(readFileSync(path.join(root, SUPPRESSIONS_FILE), "utf8")).to.equal(before);
    // A malformed suppressions file is never appended to.
    writeFileSync(path.join(root, SUPPRESSIONS_FILE), '{ "suppressions": [ { "rule": "x" } ] }');
    const r = await cli(["--accept", "static:pragma:96944ad8b26e", "--why", "x"], root);
    expect([r.code, r.stderr.trim()]).to.deep.equal([2, "audit: malformed suppressions file audit/suppressions.json: suppressions.0.justification: Required"]);
  });
});

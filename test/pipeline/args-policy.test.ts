/** Flag parsing, stage planning and the committed input files' validation. */
import { expect } from "chai";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import hre from "hardhat";
import { FLAGS, hardhatParamName, parseAuditArgs, planStages, PROFILES, usage, type StageInfo } from "../../scripts/audit/args";
import { InputError } from "../../scripts/audit/errors";
import { validateInputs } from "../../scripts/audit/inputs";
import { DEFAULT_POLICY, loadGasBaseline, loadPolicy, loadSuppressions } from "../../scripts/audit/policy";
import { DEFAULT_TIMEOUT_MS } from "../../scripts/audit/scheduler";
import { STAGES } from "../../scripts/audit/stages";
import { tempDir } from "./helpers";

const NAMES = STAGES.map((s) => s.name);

function rootWith(files: Record<string, string>): string {
  const root = tempDir();
  for (const [f, content] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
    writeFileSync(path.join(root, f), content);
  }
  return root;
}

describe("audit flags and inputs", function () {
  describe("flags", function () {
    it("parses the documented flags", function () {
      const o = parseAuditArgs(["--only", "lint, test", "--skip", "gas", "--profile", "deep", "--out", "x", "--json", "--update-gas-baseline"]);
      expect(o).to.deep.include({ only: ["lint", "test"], skip: ["gas"], profile: "deep", out: "x", json: true, updateGasBaseline: true, help: false });
    });

    it("parses the baseline, rule-catalog and accept flags, and refuses their bad combinations", function () {
      expect(parseAuditArgs(["--baseline", "main/report.json"])).to.deep.include({ baseline: "main/report.json", baselineRef: undefined, listRules: false });
      expect(parseAuditArgs(["--baseline-ref", "origin/main"]).baselineRef).to.equal("origin/main");
      expect(parseAuditArgs(["--list-rules", "--json"])).to.deep.include({ listRules: true, json: true });
      expect(parseAuditArgs(["--accept", "slither:tx-origin:0123456789ab", "--why", "ok", "--reviewer", "al", "--expires", "2027-01-01"])).to.deep.include({
        accept: "slither:tx-origin:0123456789ab",
        why: "ok",
        reviewer: "al",
        expires: "2027-01-01",
      });
      expect(() => parseAuditArgs(["--baseline", "a.json", "--baseline-ref", "main"])).to.throw(InputError, "--baseline and --baseline-ref are alternatives: give one");
      expect(() => parseAuditArgs(["--baseline", ""])).to.throw(InputError, "--baseline needs a path");
      expect(() => parseAuditArgs(["--baseline-ref", ""])).to.throw(InputError, /--baseline-ref needs a git ref/);
      expect(() => parseAuditArgs(["--reviewer", "al"])).to.throw(InputError, "--reviewer goes with --accept <finding-id>");
      expect(() => parseAuditArgs(["--accept", "x", "--why", "y", "--accept", "z"])).to.throw(InputError, /--accept given 2 times/);
    });

    it("defaults to the ci profile", function () {
      expect(parseAuditArgs([]).profile).to.equal("ci");
    });

    it("rejects an unknown profile, flag or positional with an InputError", function () {
      expect(() => parseAuditArgs(["--profile", "fast"])).to.throw(InputError, 'unknown profile "fast" (valid: quick, ci, deep)');
      expect(() => parseAuditArgs(["--fast"])).to.throw(InputError, /Unknown option '--fast'/);
      expect(() => parseAuditArgs(["lint"])).to.throw(InputError);
      expect(() => parseAuditArgs(["--only", ","])).to.throw(InputError, /--only needs/);
    });

    it("rejects a repeated flag instead of letting the last one win", function () {
      expect(() => parseAuditArgs(["--profile", "quick", "--profile", "ci"])).to.throw(InputError, '--profile given 2 times ("quick", "ci"): give it once');
      expect(() => parseAuditArgs(["--only", "lint", "--only", "test"])).to.throw(InputError, /--only given 2 times .*give it once, with a comma-separated list/);
      for (const flag of ["--skip", "--out", "--root", "--json-file"]) {
        expect(() => parseAuditArgs([flag, "a", flag, "b"]), flag).to.throw(InputError, new RegExp(`^${flag} given 2 times`));
      }
      // Boolean flags are idempotent.
      expect(parseAuditArgs(["--json", "--json"]).json).to.equal(true);
    });

    it("--json-file names a file for the JSON summary", function () {
      expect(parseAuditArgs(["--json-file", "out/summary.json"]).jsonFile).to.equal("out/summary.json");
      expect(() => parseAuditArgs(["--json-file", ""])).to.throw(InputError, "--json-file needs a path");
    });
  });

  describe("--help, generated from FLAGS and the stage registry", function () {
    const help = (stages: readonly StageInfo[] = STAGES) => usage({ stages, defaultTimeoutMs: DEFAULT_TIMEOUT_MS });
    /** The help's line for a profile, continuation lines joined. */
    const profileLine = (text: string, profile: string): string => {
      const lines = text.split("\n");
      const start = lines.findIndex((l) => l.startsWith(`  ${profile} `));
      const rest = lines.slice(start + 1);
      const end = rest.findIndex((l) => !l.startsWith("         "));
      return [lines[start], ...rest.slice(0, end)].map((l) => l.trim()).join(" ");
    };

    it("lists every flag of the table, and the parser accepts each", function () {
      for (const f of FLAGS) {
        expect(help(), f.name).to.match(new RegExp(`^  ${"short" in f ? `-${f.short}, ` : ""}--${f.name}${"value" in f ? ` ${f.value.replace(/\|/g, "\\|")}` : ""} `, "m"));
        const value = f.name === "profile" ? "quick" : f.name === "expires" ? "2027-01-01" : f.name === "shard" ? "1/2" : "x";
        // --why, --reviewer and --expires go with --accept, which needs --why.
        const companions: Record<string, string[]> = { accept: ["--why", "y"], why: ["--accept", "x"], reviewer: ["--accept", "x", "--why", "y"], expires: ["--accept", "x", "--why", "y"] };
        const argv = ["value" in f ? [`--${f.name}`, value] : [`--${f.name}`], companions[f.name] ?? []].flat();
        expect(() => parseAuditArgs(argv), f.name).to.not.throw();
      }
    });

    it("each profile's stage set is the registry's (planStages), so a new stage shows up without editing the help", function () {
      for (const profile of PROFILES) {
        const selected = planStages(STAGES, { profile, skip: [] }).selected;
        const line = profileLine(help(), profile);
        const named = selected.filter((n) => new RegExp(`[ ,:]${n}[,;]`).test(line));
        const via = /: (?:the )?(quick|ci) (?:\+|stages)/.exec(line)?.[1] as "quick" | "ci" | undefined;
        const inherited = via ? planStages(STAGES, { profile: via, skip: [] }).selected : [];
        expect([...new Set([...inherited, ...named])].sort(), line).to.deep.equal([...selected].sort());
      }
      const extra: StageInfo = { name: "fuzz-more", title: "More fuzzing", profiles: ["deep"], dependsOn: ["compile"] };
      const withExtra = help([...STAGES, extra]);
      expect(profileLine(withExtra, "deep")).to.include(": ci + fuzz-more;");
      expect(profileLine(withExtra, "ci")).to.not.include("fuzz-more");
      expect(withExtra).to.match(/^  fuzz-more +More fuzzing; deep; needs compile$/m);
      expect(help().split("\n").filter((l) => /^  \S/.test(l) && STAGES.some((st) => l.startsWith(`  ${st.name} `)))).to.have.length(STAGES.length);
    });

    it("npx hardhat audit takes the same flags, as Hardhat parameters built from the table (not --help, Hardhat's own)", function () {
      const params = Object.keys(hre.tasks.audit.paramDefinitions).sort();
      expect(params).to.deep.equal(FLAGS.filter((f) => f.name !== "help").map((f) => hardhatParamName(f.name)).sort());
      for (const f of FLAGS.filter((x) => x.name !== "help")) {
        const def = hre.tasks.audit.paramDefinitions[hardhatParamName(f.name)];
        expect(def.isFlag, f.name).to.equal(!("value" in f));
        expect(def.description).to.equal(f.summary);
      }
    });
  });

  describe("stage plan", function () {
    it("quick = compile, storage, selectors, lint, slither, test; ci and deep add the slower stages", function () {
      expect(planStages(STAGES, { profile: "quick", skip: [] }).selected).to.deep.equal([
        "compile",
        "storage",
        "selectors",
        "lint",
        "slither",
        "test",
      ]);
      expect(planStages(STAGES, { profile: "ci", skip: [] }).selected).to.deep.equal([
        "compile",
        "storage",
        "selectors",
        "lint",
        "slither",
        "slither-upgradeability",
        "test",
        "gas",
        "bench",
        "coverage",
        "invariants",
      ]);
      expect(planStages(STAGES, { profile: "deep", skip: [] }).selected).to.deep.equal(NAMES);
    });

    it("--skip removes stages and reports them as excluded", function () {
      const p = planStages(STAGES, { profile: "ci", skip: ["coverage"] });
      expect(p.selected).to.not.include("coverage");
      expect(p.excluded).to.deep.equal([{ name: "coverage", reason: "excluded by --skip" }]);
    });

    it("--only selects exactly the named stages, even outside the profile", function () {
      const p = planStages(STAGES, { profile: "quick", only: ["lint", "coverage"], skip: [] });
      expect(p.selected).to.deep.equal(["lint", "coverage"]);
      expect(p.excluded.map((e) => e.name)).to.deep.equal(["compile", "storage", "selectors", "slither", "test"]);
    });

    it("rejects unknown stage names, listing the valid ones", function () {
      expect(() => planStages(STAGES, { profile: "ci", only: ["lnt"], skip: [] })).to.throw(InputError, `unknown stage "lnt" in --only (valid: ${NAMES.join(", ")})`);
      expect(() => planStages(STAGES, { profile: "ci", skip: ["x", "y"] })).to.throw(InputError, /unknown stages "x", "y" in --skip/);
    });
  });

  describe("audit/policy.json", function () {
    it("uses the documented defaults when the file is absent", function () {
      expect(loadPolicy(tempDir(), NAMES)).to.deep.equal(DEFAULT_POLICY);
      expect(DEFAULT_POLICY.failOnSeverity).to.equal("medium");
      expect(DEFAULT_POLICY.coverage).to.deep.equal({ lines: 95, branches: 95, functions: 100, statements: 95 });
      expect(DEFAULT_POLICY.gas.maxRegressionPercent).to.equal(5);
    });

    it("fills unspecified fields with defaults", function () {
      const p = loadPolicy(rootWith({ "audit/policy.json": '{"failOnSeverity": "high", "coverage": {"lines": 80}}' }), NAMES);
      expect(p.failOnSeverity).to.equal("high");
      expect(p.coverage).to.deep.equal({ lines: 80, branches: 95, functions: 100, statements: 95 });
    });

    it("rejects invalid JSON, unknown keys, bad values and unknown stages in one line", function () {
      const bad = (json: string) => () => loadPolicy(rootWith({ "audit/policy.json": json }), NAMES);
      expect(bad("{not json")).to.throw(InputError, /^malformed policy audit\/policy\.json: /);
      expect(bad('{"failOnSeverty": "high"}')).to.throw(InputError, /Unrecognized key.*failOnSeverty/);
      expect(bad('{"failOnSeverity": "severe"}')).to.throw(InputError, /failOnSeverity/);
      expect(bad('{"coverage": {"lines": 101}}')).to.throw(InputError, /coverage\.lines/);
      expect(bad('{"requiredStages": {"ci": ["slyther"]}}')).to.throw(InputError, /unknown stage\(s\) slyther/);
      try {
        bad('{"coverage": {"lines": "x", "branches": -1}}')();
        expect.fail("should throw");
      } catch (e) {
        expect((e as Error).message).to.not.contain("\n");
      }
    });
  });

  describe("audit/suppressions.json", function () {
    const load = (json: string) => loadSuppressions(rootWith({ "audit/suppressions.json": json }));

    it("is empty when absent and reads valid entries", function () {
      expect(loadSuppressions(tempDir())).to.deep.equal([]);
      const entries = load(JSON.stringify({ suppressions: [{ rule: "solhint/no-inline-assembly", file: "contracts/A.sol", justification: " reviewed: slot access " }] }));
      expect(entries).to.deep.equal([{ rule: "solhint/no-inline-assembly", file: "contracts/A.sol", justification: "reviewed: slot access" }]);
    });

    it("requires a non-empty justification", function () {
      expect(() => load('{"suppressions": [{"fingerprint": "' + "a".repeat(64) + '", "justification": "   "}]}')).to.throw(InputError, /suppressions\.0\.justification/);
      expect(() => load('{"suppressions": [{"fingerprint": "' + "a".repeat(64) + '"}]}')).to.throw(InputError, /justification/);
    });

    it("requires a fingerprint or a rule and a file", function () {
      expect(() => load('{"suppressions": [{"rule": "x", "justification": "why"}]}')).to.throw(InputError, /fingerprint, or a rule and a file/);
      expect(() => load('{"suppressions": [{"fingerprint": "abc", "justification": "why"}]}')).to.throw(InputError, /sha256/);
      expect(() => load('{"suppressions": [{"rule": "x", "file": "f", "justification": "why", "expires": "soon"}]}')).to.throw(InputError, /expires/);
    });
  });

  describe("audit/baselines/gas.json", function () {
    it("is optional and validated", function () {
      expect(loadGasBaseline(tempDir())).to.equal(undefined);
      const root = rootWith({ "audit/baselines/gas.json": '{"methods": {"A.f": 100}, "deployments": {}}' });
      expect(loadGasBaseline(root)?.methods).to.deep.equal({ "A.f": 100 });
      expect(() => loadGasBaseline(rootWith({ "audit/baselines/gas.json": '{"methods": {"A.f": "lots"}}' }))).to.throw(InputError, /malformed gas baseline/);
    });
  });

  describe("every input file, before any stage runs (inputs.ts)", function () {
    const REPO_ROOT = path.resolve(__dirname, "..", "..");
    const committed = (file: string): string => readFileSync(path.join(REPO_ROOT, file), "utf8");
    /** A root holding this repository's committed inputs, with `over` replacing some of them. */
    const inputs = (over: Record<string, string> = {}): string =>
      rootWith({
        "audit/policy.json": committed("audit/policy.json"),
        "audit/suppressions.json": committed("audit/suppressions.json"),
        "audit/domains.json": committed("audit/domains.json"),
        "audit/baselines/gas.json": committed("audit/baselines/gas.json"),
        "audit/baselines/bench.json": committed("audit/baselines/bench.json"),
        "test/invariant/campaign.json": committed("test/invariant/campaign.json"),
        "test/invariant/medusa.json": committed("test/invariant/medusa.json"),
        ".solhint.json": committed(".solhint.json"),
        ...over,
      });
    const check = (root: string, selected = NAMES, env: NodeJS.ProcessEnv = {}) => () => validateInputs(root, NAMES, selected, env);
    const truncated = (file: string): string => committed(file).slice(0, Math.floor(committed(file).length / 2));

    it("accepts this repository's committed inputs and says which it checked", function () {
      expect(validateInputs(inputs(), NAMES, NAMES, {}).checked).to.deep.equal([
        "audit/baselines/gas.json",
        "audit/baselines/bench.json",
        "audit/domains.json",
        "test/invariant/campaign.json",
        "test/invariant/medusa.json",
        ".solhint.json",
      ]);
    });

    it("names the file and the line of a truncated JSON file", function () {
      for (const [file, what] of [
        ["test/invariant/medusa.json", "medusa config"],
        ["test/invariant/campaign.json", "invariant campaign"],
        ["audit/domains.json", "domains file"],
        ["audit/baselines/bench.json", "bench baseline"],
        ["audit/baselines/gas.json", "gas baseline"],
        [".solhint.json", "solhint config"],
      ] as const) {
        expect(check(inputs({ [file]: truncated(file) })), file).to.throw(InputError, new RegExp(`^malformed ${what} ${file.replace(/\./g, "\\.")}: not valid JSON \\(line \\d+, column \\d+\\): `));
      }
    });

    it("names the field of a value of the wrong shape", function () {
      const campaign = JSON.parse(committed("test/invariant/campaign.json")) as Record<string, unknown>;
      const medusa = JSON.parse(committed("test/invariant/medusa.json")) as { fuzzing: Record<string, unknown> };
      const domains = JSON.parse(committed("audit/domains.json")) as { domains: { dispatch: string }[] };
      const bench = JSON.parse(committed("audit/baselines/bench.json")) as { summary: Record<string, unknown> };
      expect(check(inputs({ "test/invariant/campaign.json": JSON.stringify({ ...campaign, budgets: { quick: { seconds: 600 }, ci: { seconds: 60 }, deep: { seconds: 60 } } }) }))).to.throw(
        InputError,
        /^malformed invariant campaign test\/invariant\/campaign\.json: budgets\.quick\.seconds: at most 60/,
      );
      expect(check(inputs({ "test/invariant/campaign.json": JSON.stringify({ ...campaign, engine: "afl" }) }))).to.throw(InputError, /campaign\.json: engine: /);
      expect(check(inputs({ "test/invariant/medusa.json": JSON.stringify({ ...medusa, fuzzing: { ...medusa.fuzzing, workers: "two" } }) }))).to.throw(
        InputError,
        /^malformed medusa config test\/invariant\/medusa\.json: fuzzing\.workers: Expected number, received string$/,
      );
      domains.domains[0].dispatch = "router";
      expect(check(inputs({ "audit/domains.json": JSON.stringify(domains) }))).to.throw(InputError, /^malformed domains file audit\/domains\.json: domains\.0\.dispatch: /);
      bench.summary.coldOverhead = "cheap";
      expect(check(inputs({ "audit/baselines/bench.json": JSON.stringify(bench) }))).to.throw(InputError, /^malformed bench baseline audit\/baselines\/bench\.json: summary\.coldOverhead: /);
      expect(check(inputs({ ".solhint.json": '{"rules": {"no-empty-blocks": true}}' }))).to.throw(InputError, /^malformed solhint config \.solhint\.json: rules\.no-empty-blocks: /);
    });

    it("an input that cannot be read is named with the reason", function () {
      const dirInstead = rootWith({ "hardhat.config.js": "" });
      mkdirSync(path.join(dirInstead, "audit", "domains.json"), { recursive: true });
      expect(check(dirInstead, ["storage"])).to.throw(InputError, "cannot read domains file audit/domains.json (is a directory)");
    });

    it("checks a file only when a stage that reads it runs (policy and suppressions always)", function () {
      const broken = inputs({ "test/invariant/medusa.json": "{", "audit/domains.json": "{" });
      expect(check(broken, ["lint", "test"])).to.not.throw();
      expect(check(broken, ["invariants"])).to.throw(InputError, /medusa\.json/);
      expect(check(broken, ["slither-upgradeability"])).to.throw(InputError, /domains\.json/);
      expect(check(inputs({ "audit/policy.json": "[]" }), ["lint"])).to.throw(InputError, /^malformed policy audit\/policy\.json: \(root\): /);
    });

    it("checks the Medusa config campaign.json names, unless the engine is Echidna", function () {
      const campaign = JSON.parse(committed("test/invariant/campaign.json")) as { medusa: Record<string, string> };
      const elsewhere = inputs({ "test/invariant/campaign.json": JSON.stringify({ ...campaign, medusa: { ...campaign.medusa, config: "fuzz/medusa.json" } }) });
      expect(check(elsewhere, ["invariants"])).to.throw(InputError, "malformed invariant campaign test/invariant/campaign.json: medusa.config: fuzz/medusa.json does not exist");
      expect(check(elsewhere, ["invariants"], { AUDIT_INVARIANT_ENGINE: "echidna" })).to.not.throw();
    });
  });
});

/**
 * The rule catalog (scripts/audit/findings/catalog.ts) holds every rule a stage can emit. These tests
 * fail when a stage can put a rule in a finding that the catalog lacks: a new literal or a new dynamic
 * rule family in the pipeline's source, a detector of the pinned Slither, a check of
 * slither-check-upgradeability, a rule of the installed solhint or of a configured plugin, a rule in a
 * recorded real output; and when the catalog's Slither data drift from the recorded tools' own lists.
 */
import { expect } from "chai";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { UPGRADEABILITY_CHECKS } from "../../scripts/audit/adapters/slither-upgradeability";
import { LIVE_UNKNOWN_BYTECODE } from "../../scripts/audit/analyzers/live-rule";
import { SELECTOR_RULES } from "../../scripts/audit/analyzers/selectors/rules";
import { STORAGE_RULES } from "../../scripts/audit/analyzers/storage/rules";
import { ruleListsFromRecordings } from "../../scripts/audit/dev/rule-catalog-data";
import { CATALOG_DATA_FILES, catalogSources, formatCatalog, ruleCatalog, type ToolRuleList } from "../../scripts/audit/findings/catalog";
import { SEVERITIES } from "../../scripts/audit/findings/severity";
import { PYTHON_PINS } from "../../scripts/audit/tools/provision";
import { main } from "../../scripts/audit/run";
import { PassThrough } from "node:stream";
import { REPO } from "./helpers";

const SLITHER_FIXTURES = path.join(REPO, "test", "pipeline", "fixtures", "slither");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return name === "dev" || name === "node_modules" ? [] : sourceFiles(full);
    return name.endsWith(".ts") ? [full] : [];
  });
}

/** Every rule a source file of the pipeline writes literally, and every prefix of a rule it builds (`solhint/${id}`). */
function rulesInSource(): { literals: Map<string, string>; families: Map<string, string> } {
  const literals = new Map<string, string>();
  const families = new Map<string, string>();
  for (const file of [...sourceFiles(path.join(REPO, "scripts", "audit")), ...sourceFiles(path.join(REPO, "scripts", "bench"))]) {
    const text = readFileSync(file, "utf8");
    const where = path.relative(REPO, file);
    for (const m of text.matchAll(/\brule(?:: | = )(?:[\w.]+ \?\? )?"([^"]+)"/g)) literals.set(m[1], where);
    for (const m of text.matchAll(/\brule(?:: | = )(?:[\w.]+ \?\? )?`([^`$]*)\$\{/g)) families.set(m[1], where);
  }
  return { literals, families };
}

describe("findings core: the rule catalog", function () {
  const catalog = ruleCatalog();

  it("holds well-formed entries with unique ids", function () {
    const ids = catalog.entries.map((e) => e.id);
    expect(new Set(ids).size, "duplicate rule ids").to.equal(ids.length);
    for (const e of catalog.entries) {
      for (const field of ["id", "tool", "stage", "title", "summary", "recommendation"] as const) expect(e[field].trim(), `${e.id}.${field}`).to.not.equal("");
      expect(SEVERITIES, e.id).to.include(e.severity);
      if (e.helpUri !== undefined) expect(e.helpUri, e.id).to.match(/^https:\/\/\S+$/);
      if (e.docs !== undefined) expect(existsSync(path.join(REPO, e.docs.split("#")[0])), `${e.id}: ${e.docs}`).to.equal(true);
      expect(e.helpUri !== undefined || e.docs !== undefined, `${e.id} has no documentation`).to.equal(true);
    }
  });

  it("has every rule the pipeline's source writes, and covers every rule family it builds", function () {
    const { literals, families } = rulesInSource();
    expect(literals.size).to.be.greaterThan(0);
    for (const [rule, file] of literals) expect(catalog.has(rule), `${file} emits rule ${rule}, which the catalog lacks`).to.equal(true);
    // Families built from a tool's own rule id: each is covered by one of the checks below.
    const covered = ["solhint/", "upgradeability/", "invariant/"];
    for (const [prefix, file] of families) expect(covered, `${file} builds rules ${prefix}<...>: give the catalog their list (and a test here)`).to.include(prefix);
    expect(catalog.get("invariant/inv_total_staked_matches")?.id).to.equal("invariant/<property>");
    expect(catalog.describe("invariant/inv_total_staked_matches").title).to.equal("Invariant broken: inv_total_staked_matches");
  });

  it("has every rule of the storage and selector analyzers' registries, with the registry's metadata", function () {
    for (const r of [...STORAGE_RULES, ...SELECTOR_RULES, LIVE_UNKNOWN_BYTECODE]) {
      const e = catalog.get(r.id);
      expect(e, r.id).to.not.equal(undefined);
      expect([e!.title, e!.severity, e!.summary, e!.recommendation]).to.deep.equal([r.title, r.severity, r.summary, r.recommendation]);
    }
    expect(catalog.get("storage-overlap")!.stage).to.equal("storage");
    expect(catalog.get("proxy-selector-clash")!.stage).to.equal("selectors");
  });

  it("has every detector of the pinned Slither and every check of slither-check-upgradeability, from their recorded lists", function () {
    const read = (file: string): ToolRuleList => JSON.parse(readFileSync(file, "utf8")) as ToolRuleList;
    const recorded = ruleListsFromRecordings();
    expect(read(CATALOG_DATA_FILES.slither), "re-run scripts/audit/dev/rule-catalog-data.ts").to.deep.equal(recorded.slither);
    expect(read(CATALOG_DATA_FILES.upgradeability), "re-run scripts/audit/dev/rule-catalog-data.ts").to.deep.equal(recorded.upgradeability);
    // The lists are the pinned tool's: re-record (npm run audit:record-slither-fixtures) after changing the pin.
    expect(recorded.slither.version).to.equal(PYTHON_PINS["slither-analyzer"]);
    expect(recorded.slither.rules).to.have.length(101);
    for (const d of recorded.slither.rules) expect(catalog.get(d.check)?.tool, d.check).to.equal("slither");
    for (const c of recorded.upgradeability.rules) expect(catalog.get(`upgradeability/${c.check}`)?.tool, c.check).to.equal("slither-check-upgradeability");
    // The adapter's own table of checks (its fallback) names only listed checks.
    for (const check of Object.keys(UPGRADEABILITY_CHECKS)) expect(catalog.has(`upgradeability/${check}`), check).to.equal(true);
    expect(catalog.get("reentrancy-eth")).to.deep.include({ severity: "high", helpUri: "https://github.com/crytic/slither/wiki/Detector-Documentation#reentrancy-vulnerabilities-1" });
    expect(catalog.get("low-level-calls")!.severity).to.equal("info");
  });

  it("has every rule of the installed solhint and of the plugins this repository's config loads", function () {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const solhintDir = path.dirname(require.resolve("solhint/package.json"));
    // Every rule module declares `const ruleId = '<id>'` (read from the source, not through the catalog's code path).
    const ruleIds = readdirSync(path.join(solhintDir, "lib", "rules"), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => readdirSync(path.join(solhintDir, "lib", "rules", d.name)).map((f) => readFileSync(path.join(solhintDir, "lib", "rules", d.name, f), "utf8")))
      .flatMap((text) => [...text.matchAll(/\bruleId = '([^']+)'/g)].map((m) => m[1]));
    expect(ruleIds.length).to.be.greaterThan(50);
    for (const id of ruleIds) expect(catalog.has(`solhint/${id}`), `solhint rule ${id}`).to.equal(true);
    const config = JSON.parse(readFileSync(path.join(REPO, ".solhint.json"), "utf8")) as { plugins?: string[]; rules: Record<string, unknown> };
    for (const id of Object.keys(config.rules)) expect(catalog.has(`solhint/${id}`), `.solhint.json configures ${id}`).to.equal(true);
    expect(config.plugins).to.deep.equal(["loadbalancer"]);
    expect(catalog.get("solhint/avoid-low-level-calls")).to.deep.include({
      severity: "low",
      helpUri: "https://github.com/protofire/solhint/blob/develop/docs/rules/security/avoid-low-level-calls.md",
    });
    expect(catalog.get("solhint/compiler-version")!.severity).to.equal("medium");
    expect(catalogSources().map((s) => s.tool)).to.deep.equal(["solhint", "slither", "slither-check-upgradeability"]);
  });

  it("has every rule of the recorded real outputs", function () {
    const slither = ["clean.json", "reentrant.json"].flatMap(
      (f) => (JSON.parse(readFileSync(path.join(SLITHER_FIXTURES, f), "utf8")) as { results: { detectors: { check: string }[] } }).results.detectors,
    );
    const upgradeability = readdirSync(path.join(SLITHER_FIXTURES, "upgradeability"))
      .filter((f) => f.endsWith(".json") && f !== "list-detectors.json")
      .flatMap((f) => (JSON.parse(readFileSync(path.join(SLITHER_FIXTURES, "upgradeability", f), "utf8")) as { results?: { detectors?: { check: string }[] } }).results?.detectors ?? []);
    const solhint = (JSON.parse(readFileSync(path.join(REPO, "test", "pipeline", "fixtures", "recorded", "solhint.json"), "utf8")) as { ruleId?: string }[]).filter((r) => r.ruleId);
    const rules = [...slither.map((r) => r.check), ...upgradeability.map((r) => `upgradeability/${r.check}`), ...solhint.map((r) => `solhint/${r.ruleId}`)];
    expect(rules.length).to.be.greaterThan(30);
    for (const rule of rules) expect(catalog.has(rule), rule).to.equal(true);
  });

  it("npm run audit -- --list-rules prints it and exits 0 (--json: JSON)", async function () {
    const run = async (argv: string[]): Promise<[number, string]> => {
      const stdout = new PassThrough();
      let out = "";
      stdout.on("data", (d: Buffer) => (out += d.toString()));
      const code = await main(argv, { stdout, stderr: new PassThrough(), cwd: REPO, env: {} });
      return [code, out];
    };
    const [code, text] = await run(["--list-rules"]);
    expect(code).to.equal(0);
    expect(text).to.contain(`${catalog.entries.length} rules (`).and.contain("Sources: solhint 6.2.4, slither 0.11.6, slither-check-upgradeability 0.11.6");
    expect(text).to.contain("The gate also judges, from metrics");
    const [jsonCode, json] = await run(["--list-rules", "--json"]);
    expect(jsonCode).to.equal(0);
    expect((JSON.parse(json) as { id: string }[]).map((e) => e.id)).to.deep.equal(catalog.entries.map((e) => e.id));
  });

  it("prints as a table and as JSON (--list-rules)", function () {
    const text = formatCatalog(catalog.entries, "text");
    expect(text.split("\n")[0]).to.match(/^Rule\s+Stage\s+Tool\s+Severity\s+Title$/);
    expect(text).to.match(/\nreentrancy-eth\s+slither\s+slither\s+high\s+Reentrancy vulnerabilities \(theft of ethers\)\n/);
    expect(text).to.contain(`${catalog.entries.length} rules (`);
    expect((JSON.parse(formatCatalog(catalog.entries, "json")) as unknown[]).length).to.equal(catalog.entries.length);
  });
});

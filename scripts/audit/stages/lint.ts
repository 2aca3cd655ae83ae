/**
 * lint: solhint over the scope's Solidity sources (scope.ts: the project's Hardhat sources minus the
 * out-of-scope folders) with its JSON formatter. solhint comes from the project's node_modules, else
 * from the harness's; the config is the project's own (.solhint.json and friends), else solhint's
 * recommended rules that bear on correctness (DEFAULT_SOLHINT_CONFIG; `npm run audit -- init` writes
 * that file for the project to keep).
 * Errors -> medium findings, warnings -> low. The stage is `passed` whenever solhint ran: the gate
 * judges its findings (audit/policy.json), not the stage.
 */
import { existsSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseSolhintJson, solhintFindings } from "../adapters/solhint";
import { SourceIndex } from "../solidity";
import { packageDigests } from "../cache/inputs";
import { failureReason, outputTail, resolveNodeTool, runNodeTool } from "../exec";
import { HARNESS_ROOT } from "../project/hardhat-project";
import { readText, relPath } from "../paths";
import { sourceFiles } from "../scope";
import type { Stage } from "../types";
import { freshRawDir, NOT_INSTALLED, nodeTool, outcome, projectOf, skip } from "./common";

/**
 * Rules of solhint's recommended set that judge style, not correctness - naming, ordering, quotes,
 * documentation, function length, gas micro-optimizations (solhint's `naming`, `order`,
 * `miscellaneous` and `gas-consumption` categories, and the stylistic part of `best-practices`). An audit
 * of code nobody here wrote must not bury its findings under a hundred of these, nor fail a gate on
 * single quotes (`quotes` is an error in the recommended set). A test checks this list against the
 * pinned solhint's own categories.
 */
export const STYLE_RULES = [
  // gas-consumption
  "gas-calldata-parameters", "gas-custom-errors", "gas-increment-by-one", "gas-indexed-events", "gas-small-strings", "gas-strict-inequalities", "gas-struct-packing",
  // naming
  "const-name-snakecase", "contract-name-capwords", "event-name-capwords", "func-name-mixedcase", "immutable-vars-naming", "use-forbidden-name", "var-name-mixedcase", "interface-starts-with-i",
  // order
  "imports-on-top", "visibility-modifier-order",
  // miscellaneous
  "quotes", "duplicated-imports", "import-path-check",
  // best-practices that are style
  "use-natspec", "function-max-lines", "one-contract-per-file", "explicit-types", "max-states-count", "reason-string", "no-global-import",
] as const;

/**
 * The lint config for a project without one: solhint's recommended rules minus STYLE_RULES (security,
 * deprecations and the correctness part of best practices stay: tx.origin, unchecked calls, reentrancy,
 * unused variables, console.log...), without `compiler-version` (a pragma range of solhint's choosing;
 * the project's compiler is the project's choice), and with `func-visibility` ignoring constructors
 * (Solidity 0.7+ has no constructor visibility).
 */
export const DEFAULT_SOLHINT_CONFIG = {
  extends: "solhint:recommended",
  rules: {
    "compiler-version": "off",
    "func-visibility": ["warn", { ignoreConstructors: true }],
    ...Object.fromEntries(STYLE_RULES.map((r) => [r, "off"])),
  },
};

/** The config files solhint reads by itself. */
export const SOLHINT_CONFIGS = [".solhint.json", ".solhintrc", ".solhintrc.json", ".solhintrc.js", ".solhintrc.yaml", ".solhintrc.yml"];

export const lintStage: Stage = {
  name: "lint",
  title: "Lint (solhint)",
  // The sources, solhint's config and ignore files, solhint itself and its plugins and shared configs.
  cache: {
    inputs: [
      "sources",
      "lockfiles",
      { files: [...SOLHINT_CONFIGS, ".solhintignore"] },
      { value: "solhint", of: (c) => ({ project: resolveNodeTool(c.root, "solhint")?.version ?? null, harness: resolveNodeTool(HARNESS_ROOT, "solhint")?.version ?? null }) },
      { value: "solhint packages", of: (c) => packageDigests(c, ["solhint-plugin-", "solhint-config-"]) },
    ],
  },
  keyMetric: (r) =>
    r.metrics.errors === undefined ? undefined : `${String(r.metrics.errors)} error(s), ${String(r.metrics.warnings)} warning(s)`,
  async run(ctx) {
    const scope = projectOf(ctx).scope;
    const solhint = nodeTool(ctx, "solhint");
    if (!solhint) return skip(NOT_INSTALLED("solhint"));
    const files = sourceFiles(ctx.root, scope).map((f) => relPath(ctx.root, f));
    if (files.length === 0) return skip(`no Solidity files in scope under ${scope.sources}/`);
    const raw = freshRawDir(ctx, "lint");
    const ownConfig = SOLHINT_CONFIGS.some((f) => existsSync(path.join(ctx.root, f)));
    const args = ["-f", "json"];
    if (!ownConfig) {
      const config = path.join(raw, "solhint.recommended.json");
      writeFileSync(config, `${JSON.stringify(DEFAULT_SOLHINT_CONFIG)}\n`);
      args.push("--config", config);
    }
    ctx.log(`solhint -f json (${files.length} files${ownConfig ? "" : ", solhint:recommended: the project has no solhint config"})`);
    const run = await runNodeTool(solhint, [...args, ...files], { root: ctx.root, signal: ctx.signal, rawDir: raw, logName: "solhint" });
    const tools = [{ name: "solhint", version: solhint.version }];
    let reports;
    try {
      reports = parseSolhintJson(run.stdout);
    } catch {
      // No JSON: solhint could not run (bad config, crash) - exit 255 and a message.
      return outcome("error", {
        reason: failureReason("solhint", run, `solhint produced no JSON report (exit ${run.exitCode ?? "signal"})`),
        tools,
        artifacts: run.logs,
        stderrTail: outputTail(run),
      });
    }
    const jsonFile = path.join(raw, "solhint.json");
    writeFileSync(jsonFile, JSON.stringify(reports, null, 2));
    const sources = new SourceIndex((file) => readText(path.resolve(ctx.root, file)));
    const findings = solhintFindings(reports, { root: ctx.root, sources, toolVersion: solhint.version });
    const errors = reports.filter((r) => r.severity.toLowerCase() === "error").length;
    return outcome("passed", {
      tools,
      findings,
      metrics: { errors, warnings: reports.length - errors, filesWithFindings: new Set(findings.map((f) => f.location?.file)).size },
      artifacts: [...run.logs, relPath(ctx.root, jsonFile)],
    });
  },
};

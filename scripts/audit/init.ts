/**
 * `npm run audit -- init [--root DIR]` (`npx hardhat audit:init`): the way in for a project that knows
 * nothing of the harness. It opens the project as the stages will (./project/hardhat-project.ts), compiles
 * it, detects its proxy patterns (./analyzers/infer.ts), and writes what the first audit needs - never
 * overwriting a file the project already has:
 *  - audit/domains.json: the inferred storage domains, each with the evidence it was inferred from (for
 *    review: the analyzers read the file instead of inferring once it exists);
 *  - audit/policy.json: a starter gate that requires only the stages that can run in this project
 *    (coverage only with solidity-coverage, gas only with hardhat-gas-reporter 2, invariants only with a
 *    campaign, bench only with a benchmark script), with the harness's default thresholds written out;
 *  - audit/.gitignore: the audit's generated outputs (reports, raw logs), so they do not make the tree dirty;
 *  - .solhint.json: the lint stage's default rules (DEFAULT_SOLHINT_CONFIG), when the project has no lint config.
 * Then it prints what is missing before the first run (plugins, Python for Slither, Go for Medusa).
 * Returns the lines it printed; throws ProjectError / InputError (exit 2) when the project cannot be
 * opened or does not compile.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { loadSolcBuild } from "./analyzers/build-info";
import { inferDomains, type AnalyzerScope, type InferredDomain } from "./analyzers/infer";
import { DEFAULT_POLICY } from "./policy";
import { gasJsonSupported, hardhatErrorLine, HARNESS_ROOT, openProject, ProjectError } from "./project/hardhat-project";
import { DEFAULT_SOLHINT_CONFIG, SOLHINT_CONFIGS } from "./stages/lint";
import { findOnPath } from "./tools/provision";
import type { Profile } from "./types";

export interface InitOptions {
  root: string;
  /** Where raw logs go (compile output), e.g. <root>/audit/raw/init. */
  rawDir: string;
  signal: AbortSignal;
  log(line: string): void;
}

export interface InitResult {
  written: string[];
  kept: string[];
  domains: InferredDomain[];
  missing: string[];
}



/** The stages a project can run, from what it has (used for the starter policy's requiredStages). */
export function runnableStages(facts: { coverage: boolean; gasJson: boolean }, has: { campaign: boolean; bench: boolean; domains: boolean }): Record<Profile, string[]> {
  const quick = ["compile", "lint", "test", ...(has.domains ? ["storage", "selectors"] : [])];
  const ci = [
    ...quick,
    ...(facts.gasJson ? ["gas"] : []),
    ...(facts.coverage ? ["coverage"] : []),
    ...(has.bench ? ["bench"] : []),
    "slither",
    ...(has.domains ? ["slither-upgradeability"] : []),
    ...(has.campaign ? ["invariants"] : []),
  ];
  return { quick, ci, deep: [...ci] };
}

function writeIfAbsent(file: string, content: string, result: InitResult, root: string): void {
  const rel = path.relative(root, file);
  if (existsSync(file)) {
    result.kept.push(rel);
    return;
  }
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  result.written.push(rel);
}

export async function runInit(opts: InitOptions, scope?: AnalyzerScope): Promise<InitResult> {
  const project = await openProject(opts.root, { signal: opts.signal, rawDir: opts.rawDir, log: opts.log });
  try {
    const compile = await project.run(["compile"], { signal: opts.signal, rawDir: opts.rawDir, logName: "hardhat-compile" });
    if (compile.exitCode !== 0) throw new ProjectError(`the project does not compile: ${hardhatErrorLine(compile)}`);
    const root = opts.root;
    const sources = path.relative(root, project.facts.paths.sources).split(path.sep).join("/");
    const build = loadSolcBuild(project.facts.paths.artifacts, { root, preferredRoots: [`${sources}/`] });
    const domains = inferDomains(build, scope ?? { sources: `${sources}/`, exclude: [`${sources}/mocks/`, `${sources}/test/`] });
    const result: InitResult = { written: [], kept: [], domains, missing: [] };

    if (domains.length > 0) {
      const file = {
        $comment: `Storage domains inferred by \`npm run audit -- init\` from the build; review them (${doc("docs/ANALYZERS.md")}). The analyzers read this file instead of inferring once it exists.`,
        domains: domains.map((d) => ({ $comment: d.evidence.join("; "), ...d.config })),
      };
      writeIfAbsent(path.join(root, "audit", "domains.json"), `${JSON.stringify(file, null, 2)}\n`, result, root);
    }
    const campaign = existsSync(path.join(root, "test", "invariant", "campaign.json"));
    const bench = existsSync(path.join(root, "scripts", "bench", "gas.ts"));
    const gasJson = gasJsonSupported(project.facts);
    const policy = {
      $comment: `Starter gate written by \`npm run audit -- init\`: required stages are the ones that can run in this project; the thresholds are the harness's defaults - set your own. Fields: ${doc("audit/README.md")}.`,
      failOnSeverity: DEFAULT_POLICY.failOnSeverity,
      ...(project.facts.plugins.coverage ? { coverage: DEFAULT_POLICY.coverage } : {}),
      ...(gasJson ? { gas: DEFAULT_POLICY.gas } : {}),
      requiredStages: runnableStages(
        { coverage: project.facts.plugins.coverage, gasJson },
        { campaign, bench, domains: domains.length > 0 || existsSync(path.join(root, "audit", "domains.json")) },
      ),
    };
    writeIfAbsent(path.join(root, "audit", "policy.json"), `${JSON.stringify(policy, null, 2)}\n`, result, root);
    // The audit's generated outputs stay out of the project's git status (report.commit's `dirty` flag
    // would otherwise always be set); its inputs in audit/ are committed.
    writeIfAbsent(path.join(root, "audit", ".gitignore"), AUDIT_GITIGNORE, result, root);
    if (!SOLHINT_CONFIGS.some((f) => existsSync(path.join(root, f)))) {
      writeIfAbsent(path.join(root, ".solhint.json"), `${JSON.stringify(DEFAULT_SOLHINT_CONFIG, null, 2)}\n`, result, root);
    }

    if (!project.facts.plugins.coverage) result.missing.push("solidity-coverage is not loaded by the Hardhat config: the coverage stage will be skipped (npm i -D solidity-coverage, require it in the config)");
    if (!project.facts.plugins.gasReporter) result.missing.push("hardhat-gas-reporter is not loaded by the Hardhat config: the gas stage will be skipped");
    else if (!gasJson) result.missing.push(`hardhat-gas-reporter ${project.facts.versions.gasReporter ?? "?"} writes no JSON report (version 2 does): the gas stage will be skipped`);
    if (!findOnPath("python3")) result.missing.push("python3 (3.10+) is not on PATH: Slither cannot be installed, the slither stages will be skipped");
    if (!findOnPath("go")) result.missing.push("go is not on PATH: Medusa cannot be built, the invariants stage will be skipped");
    if (!campaign) result.missing.push(`no invariant campaign (test/invariant/campaign.json): the invariants stage will be skipped (${doc("docs/INVARIANTS.md")})`);
    if (domains.length === 0) result.missing.push(`no proxy found in the build: no storage domain inferred; declare one in audit/domains.json if the project has proxies (${doc("docs/ANALYZERS.md")})`);
    return result;
  } finally {
    project.dispose();
  }
}

/** What init puts in the project's audit/.gitignore: the outputs of a run (its inputs stay versioned). */
export const AUDIT_GITIGNORE = [
  "# Written by `npm run audit -- init`: the audit's generated outputs. Policy, suppressions, domains and",
  "# baselines in this folder are inputs: commit them.",
  "report.*",
  "summary.md",
  "junit.xml",
  "raw/",
  "coverage/",
  "corpus/",
  "cache/",
  ".staging-*/",
  "",
].join("\n");

/** A harness document, by absolute path (the project being set up does not have it). */
function doc(rel: string): string {
  return path.join(HARNESS_ROOT, rel);
}

/** The summary `init` prints. */
export function initSummary(r: InitResult, root = "<this project>"): string[] {
  return [
    ...r.domains.map((d) => `domain ${d.config.name} (${d.config.dispatch}): ${d.evidence.join("; ")}`),
    ...r.written.map((f) => `wrote ${f}`),
    ...r.kept.map((f) => `kept ${f} (it exists)`),
    ...r.missing.map((m) => `missing: ${m}`),
    `next: npm run audit -- --root ${root} --profile quick`,
  ];
}

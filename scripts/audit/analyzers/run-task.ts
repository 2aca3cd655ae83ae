/** The body of the audit:storage / audit:selectors tasks (loaded only when one runs). */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { describeHardhatError } from "../hardhat-errors";
import { compileForAnalysis } from "./compile-errors";
import type { Finding, StageResult } from "../types";
import { loadSolcBuild, type ContractRecord, type SolcBuild } from "./build-info";
import { existsSync } from "node:fs";
import { DISPATCH_MODELS, DOMAINS_FILE, domainFromCli, loadDomainsFile, resolveDomain, upgradeDomains, type DomainConfig, type ResolvedDomain } from "./domain";
import { projectDomains, resolveWithDiscovery, type DomainSet } from "./domains";
import { detectDispatch } from "./infer";
import { ANALYZER_EXIT, AnalyzerInputError } from "./errors";
import { SELECTOR_TOOL, STORAGE_TOOL, toFindings } from "./findings";
import { compareFindings, countBySeverity, describeCounts, isAtLeast } from "../findings/severity";
import { InputError } from "../errors";
import { loadPolicyFile } from "../policy";
import { liveDomain, type LiveResult } from "./live";
import { findingsText, selectorsMarkdown, storageMapMarkdown } from "./report";
import { analyzeSelectors, SELECTORS_STAGE } from "./selectors/analyze";
import { analyzeStorage, STORAGE_STAGE } from "./storage/analyze";
import type { AnalyzerTaskArgs } from "./tasks";

export type AnalyzerKind = "storage" | "selectors";

/** What the task returns (and writes with --json): a StageResult plus the live registry when --live. */
export type AnalyzerTaskResult = StageResult & { live?: Omit<LiveResult, "domain" | "hits">[] };

/** Flag combinations that cannot work, refused before anything compiles. */
function checkArgs(args: AnalyzerTaskArgs): void {
  const fromCli = args.proxy !== undefined || args.impl !== undefined;
  if (fromCli && args.domains !== undefined) throw new AnalyzerInputError("--domains and --proxy/--impl are alternatives: use one");
  if (args.impl !== undefined && args.proxy === undefined) throw new AnalyzerInputError("--proxy is required with --impl (--upgrade V1:V2 alone compares V1 and V2)");
  if (args.dispatch !== undefined && !(DISPATCH_MODELS as readonly string[]).includes(args.dispatch)) {
    throw new AnalyzerInputError(`--dispatch must be one of ${DISPATCH_MODELS.join(", ")} (got ${args.dispatch})`);
  }
}

/**
 * The dispatch of a --proxy given without --dispatch: the domains file's, when it declares that proxy;
 * else what the proxy's code shows (never id routing, which is this repository's own design).
 */
function cliDispatch(args: AnalyzerTaskArgs, root: string, build: SolcBuild): string {
  if (args.dispatch !== undefined) return args.dispatch;
  let proxy: ContractRecord;
  try {
    proxy = build.resolve(args.proxy!);
  } catch (e) {
    throw new AnalyzerInputError(`domain cli: ${(e as Error).message}`);
  }
  const declared = loadDomainsFile(root, args.domains ?? DOMAINS_FILE)?.find((d) => d.proxy !== undefined && build.resolve(d.proxy).fqn === proxy.fqn);
  if (declared) return declared.dispatch;
  const guess = detectDispatch(proxy, build);
  if (!guess) throw new AnalyzerInputError(`cannot tell how ${proxy.name} dispatches: pass --dispatch (${DISPATCH_MODELS.join(" | ")})`);
  return guess.dispatch;
}

/** The domains to analyze (after the build is loaded: inference and --dispatch detection read it). */
function taskDomains(args: AnalyzerTaskArgs, root: string, build: SolcBuild): DomainConfig[] | ResolvedDomain[] {
  let set: DomainSet | undefined;
  if (args.upgrade !== undefined && args.proxy === undefined) {
    // --upgrade alone: inside V1's declared domain when there is one, else V1 -> V2 on its own.
    const configs = upgradeDomains(args.upgrade, loadDomainsFile(root, args.domains ?? DOMAINS_FILE), args.dispatch);
    set = { domains: configs.map((c) => resolveWithDiscovery(build, c)), source: "command line" };
  } else if (args.proxy !== undefined) {
    set = { domains: [resolveDomain(build, domainFromCli({ ...args, dispatch: cliDispatch(args, root, build) }))], source: "command line" };
  } else {
    const file = args.domains ?? DOMAINS_FILE;
    if (args.domains !== undefined && !existsSync(path.resolve(root, file))) throw new AnalyzerInputError(`no domains: ${file} does not exist; pass --proxy and --impl (and --dispatch)`);
    set = projectDomains(build, root, { file });
    if (!set) throw new AnalyzerInputError(`no domains: ${file} does not exist and the build shows no proxy to infer one from; pass --proxy and --impl (and --dispatch)`);
  }
  let domains = set.domains;
  if (args.domain !== undefined) {
    domains = domains.filter((d) => d.name === args.domain);
    if (domains.length === 0) throw new AnalyzerInputError(`no domain named ${args.domain}`);
  }
  return domains;
}

async function liveDomains(hre: HardhatRuntimeEnvironment, build: SolcBuild, configs: ResolvedDomain[], address: string | undefined): Promise<LiveResult[]> {
  if (configs.length !== 1) throw new AnalyzerInputError(`--live analyzes one deployed proxy: select one domain with --domain (have ${configs.map((c) => c.name).join(", ")})`);
  let proxy = address;
  if (proxy === undefined) {
    if (configs[0].dispatch !== "id-routed") throw new AnalyzerInputError("--live without --address deploys this repository's system (scripts/deploy.ts): pass --address for other proxies");
    const { deploySystem } = await import("../../deploy");
    const [owner] = await hre.ethers.getSigners();
    proxy = (await deploySystem({ owner })).proxy;
  }
  if (!hre.ethers.isAddress(proxy)) throw new AnalyzerInputError(`--address ${proxy} is not an address`);
  return [await liveDomain(build, configs[0], hre.ethers.provider, proxy)];
}

export async function runAnalyzerTask(kind: AnalyzerKind, args: AnalyzerTaskArgs, hre: HardhatRuntimeEnvironment): Promise<AnalyzerTaskResult | undefined> {
  const started = Date.now();
  const stage = kind === "storage" ? STORAGE_STAGE : SELECTORS_STAGE;
  const tool = kind === "storage" ? STORAGE_TOOL : SELECTOR_TOOL;
  const root = hre.config.paths.root;
  const out = (line: string): void => {
    if (!args.quiet) console.log(line);
  };
  try {
    if (args.live && hre.network.name !== "hardhat" && args.address === undefined) {
      out(`live: deploying scripts/deploy.ts on ${hre.network.name}`);
    }
    checkArgs(args);
    const policy = loadPolicyFile(root);
    if (!args.noCompile) await compileForAnalysis(hre);
    const build = loadSolcBuild(hre.config.paths.artifacts, { root });
    let domains = taskDomains(args, root, build) as ResolvedDomain[];
    let live: LiveResult[] | undefined;
    if (args.live) {
      live = await liveDomains(hre, build, domains, args.address);
      domains = live.map((l) => l.domain);
    }
    const analysis = kind === "storage" ? analyzeStorage(build, domains, stage) : analyzeSelectors(build, domains, stage);
    const findings: Finding[] = [...analysis.findings, ...toFindings(stage, tool, live?.flatMap((l) => l.hits) ?? [])].sort(compareFindings);
    // The project's policy judges, as the audit's gate does (audit/policy.json failOnSeverity).
    const threshold = policy.failOnSeverity;
    const blocking = findings.filter((f) => isAtLeast(f.severity, threshold)).length;
    const result: AnalyzerTaskResult = {
      name: stage,
      status: "passed",
      durationMs: Date.now() - started,
      tools: [tool],
      findings,
      metrics: analysis.metrics as unknown as Record<string, unknown>,
      artifacts: [],
      ...(live ? { live: live.map(({ domain: _d, hits: _h, ...rest }) => rest) } : {}),
    };

    for (const l of live ?? []) {
      out(`live (chain ${l.chainId}):`);
      for (const m of l.modules) out(`  ${m.role}${m.id !== undefined ? ` id ${m.id}` : ""} ${m.address} -> ${m.contract ?? "UNKNOWN BYTECODE"}${m.paused ? " (paused)" : ""}`);
    }
    if (kind === "storage") {
      const metrics = analysis.metrics as ReturnType<typeof analyzeStorage>["metrics"];
      out(`Storage map (${domains.map((d) => d.name).join(", ")}):\n${storageMapMarkdown(metrics.storageMap)}\n`);
    } else {
      const metrics = analysis.metrics as ReturnType<typeof analyzeSelectors>["metrics"];
      out(`Selectors:\n${selectorsMarkdown(metrics.selectors)}\n`);
      for (const p of metrics.routingProofs) out(`Routing proof (${p.domain}): ${p.holds ? "holds" : "DOES NOT HOLD"} - ${p.reason}\n`);
    }
    out(findingsText(findings));
    const counts = findings.length ? ` (${describeCounts(countBySeverity(findings))})` : "";
    console.log(`audit:${kind}: ${findings.length} finding(s)${counts}; ${blocking > 0 ? `${blocking} at or above ${threshold}` : `none at or above ${threshold}`} (failOnSeverity of audit/policy.json)`);
    if (args.json) {
      const file = path.resolve(root, args.json);
      mkdirSync(path.dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(result, null, 2) + "\n");
      console.log(`wrote ${path.relative(process.cwd(), file) || file}`);
    }
    process.exitCode = blocking > 0 ? ANALYZER_EXIT.findings : ANALYZER_EXIT.clean;
    return result;
  } catch (e) {
    // Bad input (and compile errors, which are the user's input too): one line, exit 2.
    const hardhatError = e instanceof Error && (e.name === "HardhatError" || e.name === "HardhatPluginError");
    if (e instanceof AnalyzerInputError || e instanceof InputError || hardhatError) {
      const compilers = [...hre.config.solidity.compilers, ...Object.values(hre.config.solidity.overrides)].map((c) => c.version);
      console.error(`audit:${kind}: ${describeHardhatError((e as Error).message, compilers)}`);
      process.exitCode = ANALYZER_EXIT.badInput;
      return undefined;
    }
    throw e;
  }
}

/** The body of the audit:storage / audit:selectors tasks (loaded only when one runs). */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { describeHardhatError } from "../hardhat-errors";
import type { Finding, StageResult } from "../types";
import { loadSolcBuild, type SolcBuild } from "./build-info";
import { DOMAINS_FILE, domainFromCli, loadDomainsFile, resolveDomain, upgradeDomains, type DomainConfig, type ResolvedDomain } from "./domain";
import { ANALYZER_EXIT, AnalyzerInputError } from "./errors";
import { atLeast, bySeverity, SELECTOR_TOOL, STORAGE_TOOL, toFindings } from "./findings";
import { liveDomain, type LiveResult } from "./live";
import { findingsText, selectorsMarkdown, storageMapMarkdown } from "./report";
import { analyzeSelectors, SELECTORS_STAGE } from "./selectors/analyze";
import { analyzeStorage, STORAGE_STAGE } from "./storage/analyze";
import type { AnalyzerTaskArgs } from "./tasks";

export type AnalyzerKind = "storage" | "selectors";

/** What the task returns (and writes with --json): a StageResult plus the live registry when --live. */
export type AnalyzerTaskResult = StageResult & { live?: Omit<LiveResult, "domain" | "hits">[] };

function domainConfigs(args: AnalyzerTaskArgs, root: string): DomainConfig[] {
  const fromCli = args.proxy !== undefined || args.impl !== undefined || args.upgrade !== undefined || args.dispatch !== undefined;
  let configs: DomainConfig[];
  if (args.upgrade !== undefined && args.proxy === undefined && args.impl === undefined) {
    // --upgrade alone: inside V1's declared domain when there is one, else V1 -> V2 on its own.
    configs = upgradeDomains(args.upgrade, loadDomainsFile(root, args.domains ?? DOMAINS_FILE), args.dispatch);
  } else if (fromCli) {
    if (args.domains !== undefined) throw new AnalyzerInputError("--domains and --proxy/--impl are alternatives: use one");
    configs = [domainFromCli(args)];
  } else {
    const file = args.domains ?? DOMAINS_FILE;
    const loaded = loadDomainsFile(root, file);
    if (!loaded) throw new AnalyzerInputError(`no domains: ${file} does not exist; pass --proxy and --impl`);
    configs = loaded;
  }
  if (args.domain !== undefined) {
    configs = configs.filter((c) => c.name === args.domain);
    if (configs.length === 0) throw new AnalyzerInputError(`no domain named ${args.domain}`);
  }
  return configs;
}

async function liveDomains(hre: HardhatRuntimeEnvironment, build: SolcBuild, configs: DomainConfig[], address: string | undefined): Promise<LiveResult[]> {
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
    const configs = domainConfigs(args, root);
    if (!args.noCompile) await hre.run("compile", { quiet: true });
    const build = loadSolcBuild(hre.config.paths.artifacts, { root });
    let domains: ResolvedDomain[];
    let live: LiveResult[] | undefined;
    if (args.live) {
      live = await liveDomains(hre, build, configs, args.address);
      domains = live.map((l) => l.domain);
    } else {
      domains = configs.map((c) => resolveDomain(build, c));
    }
    const analysis = kind === "storage" ? analyzeStorage(build, domains, stage) : analyzeSelectors(build, domains, stage);
    const findings: Finding[] = [...analysis.findings, ...toFindings(stage, tool, live?.flatMap((l) => l.hits) ?? [])].sort(bySeverity);
    const blocking = findings.filter((f) => atLeast(f.severity, "high")).length;
    const result: AnalyzerTaskResult = {
      name: stage,
      status: blocking > 0 ? "failed" : "passed",
      ...(blocking > 0 ? { reason: `${blocking} finding(s) at high or above` } : {}),
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
    const counts = Object.entries((analysis.metrics as { findingsBySeverity: Record<string, number> }).findingsBySeverity)
      .map(([s, n]) => `${n} ${s}`)
      .join(", ");
    console.log(`audit:${kind}: ${findings.length} finding(s)${counts ? ` (${counts})` : ""}; ${blocking > 0 ? `${blocking} at high or above` : "none at high or above"}`);
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
    if (e instanceof AnalyzerInputError || hardhatError) {
      const compilers = [...hre.config.solidity.compilers, ...Object.values(hre.config.solidity.overrides)].map((c) => c.version);
      console.error(`audit:${kind}: ${describeHardhatError((e as Error).message, compilers)}`);
      process.exitCode = ANALYZER_EXIT.badInput;
      return undefined;
    }
    throw e;
  }
}

/**
 * Where the analyzers' storage domains come from, in one place for the tasks and the pipeline stages:
 * audit/domains.json (completed with the members it forgot, ./infer.ts `discoverMembers`), or - when
 * the project has no such file - the domains the build shows (./infer.ts `inferDomains`), or the
 * command line. Every resolved domain says which it was (`origin`), and the report shows it.
 */
import type { SolcBuild } from "./build-info";
import { DOMAINS_FILE, loadDomainsFile, resolveDomain, type DomainConfig, type ResolvedDomain } from "./domain";
import { DEFAULT_SCOPE, discoverMembers, inferDomains, type AnalyzerScope } from "./infer";

export interface DomainSet {
  domains: ResolvedDomain[];
  /** `file`: audit/domains.json (or --domains); `inferred`: from the build; `command line`: --proxy/--impl/--upgrade. */
  source: "file" | "inferred" | "command line";
  /** The domains file read, when `source` is `file`. */
  file?: string;
}

/** A declared domain, resolved, with the project contracts that run in its storage but were not declared. */
export function resolveWithDiscovery(build: SolcBuild, config: DomainConfig, scope: AnalyzerScope = DEFAULT_SCOPE): ResolvedDomain {
  const domain = resolveDomain(build, config);
  const discovered = discoverMembers(
    build,
    {
      name: domain.name,
      dispatch: domain.dispatch,
      proxy: domain.proxy?.contract,
      implementations: domain.implementations.map((m) => m.contract),
      upgradeTargets: [...domain.upgrades.map((u) => u.to), ...domain.initializers.map((m) => m.contract)],
    },
    scope,
  );
  if (discovered.length === 0) return domain;
  return {
    ...domain,
    implementations: [...domain.implementations, ...discovered.map((d) => ({ contract: d.contract, role: "implementation" as const, discovered: d.why }))],
  };
}

/**
 * The project's domains: its domains file when there is one, else inferred from the build; undefined
 * when there is neither (the caller says what it needs and skips). Throws AnalyzerInputError on a
 * malformed file or an unknown contract.
 */
export function projectDomains(build: SolcBuild, root: string, options: { file?: string; scope?: AnalyzerScope } = {}): DomainSet | undefined {
  const file = options.file ?? DOMAINS_FILE;
  const scope = options.scope ?? DEFAULT_SCOPE;
  const configs = loadDomainsFile(root, file);
  if (configs) return { domains: configs.map((c) => resolveWithDiscovery(build, c, scope)), source: "file", file };
  const inferred = inferDomains(build, scope);
  if (inferred.length === 0) return undefined;
  return {
    domains: inferred.map((d) => ({ ...resolveDomain(build, d.config), origin: { kind: "inferred" as const, evidence: d.evidence } })),
    source: "inferred",
  };
}

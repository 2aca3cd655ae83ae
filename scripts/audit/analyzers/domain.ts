/**
 * Storage domains: a proxy plus every implementation that runs in its storage, and how the proxy
 * dispatches calls to them. Declared in audit/domains.json (validated here with zod) or on the command
 * line (`--proxy`, `--impl`, `--dispatch`, `--upgrade`). See docs/ANALYZERS.md.
 */
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import type { ContractRecord, SolcBuild } from "./build-info";
import { AnalyzerInputError } from "./errors";

export const DOMAINS_FILE = "audit/domains.json";

export const DISPATCH_MODELS = ["id-routed", "diamond", "transparent", "uups", "forwarding"] as const;
export type DispatchModel = (typeof DISPATCH_MODELS)[number];

/** Dispatch models with one implementation behind the proxy at a time. */
export function isSingleImplementation(dispatch: DispatchModel): boolean {
  return dispatch === "transparent" || dispatch === "uups" || dispatch === "forwarding";
}

/** Dispatch models where several implementations share the proxy's storage at once. */
export function isMultiImplementation(dispatch: DispatchModel): boolean {
  return dispatch === "id-routed" || dispatch === "diamond";
}

const contractRef = z.string().min(1, "must name a contract (Name or path/File.sol:Name)");

const ImplementationSchema = z
  .object({
    contract: contractRef,
    /** id-routed: the implementation id (0 .. 256^idBytes - 1). */
    id: z.number().int().min(0).optional(),
    /** id-routed: the id is reserved for this module (served by the proxy itself, e.g. an admin module). */
    reserved: z.boolean().optional(),
  })
  .strict();

const UpgradeSchema = z.object({ from: contractRef, to: contractRef }).strict();

export const DomainSchema = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9._-]+$/, "letters, digits, '.', '_' and '-' only"),
    $comment: z.string().optional(),
    /** The contract whose storage everything runs in. Only an upgrade check (`upgrades` given) may omit it. */
    proxy: contractRef.optional(),
    dispatch: z.enum(DISPATCH_MODELS),
    /** id-routed: bytes of calldata the id takes in front of the implementation's calldata. */
    idBytes: z.number().int().min(1).max(4).optional(),
    /** id-routed: whether the proxy may declare external functions at all (the routing ABI decides). */
    proxySelectors: z.enum(["forbidden", "allowed"]).optional(),
    implementations: z.array(ImplementationSchema).min(1, "a domain needs at least one implementation"),
    /**
     * Contracts that run in the proxy's storage without being routed to (a diamond's DiamondInit,
     * delegatecalled once by diamondCut): part of the storage analysis, not of the selector analysis.
     */
    initializers: z.array(contractRef).optional(),
    /**
     * V1 -> V2 pairs: `to` replaces `from` (keeping its id); both are checked for layout compatibility.
     * `from` is an implementation or the `to` of an earlier pair (a chain V1 -> V2 -> V3).
     */
    upgrades: z.array(UpgradeSchema).default([]),
  })
  .strict()
  .superRefine((d, ctx) => {
    if (d.proxy === undefined && isMultiImplementation(d.dispatch)) {
      ctx.addIssue({ code: "custom", path: ["proxy"], message: `required for ${d.dispatch} domains (a transparent/uups domain without one is modeled with a standard ERC-1967 proxy)` });
    }
    const idRouted = d.dispatch === "id-routed";
    const idBytes = d.idBytes ?? 1;
    if (!idRouted && (d.idBytes !== undefined || d.proxySelectors !== undefined)) {
      ctx.addIssue({ code: "custom", path: ["idBytes"], message: "idBytes and proxySelectors apply to id-routed domains only" });
    }
    if (isSingleImplementation(d.dispatch) && d.implementations.length !== 1) {
      ctx.addIssue({ code: "custom", path: ["implementations"], message: `a ${d.dispatch} proxy has exactly one implementation (declare V2s under upgrades)` });
    }
    const ids = new Set<number>();
    for (const [i, impl] of d.implementations.entries()) {
      if (!idRouted && (impl.id !== undefined || impl.reserved !== undefined)) {
        ctx.addIssue({ code: "custom", path: ["implementations", i], message: "id and reserved apply to id-routed domains only" });
      }
      if (!idRouted) continue;
      if (impl.id === undefined) {
        ctx.addIssue({ code: "custom", path: ["implementations", i, "id"], message: "required for id-routed domains" });
        continue;
      }
      if (impl.id >= 256 ** idBytes) ctx.addIssue({ code: "custom", path: ["implementations", i, "id"], message: `must fit in ${idBytes} byte(s)` });
      if (ids.has(impl.id)) ctx.addIssue({ code: "custom", path: ["implementations", i, "id"], message: `id ${impl.id} is used twice` });
      ids.add(impl.id);
    }
  });

export const DomainsFileSchema = z
  .object({
    $comment: z.string().optional(),
    domains: z.array(DomainSchema).min(1),
  })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    for (const [i, d] of f.domains.entries()) {
      if (seen.has(d.name)) ctx.addIssue({ code: "custom", path: ["domains", i, "name"], message: `domain ${d.name} is declared twice` });
      seen.add(d.name);
    }
  });

export type DomainConfig = z.infer<typeof DomainSchema>;

function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}

/** Parses and validates the domains file's text; `label` names it in errors. */
export function parseDomains(text: string, label: string): DomainConfig[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AnalyzerInputError(`${label} is not valid JSON: ${(e as Error).message}`);
  }
  const parsed = DomainsFileSchema.safeParse(json);
  if (!parsed.success) throw new AnalyzerInputError(`${label} is invalid: ${describeZodError(parsed.error)}`);
  return parsed.data.domains;
}

/** audit/domains.json of `root`, or undefined when the file does not exist. */
export function loadDomainsFile(root: string, file = DOMAINS_FILE): DomainConfig[] | undefined {
  const full = path.resolve(root, file);
  if (!existsSync(full)) return undefined;
  return parseDomains(readFileSync(full, "utf8"), file);
}

export interface CliDomainArgs {
  proxy?: string;
  /** Comma-separated `Name` or `Name@id`. */
  impl?: string;
  dispatch?: string;
  /** Comma-separated `V1:V2` pairs (fully qualified names allowed: `a/A.sol:A:b/B.sol:B`). */
  upgrade?: string;
  idBytes?: number;
}

/** Splits `V1:V2` where either side may itself be `path/File.sol:Name`. */
export function parseUpgradePair(text: string): { from: string; to: string } {
  const tokens = text.split(":");
  const refs: string[] = [];
  for (let i = 0; i < tokens.length; i++) {
    if (tokens[i].endsWith(".sol") && i + 1 < tokens.length) {
      refs.push(`${tokens[i]}:${tokens[i + 1]}`);
      i++;
    } else {
      refs.push(tokens[i]);
    }
  }
  if (refs.length !== 2 || refs.some((r) => r.trim() === "")) {
    throw new AnalyzerInputError(`--upgrade expects V1:V2 (got "${text}")`);
  }
  return { from: refs[0].trim(), to: refs[1].trim() };
}

function list(value: string | undefined): string[] {
  return (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * A domain from command-line flags. `dispatch` is required (the tasks resolve it first: the domains
 * file's, or what the proxy's code shows - never an id-routed default); without explicit `@id`,
 * id-routed implementations get ids 1, 2, ... in the order given.
 */
export function domainFromCli(args: CliDomainArgs): DomainConfig {
  if (!args.proxy) throw new AnalyzerInputError("--proxy is required with --impl (--upgrade V1:V2 alone compares V1 and V2)");
  const impls = list(args.impl);
  if (impls.length === 0) throw new AnalyzerInputError("--impl needs at least one implementation (comma-separated: --impl Staking,Voting)");
  if (!args.dispatch) throw new AnalyzerInputError(`--dispatch is required for --proxy ${args.proxy} (${DISPATCH_MODELS.join(" | ")})`);
  const dispatch = args.dispatch;
  const idRouted = dispatch === "id-routed";
  let next = 1;
  const implementations = impls.map((entry) => {
    const at = entry.lastIndexOf("@");
    const contract = at > 0 ? entry.slice(0, at) : entry;
    if (at > 0 && !/^\d+$/.test(entry.slice(at + 1))) throw new AnalyzerInputError(`--impl ${entry}: the id after @ must be a number`);
    if (at > 0 && !idRouted) throw new AnalyzerInputError(`--impl ${entry}: ids apply to --dispatch id-routed only`);
    const id = at > 0 ? Number(entry.slice(at + 1)) : idRouted ? next : undefined;
    if (id !== undefined) next = Math.max(next, id + 1);
    return { contract, ...(id !== undefined ? { id } : {}) };
  });
  const candidate = {
    name: "cli",
    proxy: args.proxy,
    dispatch,
    ...(idRouted && args.idBytes !== undefined ? { idBytes: args.idBytes } : {}),
    implementations,
    upgrades: list(args.upgrade).map(parseUpgradePair),
  };
  const parsed = DomainSchema.safeParse(candidate);
  if (!parsed.success) throw new AnalyzerInputError(`invalid domain from the command line: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

export interface DomainMemberRef {
  contract: ContractRecord;
  /** `initializer`: runs in the proxy's storage without being routed to (a diamond's DiamondInit). */
  role: "proxy" | "implementation" | "initializer";
  /** id-routed only (absent for a discovered member: no id is registered for it in the domains file). */
  id?: number;
  reserved?: boolean;
  /** Not declared, found by the analyzer: why it belongs (`inherits LoadBalancerModule`). */
  discovered?: string;
}

export interface ResolvedDomain {
  name: string;
  dispatch: DispatchModel;
  idBytes: number;
  proxySelectors: "forbidden" | "allowed";
  /** Absent for an upgrade check without a proxy (`--upgrade V1:V2` alone): only V1 -> V2 is compared. */
  proxy?: DomainMemberRef;
  implementations: DomainMemberRef[];
  /** Contracts running in the storage without being routed to (see the schema's `initializers`). */
  initializers: DomainMemberRef[];
  /** V1 -> V2 pairs in declared order; a chain V1 -> V2 -> V3 is two pairs, the second from V2. */
  upgrades: { from: ContractRecord; to: ContractRecord }[];
  /** How the domain came to be: declared in a file or on the command line, or inferred from the build (with the evidence). */
  origin: { kind: "declared" | "inferred"; evidence?: string[] };
}

function requireDeployable(c: ContractRecord, what: string): ContractRecord {
  if (c.node.contractKind !== "contract") throw new AnalyzerInputError(`${what} ${c.fqn} is a ${c.node.contractKind}, not a contract`);
  return c;
}

export function resolveDomain(build: SolcBuild, config: DomainConfig): ResolvedDomain {
  const resolve = (ref: string, what: string): ContractRecord => {
    try {
      return requireDeployable(build.resolve(ref), what);
    } catch (e) {
      throw new AnalyzerInputError(`domain ${config.name}: ${(e as Error).message}`);
    }
  };
  const implementations = config.implementations.map((i) => ({
    contract: resolve(i.contract, "implementation"),
    role: "implementation" as const,
    ...(i.id !== undefined ? { id: i.id } : {}),
    ...(i.reserved ? { reserved: true } : {}),
  }));
  const upgrades = config.upgrades.map((u) => ({ from: resolve(u.from, "upgrade source"), to: resolve(u.to, "upgrade target") }));
  for (const [i, u] of upgrades.entries()) {
    const chained = upgrades.slice(0, i).some((earlier) => earlier.to.fqn === u.from.fqn);
    if (!chained && !implementations.some((m) => m.contract.fqn === u.from.fqn)) {
      throw new AnalyzerInputError(`domain ${config.name}: upgrade source ${u.from.name} is neither one of its implementations nor the target of an earlier upgrade`);
    }
  }
  const initializers = (config.initializers ?? []).map((ref) => ({ contract: resolve(ref, "initializer"), role: "initializer" as const }));
  return {
    name: config.name,
    dispatch: config.dispatch,
    idBytes: config.idBytes ?? 1,
    proxySelectors: config.proxySelectors ?? "forbidden",
    ...(config.proxy !== undefined ? { proxy: { contract: resolve(config.proxy, "proxy"), role: "proxy" as const } } : {}),
    implementations,
    initializers,
    upgrades,
    // A declared domain's own note (`$comment`: init writes the evidence it was inferred from there) is
    // the report's "why".
    origin: { kind: "declared", ...(config.$comment ? { evidence: [config.$comment] } : {}) },
  };
}

/** The implementation an upgrade ultimately replaces: `from` itself, or the head of its chain. */
export function chainHead(domain: ResolvedDomain, from: ContractRecord): ContractRecord {
  let current = from;
  for (let guard = 0; guard < domain.upgrades.length; guard++) {
    const earlier = domain.upgrades.find((u) => u.to.fqn === current.fqn);
    if (!earlier) break;
    current = earlier.from;
  }
  return current;
}

/**
 * Domains for `--upgrade V1:V2[,...]` given alone: each pair is checked inside the domain of the
 * domains file that has V1 as an implementation (so V2 is also checked against V1's siblings and the
 * proxy); a pair whose V1 is in no domain becomes an upgrade check of its own (no proxy: V1 -> V2 only).
 * Contracts match by fully qualified name or by bare name.
 */
export function upgradeDomains(upgrade: string, declared: readonly DomainConfig[] | undefined, dispatch?: string): DomainConfig[] {
  const pairs = list(upgrade).map(parseUpgradePair);
  const bare = (ref: string): string => ref.slice(ref.lastIndexOf(":") + 1);
  const same = (a: string, b: string): boolean => a === b || (!(a.includes(":") && b.includes(":")) && bare(a) === bare(b));
  const out = new Map<string, DomainConfig>();
  for (const pair of pairs) {
    const home = declared?.find((d) => d.implementations.some((i) => same(i.contract, pair.from)));
    if (home) {
      const d = out.get(home.name) ?? { ...home, upgrades: [] };
      const from = home.implementations.find((i) => same(i.contract, pair.from))!.contract;
      d.upgrades.push({ from, to: pair.to });
      out.set(home.name, d);
      continue;
    }
    const model = dispatch ?? "uups";
    if (!(DISPATCH_MODELS as readonly string[]).includes(model) || !isSingleImplementation(model as DispatchModel)) {
      throw new AnalyzerInputError(`--upgrade ${pair.from}:${pair.to}: ${pair.from} is in no domain; without --proxy only a transparent/uups/forwarding check is possible`);
    }
    const name = `upgrade-${bare(pair.from)}`;
    const parsed = DomainSchema.safeParse({ name, dispatch: model, implementations: [{ contract: pair.from }], upgrades: [pair] });
    if (!parsed.success) throw new AnalyzerInputError(`invalid --upgrade: ${describeZodError(parsed.error)}`);
    out.set(name, parsed.data);
  }
  return [...out.values()];
}

/** The domain with `from` replaced by `to` (same id): what the proxy runs after that upgrade. */
export function withUpgrade(domain: ResolvedDomain, upgrade: { from: ContractRecord; to: ContractRecord }): ResolvedDomain {
  const head = chainHead(domain, upgrade.from);
  return {
    ...domain,
    implementations: domain.implementations.map((m) => (m.contract.fqn === head.fqn ? { ...m, contract: upgrade.to } : m)),
  };
}

/** A member's display name: `Staking (id 1)`. */
export function memberName(m: DomainMemberRef): string {
  if (m.id !== undefined) return `${m.contract.name} (id ${m.id})`;
  if (m.role === "proxy") return `${m.contract.name} (proxy)`;
  if (m.role === "initializer") return `${m.contract.name} (initializer)`;
  return m.discovered ? `${m.contract.name} (undeclared)` : m.contract.name;
}

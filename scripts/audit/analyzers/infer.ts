/**
 * Storage domains that are never silently incomplete.
 *
 * 1. `detectDispatch`: how a proxy contract dispatches, read from its code - a diamond (its fallback
 *    looks `msg.sig` up, or it carries EIP-2535's diamondCut / facetAddress), a transparent proxy (it
 *    answers some calls for its admin only), an ERC-1967 / UUPS proxy (the EIP-1967 implementation slot
 *    and a delegating fallback), a forwarding proxy (the implementation's address in its own slot 0, as
 *    Safe's proxy keeps `singleton`). Id routing is never guessed: it is this
 *    repository's own design, declared in audit/domains.json or with `--dispatch id-routed`.
 * 2. `completeDomains`: a declared multi-implementation domain (id-routed, diamond) gets every contract of
 *    the project that inherits the base all its declared implementations share (this repository's
 *    `LoadBalancerModule`): a module added under contracts/ runs in the proxy's storage whether or not
 *    someone remembered to list it, so it is analyzed - and reported as undeclared.
 * 3. `inferDomains`: without audit/domains.json, the domains the build shows - forwarding proxies with
 *    the contracts that keep the proxy's own slots (mirror its variables), ERC-1967 / UUPS /
 *    transparent proxies (the project's own, OpenZeppelin's from node_modules, or - when the build has
 *    none - a standard ERC-1967 proxy outside the build) with the project's upgradeable implementations
 *    and their upgrade chains (`XV2`, `XV3`, or `@custom:oz-upgrades-from X`), and diamonds with their
 *    facets and initializer contracts: project contracts whose reachable code keeps the same storage as
 *    the diamond or its facets (a `DiamondInit` that binds AppStorage or the diamond-storage position
 *    runs in the diamond's storage without being routed to), whatever their name. Each inferred domain carries the evidence it was inferred from, for the report.
 *
 * "The project" is the scope: contracts under the sources folder minus the excluded folders (mocks);
 * packages (node_modules) can be proxies and bases, never inferred implementations.
 */
import type { AstNode, ContractDefinitionNode, InlineAssemblyNode, YulNode } from "./ast";
import { walk, walkYul } from "./ast";
import type { ContractRecord, SolcBuild } from "./build-info";
import { codeClosure } from "./closure";
import type { DispatchModel, DomainConfig } from "./domain";
import { eip1967Slot } from "./evaluate";
import { proxySelectorsOf } from "./selectors/collect";
import { FootprintBuilder } from "./storage/footprint";

/** Which contracts are the project's: under `sources`, not under any `exclude` folder (repository-relative, `/`-separated). */
export interface AnalyzerScope {
  sources: string;
  exclude: string[];
}

export const DEFAULT_SCOPE: AnalyzerScope = { sources: "contracts/", exclude: ["contracts/mocks/", "contracts/test/"] };

/** The analyzers' view of the pipeline's project scope (scripts/audit/scope.ts). */
export function analyzerScope(scope: { sources: string; exclude: string[] }): AnalyzerScope {
  return { sources: `${scope.sources}/`, exclude: scope.exclude.map((d) => `${d}/`) };
}

export function inScope(c: ContractRecord, scope: AnalyzerScope): boolean {
  const file = c.file.replace(/\\/g, "/");
  const sources = scope.sources.endsWith("/") ? scope.sources : `${scope.sources}/`;
  return file.startsWith(sources) && !scope.exclude.some((d) => file.startsWith(d.endsWith("/") ? d : `${d}/`));
}

export function isDeployable(c: ContractRecord): boolean {
  return c.node.contractKind === "contract" && !c.node.abstract;
}

const IMPLEMENTATION_SLOT = eip1967Slot("eip1967.proxy.implementation");
/** EIP-2535: diamondCut((address,uint8,bytes4[])[],address,bytes), facetAddress(bytes4). */
const DIAMOND_SELECTORS = new Set(["1f931c1c", "cdffacc6"]);

function hasFallback(c: ContractRecord): boolean {
  return (c.output.abi ?? []).some((i) => i.type === "fallback");
}

/**
 * Where the contract's own code (its closure) delegatecalls: the `src` of the first Yul `delegatecall`
 * (`assembly`), else of a Solidity `.delegatecall`; undefined when it does not.
 */
export function delegatecallSite(c: ContractRecord): { src: string; assembly: boolean } | undefined {
  let yul: string | undefined;
  let solidity: string | undefined;
  for (const scope of codeClosure(c.unit, c.node).scopes) {
    walk(scope, (n) => {
      if (n.nodeType === "MemberAccess" && n.memberName === "delegatecall") solidity ??= n.src;
      if (n.nodeType === "InlineAssembly") {
        walkYul((n as InlineAssemblyNode).AST, (y: YulNode) => {
          if (y.nodeType === "YulFunctionCall" && (y.functionName as YulNode).name === "delegatecall") yul ??= y.src;
        });
      }
    });
  }
  if (yul) return { src: yul, assembly: true };
  return solidity ? { src: solidity, assembly: false } : undefined;
}

function delegates(c: ContractRecord): boolean {
  return delegatecallSite(c) !== undefined;
}

/** Whether the contract's code deploys `target` (`new Target(...)`): a factory of it. */
function creates(c: ContractRecord, target: ContractRecord): boolean {
  let found = false;
  for (const scope of codeClosure(c.unit, c.node).scopes) {
    walk(scope, (n) => {
      const type = n.typeName as AstNode | undefined;
      if (n.nodeType === "NewExpression" && type?.referencedDeclaration === target.node.id) found = true;
    });
  }
  return found;
}

/** `x[msg.sig]` anywhere in the contract's closure: a selector-keyed lookup (EIP-2535's facet map). */
function looksUpMsgSig(c: ContractRecord): boolean {
  let found = false;
  for (const scope of codeClosure(c.unit, c.node).scopes) {
    walk(scope, (n) => {
      const index = n.indexExpression as AstNode | undefined;
      if (n.nodeType === "IndexAccess" && index?.nodeType === "MemberAccess" && index.memberName === "sig") found = true;
    });
  }
  return found;
}

export interface DispatchGuess {
  dispatch: DispatchModel;
  /** Why, in a few words, for the report. */
  why: string;
}

/**
 * How `proxy` dispatches, from its code; undefined when it does not look like a proxy this analyzer
 * knows (id routing is never guessed).
 */
export function detectDispatch(proxy: ContractRecord, build: SolcBuild, footprints = new FootprintBuilder(build)): DispatchGuess | undefined {
  if (!hasFallback(proxy) || !delegates(proxy)) return undefined;
  const selectors = Object.values(proxy.output.evm?.methodIdentifiers ?? {});
  if (looksUpMsgSig(proxy) || selectors.some((s) => DIAMOND_SELECTORS.has(s))) {
    return { dispatch: "diamond", why: `${proxy.name}'s fallback looks the selector up (EIP-2535 diamond)` };
  }
  const regions = footprints.footprint(proxy).regions;
  const uses = (slot: bigint): boolean => regions.some((r) => r.start === slot);
  // Transparent: something is answered for the admin only. (The EIP-1967 admin slot alone says nothing:
  // every proxy built on OpenZeppelin's ERC1967Utils reaches it.)
  if (proxySelectorsOf(proxy, build).some((s) => s.adminOnly)) {
    return { dispatch: "transparent", why: `${proxy.name} answers calls for its admin only (transparent proxy)` };
  }
  if (uses(IMPLEMENTATION_SLOT)) return { dispatch: "uups", why: `${proxy.name} delegates to the EIP-1967 implementation slot (ERC-1967 / UUPS proxy)` };
  const plainAddress = regions.find((r) => r.kind === "plain" && r.start === 0n && r.type.kind === "value" && r.type.category === "address");
  if (plainAddress) {
    return { dispatch: "forwarding", why: `${proxy.name} forwards every call to the address in its own slot 0 (\`${plainAddress.label}\`: a Safe-style forwarding proxy)` };
  }
  return undefined;
}

/** The bare names of a contract's linearized bases (itself excluded). */
function baseNames(c: ContractRecord): string[] {
  return c.node.linearizedBaseContracts.slice(1).map((id) => c.unit.node<ContractDefinitionNode>(id)?.name ?? "");
}

/** Upgradeable-shaped: OpenZeppelin's Initializable / UUPSUpgradeable among its bases, or proxiableUUID(), or an oz-upgrades annotation. */
function isUpgradeable(c: ContractRecord): boolean {
  const names = baseNames(c);
  const doc = (c.node.documentation as { text?: string } | undefined)?.text ?? "";
  return (
    names.some((n) => n === "Initializable" || n === "UUPSUpgradeable" || /Initializable$/.test(n)) ||
    Object.keys(c.output.evm?.methodIdentifiers ?? {}).includes("proxiableUUID()") ||
    /@custom:oz-upgrades/.test(doc)
  );
}

function isUups(c: ContractRecord): boolean {
  return Object.keys(c.output.evm?.methodIdentifiers ?? {}).includes("proxiableUUID()");
}

/** `@custom:oz-upgrades-from <ref>` (OpenZeppelin's annotation naming a contract's previous version). */
function upgradesFrom(c: ContractRecord): string | undefined {
  const doc = (c.node.documentation as { text?: string } | undefined)?.text ?? "";
  return /@custom:oz-upgrades-from\s+(\S+)/.exec(doc)?.[1];
}

/** `VaultV3` -> { family: "Vault", version: 3 }; `Vault` -> version 1. */
function versionOf(name: string): { family: string; version: number } {
  const m = /^(.*?)V(\d+)$/.exec(name);
  return m && m[1] ? { family: m[1], version: Number(m[2]) } : { family: name, version: 1 };
}

/**
 * Upgrade chains among `candidates`: `@custom:oz-upgrades-from` links first, then names (`X`/`XV1` ->
 * `XV2` -> `XV3`). Returns the chains' first versions with their consecutive pairs.
 */
export function upgradeChains(candidates: ContractRecord[]): { head: ContractRecord; pairs: { from: ContractRecord; to: ContractRecord }[] }[] {
  const next = new Map<ContractRecord, ContractRecord>();
  const hasPrevious = new Set<ContractRecord>();
  const link = (from: ContractRecord, to: ContractRecord): void => {
    if (next.has(from) || hasPrevious.has(to) || from === to) return;
    next.set(from, to);
    hasPrevious.add(to);
  };
  for (const c of candidates) {
    const ref = upgradesFrom(c);
    if (!ref) continue;
    const name = ref.slice(ref.lastIndexOf(":") + 1);
    const from = candidates.find((x) => x.fqn === ref || x.name === name);
    if (from) link(from, c);
  }
  const families = new Map<string, ContractRecord[]>();
  for (const c of candidates) {
    const { family } = versionOf(c.name);
    families.set(family, [...(families.get(family) ?? []), c]);
  }
  for (const members of families.values()) {
    const sorted = [...members].sort((a, b) => versionOf(a.name).version - versionOf(b.name).version);
    for (let i = 0; i + 1 < sorted.length; i++) {
      if (versionOf(sorted[i].name).version !== versionOf(sorted[i + 1].name).version) link(sorted[i], sorted[i + 1]);
    }
  }
  return candidates
    .filter((c) => !hasPrevious.has(c))
    .map((head) => {
      const pairs: { from: ContractRecord; to: ContractRecord }[] = [];
      for (let c = head, n = next.get(c); n; c = n, n = next.get(c)) pairs.push({ from: c, to: n });
      return { head, pairs };
    });
}

/** A domain the build shows, with the evidence for the report. */
export interface InferredDomain {
  config: DomainConfig;
  evidence: string[];
}

function sanitize(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]/g, "-");
}

/**
 * Whether `c`'s reachable code keeps storage that one of `with_` keeps too: the same struct at the same
 * root (a namespace, a diamond-storage position, an AppStorage struct whether declared as a variable or
 * bound with `ds.slot := 0`) or the same hard-coded slot. Plain variables of value types are no evidence
 * (every contract has a slot 0), and neither is storage a package declares (OpenZeppelin's namespaces
 * are shared by every contract built on them, whatever proxy each runs behind).
 */
function sharesStorage(builder: FootprintBuilder, build: SolcBuild, c: ContractRecord, with_: ContractRecord[]): boolean {
  const packageFiles = new Set(build.contracts.filter((x) => build.isPackage(x)).map((x) => x.file));
  const evidence = (x: ContractRecord): string[] =>
    builder
      .footprint(x)
      .regions.filter((r) => r.space === "storage" && (r.kind !== "plain" || r.type.kind === "struct") && !packageFiles.has(r.position.file))
      .map((r) => r.identity);
  const mine = new Set(evidence(c));
  return mine.size > 0 && with_.some((o) => evidence(o).some((identity) => mine.has(identity)));
}

function externalFunctions(c: ContractRecord): number {
  return Object.keys(c.output.evm?.methodIdentifiers ?? {}).length;
}

/** The domains of a project without audit/domains.json (see the module comment). */
export function inferDomains(build: SolcBuild, scope: AnalyzerScope = DEFAULT_SCOPE): InferredDomain[] {
  const builder = new FootprintBuilder(build);
  const project = build.contracts.filter((c) => inScope(c, scope) && isDeployable(c));
  const proxies = build.contracts
    .filter((c) => isDeployable(c) && (inScope(c, scope) || build.isPackage(c)))
    .map((c) => ({ c, guess: detectDispatch(c, build, builder) }))
    .filter((p): p is { c: ContractRecord; guess: DispatchGuess } => p.guess !== undefined);
  const domains: InferredDomain[] = [];
  const used = new Set<ContractRecord>(proxies.map((p) => p.c));

  // Diamonds: facets (`*Facet`, or external functions sharing the diamond's storage) and initializers.
  for (const { c: diamond, guess } of proxies.filter((p) => p.guess.dispatch === "diamond" && inScope(p.c, scope))) {
    const facets = project.filter((c) => c !== diamond && externalFunctions(c) > 0 && /Facet$/.test(c.name));
    // Initializers (what diamondCut's `_init` delegatecalls) and other modules that run in the diamond's
    // storage: project contracts, neither proxies nor facets nor factories of them, whose reachable code
    // keeps the same storage as the diamond or its facets. Never by name.
    const members = [diamond, ...facets];
    const initializers = project.filter(
      (c) =>
        !members.includes(c) &&
        !used.has(c) &&
        externalFunctions(c) > 0 &&
        !members.some((m) => creates(c, m)) &&
        sharesStorage(builder, build, c, members),
    );
    if (facets.length === 0) continue;
    for (const c of [...facets, ...initializers]) used.add(c);
    domains.push({
      config: {
        name: sanitize(diamond.name),
        proxy: diamond.fqn,
        dispatch: "diamond",
        implementations: facets.map((f) => ({ contract: f.fqn })),
        ...(initializers.length > 0 ? { initializers: initializers.map((i) => i.fqn) } : {}),
        upgrades: [],
      },
      evidence: [guess.why, `facets: ${facets.map((f) => f.name).join(", ")} (contracts named *Facet)`, ...(initializers.length > 0 ? [`initializers (keep the same storage as the diamond or its facets, not routed to): ${initializers.map((i) => i.name).join(", ")}`] : [])],
    });
  }

  // Forwarding proxies (Safe-style): the proxy keeps the implementation's address in its own plain
  // slots, so its implementation is a contract that keeps those slots too - one that mirrors every plain
  // variable of the proxy (same name, type and slot: Safe's `singleton`, inherited from one base). An
  // address that merely happens to sit at slot 0 (an `owner`) is no evidence.
  for (const { c: proxy, guess } of proxies.filter((p) => p.guess.dispatch === "forwarding" && inScope(p.c, scope))) {
    const plain = builder.footprint(proxy).regions.filter((r) => r.kind === "plain");
    const mirrors = (c: ContractRecord): boolean => plain.every((p) => builder.footprint(c).regions.some((r) => r.identity === p.identity));
    const pool = project.filter((c) => !used.has(c) && externalFunctions(c) > 0);
    const labels = plain.map((r) => `\`${r.label}\``).join(", ");
    let fits = pool.filter(mirrors);
    let why = (name: string): string => `${name} mirrors ${labels} (same name, type and slot): the implementation the proxy is built for`;
    if (fits.length === 0) {
      // No contract keeps the proxy's slots. If exactly one contract could still be what runs behind it
      // (plain state of its own, not a proxy, not upgradeable-shaped - those are modeled behind ERC-1967
      // proxies -, not a factory of this proxy), that is the implementation the proxy is meant for, and
      // its overlap with the proxy's variables is the finding. Several such contracts: none is guessed.
      const possible = pool.filter(
        (c) => !isUpgradeable(c) && !creates(c, proxy) && builder.footprint(c).regions.some((r) => r.kind === "plain"),
      );
      if (possible.length === 1) {
        fits = possible;
        why = (name) => `${name} is the only contract of the project that can run behind it (plain state of its own; not a proxy, a factory of it or an initializable module), and it does NOT keep ${labels}`;
      }
    }
    for (const { head, pairs } of upgradeChains(fits)) {
      for (const c of [head, ...pairs.map((p) => p.to)]) used.add(c);
      domains.push({
        config: {
          name: sanitize(`${head.name}`),
          proxy: proxy.fqn,
          dispatch: "forwarding",
          implementations: [{ contract: head.fqn }],
          upgrades: pairs.map((p) => ({ from: p.from.fqn, to: p.to.fqn })),
        },
        evidence: [
          guess.why,
          why(head.name),
          ...(pairs.length > 0 ? [`upgrade chain: ${[head, ...pairs.map((p) => p.to)].map((c) => c.name).join(" -> ")}`] : []),
        ],
      });
    }
  }

  // Single-implementation proxies: each upgradeable implementation chain gets its own domain.
  const singles = proxies.filter((p) => p.guess.dispatch === "uups" || p.guess.dispatch === "transparent");
  const candidates = project.filter((c) => !used.has(c) && isUpgradeable(c));
  for (const { head, pairs } of upgradeChains(candidates)) {
    const uups = isUups(head);
    const proxy =
      singles.find((p) => inScope(p.c, scope) && (uups ? p.guess.dispatch === "uups" : true)) ??
      singles.find((p) => (uups ? p.guess.dispatch === "uups" : p.guess.dispatch === "transparent")) ??
      singles[0];
    const dispatch: DispatchModel = proxy?.guess.dispatch ?? (uups ? "uups" : "transparent");
    domains.push({
      config: {
        name: sanitize(head.name),
        ...(proxy ? { proxy: proxy.c.fqn } : {}),
        dispatch,
        implementations: [{ contract: head.fqn }],
        upgrades: pairs.map((p) => ({ from: p.from.fqn, to: p.to.fqn })),
      },
      evidence: [
        `${head.name} is upgradeable (${isUups(head) ? "UUPS: proxiableUUID()" : "Initializable"})`,
        proxy ? proxy.guess.why : "no proxy contract in the build: modeled as a standard ERC-1967 proxy (no functions, EIP-1967 slots)",
        ...(pairs.length > 0 ? [`upgrade chain: ${[head, ...pairs.map((p) => p.to)].map((c) => c.name).join(" -> ")}`] : []),
      ],
    });
  }
  return domains;
}

/**
 * The most derived base every declared implementation inherits that is one of the project's own
 * contracts (this repository: LoadBalancerModule); undefined when they share none.
 */
export function moduleBase(implementations: ContractRecord[], build: SolcBuild, scope: AnalyzerScope): ContractRecord | undefined {
  if (implementations.length === 0) return undefined;
  const [first, ...rest] = implementations;
  for (const id of first.node.linearizedBaseContracts) {
    const base = first.unit.node<ContractDefinitionNode>(id);
    if (!base || base.contractKind !== "contract") continue;
    const record = build.contracts.find((c) => c.unit === first.unit && c.node.id === id);
    if (!record || !inScope(record, { ...scope, exclude: [] })) continue;
    if (rest.every((impl) => inherits(impl, record.fqn))) {
      // The implementations themselves are not a base of each other's family.
      if (implementations.some((impl) => impl.node.id === id) && implementations.length > 1) continue;
      return record;
    }
  }
  return undefined;
}

/** A contract that runs in a declared domain's storage but is not listed in it. */
export interface DiscoveredMember {
  domain: string;
  contract: ContractRecord;
  /** Why it belongs: `inherits LoadBalancerModule`. */
  why: string;
}

/**
 * Members a declared multi-implementation domain is missing: the project's deployable contracts that
 * inherit the declared implementations' common base (see `moduleBase`) and are neither declared, nor
 * an upgrade target, nor the proxy.
 */
export function discoverMembers(
  build: SolcBuild,
  domain: { name: string; dispatch: DispatchModel; proxy?: ContractRecord; implementations: ContractRecord[]; upgradeTargets: ContractRecord[] },
  scope: AnalyzerScope = DEFAULT_SCOPE,
): DiscoveredMember[] {
  if (domain.dispatch !== "id-routed" && domain.dispatch !== "diamond") return [];
  const base = moduleBase(domain.implementations, build, scope);
  if (!base) return [];
  const known = new Set([...domain.implementations, ...domain.upgradeTargets, ...(domain.proxy ? [domain.proxy] : [])].map((c) => c.fqn));
  return build.contracts
    .filter((c) => inScope(c, scope) && isDeployable(c) && !known.has(c.fqn) && inherits(c, base.fqn))
    .map((c) => ({ domain: domain.name, contract: c, why: `inherits ${base.name}` }));
}

/** Whether `c` has the contract `fqn` among its linearized bases (matched by name, so across build-info files). */
function inherits(c: ContractRecord, fqn: string): boolean {
  return c.node.linearizedBaseContracts.some((id) => {
    const node = c.unit.node<ContractDefinitionNode>(id);
    return node !== undefined && `${c.unit.sourceName(node.src)}:${node.name}` === fqn;
  });
}

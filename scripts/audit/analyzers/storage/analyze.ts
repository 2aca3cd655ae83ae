/**
 * The storage analyzer: footprints of every domain member, the domain's shared storage map, every
 * registered rule over the domain as declared and with each upgrade applied, and the V1 -> V2 layout
 * comparisons.
 */
import { countBySeverity } from "../../findings/severity";
import type { Finding } from "../../types";
import type { ContractRecord, SolcBuild } from "../build-info";
import { chainHead, memberName, withUpgrade, type DomainMemberRef, type ResolvedDomain } from "../domain";
import { hexSlot } from "../evaluate";
import { STORAGE_TOOL, toFindings, type RuleHit } from "../findings";
import { compareLayouts, compareTypes, type LayoutChange } from "./compare";
import type { DomainContext, DomainMember, DomainRegion, LayoutComparison, UpgradeContext } from "./context";
import { FootprintBuilder } from "./footprint";
import { PLAIN_SUBJECT } from "./wording";
import { STORAGE_RULES } from "./rules";
import { lastSlot, type Region, type RegionKind, type StorageMember, type StorageSpace } from "./types";

export const STORAGE_STAGE = "storage";

/** One row of the storage map: which module owns which slot range (metrics.storageMap). */
export interface StorageMapRow {
  domain: string;
  /** The member that owns the range: the first one using it (proxy first, then implementations). */
  module: string;
  /** Every member whose code touches the range. */
  usedBy: string[];
  kind: RegionKind;
  space: StorageSpace;
  label: string;
  /** 0x-prefixed hex, first and last slot (inclusive). */
  slotStart: string;
  slotEnd: string;
  /** Byte offset in the first slot and byte size (plain variables pack several into one slot). */
  offset: number;
  bytes: number;
  file: string;
  line: number;
  namespace?: string;
  constant?: string;
}

export interface StorageDomainSummary {
  name: string;
  dispatch: string;
  /** The proxy's fully qualified name, or `(none: ...)` for a domain without one. */
  proxy: string;
  /** `discovered`: not in the domains file, found by the analyzer (why it belongs). */
  implementations: { contract: string; id?: number; discovered?: string }[];
  initializers: string[];
  upgrades: string[];
  /** `declared` (a domains file or the command line) or `inferred` from the build, with the evidence. */
  origin: "declared" | "inferred";
  evidence?: string[];
}

/** `metrics` of the storage stage (and of `audit:storage --json`). */
export interface StorageMetrics {
  domains: StorageDomainSummary[];
  storageMap: StorageMapRow[];
  /** Rule ids that ran. */
  rules: string[];
  findingsBySeverity: Record<string, number>;
}

export interface StorageAnalysis {
  findings: Finding[];
  metrics: StorageMetrics;
}

function members(builder: FootprintBuilder, domain: ResolvedDomain): DomainMember[] {
  const refs: DomainMemberRef[] = [...(domain.proxy ? [domain.proxy] : []), ...domain.implementations, ...domain.initializers];
  return refs.map((ref) => ({ ...ref, name: memberName(ref), footprint: builder.footprint(ref.contract) }));
}

function domainRegions(ms: DomainMember[]): DomainRegion[] {
  const byIdentity = new Map<string, DomainRegion>();
  for (const m of ms) {
    for (const r of m.footprint.regions) {
      const existing = byIdentity.get(r.identity);
      if (existing) {
        if (!existing.usedBy.includes(m.name)) existing.usedBy.push(m.name);
        existing.proxyOnly = false;
        // One struct reached both as a plain variable and through a pointer bound to its slot: the
        // variable is the declaration a reviewer reads (and the AppStorage rule looks for).
        if (r.kind === "plain" && existing.kind !== "plain") Object.assign(existing, { ...r, usedBy: existing.usedBy, owner: existing.owner, proxyOnly: false });
      } else {
        byIdentity.set(r.identity, { ...r, usedBy: [m.name], owner: m.name, proxyOnly: m.role === "proxy" });
      }
    }
  }
  return [...byIdentity.values()];
}

function domainContext(builder: FootprintBuilder, domain: ResolvedDomain, upgrade?: DomainContext["upgrade"]): DomainContext {
  const ms = members(builder, domain);
  return { domain, upgrade, members: ms, regions: domainRegions(ms) };
}

/**
 * The V2 region that keeps a V1 struct region's data: the same ERC-7201 id, else the same root. When V2
 * puts several structs there (a copy-pasted annotation: storage-namespace-reuse reports that), V1's
 * struct is compared with the same struct definition, else the struct of the same name, else the first.
 */
export function successorRegion(r1: Region, candidates: readonly Region[]): Region | undefined {
  const byId = r1.namespaceId !== undefined ? candidates.filter((r) => r.namespaceId === r1.namespaceId) : [];
  const there = byId.length > 0 ? byId : candidates.filter((r) => r.structKey && r.start === r1.start);
  const structName = (r: Region): string | undefined => r.structKey?.split(":").pop()?.split(".").pop();
  return there.find((r) => r.structKey === r1.structKey) ?? there.find((r) => structName(r) === structName(r1)) ?? there[0];
}

/** Namespace-by-namespace (and plain layout) comparison of V1 and V2 footprints. */
export function compareFootprints(from: DomainMember, to: DomainMember): LayoutComparison[] {
  const comparisons: LayoutComparison[] = [];
  const structRegions = (m: DomainMember): Region[] => m.footprint.regions.filter((r) => r.space === "storage" && r.structKey);
  const v2 = structRegions(to);
  for (const r1 of structRegions(from)) {
    const r2 = successorRegion(r1, v2);
    if (!r2 || r1.type.kind !== "struct" || r2.type.kind !== "struct") continue; // abandoned: upgrade-abandoned-storage
    const subject = r1.namespaceId !== undefined ? `erc7201:${r1.namespaceId}` : `${r1.label}`;
    const changes = compareTypes(r1.type, r2.type, "", true, r2.position, undefined, { slot: 0n, entry: false });
    if (changes.length > 0) comparisons.push({ subject, base: { kind: "root", root: r1.start }, changes });
  }
  // With `layout at`, the plain variables are compared relative to each version's base slot; a base
  // that moved leaves everything V1 stored behind.
  const rebase = (m: DomainMember): StorageMember[] => m.footprint.plainLayout.map((v) => ({ ...v, slot: v.slot - m.footprint.plainBase }));
  const plain: LayoutChange[] = [];
  if (from.footprint.plainBase !== to.footprint.plainBase && from.footprint.plainLayout.length > 0) {
    const at = to.contract.unit.position(to.contract.node.src);
    const variables = from.footprint.plainLayout.map((v) => `${v.declaredIn ? `${v.declaredIn}.` : ""}${v.name}`);
    plain.push({ kind: "base-moved", member: "plain state variables", from: from.footprint.plainBase, to: to.footprint.plainBase, variables, position: at });
  }
  plain.push(...compareLayouts(rebase(from), rebase(to), "", true, { slot: from.footprint.plainBase, entry: false }));
  if (plain.length > 0) comparisons.push({ subject: PLAIN_SUBJECT, base: { kind: "plain" }, changes: plain });
  return comparisons;
}

/**
 * The storage map of a domain context. For an upgrade variant (`after`: the base context's regions), only
 * what the upgrade adds - V2's new variables and namespaces - under `<domain> after V1 -> V2`.
 */
function storageMap(ctx: DomainContext, after?: DomainContext): StorageMapRow[] {
  const before = new Set(after?.regions.map((r) => r.identity) ?? []);
  const domain = ctx.upgrade ? `${ctx.domain.name} after ${ctx.upgrade.from.name} -> ${ctx.upgrade.to.name}` : ctx.domain.name;
  return [...ctx.regions]
    .filter((r) => !before.has(r.identity))
    .sort((a, b) => (a.space === b.space ? (a.start < b.start ? -1 : a.start > b.start ? 1 : a.offset - b.offset) : a.space === "storage" ? -1 : 1))
    .map((r) => ({
      domain,
      module: r.owner,
      usedBy: r.usedBy,
      kind: r.kind,
      space: r.space,
      label: r.label,
      slotStart: hexSlot(r.start),
      slotEnd: hexSlot(lastSlot(r)),
      offset: r.offset,
      bytes: Number(r.bytes),
      file: r.position.file,
      line: r.position.line,
      ...(r.namespaceId !== undefined ? { namespace: r.namespaceId } : {}),
      ...(r.constantName ? { constant: r.constantName } : {}),
    }));
}

export function domainSummary(d: ResolvedDomain): StorageDomainSummary {
  return {
    name: d.name,
    dispatch: d.dispatch,
    proxy: d.proxy?.contract.fqn ?? "(none: a standard ERC-1967 proxy outside the build)",
    implementations: d.implementations.map((m) => ({ contract: m.contract.fqn, ...(m.id !== undefined ? { id: m.id } : {}), ...(m.discovered ? { discovered: m.discovered } : {}) })),
    initializers: d.initializers.map((m) => m.contract.fqn),
    upgrades: d.upgrades.map((u) => `${u.from.fqn} -> ${u.to.fqn}`),
    origin: d.origin.kind,
    ...(d.origin.evidence ? { evidence: d.origin.evidence } : {}),
  };
}

export function analyzeStorage(build: SolcBuild, domains: ResolvedDomain[], stage = STORAGE_STAGE): StorageAnalysis {
  const builder = new FootprintBuilder(build);
  const hits: (RuleHit & { rule: string })[] = [];
  const map: StorageMapRow[] = [];
  for (const domain of domains) {
    const base = domainContext(builder, domain);
    const variants = [base, ...domain.upgrades.map((u) => domainContext(builder, withUpgrade(domain, u), u))];
    map.push(...storageMap(base), ...variants.slice(1).flatMap((v) => storageMap(v, base)));
    for (const rule of STORAGE_RULES) {
      if (rule.scope !== "domain") continue;
      for (const ctx of variants) hits.push(...rule.check(ctx).map((h) => ({ ...h, rule: rule.id })));
    }
    for (const u of domain.upgrades) {
      // In a chain V1 -> V2 -> V3, V2 -> V3 replaces V2 in V1's place (same id, same role).
      const head = base.members.find((m) => m.contract.fqn === chainHead(domain, u.from).fqn)!;
      const as = (contract: ContractRecord): DomainMember => ({ ...head, contract, name: memberName({ ...head, contract }), footprint: builder.footprint(contract) });
      const from = u.from.fqn === head.contract.fqn ? head : as(u.from);
      const to = as(u.to);
      const others = base.members.filter((m) => m !== head);
      const ctx: UpgradeContext = { domain, from, to, others, comparisons: compareFootprints(from, to) };
      for (const rule of STORAGE_RULES) {
        if (rule.scope === "upgrade") hits.push(...rule.check(ctx).map((h) => ({ ...h, rule: rule.id })));
      }
    }
  }
  const findings = toFindings(stage, STORAGE_TOOL, hits);
  const findingsBySeverity = countBySeverity(findings);
  return {
    findings,
    metrics: {
      domains: domains.map(domainSummary),
      storageMap: map,
      rules: STORAGE_RULES.map((r) => r.id),
      findingsBySeverity,
    },
  };
}

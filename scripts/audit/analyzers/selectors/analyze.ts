/**
 * The selector analyzer: every domain member's external selectors, the registered selector rules over
 * the domain as declared and with each upgrade applied, and - for id routers - the routing proof.
 */
import { countBySeverity } from "../../findings/severity";
import type { Finding } from "../../types";
import type { SolcBuild } from "../build-info";
import { chainHead, memberName, withUpgrade, type DomainMemberRef, type ResolvedDomain } from "../domain";
import { SELECTOR_TOOL, toFindings, type RuleHit } from "../findings";
import { hasFallback, nameFallbackSelectors, proxySelectorsOf, selectorsOf } from "./collect";
import type { SelectorDomainContext, SelectorMember, SelectorUpgradeContext } from "./context";
import { SELECTOR_RULES } from "./rules";

export const SELECTORS_STAGE = "selectors";

/** One external selector of one domain member (metrics.selectors). */
export interface SelectorRow {
  domain: string;
  contract: string;
  role: DomainMemberRef["role"];
  id?: number;
  selector: string;
  signature: string;
  /** `fallback`: answered by the proxy's own code before it delegates (assembly or `msg.sig` comparisons). */
  kind: "function" | "getter" | "fallback";
  /** Proxies: answered only for one account (a transparent proxy's admin); the guard's condition. */
  adminOnly?: string;
  file?: string;
  line?: number;
}

/**
 * For id-routed domains: why no routed call can reach a proxy function. `holds` is true when the proxy
 * has no selectors at all (nothing to reach), or - if the routing ABI allows proxy selectors - when no
 * proxy selector starts with the bytes of an id.
 */
export interface RoutingProof {
  domain: string;
  proxy: string;
  idBytes: number;
  ids: number[];
  proxySelectors: string[];
  proxyHasFallback: boolean;
  holds: boolean;
  reason: string;
}

/** `metrics` of the selectors stage (and of `audit:selectors --json`). */
export interface SelectorMetrics {
  selectors: SelectorRow[];
  routingProofs: RoutingProof[];
  rules: string[];
  findingsBySeverity: Record<string, number>;
}

export interface SelectorAnalysis {
  findings: Finding[];
  metrics: SelectorMetrics;
}

function member(ref: DomainMemberRef): SelectorMember {
  return { ...ref, name: memberName(ref), selectors: selectorsOf(ref.contract) };
}

function domainContext(build: SolcBuild, domain: ResolvedDomain, upgrade?: SelectorDomainContext["upgrade"]): SelectorDomainContext {
  const implementations = domain.implementations.map(member);
  if (!domain.proxy) return { domain, upgrade, implementations };
  const proxySelectors = nameFallbackSelectors(
    proxySelectorsOf(domain.proxy.contract, build),
    implementations.map((m) => m.selectors),
  );
  return { domain, upgrade, proxy: { ...domain.proxy, name: memberName(domain.proxy), selectors: proxySelectors }, implementations };
}

function routingProof(ctx: SelectorDomainContext & { proxy: SelectorMember }, captures: number): RoutingProof {
  const { domain, proxy } = ctx;
  const ids = ctx.implementations.map((m) => m.id!).sort((a, b) => a - b);
  const base = {
    domain: domain.name,
    proxy: proxy.contract.fqn,
    idBytes: domain.idBytes,
    ids,
    proxySelectors: proxy.selectors.map((s) => s.selector),
    proxyHasFallback: hasFallback(proxy.contract),
  };
  if (!base.proxyHasFallback) return { ...base, holds: false, reason: `${proxy.contract.name} has no fallback: it cannot route at all` };
  if (proxy.selectors.length === 0) {
    return { ...base, holds: true, reason: `${proxy.contract.name} declares no external function or public getter, so Solidity emits no dispatcher: every call reaches the fallback and is routed by its first ${domain.idBytes} byte(s)` };
  }
  return captures === 0 && domain.proxySelectors === "allowed"
    ? { ...base, holds: true, reason: `no proxy selector starts with the bytes of an id in use or free (checked ${proxy.selectors.length} selector(s))` }
    : { ...base, holds: false, reason: `${proxy.contract.name} has ${proxy.selectors.length} selector(s); see id-route-capture / id-router-proxy-selectors` };
}

export function analyzeSelectors(build: SolcBuild, domains: ResolvedDomain[], stage = SELECTORS_STAGE): SelectorAnalysis {
  const hits: (RuleHit & { rule: string })[] = [];
  const rows: SelectorRow[] = [];
  const proofs: RoutingProof[] = [];
  for (const domain of domains) {
    const base = domainContext(build, domain);
    for (const m of [...(base.proxy ? [base.proxy] : []), ...base.implementations]) {
      for (const s of m.selectors) {
        rows.push({
          domain: domain.name,
          contract: m.contract.name,
          role: m.role,
          ...(m.id !== undefined ? { id: m.id } : {}),
          selector: s.selector,
          signature: s.signature,
          kind: s.kind,
          ...(s.adminOnly ? { adminOnly: s.adminOnly.condition } : {}),
          ...(s.position ? { file: s.position.file, line: s.position.line } : {}),
        });
      }
    }
    const variants = [base, ...domain.upgrades.map((u) => domainContext(build, withUpgrade(domain, u), u))];
    let captures = 0;
    for (const rule of SELECTOR_RULES) {
      if (rule.scope !== "domain") continue;
      for (const ctx of variants) {
        const found = rule.check(ctx);
        if (rule.id === "id-route-capture" && ctx === base) captures = found.length;
        hits.push(...found.map((h) => ({ ...h, rule: rule.id })));
      }
    }
    if (domain.dispatch === "id-routed" && base.proxy) proofs.push(routingProof({ ...base, proxy: base.proxy }, captures));
    for (const u of domain.upgrades) {
      const head = base.implementations.find((m) => m.contract.fqn === chainHead(domain, u.from).fqn)!;
      const from = u.from.fqn === head.contract.fqn ? head : member({ ...head, contract: u.from });
      const ctx: SelectorUpgradeContext = { domain, from, to: member({ ...head, contract: u.to }) };
      for (const rule of SELECTOR_RULES) {
        if (rule.scope === "upgrade") hits.push(...rule.check(ctx).map((h) => ({ ...h, rule: rule.id })));
      }
    }
  }
  const findings = toFindings(stage, SELECTOR_TOOL, hits);
  const findingsBySeverity = countBySeverity(findings);
  return { findings, metrics: { selectors: rows, routingProofs: proofs, rules: SELECTOR_RULES.map((r) => r.id), findingsBySeverity } };
}

/**
 * facet-selector-clash (diamond): two facets of one diamond expose the same selector. A selector-routed
 * diamond maps each selector to one facet, so one of the two functions is unreachable (or diamondCut
 * reverts); with different signatures a call meant for one runs the other.
 */
import { where, type RuleHit } from "../../findings";
import { clashKind, upgradeNote, type SelectorDomainContext, type SelectorRule } from "../context";

export const facetSelectorClash: SelectorRule = {
  id: "facet-selector-clash",
  title: "Two facets expose the same selector",
  severity: "high",
  recommendation:
    "Keep each selector in one facet: rename one of two colliding functions, or move shared logic into an internal library.",
  summary:
    "Diamond (EIP-2535): two facets share a selector. High when the signatures differ (0x42966c68 class), medium when it is the same function in two facets.",
  scope: "domain",
  check(ctx: SelectorDomainContext): RuleHit[] {
    if (ctx.domain.dispatch !== "diamond") return [];
    const proxy = ctx.proxy;
    if (!proxy) return [];
    const hits: RuleHit[] = [];
    const facets = ctx.implementations;
    for (let i = 0; i < facets.length; i++) {
      const mine = new Map(facets[i].selectors.map((s) => [s.selector, s]));
      for (let j = i + 1; j < facets.length; j++) {
        for (const s of facets[j].selectors) {
          const t = mine.get(s.selector);
          if (!t) continue;
          const kind = clashKind(t, s);
          const [a, b] = [facets[i], facets[j]];
          hits.push({
            severity: kind === "collision" ? "high" : "medium",
            title:
              kind === "collision"
                ? `Selector collision ${s.selector}: ${a.contract.name}.${t.signature} vs ${b.contract.name}.${s.signature}`
                : `${s.signature} is in two facets: ${a.contract.name} and ${b.contract.name}`,
            description:
              `Facets ${a.contract.name} (${t.signature}, ${where(t.position)}) and ${b.contract.name} (${s.signature}, ${where(s.position)}) of diamond ${proxy.contract.name} share selector ${s.selector}${upgradeNote(ctx)}. ` +
              "The diamond routes a selector to exactly one facet: the other function can never be called" +
              (kind === "collision" ? ", and callers of it run a different function with reinterpreted arguments." : "."),
            recommendation:
              kind === "collision"
                ? "Rename one of the functions; selectors must be unique across all facets of a diamond."
                : "Keep the function in one facet (move shared logic into an internal library).",
            location: s.position ? { file: s.position.file, line: s.position.line, symbol: `${b.contract.name}.${s.signature}` } : undefined,
            anchor: `${ctx.domain.name}|${[a.contract.fqn, b.contract.fqn].sort().join("|")}|${s.selector}`,
            data: { kind, selector: s.selector, facets: [a.contract.name, b.contract.name], signatures: [t.signature, s.signature] },
          });
        }
      }
    }
    return hits;
  },
};

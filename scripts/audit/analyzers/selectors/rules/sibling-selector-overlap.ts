/**
 * sibling-selector-overlap (id-routed): two implementations at different ids share a selector. The id
 * picks the implementation before any selector is looked at, so this is harmless - reported as info
 * so integrators know which calls need the right id (and told apart: identical function vs collision).
 */
import { where, type RuleHit } from "../../findings";
import { clashKind, upgradeNote, type SelectorDomainContext, type SelectorRule } from "../context";

export const siblingSelectorOverlap: SelectorRule = {
  id: "sibling-selector-overlap",
  title: "Sibling implementations share a selector",
  severity: "info",
  recommendation:
    "None needed under id routing: the id picks the implementation before the selector.",
  summary: "Id routing: two implementations expose the same selector. Routing by id keeps them apart (info).",
  scope: "domain",
  check(ctx: SelectorDomainContext): RuleHit[] {
    if (ctx.domain.dispatch !== "id-routed") return [];
    const hits: RuleHit[] = [];
    const impls = ctx.implementations;
    for (let i = 0; i < impls.length; i++) {
      const mine = new Map(impls[i].selectors.map((s) => [s.selector, s]));
      for (let j = i + 1; j < impls.length; j++) {
        for (const s of impls[j].selectors) {
          const t = mine.get(s.selector);
          if (!t) continue;
          const kind = clashKind(t, s);
          hits.push({
            severity: "info",
            title: `${impls[i].name} and ${impls[j].name} share ${s.selector} (${kind === "duplicate" ? s.signature : `${t.signature} / ${s.signature}`})`,
            description:
              `${impls[i].contract.name}.${t.signature} (${where(t.position)}) and ${impls[j].contract.name}.${s.signature} (${where(s.position)}) have selector ${s.selector}${upgradeNote(ctx)}. ` +
              "Calls are routed by id first, so each reaches its own implementation; off-chain callers must prefix the right id.",
            recommendation: "None needed under id routing.",
            location: s.position ? { file: s.position.file, line: s.position.line, symbol: `${impls[j].contract.name}.${s.signature}` } : undefined,
            anchor: `${ctx.domain.name}|${[impls[i].contract.fqn, impls[j].contract.fqn].sort().join("|")}|${s.selector}`,
            data: { kind, selector: s.selector, implementations: [impls[i].name, impls[j].name], signatures: [t.signature, s.signature] },
          });
        }
      }
    }
    return hits;
  },
};

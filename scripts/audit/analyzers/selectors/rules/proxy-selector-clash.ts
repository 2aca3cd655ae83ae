/**
 * proxy-selector-clash (transparent, UUPS, diamond): a selector the proxy itself implements is also an
 * implementation's (or facet's). The proxy's dispatcher answers first, so the implementation's function
 * is unreachable through the proxy - and when the signatures differ (burn(uint256) vs
 * collate_propagate_storage(bytes16), both 0x42966c68) a user calling one silently runs the other.
 */
import { where, type RuleHit } from "../../findings";
import { clashKind, upgradeNote, type SelectorDomainContext, type SelectorRule } from "../context";

export const proxySelectorClash: SelectorRule = {
  id: "proxy-selector-clash",
  title: "Proxy function captures an implementation selector",
  severity: "high",
  summary:
    "Selector-dispatching proxies (transparent, UUPS, diamond): the proxy declares a function with an implementation's selector. High for different signatures (a call runs the wrong function), medium for the identical signature (the implementation's function is shadowed).",
  scope: "domain",
  check(ctx: SelectorDomainContext): RuleHit[] {
    if (ctx.domain.dispatch === "id-routed") return []; // id routing has its own rules
    const proxySelectors = new Map(ctx.proxy.selectors.map((s) => [s.selector, s]));
    const hits: RuleHit[] = [];
    for (const impl of ctx.implementations) {
      for (const s of impl.selectors) {
        const p = proxySelectors.get(s.selector);
        if (!p) continue;
        const kind = clashKind(p, s);
        hits.push({
          severity: kind === "collision" ? "high" : "medium",
          title:
            kind === "collision"
              ? `Selector collision ${s.selector}: proxy ${p.signature} vs ${impl.contract.name}.${s.signature}`
              : `Proxy ${ctx.proxy.contract.name} shadows ${impl.contract.name}.${s.signature}`,
          description:
            `${ctx.proxy.contract.name}.${p.signature} (${where(p.position)}) and ${impl.contract.name}.${s.signature} (${where(s.position)}) share selector ${s.selector}${upgradeNote(ctx)}. ` +
            `The ${ctx.domain.dispatch} proxy dispatches its own functions before delegating, so calls to ${s.signature} through the proxy never reach ${impl.contract.name}` +
            (kind === "collision" ? `: they run ${p.signature} with the caller's arguments reinterpreted.` : "."),
          recommendation:
            kind === "collision"
              ? `Rename one of the two functions (any change of name or parameters changes the selector), or use a proxy without functions (transparent: admin-only dispatch; ERC-1967 / UUPS proxy with no ABI).`
              : `Remove the function from the proxy (or from ${impl.contract.name}); keep proxy administration out of the user-facing selector space.`,
          location: s.position ? { file: s.position.file, line: s.position.line, symbol: `${impl.contract.name}.${s.signature}` } : undefined,
          anchor: `${ctx.domain.name}|${ctx.proxy.contract.fqn}|${impl.contract.fqn}|${s.selector}`,
          data: { kind, selector: s.selector, proxy: p.signature, implementation: s.signature, contract: impl.contract.name },
        });
      }
    }
    return hits;
  },
};

/**
 * proxy-selector-clash (transparent, UUPS, diamond): a selector the proxy answers itself - one of its
 * functions, or a selector its fallback compares before delegating (a Safe-style proxy's `masterCopy()`
 * in assembly) - is also an implementation's (or facet's). The proxy answers first, so the
 * implementation's function is unreachable through the proxy, and when the signatures differ
 * (burn(uint256) vs collate_propagate_storage(bytes16), both 0x42966c68) a caller of one silently runs
 * the other. Who is cut off decides the severity: a transparent proxy's admin-only function (ifAdmin:
 * everyone else falls through to the implementation) cuts off only the admin - medium for a different
 * function, low for the same signature; a function every caller hits cuts off the users - high for a
 * different signature; for the same signature (shadowed) high when the implementation's function
 * changes state (a caller's transaction runs the proxy's function instead: its effect, on the proxy's
 * own state, in place of the one the caller asked for - the shadowed `owner()`/`transferOwnership`
 * of pre-transparent proxies, zeppelinos/zos-lib#36; slither-check-upgradeability's
 * `function-shadowing` rates every shadowing high) and medium when it is `view`/`pure` (a read that
 * returns the proxy's value: wrong data, no state moved through it).
 */
import { where, type RuleHit } from "../../findings";
import type { SelectorEntry } from "../collect";
import { clashKind, upgradeNote, type SelectorDomainContext, type SelectorRule } from "../context";

function answered(proxy: string, p: SelectorEntry): string {
  return p.kind === "fallback"
    ? `${proxy} answers ${p.selector}${p.signature.startsWith("<") ? "" : ` (${p.signature})`} in its own code before delegating (${where(p.position)})`
    : `${proxy}.${p.signature} (${where(p.position)})`;
}

export const proxySelectorClash: SelectorRule = {
  id: "proxy-selector-clash",
  title: "Proxy function captures an implementation selector",
  severity: "high",
  recommendation:
    "Rename one of the two functions; where the pattern answers the selector for the admin only (transparent proxy), call the implementation from another account.",
  summary:
    "Selector-dispatching proxies (transparent, UUPS, diamond): the proxy answers an implementation's selector itself (a function, or a comparison in its fallback). When users are cut off: high for different signatures and for the same one when the implementation's function changes state, medium for the same signature of a view/pure function; medium / low when only a transparent proxy's admin is (ifAdmin).",
  scope: "domain",
  check(ctx: SelectorDomainContext): RuleHit[] {
    const proxyMember = ctx.proxy;
    if (ctx.domain.dispatch === "id-routed" || !proxyMember) return []; // id routing has its own rules
    const proxySelectors = new Map(proxyMember.selectors.map((s) => [s.selector, s]));
    const proxy = proxyMember.contract.name;
    const hits: RuleHit[] = [];
    for (const impl of ctx.implementations) {
      for (const s of impl.selectors) {
        const p = proxySelectors.get(s.selector);
        if (!p) continue;
        const kind = clashKind(p, s);
        const target = `${impl.contract.name}.${s.signature}`;
        let severity: RuleHit["severity"];
        let title: string;
        let description: string;
        let recommendation: string;
        if (p.adminOnly) {
          severity = kind === "collision" ? "medium" : "low";
          title =
            kind === "collision"
              ? `Selector collision ${s.selector} for the admin only: proxy ${p.signature} vs ${target}`
              : `The admin cannot reach ${target}: proxy ${p.signature} runs for the admin`;
          description =
            `${answered(proxy, p)} and ${target} (${where(s.position)}) share selector ${s.selector}${upgradeNote(ctx)}. ` +
            `The proxy runs its own function only when ${p.adminOnly.condition} (${where(p.adminOnly.position)}); every other caller falls through to ${impl.contract.name}, so users do reach ${target}. ` +
            `Only the admin is cut off from it` +
            (kind === "collision" ? `: when the admin calls ${s.signature}, the proxy runs ${p.signature} with the arguments reinterpreted.` : `: the admin gets the proxy's ${p.signature} instead.`);
          recommendation =
            "Call the implementation from an account other than the proxy admin (the transparent proxy pattern: the admin only administers), or rename one of the functions.";
        } else {
          const readOnly = s.mutability === "view" || s.mutability === "pure";
          severity = kind === "collision" || !readOnly ? "high" : "medium";
          title = kind === "collision" ? `Selector collision ${s.selector}: proxy ${p.signature} vs ${target}` : `Proxy ${proxy} shadows ${target}`;
          description =
            `${answered(proxy, p)} and ${target} (${where(s.position)}) share selector ${s.selector}${upgradeNote(ctx)}. ` +
            `The ${ctx.domain.dispatch} proxy answers it for every caller before delegating, so calls to ${s.signature} through the proxy never reach ${impl.contract.name}` +
            (kind === "collision"
              ? `: they run ${p.signature} with the caller's arguments reinterpreted.`
              : readOnly
                ? `: a caller reads the proxy's answer, not ${impl.contract.name}'s.`
                : `: a caller's transaction runs the proxy's own ${p.signature} instead, with its effect in place of the one ${impl.contract.name} would have had.`);
          recommendation =
            kind === "collision"
              ? `Rename one of the two functions (any change of name or parameters changes the selector), or use a proxy without functions (transparent: admin-only dispatch; ERC-1967 / UUPS proxy with no ABI).`
              : `Remove the function from the proxy (or from ${impl.contract.name}); keep proxy administration out of the user-facing selector space.`;
        }
        hits.push({
          severity,
          title,
          description,
          recommendation,
          location: s.position ? { file: s.position.file, line: s.position.line, symbol: target } : undefined,
          anchor: `${ctx.domain.name}|${proxyMember.contract.fqn}|${impl.contract.fqn}|${s.selector}`,
          data: {
            kind,
            selector: s.selector,
            proxy: p.signature,
            implementation: s.signature,
            contract: impl.contract.name,
            cutOff: p.adminOnly ? "admin" : "users",
            ...(p.kind === "fallback" ? { answeredIn: "fallback" } : {}),
          },
        });
      }
    }
    return hits;
  },
};

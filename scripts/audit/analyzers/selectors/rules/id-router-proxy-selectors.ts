/**
 * id-router-proxy-selectors (id-routed, proxySelectors: "forbidden"): the routing ABI this project
 * chose says the proxy has no selectors at all - every call, admin included, is routed by id - which
 * makes a routed call reaching a proxy function impossible by construction. Any external function on
 * the proxy breaks that guarantee.
 */
import { where, type RuleHit } from "../../findings";
import type { SelectorDomainContext, SelectorRule } from "../context";

export const idRouterProxySelectors: SelectorRule = {
  id: "id-router-proxy-selectors",
  title: "Id router declares external functions",
  severity: "high",
  recommendation:
    "Move the functions into a module served under a reserved id (as an admin module at id 0) and keep the proxy fallback-only.",
  summary:
    "Id-routed domain whose routing ABI forbids proxy selectors: the proxy declares external functions or public getters, so the 'no routed call can reach the proxy' guarantee no longer holds by construction.",
  scope: "domain",
  check(ctx: SelectorDomainContext): RuleHit[] {
    const proxy = ctx.proxy;
    if (ctx.domain.dispatch !== "id-routed" || ctx.domain.proxySelectors !== "forbidden" || !proxy || proxy.selectors.length === 0) return [];
    const first = proxy.selectors[0];
    return [
      {
        severity: "high",
        title: `Id router ${proxy.contract.name} has ${proxy.selectors.length} selector(s)`,
        description:
          `The routing ABI of domain ${ctx.domain.name} requires a proxy without functions (calls are \`bytes${ctx.domain.idBytes}(id) ++ calldata\`, admin included), but ${proxy.contract.name} declares ` +
          proxy.selectors.map((s) => `${s.signature} (${s.selector}, ${where(s.position)})`).join(", ") +
          ". Solidity now emits a selector dispatcher in front of the router: routed calls whose first four bytes match are captured, and every call pays the comparisons.",
        recommendation: "Move the functions into a module served under a reserved id (as LoadBalancerAdmin at id 0) and keep the proxy fallback-only.",
        location: first.position ? { file: first.position.file, line: first.position.line, symbol: proxy.contract.name } : undefined,
        anchor: `${ctx.domain.name}|${proxy.contract.fqn}`,
        data: { selectors: proxy.selectors.map((s) => ({ selector: s.selector, signature: s.signature })) },
      },
    ];
  },
};

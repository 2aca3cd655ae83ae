/**
 * id-route-capture (id-routed): a routed call is `id ++ implementation calldata`, so the proxy's own
 * dispatcher sees `id ++ selector[0 : 4 - idBytes]` as a selector. A proxy function whose selector's
 * first idBytes bytes equal an id captures every call to that id whose selector continues with the
 * proxy selector's remaining bytes. Critical when a registered implementation has such a function,
 * high when the id is registered, medium when the id is free (it can never be used safely).
 */
import { where, type RuleHit } from "../../findings";
import { upgradeNote, type SelectorDomainContext, type SelectorRule } from "../context";

export const idRouteCapture: SelectorRule = {
  id: "id-route-capture",
  title: "Proxy selector captures routed calls",
  severity: "critical",
  recommendation:
    "Remove the function from the proxy (route administration through a module id instead), or change the routing ABI so ids cannot alias proxy selectors.",
  summary:
    "Id-prefix routing: a proxy selector begins with the bytes of an implementation id, so routed calls to that id reach the proxy's function instead of the implementation.",
  scope: "domain",
  check(ctx: SelectorDomainContext): RuleHit[] {
    if (ctx.domain.dispatch !== "id-routed") return [];
    const proxy = ctx.proxy;
    if (!proxy) return [];
    const k = ctx.domain.idBytes;
    const hits: RuleHit[] = [];
    for (const p of proxy.selectors) {
      const bytes = p.selector.slice(2);
      const id = parseInt(bytes.slice(0, 2 * Math.min(k, 4)), 16);
      const rest = k < 4 ? bytes.slice(2 * k) : "";
      const impl = ctx.implementations.find((m) => m.id === id);
      const captured = impl ? impl.selectors.filter((s) => s.selector.slice(2, 2 + rest.length) === rest) : [];
      const severity = captured.length > 0 ? "critical" : impl ? "high" : "medium";
      const target = impl ? `${impl.contract.name} (id ${id})` : `id ${id} (unregistered)`;
      hits.push({
        severity,
        title:
          captured.length > 0
            ? `Proxy ${p.signature} captures ${impl!.contract.name}.${captured.map((c) => c.signature).join(", ")}`
            : `Proxy ${p.signature} (${p.selector}) overlaps routed calls to ${target}`,
        description:
          `Under ${k}-byte id routing, calldata for id ${id} starts with 0x${bytes.slice(0, 2 * Math.min(k, 4))}, so any routed call to ${target} whose selector starts with 0x${rest || "(anything)"} ` +
          `is dispatched by ${proxy.contract.name}.${p.signature} (${where(p.position)}) instead of being routed${upgradeNote(ctx)}.` +
          (captured.length > 0
            ? ` ${impl!.contract.name} has ${captured.map((c) => `${c.signature} (${c.selector}, ${where(c.position)})`).join(", ")}: calling it through the proxy runs the proxy's function.`
            : impl
              ? " No function of the registered implementation matches today; any future one with that prefix will be captured."
              : " Registering an implementation under this id would expose it to the capture."),
        recommendation: "Remove the function from the proxy (route administration through a module id instead), or change the routing ABI so ids cannot alias proxy selectors.",
        location: p.position ? { file: p.position.file, line: p.position.line, symbol: `${proxy.contract.name}.${p.signature}` } : undefined,
        anchor: `${ctx.domain.name}|${proxy.contract.fqn}|${p.selector}|id ${id}|${captured.map((c) => c.selector).join(",")}`,
        data: { selector: p.selector, signature: p.signature, id, implementation: impl?.contract.name, captured: captured.map((c) => c.signature) },
      });
    }
    return hits;
  },
};

/**
 * undeclared-domain-member: a contract of the project runs in a declared domain's storage - it inherits
 * the base every declared implementation of an id-routed or diamond domain shares (this repository's
 * LoadBalancerModule) - but the domains file does not list it. It is analyzed as a member anyway
 * (../../infer.ts `discoverMembers`), so its collisions are reported; this finding says the file is
 * incomplete, so routing and selectors, which need its id, are not checked for it.
 */
import { where, type RuleHit } from "../../findings";
import type { DomainContext, StorageRule } from "../context";

export const undeclaredDomainMember: StorageRule = {
  id: "undeclared-domain-member",
  title: "Contract runs in a domain's storage but is not declared",
  severity: "low",
  recommendation:
    "Declare the contract in its domain in audit/domains.json (with its id under id routing), so every rule sees it.",
  summary:
    "A project contract inherits the base all of a domain's declared implementations share, so it runs in that proxy's storage, but the domains file does not list it. It is analyzed as a member anyway; declare it so its id and selectors are checked too.",
  scope: "domain",
  check(ctx: DomainContext): RuleHit[] {
    if (ctx.upgrade) return [];
    return ctx.members
      .filter((m) => m.discovered)
      .map((m) => {
        const at = m.contract.unit.position(m.contract.node.src) ?? { file: m.contract.file, line: 1, endLine: 1 };
        return {
          severity: "low" as const,
          title: `${m.contract.name} runs in domain ${ctx.domain.name}'s storage but is not declared`,
          description:
            `${m.contract.name} (${where(at)}) ${m.discovered}, like every declared implementation of ${ctx.domain.dispatch} domain ${ctx.domain.name}, so it runs in the storage of ${ctx.domain.proxy?.contract.name ?? "the proxy"}. ` +
            "The domains file does not list it: it was analyzed as a member here (its storage collisions are reported), but its id and selectors are not checked.",
          recommendation: `Add ${m.contract.fqn} to domain ${ctx.domain.name} in audit/domains.json${ctx.domain.dispatch === "id-routed" ? " with the id it is registered under" : ""}.`,
          location: { file: at.file, line: at.line, symbol: m.contract.name },
          anchor: `${ctx.domain.name}|${m.contract.fqn}`,
          data: { domain: ctx.domain.name, contract: m.contract.fqn, why: m.discovered },
        };
      });
  },
};

/**
 * upgrade-selector-removed: V2 drops external functions V1 had. Integrators and other modules calling
 * them start to revert (or, behind a diamond / transparent proxy, hit the fallback) after the upgrade.
 */
import { where, type RuleHit } from "../../findings";
import type { SelectorRule, SelectorUpgradeContext } from "../context";

export const upgradeSelectorRemoved: SelectorRule = {
  id: "upgrade-selector-removed",
  title: "V2 removes external functions",
  severity: "low",
  recommendation:
    "Keep the functions (deprecated, forwarding to the new ones) until every caller has migrated, or announce the removal.",
  summary: "V1 -> V2: selectors V1 exposed are missing from V2; callers of them break after the upgrade.",
  scope: "upgrade",
  check(ctx: SelectorUpgradeContext): RuleHit[] {
    const v2 = new Set(ctx.to.selectors.map((s) => s.selector));
    const removed = ctx.from.selectors.filter((s) => !v2.has(s.selector));
    if (removed.length === 0) return [];
    const first = removed[0];
    return [
      {
        severity: "low",
        title: `${ctx.from.contract.name} -> ${ctx.to.contract.name} removes ${removed.length} function(s)`,
        description: `${ctx.to.contract.name} no longer has ${removed.map((s) => `${s.signature} (${where(s.position)})`).join(", ")}. Calls to them through the proxy revert after the upgrade.`,
        recommendation: "Keep the functions (deprecated, forwarding to the new ones) until every caller has migrated, or announce the removal.",
        location: first.position ? { file: first.position.file, line: first.position.line, symbol: `${ctx.from.contract.name}.${first.signature}` } : undefined,
        anchor: `${ctx.domain.name}|${ctx.from.contract.fqn}->${ctx.to.contract.fqn}`,
        data: { removed: removed.map((s) => s.signature) },
      },
    ];
  },
};

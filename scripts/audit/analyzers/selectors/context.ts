/** What selector rules read. */
import type { ContractRecord } from "../build-info";
import type { DomainMemberRef, ResolvedDomain } from "../domain";
import type { RuleHit, RuleInfo } from "../findings";
import type { SelectorEntry } from "./collect";

export interface SelectorMember extends DomainMemberRef {
  name: string;
  selectors: SelectorEntry[];
}

export interface SelectorDomainContext {
  domain: ResolvedDomain;
  upgrade?: { from: ContractRecord; to: ContractRecord };
  /** Absent for an upgrade check without a proxy (only transparent/uups domains). */
  proxy?: SelectorMember;
  implementations: SelectorMember[];
}

export interface SelectorUpgradeContext {
  domain: ResolvedDomain;
  from: SelectorMember;
  to: SelectorMember;
}

export type SelectorRule =
  | (RuleInfo & { scope: "domain"; check(ctx: SelectorDomainContext): RuleHit[] })
  | (RuleInfo & { scope: "upgrade"; check(ctx: SelectorUpgradeContext): RuleHit[] });

export function upgradeNote(ctx: SelectorDomainContext): string {
  return ctx.upgrade ? ` once ${ctx.upgrade.from.name} is upgraded to ${ctx.upgrade.to.name}` : "";
}

/** "collision" when two different signatures hash to one selector (the 0x42966c68 class), "duplicate" when they are the same function. */
export function clashKind(a: SelectorEntry, b: SelectorEntry): "collision" | "duplicate" {
  return a.signature === b.signature ? "duplicate" : "collision";
}

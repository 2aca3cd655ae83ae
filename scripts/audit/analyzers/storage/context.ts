/** What storage rules read: a domain's members with their footprints, or one V1 -> V2 pair. */
import type { ContractRecord } from "../build-info";
import type { DomainMemberRef, ResolvedDomain } from "../domain";
import type { RuleHit, RuleInfo } from "../findings";
import type { LayoutChange } from "./compare";
import type { LayoutBase } from "./wording";
import type { Footprint, Region } from "./types";

export interface DomainMember extends DomainMemberRef {
  /** Display name: `Staking (id 1)`, `LoadBalancer (proxy)`. */
  name: string;
  footprint: Footprint;
}

/** A region of the domain's shared storage, with the members whose code touches it. */
export interface DomainRegion extends Region {
  usedBy: string[];
  /** The first member using it (proxy first, then implementations in declared order). */
  owner: string;
  /** Only the proxy's own code touches it (its admin/implementation slots, its plain variables). */
  proxyOnly: boolean;
}

export interface DomainContext {
  domain: ResolvedDomain;
  /** Set when the domain is analyzed with this upgrade applied. */
  upgrade?: { from: ContractRecord; to: ContractRecord };
  members: DomainMember[];
  regions: DomainRegion[];
}

export interface LayoutComparison {
  /** `erc7201:loadbalancer.storage.Staking`, `plain state variables`... */
  subject: string;
  /** Where the compared layout's slots are counted from (slot 0, or the struct's root). */
  base: LayoutBase;
  changes: LayoutChange[];
}

export interface UpgradeContext {
  domain: ResolvedDomain;
  from: DomainMember;
  to: DomainMember;
  /** The rest of the domain (the proxy and the other implementations), which keeps running beside V2. */
  others: DomainMember[];
  comparisons: LayoutComparison[];
}

export type StorageRule =
  | (RuleInfo & { scope: "domain"; check(ctx: DomainContext): RuleHit[] })
  | (RuleInfo & { scope: "upgrade"; check(ctx: UpgradeContext): RuleHit[] });

/** "when Staking is upgraded to StakingV2" for findings that only exist after an upgrade. */
export function upgradeNote(ctx: DomainContext): string {
  return ctx.upgrade ? ` once ${ctx.upgrade.from.name} is upgraded to ${ctx.upgrade.to.name}` : "";
}

/**
 * THE storage rule registry: the analyzer runs exactly these rules. Adding a rule = one module in this
 * folder exporting a `StorageRule` + one line here + a positive and a negative fixture test
 * (docs/ANALYZERS.md, "Adding a rule").
 */
import type { StorageRule } from "../context";
import { plainStateInImplementation } from "./plain-state-in-implementation";
import { proxyPlainState } from "./proxy-plain-state";
import { slotConstantMismatch } from "./slot-constant-mismatch";
import { storageNamespaceReuse } from "./namespace-reuse";
import { storageOverlap } from "./overlap";
import { undeclaredDomainMember } from "./undeclared-domain-member";
import { unresolvedSlot } from "./unresolved-slot";
import { upgradeAbandonedStorage } from "./upgrade-abandoned-storage";
import { upgradeIncompatibleLayout } from "./upgrade-incompatible-layout";
import { upgradeRenamedMember } from "./upgrade-renamed-member";

export const STORAGE_RULES: readonly StorageRule[] = [
  storageOverlap,
  storageNamespaceReuse,
  slotConstantMismatch,
  plainStateInImplementation,
  proxyPlainState,
  upgradeIncompatibleLayout,
  upgradeRenamedMember,
  upgradeAbandonedStorage,
  unresolvedSlot,
  undeclaredDomainMember,
];

/**
 * storage-overlap: two different declarations whose storage ranges intersect anywhere in the domain -
 * plain vs plain (the Audius case: a proxy variable at slot 0 over the implementation's initializer
 * flag), plain vs namespace, namespace vs namespace, hard-coded slot vs anything. Persistent and
 * transient storage are separate spaces; transient regions are compared among themselves.
 */
import { hexSlot } from "../../evaluate";
import { where, type RuleHit } from "../../findings";
import { upgradeNote, type DomainContext, type DomainRegion, type StorageRule } from "../context";
import { lastSlot, regionBegin, regionEnd } from "../types";

export function describeRegion(r: DomainRegion): string {
  const range = lastSlot(r) === r.start ? `slot ${shortSlot(r.start)}` : `slots ${shortSlot(r.start)}..${shortSlot(lastSlot(r))}`;
  const bytes = r.kind === "plain" || (r.kind === "transient" && !r.constantName) ? `, bytes ${r.offset}..${r.offset + Number(r.bytes) - 1}` : "";
  return `\`${r.label}\` (${range}${bytes}; ${where(r.position)}; used by ${r.usedBy.join(", ")})`;
}

export function shortSlot(slot: bigint): string {
  return slot < 0x10000n ? `0x${slot.toString(16)}` : hexSlot(slot);
}

export const storageOverlap: StorageRule = {
  id: "storage-overlap",
  title: "Storage ranges of different declarations overlap",
  severity: "critical",
  recommendation:
    "Give each declaration storage of its own: state in a unique ERC-7201 namespace (or a unique keccak256 position), never plain or transient variables from slot 0 in a module that shares the proxy's storage.",
  summary:
    "Two different variables, namespaces or hard-coded slots of one storage domain share bytes: a write through one corrupts the other. Critical when one side is the proxy's own state, high otherwise.",
  scope: "domain",
  check(ctx: DomainContext): RuleHit[] {
    const hits: RuleHit[] = [];
    for (const space of ["storage", "transient"] as const) {
      const regions = ctx.regions
        .filter((r) => r.space === space)
        .sort((a, b) => (regionBegin(a) < regionBegin(b) ? -1 : regionBegin(a) > regionBegin(b) ? 1 : 0));
      for (let i = 0; i < regions.length; i++) {
        for (let j = i + 1; j < regions.length && regionBegin(regions[j]) < regionEnd(regions[i]); j++) {
          const [a, b] = [regions[i], regions[j]];
          // Two struct layouts bound at one root are storage-namespace-reuse's finding.
          if (a.structKey && b.structKey && a.start === b.start) continue;
          hits.push(overlapHit(ctx, a, b));
        }
      }
    }
    return hits;
  },
};

function overlapHit(ctx: DomainContext, a: DomainRegion, b: DomainRegion): RuleHit {
  const proxySide = a.proxyOnly || b.proxyOnly;
  // Point at the side a reviewer can move: the implementation's rather than the proxy's, the one fewer
  // members share (the odd one out against an AppStorage every facet declares), else the later member's.
  const memberIndex = (r: DomainRegion): number => Math.max(...r.usedBy.map((n) => ctx.members.findIndex((m) => m.name === n)));
  const keepA = a.usedBy.length !== b.usedBy.length ? a.usedBy.length > b.usedBy.length : memberIndex(a) <= memberIndex(b);
  const [kept, moved] = a.proxyOnly ? [a, b] : b.proxyOnly ? [b, a] : keepA ? [a, b] : [b, a];
  const spaceNote = a.space === "transient" ? "transient " : "";
  const [first, second] = [a.identity, b.identity].sort();
  return {
    severity: proxySide ? "critical" : "high",
    title: `${spaceNote}storage overlap: ${moved.label} and ${kept.label}`,
    description:
      `In storage domain ${ctx.domain.name} (${ctx.domain.dispatch})${upgradeNote(ctx)}, ${describeRegion(moved)} overlaps ${describeRegion(kept)}. ` +
      `All of them run in the proxy's ${spaceNote}storage, so a write through one silently changes the other` +
      (proxySide ? "; one side is the proxy's own state, so an implementation call can rewrite the proxy (the Audius 2022 takeover class)." : "."),
    recommendation:
      moved.kind === "plain"
        ? `Move ${moved.declaredIn}'s state into its own ERC-7201 namespace (a struct annotated @custom:storage-location erc7201:<unique id>) so it cannot land on another module's slots.`
        : moved.kind === "transient" && !moved.constantName
          ? `\`transient\` state variables start at transient slot 0 in every module: keep ${moved.declaredIn}'s transient state at a slot derived from a unique id instead (OpenZeppelin TransientSlot with an ERC-7201-style constant).`
          : `Give ${moved.label} a slot of its own: a unique ERC-7201 id (or a unique keccak256 position) that no other declaration in the domain uses.`,
    location: { file: moved.position.file, line: moved.position.line, symbol: moved.label },
    anchor: `${ctx.domain.name}|${first}|${second}`,
    data: {
      domain: ctx.domain.name,
      space: a.space,
      regions: [a, b].map((r) => ({ label: r.label, kind: r.kind, slotStart: hexSlot(r.start), slotEnd: hexSlot(lastSlot(r)), offset: r.offset, bytes: Number(r.bytes), usedBy: r.usedBy, file: r.position.file, line: r.position.line })),
      ...(ctx.upgrade ? { upgrade: `${ctx.upgrade.from.name} -> ${ctx.upgrade.to.name}` } : {}),
    },
  };
}

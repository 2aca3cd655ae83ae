/**
 * storage-namespace-reuse: one ERC-7201 id, or one root slot, used by different struct definitions -
 * two libraries on keccak256("diamond.standard.diamond.storage"), or a copy-pasted annotation. The
 * structs' members land on each other member by member.
 */
import { hexSlot } from "../../evaluate";
import { where, type RuleHit } from "../../findings";
import { shapeOf } from "../layout";
import { upgradeNote, type DomainContext, type DomainRegion, type StorageRule } from "../context";

export const storageNamespaceReuse: StorageRule = {
  id: "storage-namespace-reuse",
  title: "Namespace id or root used by different structs",
  severity: "high",
  recommendation:
    "Give each struct its own ERC-7201 namespace id (@custom:storage-location erc7201:<project>.<module>) and slot constant; where two copies are identical, keep one declaration and import it.",
  summary:
    "Two different struct definitions are bound to the same ERC-7201 id or the same root slot (diamond storage position): their members overwrite each other. High when the layouts differ, low when they are identical copies.",
  scope: "domain",
  check(ctx: DomainContext): RuleHit[] {
    const groups = new Map<string, { key: string; how: string; regions: DomainRegion[] }>();
    const add = (key: string, how: string, r: DomainRegion): void => {
      const g = groups.get(key) ?? { key, how, regions: [] };
      if (!g.regions.some((x) => x.structKey === r.structKey)) g.regions.push(r);
      groups.set(key, g);
    };
    for (const r of ctx.regions) {
      if (r.space !== "storage" || !r.structKey) continue;
      if (r.namespaceId !== undefined) add(`id:${r.namespaceId}`, `ERC-7201 id "${r.namespaceId}"`, r);
      add(`root:${hexSlot(r.start)}`, `root slot ${hexSlot(r.start)}`, r);
    }
    const hits: RuleHit[] = [];
    const reported = new Set<string>();
    for (const g of groups.values()) {
      if (g.regions.length < 2) continue;
      const structs = g.regions.map((r) => r.structKey!).sort();
      // The same set of structs found by id and by root: one finding.
      if (reported.has(structs.join("|"))) continue;
      reported.add(structs.join("|"));
      const identical = new Set(g.regions.map((r) => shapeOf(r.type))).size === 1;
      const [, second] = g.regions;
      hits.push({
        severity: identical ? "low" : "high",
        title: `${g.how} is used by ${g.regions.length} different structs`,
        description:
          `In storage domain ${ctx.domain.name}${upgradeNote(ctx)}, ${g.how} holds ` +
          g.regions.map((r) => `\`${r.type.label}\` (${where(r.position)}, used by ${r.usedBy.join(", ")})`).join(" and ") +
          (identical
            ? ". The layouts are identical today, so the data agrees, but the two declarations will drift apart on the next change."
            : ". Their members sit on the same slots with different meanings: each module corrupts the other's state."),
        recommendation: identical
          ? "Keep one declaration of the struct and import it everywhere."
          : "Give each struct its own namespace id (ERC-7201: @custom:storage-location erc7201:<project>.<module>) and slot constant.",
        location: { file: second.position.file, line: second.position.line, symbol: second.type.label },
        anchor: `${ctx.domain.name}|${g.key}|${structs.join("|")}`,
        data: { domain: ctx.domain.name, structs, root: hexSlot(g.regions[0].start) },
      });
    }
    return hits;
  },
};

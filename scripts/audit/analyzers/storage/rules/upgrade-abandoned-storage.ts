/**
 * upgrade-abandoned-storage: V1 keeps data in an ERC-7201 namespace, a diamond-storage position or a
 * hard-coded slot that nothing in the domain uses once V1 is replaced by V2 - V2 renamed the namespace
 * id (and recomputed its slot), changed the position string, or dropped the slot. V1's data stays where
 * it was, orphaned, and V2 starts from empty storage: balances and totals read as zero.
 */
import { hexSlot } from "../../evaluate";
import { where, type RuleHit } from "../../findings";
import type { StorageRule, UpgradeContext } from "../context";
import { shapeOf } from "../layout";
import { lastSlot, type Region } from "../types";

function covers(r: Region, slot: bigint): boolean {
  return r.start <= slot && slot <= lastSlot(r);
}

function shortName(qualified: string | undefined): string | undefined {
  return qualified?.slice(qualified.lastIndexOf(".") + 1);
}

function what(r: Region): string {
  return r.namespaceId !== undefined ? `erc7201:${r.namespaceId}` : r.label;
}

/** Whether struct region `r2` begins with every member of `r1` (same names and shapes, in order): V1's struct grown. */
function startsWithMembersOf(r2: Region, r1: Region): boolean {
  if (r1.type.kind !== "struct" || r2.type.kind !== "struct" || r1.type.members.length === 0) return false;
  const [a, b] = [r1.type.members, r2.type.members];
  return a.length <= b.length && a.every((m, i) => m.name === b[i].name && m.slot === b[i].slot && m.offset === b[i].offset && shapeOf(m.type) === shapeOf(b[i].type));
}

/** The V2 region most likely meant to replace an abandoned one: the same struct (by name or shape), V1's struct grown at its end, or the same constant name. */
function replacementOf(r1: Region, fresh: Region[]): Region | undefined {
  const structName = (r: Region): string | undefined => (r.type.kind === "struct" ? r.type.label.slice(r.type.label.lastIndexOf(".") + 1) : undefined);
  return (
    fresh.find((r2) => r1.structKey !== undefined && r2.structKey !== undefined && structName(r1) === structName(r2)) ??
    fresh.find((r2) => r1.structKey !== undefined && r2.structKey !== undefined && shapeOf(r1.type) === shapeOf(r2.type)) ??
    fresh.find((r2) => startsWithMembersOf(r2, r1)) ??
    fresh.find((r2) => r1.constantName !== undefined && shortName(r1.constantName) === shortName(r2.constantName))
  );
}

export const upgradeAbandonedStorage: StorageRule = {
  id: "upgrade-abandoned-storage",
  title: "V2 abandons storage that V1 wrote",
  severity: "high",
  recommendation:
    "Keep V1's namespace id or slot in V2; to move data to a new place, copy it in a migration (reinitializer) that reads the old one.",
  summary:
    "V1 -> V2: an ERC-7201 namespace, diamond-storage position or hard-coded slot that V1 uses is used by nothing in the domain after the upgrade (a renamed namespace id, a changed position string): V1's data there is orphaned and V2 starts from empty storage.",
  scope: "upgrade",
  check(ctx: UpgradeContext): RuleHit[] {
    const persistent = (rs: readonly Region[]): Region[] => rs.filter((r) => r.space === "storage" && r.kind !== "plain");
    const after = [ctx.to, ...ctx.others].flatMap((m) => persistent(m.footprint.regions));
    const before = persistent(ctx.from.footprint.regions);
    // A plain variable of V1's struct type at its root is the same storage (AppStorage `s`).
    const plainAfter = [ctx.to, ...ctx.others].flatMap((m) => m.footprint.regions.filter((r) => r.kind === "plain"));
    const keeps = (r1: Region, rs: Region[]): boolean =>
      rs.some((r) => (r1.namespaceId !== undefined && r.namespaceId === r1.namespaceId) || covers(r, r1.start)) ||
      (rs === after && plainAfter.some((r) => r.identity === r1.identity));
    const fresh = persistent(ctx.to.footprint.regions).filter((r2) => !keeps(r2, before));
    const hits: RuleHit[] = [];
    for (const r1 of before) {
      if (keeps(r1, after)) continue;
      const r2 = replacementOf(r1, fresh);
      const held = r1.type.kind === "struct" ? r1.type.members.map((m) => m.name).join(", ") : "the slot's value";
      const idChange =
        r2 && r1.namespaceId !== undefined && r2.namespaceId !== undefined ? ` (the ERC-7201 id changed from "${r1.namespaceId}" to "${r2.namespaceId}")` : "";
      const at = r2?.position ?? ctx.to.contract.unit.position(ctx.to.contract.node.src) ?? r1.position;
      hits.push({
        severity: "high",
        title: `${ctx.from.contract.name} -> ${ctx.to.contract.name}: ${what(r1)} is abandoned${r2 ? ` for ${what(r2)}` : ""}`,
        description:
          `Upgrading ${ctx.from.name} to ${ctx.to.contract.name}: V1 keeps data in ${what(r1)} (root ${hexSlot(r1.start)}, ${where(r1.position)}), ` +
          `but nothing in storage domain ${ctx.domain.name} uses it after the upgrade` +
          (r2 ? `: V2 keeps that data in ${what(r2)} (root ${hexSlot(r2.start)}, ${where(r2.position)}) instead${idChange}, which starts empty` : "") +
          `. Everything V1 stored there (${held}) is orphaned: V2 reads zeros where V1 had values.`,
        recommendation: r1.namespaceId !== undefined
          ? `Keep V1's namespace id "${r1.namespaceId}" and its slot constant in V2. To move data to a new namespace, copy it in a migration (reinitializer) that reads the old one.`
          : "Keep V1's slot (its position string or constant) in V2. To move data, copy it in a migration (reinitializer) that reads the old slot.",
        location: { file: at.file, line: at.line, symbol: ctx.to.contract.name },
        anchor: `${ctx.domain.name}|${ctx.from.contract.fqn}->${ctx.to.contract.fqn}|${r1.namespaceId ?? hexSlot(r1.start)}`,
        data: {
          from: ctx.from.contract.fqn,
          to: ctx.to.contract.fqn,
          abandoned: { label: r1.label, root: hexSlot(r1.start), ...(r1.namespaceId !== undefined ? { namespace: r1.namespaceId } : {}) },
          ...(r2 ? { replacement: { label: r2.label, root: hexSlot(r2.start), ...(r2.namespaceId !== undefined ? { namespace: r2.namespaceId } : {}) } } : {}),
        },
      });
    }
    return hits;
  },
};

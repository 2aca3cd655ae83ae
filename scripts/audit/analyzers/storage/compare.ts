/**
 * V1 -> V2 storage layout comparison (the rule OpenZeppelin's upgrades-core applies, per namespace):
 * every V1 member must keep its slot, offset and storage shape in V2; V2 may only append. Each
 * difference is classified so the report can say what happened: insertion, reorder, deletion,
 * type change - or a rename, which keeps the data and is only a warning.
 */
import type { SourcePosition } from "../build-info";
import { shapeOf, storageSlots } from "./layout";
import type { StorageMember, StorageType } from "./types";

export type LayoutChangeKind = "insertion" | "reorder" | "deletion" | "type-change" | "rename";

export interface LayoutChange {
  kind: LayoutChangeKind;
  /** Member path, e.g. `proposals.value.quorum`. */
  member: string;
  detail: string;
  position?: SourcePosition;
}

function at(m: StorageMember): string {
  return m.offset === 0 ? `slot +${m.slot}` : `slot +${m.slot} byte ${m.offset}`;
}

function sameValueKind(a: StorageType & { kind: "value" }, b: StorageType & { kind: "value" }): boolean {
  return a.bytes === b.bytes && a.category === b.category;
}

/**
 * Differences between two types stored at the same place. `mayGrow`: the type sits where growing it
 * overwrites nothing (a mapping value, the last member of an appendable layout).
 */
export function compareTypes(a: StorageType, b: StorageType, path: string, mayGrow: boolean, position?: SourcePosition): LayoutChange[] {
  if (shapeOf(a) === shapeOf(b) && a.kind !== "struct") return [];
  const changed = (detail: string): LayoutChange[] => [{ kind: "type-change", member: path, detail, position }];
  if (a.kind !== b.kind) return changed(`${a.label} became ${b.label}`);
  switch (a.kind) {
    case "value":
      return sameValueKind(a, b as typeof a) ? [] : changed(`${a.label} became ${b.label}`);
    case "dynamic-bytes":
      return [];
    case "mapping": {
      const m = b as typeof a;
      if (shapeOf(a.key) !== shapeOf(m.key)) return changed(`key ${a.key.label} became ${m.key.label}`);
      return compareTypes(a.value, m.value, `${path}[*]`, true, position);
    }
    case "dynamic-array":
      // Elements sit back to back: any size change moves every element after the first.
      return compareTypes(a.base, (b as typeof a).base, `${path}[*]`, false, position);
    case "static-array": {
      const s = b as typeof a;
      if (s.length < a.length || (s.length > a.length && !mayGrow)) return changed(`length ${a.length} became ${s.length}`);
      return compareTypes(a.base, s.base, `${path}[*]`, false, position);
    }
    case "struct": {
      const s = b as typeof a;
      if (a.recursive || s.recursive) return [];
      const changes = compareMembers(a.members, s.members, path, mayGrow);
      if (!mayGrow && s.slots !== a.slots && !changes.some((c) => c.kind !== "rename")) {
        changes.push({ kind: "type-change", member: path, detail: `${a.label} grew from ${a.slots} to ${s.slots} slots in place: what follows it moves`, position });
      }
      return changes;
    }
  }
}

/**
 * Member-by-member comparison of two layouts (a namespace struct, or a contract's plain variables).
 * `mayGrow`: members may be appended after V1's last one. A member that moved is attributed to what
 * moved it - an insertion before it, a deletion, a size change - and only otherwise called a reorder.
 */
export function compareMembers(v1: StorageMember[], v2: StorageMember[], path: string, mayGrow: boolean): LayoutChange[] {
  [v1, v2] = withoutSpentGaps(v1, v2);
  const changes: LayoutChange[] = [];
  const prefix = path ? `${path}.` : "";
  const names1 = new Set(v1.map((m) => m.name));
  const byName2 = new Map(v2.map((m) => [m.name, m]));
  const samePlace = (a: StorageMember, b: StorageMember): boolean => a.slot === b.slot && a.offset === b.offset;
  const before = (a: StorageMember, b: StorageMember): boolean => a.slot < b.slot || (a.slot === b.slot && a.offset < b.offset);

  // A rename: V1's name is gone, V2 has a new name at the same place with a compatible type.
  const renamedTo = new Map<string, StorageMember>();
  for (const a of v1) {
    if (byName2.has(a.name)) continue;
    const b = v2.find((m) => samePlace(m, a) && !names1.has(m.name));
    if (b && compareTypes(a.type, b.type, a.name, false).length === 0) renamedTo.set(a.name, b);
  }
  const renameTargets = new Set([...renamedTo.values()].map((m) => m.name));
  const deleted = v1.filter((a) => !byName2.has(a.name) && !renamedTo.has(a.name));
  const inserted = v2.filter((b) => !names1.has(b.name) && !renameTargets.has(b.name));
  const v1End = v1.length > 0 ? v1[v1.length - 1] : undefined;
  let sizeChanged = false;

  for (const [i, a] of v1.entries()) {
    const name = `${prefix}${a.name}`;
    const renamed = renamedTo.get(a.name);
    if (renamed) {
      changes.push({ kind: "rename", member: name, detail: `${a.name} renamed to ${renamed.name} at ${at(a)} (same type: the data is kept)`, position: renamed.position });
      continue;
    }
    const b = byName2.get(a.name);
    if (!b) {
      const successor = v2.find((m) => samePlace(m, a));
      changes.push({
        kind: "deletion",
        member: name,
        detail: `${a.name} (${a.type.label}) at ${at(a)} was deleted: its value stays in storage${successor ? ` and ${successor.name} now reads it` : " for a later member to read"}`,
        position: successor?.position ?? a.position,
      });
      continue;
    }
    if (samePlace(a, b)) {
      const typeChanges = compareTypes(a.type, b.type, name, mayGrow && i === v1.length - 1, b.position);
      if (typeChanges.some((c) => c.kind === "type-change")) sizeChanged = true;
      changes.push(...typeChanges);
      continue;
    }
    const pushedBy = inserted.filter((m) => before(m, b) && (!v1End || !before(v1End, m) || samePlace(v1End, m)));
    if (pushedBy.length > 0 && before(a, b)) {
      changes.push({ kind: "insertion", member: name, detail: `${a.name} was pushed from ${at(a)} to ${at(b)} by ${pushedBy.map((m) => `${m.name} (inserted at ${at(m)})`).join(", ")}`, position: pushedBy[0].position });
    } else if (deleted.length > 0 && before(b, a)) {
      changes.push({ kind: "deletion", member: name, detail: `${a.name} moved up from ${at(a)} to ${at(b)} after ${deleted.map((d) => d.name).join(", ")} was deleted`, position: b.position });
    } else if (sizeChanged) {
      changes.push({ kind: "type-change", member: name, detail: `${a.name} moved from ${at(a)} to ${at(b)} because a member before it changed size`, position: b.position });
    } else {
      changes.push({ kind: "reorder", member: name, detail: `${a.name} moved from ${at(a)} to ${at(b)}`, position: b.position });
    }
  }
  return changes;
}

const GAP = /^__gap/;

/**
 * OpenZeppelin-v4 storage gaps: a `__gap` array reserves slots, and V2 may spend some of them on new
 * members if it shrinks the gap by exactly that much (the gap keeps its last slot, so what follows it
 * stays put). Such a gap and the new members in its space are taken out of the comparison.
 */
function withoutSpentGaps(v1: StorageMember[], v2: StorageMember[]): [StorageMember[], StorageMember[]] {
  const names1 = new Set(v1.map((m) => m.name));
  let a = v1;
  let b = v2;
  for (const gap1 of v1.filter((m) => GAP.test(m.name) && m.type.kind === "static-array")) {
    const end = gap1.slot + storageSlots(gap1.type);
    const gap2 = v2.find((m) => m.name === gap1.name && m.type.kind === "static-array" && m.slot > gap1.slot && m.slot + storageSlots(m.type) === end);
    if (!gap2) continue;
    const spent = v2.filter((m) => m.slot >= gap1.slot && m.slot < gap2.slot);
    if (spent.some((m) => names1.has(m.name))) continue;
    a = a.filter((m) => m !== gap1);
    b = b.filter((m) => m !== gap2 && !spent.includes(m));
  }
  return [a, b];
}

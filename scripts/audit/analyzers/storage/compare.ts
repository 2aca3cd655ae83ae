/**
 * V1 -> V2 storage layout comparison (the rule OpenZeppelin's upgrades-core applies, per namespace):
 * every V1 member must keep its slot, offset and storage shape in V2; V2 may only append. Each
 * difference is classified so the report can say what happened: insertion, reorder, deletion,
 * type change - or a rename, which keeps the data and is only a warning.
 */
import type { SourcePosition } from "../build-info";
import { shapeOf } from "./layout";
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
 * `mayGrow`: members may be appended after V1's last one.
 */
export function compareMembers(v1: StorageMember[], v2: StorageMember[], path: string, mayGrow: boolean): LayoutChange[] {
  const changes: LayoutChange[] = [];
  const names1 = new Set(v1.map((m) => m.name));
  const byName2 = new Map(v2.map((m) => [m.name, m]));
  const prefix = path ? `${path}.` : "";
  for (const [i, a] of v1.entries()) {
    const b = v2.find((m) => m.slot === a.slot && m.offset === a.offset);
    const moved = byName2.get(a.name);
    const name = `${prefix}${a.name}`;
    if (b && b.name === a.name) {
      changes.push(...compareTypes(a.type, b.type, name, mayGrow && i === v1.length - 1, b.position));
      continue;
    }
    if (b) {
      if (moved) {
        changes.push(
          names1.has(b.name)
            ? { kind: "reorder", member: name, detail: `${a.name} moved from ${at(a)} to ${at(moved)}; ${b.name} now sits at ${at(a)}`, position: b.position }
            : { kind: "insertion", member: `${prefix}${b.name}`, detail: `new member ${b.name} inserted at ${at(b)}, before ${a.name} (which moved to ${at(moved)})`, position: b.position },
        );
      } else if (!names1.has(b.name) && compareTypes(a.type, b.type, name, false).length === 0) {
        changes.push({ kind: "rename", member: name, detail: `${a.name} renamed to ${b.name} at ${at(a)} (same type: the data is kept)`, position: b.position });
      } else if (names1.has(b.name)) {
        changes.push({ kind: "deletion", member: name, detail: `${a.name} (${a.type.label}) was deleted; ${b.name} moved up into ${at(a)}`, position: b.position });
      } else {
        changes.push({ kind: "type-change", member: name, detail: `${a.name} (${a.type.label}) was replaced by ${b.name} (${b.type.label}) at ${at(a)}`, position: b.position });
      }
      continue;
    }
    if (moved) {
      const inserted = v2.some((m) => !names1.has(m.name) && (m.slot < moved.slot || (m.slot === moved.slot && m.offset < moved.offset)));
      changes.push(
        inserted
          ? { kind: "insertion", member: name, detail: `${a.name} was pushed from ${at(a)} to ${at(moved)} by a member inserted before it`, position: moved.position }
          : { kind: "reorder", member: name, detail: `${a.name} moved from ${at(a)} to ${at(moved)}`, position: moved.position },
      );
    } else {
      changes.push({ kind: "deletion", member: name, detail: `${a.name} (${a.type.label}) at ${at(a)} was deleted: its old value stays in storage and a later member will read it`, position: a.position });
    }
  }
  return changes;
}

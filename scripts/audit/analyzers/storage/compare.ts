/**
 * V1 -> V2 storage layout comparison, as typed operations (the wording is in ./wording.ts).
 *
 * A layout is a sequence of members: a contract's plain variables in solc's storage order (inherited
 * ones first, along the linearized inheritance), or the members of a struct kept at a fixed root (an
 * ERC-7201 namespace, diamond storage). V2's members are aligned to V1's by an edit-distance alignment
 * (the approach of upgrade-safety tools such as OpenZeppelin upgrades-core's StorageLayoutComparator):
 * a member is matched by name - the same declaring contract (or the one playing its role in the
 * linearized inheritance: `FeesV1` -> `FeesV2`) costs nothing, another declaring contract a little (a
 * variable moved to another base) - or, at the same place with a compatible type, as a rename, but only
 * when neither name is still held by the same variable elsewhere (two variables that swapped names are
 * a reorder, not two renames); anything else is an insertion or a deletion. Matching by position in the
 * sequence, not by name lookup, keeps several members of one name apart (every OpenZeppelin-v4 base has
 * its own private `__gap`).
 *
 * Then every V1 member is judged where it sits:
 * - kept: it must keep its slot, byte offset and a compatible type (a value type of the same size and
 *   meaning, an enum whose V1 members keep their indexes, a struct or array compared member by member);
 * - deleted: its value stays in storage for whatever V2 placed there;
 * - moved: attributed to what moved it (an insertion before it, a deletion, a member that changed size,
 *   a storage gap that no longer ends where it did) - or, with no such cause, a reorder.
 * V2 may append after V1's last member, and may spend a storage gap (`__gap`): new members inside the
 * gap's old space are fine as long as the gap shrinks so that it still ends at the same slot.
 */
import type { SourcePosition } from "../build-info";
import { shapeOf, storageSlots } from "./layout";
import type { StorageMember, StorageType } from "./types";

/**
 * Slot and byte offset, relative to the layout's base (0 for plain variables, the root for a
 * namespace) - or, with `entry`, relative to each entry of a mapping or array (a struct kept in
 * `positions[*]` lives at a hashed slot per key).
 */
export interface Place {
  slot: bigint;
  offset: number;
  entry?: boolean;
}

/** Where a layout's members sit: at `slot` of the layout's base, or at `slot` of each entry. */
export interface Frame {
  slot: bigint;
  entry: boolean;
}

const TOP: Frame = { slot: 0n, entry: false };
const ENTRY: Frame = { slot: 0n, entry: true };

/** Why a kept member's type is not compatible. */
export type TypeChangeReason =
  /** A different kind of type: a mapping became a value, a static array a dynamic one... */
  | { kind: "kind" }
  /** Another value type: other size or other meaning of the same bits (uint256 -> int256). */
  | { kind: "value" }
  /** Enum members removed or moved to another index: stored values now name other members. */
  | { kind: "enum-members"; removed: { name: string; index: number }[]; moved: { name: string; from: number; to: number }[] }
  | { kind: "mapping-key" }
  /** A mapping keyed by an enum whose members moved or went away: each key now finds another member's entry. */
  | { kind: "mapping-key-enum"; removed: { name: string; index: number }[]; moved: { name: string; from: number; to: number }[] }
  | { kind: "array-length"; from: bigint; to: bigint }
  /** An array's element type grew: elements are stored back to back, so every element after the first moves. */
  | { kind: "element-grew"; fromSlots: bigint; toSlots: bigint };

/** What moved a kept member. */
export type MoveCause =
  /** `at`: where each member sits, in the layout's frame (like a change's places: absolute for plain variables). */
  | { kind: "insertion"; members: StorageMember[]; at: Place[] }
  | { kind: "deletion"; members: StorageMember[]; at: Place[] }
  /** A member before it changed size (bytes it takes in place). */
  | { kind: "resize"; member: StorageMember; fromBytes: bigint; toBytes: bigint }
  /** A storage gap that now ends elsewhere (`toLast` undefined: the gap was removed): the place of its last slot, V1 and V2. */
  | { kind: "gap"; member: StorageMember; fromLast: Place; toLast?: Place }
  /** The member itself changed size and no longer fits where it was (it starts a new slot). */
  | { kind: "own-resize"; fromBytes: bigint; toBytes: bigint }
  | { kind: "reorder" };

export type LayoutChange =
  | { kind: "moved"; member: string; from: Place; to: Place; causes: MoveCause[]; position?: SourcePosition }
  | { kind: "deleted"; member: string; at: Place; type: StorageType; successor?: StorageMember; position?: SourcePosition }
  /** `layout at`: the contract's plain variables start at another base slot (every V1 variable is left behind). */
  | { kind: "base-moved"; member: string; from: bigint; to: bigint; variables: string[]; position?: SourcePosition }
  | { kind: "type-changed"; member: string; at?: Place; from: StorageType; to: StorageType; reason: TypeChangeReason; position?: SourcePosition }
  /**
   * Same place, compatible type, new name (data kept). `trivial`: only leading/trailing underscores or
   * case changed, or one storage gap renamed to another. `enumIndex`: an enum member renamed.
   */
  | { kind: "renamed"; member: string; from: string; to: string; at?: Place; trivial: boolean; enumIndex?: number; position?: SourcePosition };

/** The category a report groups a change under (`reorder` only for a move with no other cause). */
export type ChangeCategory = "insertion" | "deletion" | "reorder" | "type-change" | "gap-resize" | "rename" | "base-moved";

export function categoryOf(c: LayoutChange): ChangeCategory {
  switch (c.kind) {
    case "renamed":
      return "rename";
    case "deleted":
      return "deletion";
    case "base-moved":
      return "base-moved";
    case "type-changed":
      return "type-change";
    case "moved": {
      const first = c.causes[0];
      if (!first || first.kind === "reorder") return "reorder";
      if (first.kind === "resize" || first.kind === "own-resize") return "type-change";
      if (first.kind === "gap") return "gap-resize";
      return first.kind;
    }
  }
}

/** Whether V2 reads V1's data wrongly because of this change (everything but a rename). */
export function isBreaking(c: LayoutChange): boolean {
  return c.kind !== "renamed";
}

/**
 * A storage gap: a static array whose name starts with underscores and `gap` - `__gap`, `__gap_<x>`,
 * `______gap` (OpenZeppelin v2..v4), `__gapUint256` and the like.
 */
export function isGap(m: StorageMember): boolean {
  return m.type.kind === "static-array" && /^_+gap\w*$/i.test(m.name);
}

/** Bytes a member takes in place. */
export function extentOf(t: StorageType): bigint {
  return t.kind === "value" ? BigInt(t.bytes) : storageSlots(t) * 32n;
}

function begin(m: StorageMember): bigint {
  return m.slot * 32n + BigInt(m.offset);
}

function end(m: StorageMember): bigint {
  return begin(m) + extentOf(m.type);
}

function overlaps(a: StorageMember, b: StorageMember): boolean {
  return begin(a) < end(b) && begin(b) < end(a);
}

function samePlace(a: StorageMember, b: StorageMember): boolean {
  return a.slot === b.slot && a.offset === b.offset;
}

const placeIn = (frame: Frame, m: StorageMember): Place => ({ slot: frame.slot + m.slot, offset: m.offset, ...(frame.entry ? { entry: true } : {}) });

/**
 * Differences between two types stored at the same place, with member paths (`balances[*]`,
 * `positions[*].amount`). `mayGrow`: the type sits where growing overwrites nothing (a mapping value,
 * the last member of an appendable layout); a member that grows inside a layout is judged by the
 * layout (what follows it moves), so struct members are compared with `mayGrow` true.
 */
export function compareTypes(a: StorageType, b: StorageType, path: string, mayGrow: boolean, position?: SourcePosition, at?: Place, frame?: Frame): LayoutChange[] {
  // A struct's members sit where the struct sits: at its place, or at the start of each entry.
  const here: Frame = at ? { slot: at.slot, entry: at.entry === true } : (frame ?? ENTRY);
  const changed = (reason: TypeChangeReason): LayoutChange[] => [{ kind: "type-changed", member: path, at, from: a, to: b, reason, position }];
  if (a.kind !== b.kind) return changed({ kind: "kind" });
  switch (a.kind) {
    case "value": {
      const v = b as typeof a;
      if (a.category === "enum" && v.category === "enum") return compareEnums(a, v, path, position, at);
      if (a.bytes !== v.bytes) return changed({ kind: "value" });
      // bool -> uint8 keeps every stored value (OpenZeppelin's Initializable went this way in v4.6).
      if (a.category === v.category || (a.category === "bool" && v.category === "uint")) return [];
      return changed({ kind: "value" });
    }
    case "dynamic-bytes":
      return []; // string <-> bytes: the same encoding
    case "mapping": {
      const m = b as typeof a;
      if (shapeOf(a.key) !== shapeOf(m.key)) return changed({ kind: "mapping-key" });
      if (a.key.kind === "value" && m.key.kind === "value" && a.key.category === "enum" && m.key.category === "enum") {
        const keys = enumChanges(a.key.enumMembers ?? [], m.key.enumMembers ?? []);
        if (keys.removed.length > 0 || keys.moved.length > 0) return changed({ kind: "mapping-key-enum", removed: keys.removed, moved: keys.moved });
      }
      return compareTypes(a.value, m.value, `${path}[*]`, true, position, undefined, ENTRY);
    }
    case "dynamic-array":
      // Elements sit back to back: an element type that grows moves every element after the first.
      return compareTypes(a.base, (b as typeof a).base, `${path}[*]`, false, position, undefined, ENTRY);
    case "static-array": {
      const s = b as typeof a;
      if (s.length < a.length || (s.length > a.length && !mayGrow)) return changed({ kind: "array-length", from: a.length, to: s.length });
      return compareTypes(a.base, s.base, `${path}[*]`, false, position, undefined, ENTRY);
    }
    case "struct": {
      const s = b as typeof a;
      if (a.recursive || s.recursive) return [];
      const changes = compareLayouts(a.members, s.members, path, mayGrow, here);
      if (!mayGrow && s.slots !== a.slots && !changes.some(isBreaking)) {
        return [...changes, ...changed({ kind: "element-grew", fromSlots: a.slots, toSlots: s.slots })];
      }
      return changes;
    }
  }
}

/** V1 enum members that V2 moved to another index, and those it removed (not renamed in place). */
function enumChanges(v1: string[], v2: string[]): { removed: { name: string; index: number }[]; moved: { name: string; from: number; to: number }[]; renamed: { from: string; to: string; index: number }[] } {
  const removed: { name: string; index: number }[] = [];
  const moved: { name: string; from: number; to: number }[] = [];
  const renamed: { from: string; to: string; index: number }[] = [];
  for (const [i, name] of v1.entries()) {
    const j = v2.indexOf(name);
    if (j === i) continue;
    if (j >= 0) moved.push({ name, from: i, to: j });
    else if (i < v2.length && !v1.includes(v2[i])) renamed.push({ from: name, to: v2[i], index: i });
    else removed.push({ name, index: i });
  }
  return { removed, moved, renamed };
}

/** Enum values are stored as the member's index: removing or moving a member changes what is stored. */
function compareEnums(
  a: StorageType & { kind: "value" },
  b: StorageType & { kind: "value" },
  path: string,
  position: SourcePosition | undefined,
  at: Place | undefined,
): LayoutChange[] {
  const { removed, moved, renamed } = enumChanges(a.enumMembers ?? [], b.enumMembers ?? []);
  if (removed.length > 0 || moved.length > 0) {
    return [{ kind: "type-changed", member: path, at, from: a, to: b, reason: { kind: "enum-members", removed, moved }, position }];
  }
  return renamed.map((r) => ({ kind: "renamed" as const, member: path, from: r.from, to: r.to, at, trivial: sameIdentifier(r.from, r.to), enumIndex: r.index, position }));
}

/** `initialized` vs `_initialized`, `Owner` vs `owner`: the same identifier for a reader. */
function sameIdentifier(a: string, b: string): boolean {
  const norm = (s: string): string => s.replace(/^_+|_+$/g, "").toLowerCase();
  return norm(a) === norm(b);
}

type Op =
  | { op: "keep" | "rename"; a: StorageMember; b: StorageMember }
  | { op: "delete"; a: StorageMember }
  | { op: "insert"; b: StorageMember };

const INSERT_COST = 2;
const DELETE_COST = 2;

/**
 * Which V2 contract plays the role of each V1 declaring contract in the linearized inheritance (from
 * the members' `declaredIn`, which come in solc's order: most base first). A contract keeps its role
 * when its name is the same; otherwise by its name without a version mark (`FeesV1` / `FeesV2`,
 * `OwnableUpgradeable` / `Ownable`); then the most derived contracts (the implementations themselves);
 * then, between two contracts already paired, by position when both sides have as many.
 * Struct members (no `declaredIn`) all map to `undefined`.
 */
export function contractRoles(v1: StorageMember[], v2: StorageMember[]): Map<string | undefined, string | undefined> {
  const order = (v: StorageMember[]): string[] => [...new Set(v.flatMap((m) => (m.declaredIn !== undefined ? [m.declaredIn] : [])))];
  const c1 = order(v1);
  const c2 = order(v2);
  const roles = new Map<string | undefined, string | undefined>([[undefined, undefined]]);
  const taken = new Set<string>();
  const pair = (a: string, b: string): void => {
    roles.set(a, b);
    taken.add(b);
  };
  for (const a of c1) if (c2.includes(a)) pair(a, a);
  const stem = (n: string): string => n.replace(/Upgradeable$/, "").replace(/_?[Vv]\d+$/, "").replace(/\d+$/, "");
  const free2 = (): string[] => c2.filter((b) => !taken.has(b));
  for (const a of c1.filter((x) => !roles.has(x))) {
    const same = free2().filter((b) => stem(b) === stem(a));
    if (same.length === 1 && c1.filter((x) => !roles.has(x) && stem(x) === stem(a)).length === 1) pair(a, same[0]);
  }
  const last1 = c1[c1.length - 1];
  const last2 = c2[c2.length - 1];
  if (last1 !== undefined && last2 !== undefined && !roles.has(last1) && !taken.has(last2)) pair(last1, last2);
  // Runs of unpaired contracts between paired ones (in V1's order, where V2 keeps that order too).
  let i = 0;
  let j = 0;
  while (i < c1.length && j < c2.length) {
    let i2 = i;
    while (i2 < c1.length && !roles.has(c1[i2])) i2++;
    let j2 = j;
    while (j2 < c2.length && !taken.has(c2[j2])) j2++;
    if (i2 - i === j2 - j) for (let k = 0; k < i2 - i; k++) pair(c1[i + k], c2[j + k]);
    if (i2 >= c1.length || j2 >= c2.length || roles.get(c1[i2]) !== c2[j2]) break;
    i = i2 + 1;
    j = j2 + 1;
  }
  return roles;
}

/**
 * Whether `m`'s name is held by a member of the other side that is the same variable: one of that name
 * in the contract playing the same role, or the only one of that name on both sides (a variable moved
 * to another base). Storage gaps are matched by the alignment, never by name.
 */
function heldByOtherSide(m: StorageMember, own: StorageMember[], other: StorageMember[], role: Map<string | undefined, string | undefined>): boolean {
  const namesakes = other.filter((x) => x.name === m.name && !isGap(x));
  if (namesakes.length === 0) return false;
  if (namesakes.some((x) => x.declaredIn === role.get(m.declaredIn))) return true;
  return namesakes.length === 1 && own.filter((x) => x.name === m.name).length === 1;
}

/**
 * The cost of pairing a with b, or undefined when they cannot be the same member. A rename needs the
 * same place, a compatible type, and names that are new on both sides (two members that swapped names
 * are a reorder, not two renames).
 */
function pairCost(
  a: StorageMember,
  b: StorageMember,
  held1: Set<StorageMember>,
  held2: Set<StorageMember>,
  roles: Map<string | undefined, string | undefined>,
): { op: "keep" | "rename"; cost: number } | undefined {
  if (a.name === b.name) return { op: "keep", cost: roles.get(a.declaredIn) === b.declaredIn ? 0 : 1 };
  if (!samePlace(a, b)) return undefined;
  if (isGap(a) && isGap(b)) return { op: "rename", cost: 2 };
  if (held1.has(a) || held2.has(b)) return undefined;
  return compareTypes(a.type, b.type, a.name, false).every((c) => !isBreaking(c)) ? { op: "rename", cost: 2 } : undefined;
}

/** Minimal-cost alignment of two member sequences (keep, rename, delete, insert), in layout order. */
function align(v1: StorageMember[], v2: StorageMember[], roles: Map<string | undefined, string | undefined>): Op[] {
  const back = new Map([...roles].map(([a, b]) => [b, a]));
  // V1 members whose name V2 still holds (elsewhere, when not at their place), and the reverse.
  const held1 = new Set(v1.filter((a) => heldByOtherSide(a, v1, v2, roles)));
  const held2 = new Set(v2.filter((b) => heldByOtherSide(b, v2, v1, back)));
  const n = v1.length;
  const m = v2.length;
  const width = m + 1;
  const cost = new Float64Array((n + 1) * width);
  const pairs: (ReturnType<typeof pairCost> | null)[] = new Array(n * m).fill(null);
  for (let i = n; i >= 0; i--) {
    for (let j = m; j >= 0; j--) {
      if (i === n && j === m) continue;
      let best = Infinity;
      if (i < n && j < m) {
        const p = pairCost(v1[i], v2[j], held1, held2, roles);
        pairs[i * m + j] = p ?? null;
        if (p) best = p.cost + cost[(i + 1) * width + j + 1];
      }
      if (i < n) best = Math.min(best, DELETE_COST + cost[(i + 1) * width + j]);
      if (j < m) best = Math.min(best, INSERT_COST + cost[i * width + j + 1]);
      cost[i * width + j] = best;
    }
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    const here = cost[i * width + j];
    const p = i < n && j < m ? pairs[i * m + j] : null;
    if (p && here === p.cost + cost[(i + 1) * width + j + 1]) {
      ops.push({ op: p.op, a: v1[i], b: v2[j] });
      i++;
      j++;
    } else if (i < n && here === DELETE_COST + cost[(i + 1) * width + j]) {
      ops.push({ op: "delete", a: v1[i] });
      i++;
    } else {
      ops.push({ op: "insert", b: v2[j] });
      j++;
    }
  }
  return ops;
}

/**
 * Compares two layouts member by member. `path`: prefix of member paths (`""` for a contract or a
 * namespace root, `positions[*]` inside a mapping value). `mayGrow`: V2 may append after V1's last
 * member (a contract's plain layout, a namespace, a struct kept in a mapping).
 */
export function compareLayouts(v1: StorageMember[], v2: StorageMember[], path: string, mayGrow: boolean, frame: Frame = TOP): LayoutChange[] {
  const placeOf = (m: StorageMember): Place => placeIn(frame, m);
  const lastSlotOf = (m: StorageMember): Place => placeIn(frame, { ...m, slot: (end(m) - 1n) / 32n, offset: 0 });
  const memberPath = (m: StorageMember): string => `${path ? `${path}.` : ""}${m.declaredIn ? `${m.declaredIn}.` : ""}${m.name}`;
  const roles = contractRoles(v1, v2);
  let ops = align(v1, v2, roles);

  // A member deleted in one place and inserted in another is the same member, reordered.
  const inserted = new Map<string, StorageMember[]>();
  for (const o of ops) if (o.op === "insert") inserted.set(o.b.name, [...(inserted.get(o.b.name) ?? []), o.b]);
  const reordered = new Map<StorageMember, StorageMember>();
  for (const o of ops) {
    if (o.op !== "delete") continue;
    const candidates = inserted.get(o.a.name);
    const b = candidates?.find((x) => x.declaredIn === roles.get(o.a.declaredIn)) ?? candidates?.[0];
    if (!b) continue;
    candidates!.splice(candidates!.indexOf(b), 1);
    reordered.set(o.a, b);
  }
  const reorderTargets = new Set(reordered.values());
  ops = ops.filter((o) => !(o.op === "insert" && reorderTargets.has(o.b)));

  const changes: LayoutChange[] = [];
  let pending: MoveCause[] = [];
  let inEffect: MoveCause[] = [];
  const lastV1 = v1[v1.length - 1];

  const judgeKept = (a: StorageMember, b: StorageMember, reorder: boolean): void => {
    const name = memberPath(a);
    if (isGap(a) && isGap(b)) {
      // A gap may shrink (or grow, or move) freely as long as it ends where it did: what follows stays,
      // and whatever was inserted before it was absorbed.
      if (end(a) !== end(b)) pending.push({ kind: "gap", member: a, fromLast: lastSlotOf(a), toLast: lastSlotOf(b) });
      else {
        pending = [];
        inEffect = [];
      }
      return;
    }
    changes.push(...compareTypes(a.type, b.type, name, true, b.position, placeOf(a)));
    if (samePlace(a, b) && !reorder) {
      pending = [];
      inEffect = [];
    } else {
      // What moved it: everything since the last member that stayed (shifts add up), else a reorder.
      const ownResize: MoveCause[] = extentOf(a.type) !== extentOf(b.type) ? [{ kind: "own-resize", fromBytes: extentOf(a.type), toBytes: extentOf(b.type) }] : [];
      const causes: MoveCause[] = reorder
        ? [{ kind: "reorder" }]
        : pending.length > 0
          ? [...inEffect, ...pending]
          : inEffect.length > 0
            ? inEffect
            : ownResize.length > 0
              ? ownResize
              : [{ kind: "reorder" }];
      changes.push({ kind: "moved", member: name, from: placeOf(a), to: placeOf(b), causes, position: b.position });
      if (!reorder) {
        inEffect = causes;
        pending = [];
      }
    }
    // A member that changed size moves what follows it (never itself).
    if (extentOf(a.type) !== extentOf(b.type) && !(mayGrow && a === lastV1)) {
      pending.push({ kind: "resize", member: a, fromBytes: extentOf(a.type), toBytes: extentOf(b.type) });
    }
  };

  for (const o of ops) {
    switch (o.op) {
      case "keep":
        judgeKept(o.a, o.b, false);
        break;
      case "rename": {
        if (isGap(o.a) && isGap(o.b)) {
          judgeKept(o.a, o.b, false);
          break;
        }
        changes.push({ kind: "renamed", member: memberPath(o.a), from: o.a.name, to: o.b.name, at: placeOf(o.a), trivial: sameIdentifier(o.a.name, o.b.name), position: o.b.position });
        pending = [];
        inEffect = [];
        break;
      }
      case "delete": {
        const b = reordered.get(o.a);
        if (b) {
          judgeKept(o.a, b, true);
          break;
        }
        if (isGap(o.a)) {
          pending.push({ kind: "gap", member: o.a, fromLast: lastSlotOf(o.a) });
          break;
        }
        const successor = v2.find((x) => !isGap(x) && overlaps(x, o.a));
        changes.push({ kind: "deleted", member: memberPath(o.a), at: placeOf(o.a), type: o.a.type, successor, position: successor?.position ?? o.a.position });
        pending.push({ kind: "deletion", members: [o.a], at: [placeOf(o.a)] });
        break;
      }
      case "insert": {
        if (isGap(o.b)) break;
        // An insertion that lands inside V1's layout (not after its end) is a cause for what moves next;
        // inside a gap that shrinks by as much, the gap absorbs it (see judgeKept).
        if (v1.some((a) => overlaps(a, o.b))) pending.push({ kind: "insertion", members: [o.b], at: [placeOf(o.b)] });
        break;
      }
    }
  }
  return changes.map(mergeCauses);
}

/** Adjacent causes of one kind merged: "pushed by a, b (inserted ...)". */
function mergeCauses(c: LayoutChange): LayoutChange {
  if (c.kind !== "moved") return c;
  const causes: MoveCause[] = [];
  for (const cause of c.causes) {
    const last = causes[causes.length - 1];
    if (last && (last.kind === "insertion" || last.kind === "deletion") && last.kind === cause.kind) {
      const next = cause as typeof last;
      causes[causes.length - 1] = { kind: last.kind, members: [...last.members, ...next.members], at: [...last.at, ...next.at] };
    } else causes.push(cause);
  }
  return { ...c, causes };
}

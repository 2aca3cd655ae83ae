/**
 * The words for V1 -> V2 layout changes (kept apart from the comparison in ./compare.ts, which only
 * produces typed operations). Every sentence names the member path, both types where a type changed,
 * and the exact slots: plain variables by absolute slot (`slot 51`), namespace members relative to the
 * namespace root (`slot root+2`), which the finding's subject gives.
 */
import { where } from "../findings";
import { hexSlot } from "../evaluate";
import { categoryOf, type LayoutChange, type MoveCause, type Place, type TypeChangeReason } from "./compare";
import { typeText } from "./layout";
import type { StorageMember } from "./types";

/** Where a layout's slots are counted from: 0 for a contract's plain variables, the root for a struct kept at a slot. */
export type LayoutBase = { kind: "plain" } | { kind: "root"; root: bigint };

/** A slot number as people write it: decimal when small, 0x-hex when it is a hashed or custom base (`layout at`). */
export function slotNumber(slot: bigint): string {
  return slot < 0x10000n ? String(slot) : hexSlot(slot);
}

export function slotText(p: Place, base: LayoutBase): string {
  const slot = p.entry ? `slot +${p.slot} of each entry` : base.kind === "plain" ? `slot ${slotNumber(p.slot)}` : `slot root+${p.slot}`;
  return p.offset === 0 ? slot : `${slot} byte ${p.offset}`;
}

function memberText(m: StorageMember): string {
  return `${m.declaredIn ? `${m.declaredIn}.` : ""}${m.name}`;
}

function causeText(c: MoveCause, base: LayoutBase): string {
  switch (c.kind) {
    case "insertion":
      return `pushed by ${c.members.map((m, i) => `${memberText(m)} (${typeText(m.type)}, inserted at ${slotText(c.at[i], base)})`).join(", ")}`;
    case "deletion":
      return `moved up after ${c.members.map((m, i) => `${memberText(m)} (${slotText(c.at[i], base)})`).join(", ")} was deleted`;
    case "resize":
      return `${memberText(c.member)} before it changed size (${c.fromBytes} -> ${c.toBytes} bytes)`;
    case "gap":
      return c.toLast === undefined
        ? `the storage gap ${memberText(c.member)} (ending at ${slotText(c.fromLast, base)}) was removed`
        : `the storage gap ${memberText(c.member)} now ends at ${slotText(c.toLast, base)} instead of ${slotText(c.fromLast, base)}: shrink it by exactly the slots added before it`;
    case "own-resize":
      return `its own size changed (${c.fromBytes} -> ${c.toBytes} bytes): it no longer fits where it was`;
    case "reorder":
      return "reordered";
  }
}

function reasonText(r: TypeChangeReason, from: string, to: string): string {
  switch (r.kind) {
    case "kind":
    case "value":
      return `${from} -> ${to}`;
    case "mapping-key":
      return `${from} -> ${to}: the key type changed, so every entry is looked up at another slot`;
    case "mapping-key-enum": {
      const parts = [...r.moved.map((m) => `${m.name} ${m.from} -> ${m.to}`), ...r.removed.map((m) => `${m.name} (${m.index}) removed`)];
      return `${from} -> ${to}: the key enum's members changed (${parts.join(", ")}): entries are stored under the key's index, so each key now finds another member's entry`;
    }
    case "array-length":
      return `${from} -> ${to}: length ${r.from} -> ${r.to}`;
    case "element-grew":
      return `${from} -> ${to}: each element grew from ${r.fromSlots} to ${r.toSlots} slot(s); elements are stored back to back, so every element after the first moves`;
    case "enum-members": {
      const parts = [
        ...r.moved.map((m) => `${m.name} ${m.from} -> ${m.to}`),
        ...r.removed.map((m) => `${m.name} (${m.index}) removed`),
      ];
      return `${from}'s members changed (${parts.join(", ")}): a stored value is the member's index, so stored values now name other members`;
    }
  }
}

/** One change as a sentence, e.g. `total (slot root+0): Amount(uint256) -> Amount(int256)`. */
export function describeChange(c: LayoutChange, base: LayoutBase): string {
  switch (c.kind) {
    case "moved":
      return `${c.member} moved from ${slotText(c.from, base)} to ${slotText(c.to, base)} (${c.causes.map((x) => causeText(x, base)).join("; ")})`;
    case "deleted":
      return (
        `${c.member} (${typeText(c.type)}, ${slotText(c.at, base)}) was deleted: its value stays in storage` +
        (c.successor ? ` and ${memberText(c.successor)} (${typeText(c.successor.type)}) now reads it` : " for a later member to read")
      );
    case "base-moved":
      return `the base slot of the ${c.member} moved from ${hexSlot(c.from)} to ${hexSlot(c.to)} (\`layout at\`): every variable V1 stored (${c.variables.join(", ")}) is left at the old base, and V2 reads its own from empty slots`;
    case "type-changed":
      return `${c.member}${c.at ? ` (${slotText(c.at, base)})` : ""}: ${reasonText(c.reason, typeText(c.from), typeText(c.to))}`;
    case "renamed":
      return c.enumIndex !== undefined
        ? `${c.member}: enum member ${c.from} (${c.enumIndex}) renamed to ${c.to} (stored values keep their index)`
        : `${c.member} renamed to ${c.to}${c.at ? ` at ${slotText(c.at, base)}` : ""} (same type: the data is kept)`;
  }
}

/** `describeChange` plus where V2 declares it. */
export function describeChangeAt(c: LayoutChange, base: LayoutBase): string {
  return `${describeChange(c, base)}${c.position ? ` (${where(c.position)})` : ""}`;
}

/** A comparison's subject with its root: `erc7201:x (root 0x...)`, or `plain state variables`. */
export function subjectText(subject: string, base: LayoutBase): string {
  return base.kind === "root" ? `${subject} (root ${hexSlot(base.root)})` : subject;
}

/** What happened to an enum's members: `reordered`, `removed`, `reordered and removed`. */
function enumVerb(r: { removed: unknown[]; moved: unknown[] }): string {
  return [r.moved.length > 0 ? "reordered" : "", r.removed.length > 0 ? "removed" : ""].filter(Boolean).join(" and ");
}

/**
 * The title of an incompatible comparison (after `V1 -> V2: `), worded by what changed. When every
 * breaking change is a stored enum whose members moved or went away:
 * `enum Lib.Side's members reordered: stored values change meaning (orders[*].side)`; otherwise
 * `<subject> is not append-only (<categories>)`, with the plain layout as `the plain state variables are`.
 */
export function incompatibleTitle(subject: string, breaking: LayoutChange[]): string {
  const enums = breaking.flatMap((c) =>
    c.kind === "type-changed" && (c.reason.kind === "enum-members" || c.reason.kind === "mapping-key-enum") ? [{ change: c, reason: c.reason }] : [],
  );
  if (enums.length > 0 && enums.length === breaking.length) {
    const byEnum = new Map<string, { verb: Set<string>; paths: string[]; stored: Set<string> }>();
    for (const { change, reason } of enums) {
      const type = reason.kind === "mapping-key-enum" && change.from.kind === "mapping" ? typeText(change.from.key) : typeText(change.from);
      const entry = byEnum.get(type) ?? { verb: new Set<string>(), paths: [], stored: new Set<string>() };
      for (const word of enumVerb(reason).split(" and ")) entry.verb.add(word);
      entry.paths.push(change.member);
      entry.stored.add(reason.kind === "mapping-key-enum" ? "keys" : "values");
      byEnum.set(type, entry);
    }
    return [...byEnum]
      .map(([type, e]) => `${type}'s members ${[...e.verb].join(" and ")}: stored ${[...e.stored].join(" and ")} change meaning (${e.paths.join(", ")})`)
      .join("; ");
  }
  const kinds = [...new Set(breaking.map(categoryOf))].join(", ");
  return subject === PLAIN_SUBJECT ? `the plain state variables are not append-only (${kinds})` : `${subject} is not append-only (${kinds})`;
}

/** The subject of the plain layout's comparison. */
export const PLAIN_SUBJECT = "plain state variables";

/**
 * The title of a rename (after `V1 -> V2: `): `plain state variable Fees.feeRecipient renamed to
 * feeCollector`, `erc7201:x member total renamed to totalDeposits`, `enum member Buy of orders[*].side
 * renamed to Bid` (`... in erc7201:x` inside a struct kept at a root).
 */
export function renameTitle(subject: string, c: LayoutChange & { kind: "renamed" }): string {
  if (c.enumIndex !== undefined) return `enum member ${c.from} of ${c.member} renamed to ${c.to}${subject === PLAIN_SUBJECT ? "" : ` in ${subject}`}`;
  return `${subject === PLAIN_SUBJECT ? "plain state variable" : `${subject} member`} ${c.member} renamed to ${c.to}`;
}

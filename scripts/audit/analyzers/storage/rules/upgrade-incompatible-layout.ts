/**
 * upgrade-incompatible-layout: re-pointing an id (or a proxy) from V1 to V2 keeps the storage, so V2
 * must read every V1 member where V1 wrote it, with a type that reads the same bits the same way.
 * Within each namespace struct (and the plain layout), appending is fine and so is spending a storage
 * gap; inserting, reordering, deleting, changing a member's type, or reordering/removing the members of
 * a stored enum is not. The comparison is ../compare.ts (typed operations); the words ../wording.ts.
 */
import type { RuleHit } from "../../findings";
import { categoryOf, isBreaking } from "../compare";
import type { StorageRule, UpgradeContext } from "../context";
import { describeChangeAt, incompatibleTitle, subjectText } from "../wording";

export const upgradeIncompatibleLayout: StorageRule = {
  id: "upgrade-incompatible-layout",
  title: "V2 storage layout is not append-only",
  severity: "high",
  recommendation:
    "Restore V1's members in V1's order and types, and add new members only at the end of the struct or contract, or inside a storage gap that shrinks by as many slots.",
  summary:
    "V1 -> V2: a member of a namespace struct (or of the plain layout) was inserted, reordered, deleted or changed type (an enum's members reordered or removed included), so V2 reads V1's data from the wrong place or with the wrong type.",
  scope: "upgrade",
  check(ctx: UpgradeContext): RuleHit[] {
    const hits: RuleHit[] = [];
    for (const c of ctx.comparisons) {
      const breaking = c.changes.filter(isBreaking);
      if (breaking.length === 0) continue;
      const first = breaking[0];
      hits.push({
        severity: "high",
        title: `${ctx.from.contract.name} -> ${ctx.to.contract.name}: ${incompatibleTitle(c.subject, breaking)}`,
        description:
          `Upgrading ${ctx.from.name} to ${ctx.to.contract.name} keeps the proxy's storage, but ${subjectText(c.subject, c.base)} changed: ` +
          breaking.map((b) => describeChangeAt(b, c.base)).join("; ") +
          ". V2 would read and write V1's data at the wrong slots or with the wrong type.",
        recommendation:
          "Restore V1's members in V1's order and types (and a stored enum's members in V1's order), and add new members only at the end of the struct or contract, or inside a storage gap that shrinks by as many slots.",
        location: first.position ? { file: first.position.file, line: first.position.line, symbol: `${ctx.to.contract.name}:${c.subject}` } : undefined,
        anchor: `${ctx.domain.name}|${ctx.from.contract.fqn}->${ctx.to.contract.fqn}|${c.subject}`,
        data: {
          from: ctx.from.contract.fqn,
          to: ctx.to.contract.fqn,
          subject: c.subject,
          changes: breaking.map((b) => ({ kind: b.kind, category: categoryOf(b), member: b.member, text: describeChangeAt(b, c.base) })),
        },
      });
    }
    return hits;
  },
};

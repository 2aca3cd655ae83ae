/**
 * upgrade-renamed-member: V2 gives a V1 member (or an enum member) a new name at the same place with
 * a compatible type. The data is kept, so this is only a warning: check that the meaning did not change
 * with the name. Low; info when only underscores or case changed (a library's `initialized` ->
 * `_initialized`). One storage gap renamed to another is not reported at all.
 */
import type { RuleHit } from "../../findings";
import type { StorageRule, UpgradeContext } from "../context";
import { describeChangeAt, renameTitle } from "../wording";

export const upgradeRenamedMember: StorageRule = {
  id: "upgrade-renamed-member",
  title: "V2 renames a storage member",
  severity: "low",
  recommendation:
    "Confirm the member still means what V1 stored; keep the old name if it does.",
  summary:
    "V1 -> V2: a member (or an enum member) keeps its place and type under a new name. Storage-compatible; a warning that its meaning may have changed (info when only underscores or case changed).",
  scope: "upgrade",
  check(ctx: UpgradeContext): RuleHit[] {
    const hits: RuleHit[] = [];
    for (const c of ctx.comparisons) {
      for (const ch of c.changes) {
        if (ch.kind !== "renamed") continue;
        hits.push({
          severity: ch.trivial ? "info" : "low",
          title: `${ctx.from.contract.name} -> ${ctx.to.contract.name}: ${renameTitle(c.subject, ch)}`,
          description: `${describeChangeAt(ch, c.base)}. V2 reads V1's value under the new name.`,
          recommendation: "Confirm the member still means what V1 stored; keep the old name if it does.",
          location: ch.position ? { file: ch.position.file, line: ch.position.line, symbol: `${ctx.to.contract.name}:${ch.member}` } : undefined,
          anchor: `${ctx.domain.name}|${ctx.from.contract.fqn}->${ctx.to.contract.fqn}|${c.subject}|${ch.member}|${ch.from}`,
          data: { from: ctx.from.contract.fqn, to: ctx.to.contract.fqn, subject: c.subject, member: ch.member, renamedFrom: ch.from, renamedTo: ch.to },
        });
      }
    }
    return hits;
  },
};

/**
 * upgrade-renamed-member: V2 gives a V1 member a new name at the same place with the same type. The
 * data is kept, so this is only a warning: check that the meaning did not change with the name.
 */
import { where, type RuleHit } from "../../findings";
import type { StorageRule, UpgradeContext } from "../context";

export const upgradeRenamedMember: StorageRule = {
  id: "upgrade-renamed-member",
  title: "V2 renames a storage member",
  severity: "low",
  summary: "V1 -> V2: a member keeps its slot and type under a new name. Storage-compatible; a warning that its meaning may have changed.",
  scope: "upgrade",
  check(ctx: UpgradeContext): RuleHit[] {
    return ctx.comparisons.flatMap((c) =>
      c.changes
        .filter((ch) => ch.kind === "rename")
        .map((ch) => ({
          severity: "low" as const,
          title: `${ctx.from.contract.name} -> ${ctx.to.contract.name}: ${c.subject} renames ${ch.member}`,
          description: `${ch.detail}${ch.position ? ` (${where(ch.position)})` : ""}. V2 reads V1's value under the new name.`,
          recommendation: "Confirm the member still means what V1 stored; keep the old name if it does.",
          location: ch.position ? { file: ch.position.file, line: ch.position.line, symbol: `${ctx.to.contract.name}:${ch.member}` } : undefined,
          anchor: `${ctx.domain.name}|${ctx.from.contract.fqn}->${ctx.to.contract.fqn}|${c.subject}|${ch.member}`,
          data: { from: ctx.from.contract.fqn, to: ctx.to.contract.fqn, subject: c.subject, change: ch },
        })),
    );
  },
};

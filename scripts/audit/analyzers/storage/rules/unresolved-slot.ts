/**
 * unresolved-slot: a storage pointer bound to a slot the analyzer cannot compute (`$.slot := keccak256(...)`
 * in assembly, a slot argument computed at run time). The footprint may miss that region, so a reviewer
 * should check it by hand. Informational.
 */
import type { RuleHit } from "../../findings";
import type { DomainContext, StorageRule } from "../context";

export const unresolvedSlot: StorageRule = {
  id: "unresolved-slot",
  title: "Storage slot could not be resolved statically",
  severity: "info",
  recommendation:
    "Use a constant slot (an ERC-7201 root or a keccak256 constant) so the layout can be verified, or review the binding by hand.",
  summary: "A storage pointer is bound to a slot computed at run time; the footprint (and every overlap check) may miss that region.",
  scope: "domain",
  check(ctx: DomainContext): RuleHit[] {
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const member of ctx.members) {
      for (const u of member.footprint.unresolved) {
        const key = `${u.position.file}:${u.position.line}:${u.what}`;
        if (seen.has(key)) continue;
        seen.add(key);
        hits.push({
          severity: "info",
          title: `Unresolved storage slot in ${u.declaredIn}: ${u.what}`,
          description: `${u.declaredIn} binds a storage pointer to a slot computed at run time (${u.what}), used by ${member.name}. The storage analyzer cannot place it, so overlaps with it are not checked.`,
          recommendation: "Use a constant slot (an ERC-7201 root or a keccak256 constant) so the layout can be verified, or review this binding by hand.",
          location: { file: u.position.file, line: u.position.line, symbol: u.declaredIn },
          anchor: `${u.declaredIn}|${u.what}`,
        });
      }
    }
    return hits;
  },
};

/**
 * slot-constant-mismatch: a slot constant whose value is not what its formula gives - the formula of
 * the struct's @custom:storage-location annotation it is bound to, or the formula its own comment
 * states (ERC-7201, EIP-1967 `bytes32(uint256(keccak256(id)) - 1)`, diamond `keccak256(id)`). A typo in
 * a hand-computed constant silently moves the namespace off its documented root.
 */
import { hexSlot } from "../../evaluate";
import type { RuleHit } from "../../findings";
import type { DomainContext, StorageRule } from "../context";

export const slotConstantMismatch: StorageRule = {
  id: "slot-constant-mismatch",
  title: "Slot constant does not match its formula",
  severity: "high",
  recommendation:
    "Set the constant to the value its formula gives (or compute it in Solidity from the formula), or fix the annotation or comment if the id is what is wrong.",
  summary:
    "A storage slot constant differs from the value its annotation (@custom:storage-location erc7201:<id>) or its comment's formula gives: the data is not where reviewers, tools and other modules expect it.",
  scope: "domain",
  check(ctx: DomainContext): RuleHit[] {
    const hits: RuleHit[] = [];
    const seen = new Set<string>();
    for (const member of ctx.members) {
      for (const m of member.footprint.mismatches) {
        const key = `${m.subject}|${m.formula}|${hexSlot(m.actual)}`;
        if (seen.has(key)) continue;
        seen.add(key);
        hits.push({
          severity: "high",
          title: `${m.subject} is not ${m.formula}`,
          description:
            `${m.subject} is ${hexSlot(m.actual)}, but ${m.source === "annotation" ? "the struct it binds is annotated" : "its comment states"} ${m.formula} = ${hexSlot(m.expected)}. ` +
            `The data lives at the constant's slot, not at the documented one: tools and other modules that compute the slot from the formula read and write somewhere else.`,
          recommendation: `Set the constant to ${hexSlot(m.expected)} (or compute it in Solidity from the formula), or fix the ${m.source === "annotation" ? "annotation" : "comment"} if the id is what is wrong.`,
          location: { file: m.position.file, line: m.position.line, symbol: m.subject },
          anchor: `${m.subject}|${m.formula}`,
          data: { expected: hexSlot(m.expected), actual: hexSlot(m.actual), formula: m.formula, source: m.source },
        });
      }
    }
    return hits;
  },
};

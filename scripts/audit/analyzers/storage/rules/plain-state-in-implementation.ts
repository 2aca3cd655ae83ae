/**
 * plain-state-in-implementation: an implementation that keeps state in plain (sequential, slot 0..n)
 * variables. Behind an id router or a diamond, sibling implementations share the proxy's storage, so
 * every sibling's slot 0 is the same slot: the classic collision, waiting for the second module.
 * Informational instead when the plain state is one struct at slot 0 (EIP-2535 AppStorage: every facet
 * declares the same struct as its only state variable, on purpose; siblings that deviate are
 * storage-overlap's business), and behind a transparent / UUPS proxy (one implementation at a time:
 * the usual OpenZeppelin v4 layout).
 */
import { where, type RuleHit } from "../../findings";
import { isMultiImplementation } from "../../domain";
import type { DomainContext, StorageRule } from "../context";

export const plainStateInImplementation: StorageRule = {
  id: "plain-state-in-implementation",
  title: "Implementation keeps state in plain variables",
  severity: "high",
  recommendation:
    "Move the implementation's state into a struct in its own ERC-7201 namespace; where plain state is the pattern (one implementation, AppStorage), keep every V2 append-only.",
  summary:
    "A delegatecalled implementation declares plain state variables (slots 0..n). High under id routing and diamonds, where siblings share those slots; info under transparent/UUPS proxies and for the AppStorage pattern (one struct at slot 0 shared by every facet).",
  scope: "domain",
  check(ctx: DomainContext): RuleHit[] {
    const shared = isMultiImplementation(ctx.domain.dispatch);
    // The domain's AppStorage: the struct at slot 0 that the most members declare. A member with another
    // struct there deviates from it (storage-overlap reports the collision) and is not the pattern.
    const candidates = ctx.regions.filter((r) => r.kind === "plain" && r.start === 0n && r.offset === 0 && r.type.kind === "struct");
    const appStorageIdentity = candidates.sort((a, b) => b.usedBy.length - a.usedBy.length)[0]?.identity;
    const hits: RuleHit[] = [];
    for (const m of ctx.members) {
      if (m.role !== "implementation") continue;
      const plain = m.footprint.regions.filter((r) => r.kind === "plain");
      if (plain.length === 0) continue;
      const appStorage = plain.length === 1 && plain[0].identity === appStorageIdentity;
      const severity = shared && !appStorage ? "high" : "info";
      // Point at the implementation itself: the variables may live in a base contract or a package.
      const at = m.contract.unit.position(m.contract.node.src) ?? plain[0].position;
      hits.push({
        severity,
        title: appStorage
          ? `${m.contract.name} keeps its state in one struct at slot 0 (AppStorage)`
          : `${m.contract.name} keeps state in ${plain.length} plain variable(s)`,
        description:
          `${m.contract.name} (${ctx.domain.dispatch} domain ${ctx.domain.name}) declares ${plain.map((r) => `\`${r.label}\` (slot ${r.start}, ${where(r.position)})`).join(", ")}. ` +
          (appStorage
            ? "This is the AppStorage pattern (EIP-2535): every facet that declares the same struct as its first and only state variable shares it on purpose. Keep it that way: no facet may declare another state variable, and the struct may only grow at its end."
            : shared
              ? "Every implementation of this proxy runs in the same storage, and plain variables always start at slot 0: any sibling with plain state, and the proxy itself, use the same slots."
              : "With a single implementation this is the classic positional layout; upgrades must keep it append-only."),
        recommendation:
          severity === "high"
            ? `Move ${m.contract.name}'s state into a struct in its own ERC-7201 namespace (@custom:storage-location erc7201:<project>.<module>).`
            : appStorage
              ? "None needed; new facets must declare the same struct first and nothing else."
              : "Prefer ERC-7201 namespaced storage for new code; keep V2 layouts append-only.",
        location: { file: at.file, line: at.line, symbol: m.contract.name },
        anchor: `${ctx.domain.name}|${m.contract.fqn}`,
        data: { domain: ctx.domain.name, contract: m.contract.name, variables: plain.map((r) => r.label), appStorage },
      });
    }
    return hits;
  },
};

/**
 * proxy-plain-state: the proxy itself declares plain state variables. They occupy slots 0..n of the
 * storage every implementation runs in - exactly where any implementation's own plain variables (an
 * initializer flag, an owner) start. Proxies should keep their state in EIP-1967 or ERC-7201 slots.
 * When every implementation mirrors the proxy's variables (same name, type and slot - Safe's
 * `singleton`, declared first by the proxy and by the implementation's base), the layout is shared on
 * purpose and this is informational.
 */
import { where, type RuleHit } from "../../findings";
import type { DomainContext, StorageRule } from "../context";

export const proxyPlainState: StorageRule = {
  id: "proxy-plain-state",
  title: "Proxy keeps state in low sequential slots",
  severity: "medium",
  recommendation:
    "Store the proxy's own state at unstructured slots (EIP-1967 or an ERC-7201 namespace), or mirror it first in every implementation through one base contract.",
  summary:
    "The proxy declares plain state variables (slots 0..n), where implementations' plain variables also start. Overlaps that already exist are reported by storage-overlap; this flags the latent risk (info when every implementation mirrors the proxy's variables on purpose).",
  scope: "domain",
  check(ctx: DomainContext): RuleHit[] {
    const proxy = ctx.members.find((m) => m.role === "proxy");
    const plain = proxy?.footprint.regions.filter((r) => r.kind === "plain") ?? [];
    if (!proxy || plain.length === 0) return [];
    const implementations = ctx.members.filter((m) => m.role === "implementation");
    const mirrored =
      implementations.length > 0 &&
      implementations.every((m) => plain.every((p) => m.footprint.regions.some((r) => r.identity === p.identity)));
    const first = plain[0];
    return [
      {
        severity: mirrored ? "info" : "medium",
        title: mirrored
          ? `Proxy ${proxy.contract.name} keeps state in slots 0..${plain[plain.length - 1].start}, mirrored by every implementation`
          : `Proxy ${proxy.contract.name} keeps state in slots 0..${plain[plain.length - 1].start}`,
        description:
          `${proxy.contract.name} declares ${plain.map((r) => `\`${r.label}\` (slot ${r.start}, ${where(r.position)})`).join(", ")}. ` +
          (mirrored
            ? `Every implementation of domain ${ctx.domain.name} declares the same variable(s) with the same name and type at the same slot, so both sides read one value on purpose (the Safe proxy's singleton). A future implementation must keep declaring them first.`
            : "Implementations run in the proxy's storage, and their plain variables start at slot 0 too: the next implementation with an `initialized` flag or an owner variable writes over the proxy's state."),
        recommendation: mirrored
          ? "Keep the mirrored declaration first in every implementation (inherit it from one base contract)."
          : "Store the proxy's state at unstructured slots: EIP-1967 (bytes32(uint256(keccak256('eip1967.proxy.admin')) - 1)) or an ERC-7201 namespace.",
        location: { file: first.position.file, line: first.position.line, symbol: proxy.contract.name },
        anchor: `${ctx.domain.name}|${proxy.contract.fqn}`,
        data: { domain: ctx.domain.name, variables: plain.map((r) => r.label), mirrored },
      },
    ];
  },
};

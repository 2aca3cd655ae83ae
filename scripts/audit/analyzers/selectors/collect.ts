/**
 * A contract's external selectors: its functions and public getters, inherited ones included, from
 * solc's evm.methodIdentifiers (the ABI when that output is missing), each with the file:line of the
 * declaration that defines it (the most derived one).
 */
import { FunctionFragment } from "ethers";
import type { ContractDefinitionNode, FunctionDefinitionNode, VariableDeclarationNode } from "../ast";
import type { ContractRecord, SolcBuild, SourcePosition } from "../build-info";
import { adminGuardOf, dispatchedSelectors, type AdminGuard } from "./dispatch";

export interface SelectorEntry {
  /** 0x + 8 hex digits. */
  selector: string;
  /** Canonical signature, e.g. `burn(uint256)`. */
  signature: string;
  /** `fallback`: compared in the proxy's own code before it delegates (./dispatch.ts). */
  kind: "function" | "getter" | "fallback";
  position?: SourcePosition;
  /** Proxies: the selector is answered only for the account this guard names (transparent proxies' admin). */
  adminOnly?: AdminGuard;
  /** The function's state mutability from the ABI (`view` for a public getter); absent for a selector answered in a fallback. */
  mutability?: "pure" | "view" | "nonpayable" | "payable";
}

export function selectorsOf(contract: ContractRecord): SelectorEntry[] {
  let pairs = Object.entries(contract.output.evm?.methodIdentifiers ?? {}).map(([signature, sel]) => ({ signature, selector: `0x${sel}` }));
  if (!contract.output.evm?.methodIdentifiers) {
    pairs = (contract.output.abi ?? [])
      .filter((item) => item.type === "function")
      .map((item) => {
        const f = FunctionFragment.from(item);
        return { signature: f.format("sighash"), selector: f.selector };
      });
  }
  const mutability = new Map<string, SelectorEntry["mutability"]>();
  for (const item of contract.output.abi ?? []) {
    if (item.type !== "function") continue;
    const f = FunctionFragment.from(item);
    mutability.set(f.selector, f.stateMutability);
  }
  const declarations = new Map<string, { kind: SelectorEntry["kind"]; node: FunctionDefinitionNode | VariableDeclarationNode }>();
  for (const id of contract.node.linearizedBaseContracts) {
    const base = contract.unit.node<ContractDefinitionNode>(id);
    for (const n of base?.nodes ?? []) {
      const sel = (n as FunctionDefinitionNode | VariableDeclarationNode).functionSelector;
      if (!sel || declarations.has(`0x${sel}`)) continue;
      declarations.set(`0x${sel}`, { kind: n.nodeType === "VariableDeclaration" ? "getter" : "function", node: n as FunctionDefinitionNode });
    }
  }
  return pairs
    .map(({ signature, selector }) => {
      const decl = declarations.get(selector);
      const m = mutability.get(selector);
      return { selector, signature, kind: decl?.kind ?? "function", position: decl ? contract.unit.position(decl.node.src) : undefined, ...(m ? { mutability: m } : {}), node: decl?.node };
    })
    .sort((a, b) => a.selector.localeCompare(b.selector))
    .map(({ node: _node, ...entry }) => entry);
}

/**
 * A proxy's selectors: its functions and getters (each `adminOnly` when an ifAdmin-style modifier runs
 * it for one account only) plus the selectors its own code answers before delegating (`kind:
 * "fallback"`). Unknown signatures of the latter are named `<selector 0x...>` unless an implementation
 * of the domain has that selector (see `nameFallbackSelectors`).
 */
export function proxySelectorsOf(contract: ContractRecord, build: SolcBuild): SelectorEntry[] {
  const entries: SelectorEntry[] = selectorsOf(contract).map((e) => {
    if (e.kind !== "function") return e;
    const fn = findFunction(contract, e.selector);
    const guard = fn ? adminGuardOf(contract, fn) : undefined;
    return guard ? { ...e, adminOnly: guard } : e;
  });
  for (const d of dispatchedSelectors(contract, build)) {
    if (entries.some((e) => e.selector === d.selector)) continue;
    entries.push({
      selector: d.selector,
      signature: d.signature ?? `<selector ${d.selector}>`,
      kind: "fallback",
      position: d.position,
      ...(d.adminOnly ? { adminOnly: d.adminOnly } : {}),
    });
  }
  return entries.sort((a, b) => a.selector.localeCompare(b.selector));
}

/** Gives a fallback-answered selector without a known signature the name an implementation uses for it. */
export function nameFallbackSelectors(proxy: SelectorEntry[], implementations: SelectorEntry[][]): SelectorEntry[] {
  return proxy.map((p) => {
    if (p.kind !== "fallback" || !p.signature.startsWith("<selector")) return p;
    const named = implementations.flat().find((s) => s.selector === p.selector);
    return named ? { ...p, signature: named.signature } : p;
  });
}

function findFunction(contract: ContractRecord, selector: string): FunctionDefinitionNode | undefined {
  for (const id of contract.node.linearizedBaseContracts) {
    const base = contract.unit.node<ContractDefinitionNode>(id);
    for (const n of base?.nodes ?? []) {
      const fn = n as FunctionDefinitionNode;
      if (n.nodeType === "FunctionDefinition" && fn.functionSelector && `0x${fn.functionSelector}` === selector) return fn;
    }
  }
  return undefined;
}

/** Whether the contract has a fallback function (the id router's only entry point). */
export function hasFallback(contract: ContractRecord): boolean {
  return (contract.output.abi ?? []).some((item) => item.type === "fallback");
}

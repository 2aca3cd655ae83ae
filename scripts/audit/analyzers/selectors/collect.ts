/**
 * A contract's external selectors: its functions and public getters, inherited ones included, from
 * solc's evm.methodIdentifiers (the ABI when that output is missing), each with the file:line of the
 * declaration that defines it (the most derived one).
 */
import { FunctionFragment } from "ethers";
import type { ContractDefinitionNode, FunctionDefinitionNode, VariableDeclarationNode } from "../ast";
import type { ContractRecord, SourcePosition } from "../build-info";

export interface SelectorEntry {
  /** 0x + 8 hex digits. */
  selector: string;
  /** Canonical signature, e.g. `burn(uint256)`. */
  signature: string;
  kind: "function" | "getter";
  position?: SourcePosition;
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
  const declarations = new Map<string, { kind: SelectorEntry["kind"]; src: string }>();
  for (const id of contract.node.linearizedBaseContracts) {
    const base = contract.unit.node<ContractDefinitionNode>(id);
    for (const n of base?.nodes ?? []) {
      const sel = (n as FunctionDefinitionNode | VariableDeclarationNode).functionSelector;
      if (!sel || declarations.has(`0x${sel}`)) continue;
      declarations.set(`0x${sel}`, { kind: n.nodeType === "VariableDeclaration" ? "getter" : "function", src: n.src });
    }
  }
  return pairs
    .map(({ signature, selector }) => {
      const decl = declarations.get(selector);
      return { selector, signature, kind: decl?.kind ?? "function", position: decl ? contract.unit.position(decl.src) : undefined };
    })
    .sort((a, b) => a.selector.localeCompare(b.selector));
}

/** Whether the contract has a fallback function (the id router's only entry point). */
export function hasFallback(contract: ContractRecord): boolean {
  return (contract.output.abi ?? []).some((item) => item.type === "fallback");
}

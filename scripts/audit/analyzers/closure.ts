/**
 * The code that runs as part of a contract when it is called: the contract, its bases (linearized),
 * and every library and free function they reach - internal library code is inlined and external
 * library code is delegatecalled, so both run in the caller's context. Contracts created with `new` or
 * called externally are not part of it. Both analyzers read it: the storage footprint and the
 * selectors a proxy answers itself.
 */
import type { AstNode, ContractDefinitionNode } from "./ast";
import { walk } from "./ast";
import type { BuildUnit } from "./build-info";

export function codeClosure(unit: BuildUnit, contract: ContractDefinitionNode): { scopes: AstNode[]; structs: Set<number> } {
  const scopes: AstNode[] = [];
  const structs = new Set<number>();
  const seen = new Set<number>();
  const queue: AstNode[] = contract.linearizedBaseContracts.map((id) => unit.node(id)).filter((n): n is AstNode => !!n);
  for (const n of queue) seen.add(n.id);
  while (queue.length > 0) {
    const scope = queue.shift()!;
    scopes.push(scope);
    walk(scope, (node) => {
      const ref = node.referencedDeclaration;
      if (typeof ref !== "number" || ref < 0) return;
      const target = unit.node(ref);
      if (!target) return;
      if (target.nodeType === "StructDefinition") structs.add(ref);
      const owner =
        target.nodeType === "ContractDefinition"
          ? (target as ContractDefinitionNode)
          : unit.enclosing<ContractDefinitionNode>(ref, ["ContractDefinition"]);
      let next: AstNode | undefined;
      if (owner && owner.contractKind === "library") next = owner;
      else if (!owner && target.nodeType === "FunctionDefinition") next = target; // a free function
      if (next && !seen.has(next.id)) {
        seen.add(next.id);
        queue.push(next);
      }
    });
  }
  return { scopes, structs };
}


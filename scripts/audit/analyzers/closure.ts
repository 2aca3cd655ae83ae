/**
 * The code that runs as part of a contract when it is called: the contract, its bases (linearized),
 * and every library and free function they reach - internal library code is inlined and external
 * library code is delegatecalled, so both run in the caller's context. Contracts created with `new` or
 * called externally are not part of it. Both analyzers read it: the storage footprint and the
 * selectors a proxy answers itself.
 */
import type {
  AstNode,
  ContractDefinitionNode,
  FunctionDefinitionNode,
} from "./ast";
import { walk } from "./ast";
import type { BuildUnit } from "./build-info";

export function codeClosure(
  unit: BuildUnit,
  contract: ContractDefinitionNode,
): { scopes: AstNode[]; structs: Set<number> } {
  const scopes: AstNode[] = [];
  const structs = new Set<number>();
  const seen = new Set<number>();
  const queue: AstNode[] = contract.linearizedBaseContracts
    .map((id) => unit.node(id))
    .filter((n): n is AstNode => !!n);
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
      else if (!owner && target.nodeType === "FunctionDefinition")
        next = target; // a free function
      if (next && !seen.has(next.id)) {
        seen.add(next.id);
        queue.push(next);
      }
    });
  }
  return { scopes, structs };
}

/**
 * The code a contract can actually run, per function: its entry points (constructors, `fallback`,
 * `receive`, external and public functions of the contract and its bases), state variable initializers,
 * and every function and modifier they reach - internal calls (a virtual one reaches every override of
 * that name in the linearization), `super` calls, modifiers, library functions and free functions.
 * Calls into other contracts (external calls) are not followed: that code runs in another storage.
 * A function or struct that is only declared (a getter nobody calls, a struct left in the file) is
 * not in it: a declaration alone uses no storage.
 */
export function reachableCode(
  unit: BuildUnit,
  contract: ContractDefinitionNode,
): AstNode[] {
  const linearized = contract.linearizedBaseContracts
    .map((id) => unit.node<ContractDefinitionNode>(id))
    .filter((n): n is ContractDefinitionNode => !!n);
  const inHierarchy = new Set(linearized.map((c) => c.id));
  const byName = new Map<string, AstNode[]>();
  const roots: AstNode[] = [];
  for (const base of linearized) {
    for (const member of base.nodes ?? []) {
      if (
        member.nodeType === "FunctionDefinition" ||
        member.nodeType === "ModifierDefinition"
      ) {
        const name = String(member.name ?? "");
        byName.set(name, [...(byName.get(name) ?? []), member]);
        const fn = member as FunctionDefinitionNode;
        if (
          member.nodeType === "FunctionDefinition" &&
          (fn.kind !== "function" ||
            fn.visibility === "external" ||
            fn.visibility === "public")
        )
          roots.push(member);
      } else if (member.nodeType === "VariableDeclaration" && member.value) {
        roots.push(member);
      }
    }
  }
  const seen = new Set<number>(roots.map((r) => r.id));
  const queue = [...roots];
  const reach = (target: AstNode): void => {
    if (
      target.nodeType !== "FunctionDefinition" &&
      target.nodeType !== "ModifierDefinition"
    )
      return;
    const owner = unit.enclosing<ContractDefinitionNode>(target.id, [
      "ContractDefinition",
    ]);
    let found: AstNode[];
    if (!owner)
      found = [target]; // a free function
    else if (owner.contractKind === "library") found = [target];
    else if (inHierarchy.has(owner.id))
      found = [target, ...(byName.get(String(target.name ?? "")) ?? [])];
    else return; // another contract's function: an external call
    for (const f of found) {
      if (seen.has(f.id)) continue;
      seen.add(f.id);
      queue.push(f);
    }
  };
  const out: AstNode[] = [];
  while (queue.length > 0) {
    const scope = queue.shift()!;
    out.push(scope);
    walk(scope, (node) => {
      for (const key of ["referencedDeclaration", "function"] as const) {
        const ref = node[key];
        if (typeof ref !== "number" || ref < 0) continue;
        const target = unit.node(ref);
        if (target) reach(target);
      }
    });
  }
  return out;
}

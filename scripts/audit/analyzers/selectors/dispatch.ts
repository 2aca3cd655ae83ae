/**
 * What a proxy answers itself besides its Solidity functions, and for whom.
 *
 * 1. Selectors compared in the proxy's own code before it delegates: in inline assembly
 *    (`eq(calldataload(0), 0xa619486e00..00)`, `eq(shr(224, calldataload(0)), 0x...)`, `switch` on the
 *    selector - a Safe-style proxy answering `masterCopy()`), and in Solidity (`msg.sig == X.f.selector`,
 *    a local copy of `msg.sig` - OpenZeppelin's TransparentUpgradeableProxy dispatching
 *    `upgradeToAndCall` in `_fallback`). These selectors never reach the implementation for the callers
 *    that take that path.
 * 2. Admin-only paths (transparent proxies): a proxy function behind an `ifAdmin`-style modifier (runs
 *    only when `msg.sender` equals some account; everyone else falls through to the implementation),
 *    or a selector compared inside an `if (msg.sender == admin)` branch. Such a selector cuts off only
 *    that account, not the proxy's users.
 *
 * Everything is read from the AST of the proxy's code closure (../closure.ts); selectors of functions
 * are named from the build's method identifiers when the signature is known.
 */
import { toBeHex } from "ethers";
import type {
  AstNode,
  ContractDefinitionNode,
  ExpressionNode,
  FunctionDefinitionNode,
  InlineAssemblyNode,
  VariableDeclarationNode,
  YulNode,
} from "../ast";
import { walk, walkYul } from "../ast";
import type { ContractRecord, SolcBuild, SourcePosition } from "../build-info";
import { codeClosure } from "../closure";
import { ConstEvaluator } from "../evaluate";

/** Who a guarded path runs for: the guard's condition and where it is. */
export interface AdminGuard {
  /** The condition's source text, e.g. `msg.sender == _admin()`. */
  condition: string;
  position?: SourcePosition;
}

/** A selector the proxy's own code answers before delegating. */
export interface DispatchedSelector {
  /** 0x + 8 hex digits. */
  selector: string;
  /** The canonical signature when the build names the function (`upgradeToAndCall(address,bytes)`). */
  signature?: string;
  how: "assembly" | "msg.sig";
  /** The comparison. */
  position?: SourcePosition;
  /** Set when the comparison only runs for one account (inside an admin branch). */
  adminOnly?: AdminGuard;
}

const WORD_MASK = (1n << 224n) - 1n;

function yulCall(y: YulNode | undefined): { name: string; args: YulNode[] } | undefined {
  if (y?.nodeType !== "YulFunctionCall") return undefined;
  return { name: String((y.functionName as YulNode).name), args: y.arguments as YulNode[] };
}

function yulNumber(y: YulNode | undefined): bigint | undefined {
  if (y?.nodeType !== "YulLiteral" || y.kind !== "number") return undefined;
  const text = String(y.value ?? "");
  return /^(0x[0-9a-fA-F]+|\d+)$/.test(text) ? BigInt(text) : undefined;
}

/** `msg.sig` as an expression. */
function isMsgSig(n: AstNode | undefined): boolean {
  return n?.nodeType === "MemberAccess" && n.memberName === "sig" && (n.expression as AstNode)?.nodeType === "Identifier" && (n.expression as AstNode).name === "msg";
}

function isMsgSender(n: AstNode | undefined): boolean {
  return n?.nodeType === "MemberAccess" && n.memberName === "sender" && (n.expression as AstNode)?.nodeType === "Identifier" && (n.expression as AstNode).name === "msg";
}

/** Every node id from `id` up to the root. */
function ancestry(contract: ContractRecord, id: number): number[] {
  const ids: number[] = [id];
  for (let p = contract.unit.parents.get(id); p !== undefined; p = contract.unit.parents.get(p)) ids.push(p);
  return ids;
}

/**
 * The `msg.sender == X` (or `!=`) branch a node sits in, when it sits on the side where the sender
 * equals X: the path runs for that one account only.
 */
function senderGuard(contract: ContractRecord, nodeId: number): AdminGuard | undefined {
  const path = ancestry(contract, nodeId);
  for (let i = 1; i < path.length; i++) {
    const n = contract.unit.node(path[i]);
    if (n?.nodeType !== "IfStatement") continue;
    const cond = n.condition as ExpressionNode;
    if (cond?.nodeType !== "BinaryOperation" || (cond.operator !== "==" && cond.operator !== "!=")) continue;
    if (!isMsgSender(cond.leftExpression as AstNode) && !isMsgSender(cond.rightExpression as AstNode)) continue;
    const equalBranch = (cond.operator === "==" ? n.trueBody : n.falseBody) as AstNode | null;
    if (equalBranch && path[i - 1] === equalBranch.id) return { condition: contract.unit.text(cond.src), position: contract.unit.position(cond.src) };
  }
  return undefined;
}

/** Whether a branch contains a revert (`revert X()`, `revert("...")`). */
function reverts(node: AstNode | null | undefined): boolean {
  let found = false;
  if (!node) return false;
  walk(node, (n) => {
    if (n.nodeType === "RevertStatement") found = true;
    if (n.nodeType === "FunctionCall" && (n.expression as AstNode)?.nodeType === "Identifier" && (n.expression as AstNode).name === "revert") found = true;
  });
  return found;
}

/**
 * The guard of an `ifAdmin`-style function: one of its modifiers runs the body (`_`) only when
 * `msg.sender` equals an account, and lets everyone else fall through (the other branch calls
 * something and does not revert). Undefined for unguarded functions and for `onlyOwner`-style
 * modifiers, which cut everybody else off.
 */
export function adminGuardOf(contract: ContractRecord, fn: FunctionDefinitionNode): AdminGuard | undefined {
  for (const inv of (fn.modifiers as AstNode[] | undefined) ?? []) {
    const ref = (inv.modifierName as { referencedDeclaration?: number } | undefined)?.referencedDeclaration;
    const modifier = contract.unit.node(ref);
    if (modifier?.nodeType !== "ModifierDefinition" || !modifier.body) continue;
    let placeholder: AstNode | undefined;
    walk(modifier.body as AstNode, (n) => {
      if (n.nodeType === "PlaceholderStatement") placeholder ??= n;
    });
    if (!placeholder) continue;
    const guard = senderGuard(contract, placeholder.id);
    if (!guard) continue;
    // The other branch must let the caller through (delegate), not revert.
    const ifNode = ancestry(contract, placeholder.id)
      .map((id) => contract.unit.node(id))
      .find((n) => n?.nodeType === "IfStatement" && contract.unit.text((n.condition as AstNode).src) === guard.condition);
    const cond = ifNode?.condition as ExpressionNode | undefined;
    const other = (cond?.operator === "==" ? ifNode?.falseBody : ifNode?.trueBody) as AstNode | null | undefined;
    let calls = false;
    if (other) walk(other, (n) => (calls ||= n.nodeType === "FunctionCall"));
    if (other && calls && !reverts(other)) return guard;
  }
  return undefined;
}

/** Walks a Yul tree, giving each node its ancestors (outermost first). */
function walkYulWithAncestors(node: YulNode, ancestors: YulNode[], visit: (node: YulNode, ancestors: readonly YulNode[]) => void): void {
  visit(node, ancestors);
  const inner = [...ancestors, node];
  for (const value of Object.values(node)) {
    const items = Array.isArray(value) ? value : [value];
    for (const item of items) {
      if (typeof item === "object" && item !== null && "nodeType" in item) walkYulWithAncestors(item as YulNode, inner, visit);
    }
  }
}

class DispatchScanner {
  readonly found: DispatchedSelector[] = [];
  private readonly evaluator: ConstEvaluator;

  constructor(
    private readonly contract: ContractRecord,
    private readonly build: SolcBuild,
  ) {
    this.evaluator = new ConstEvaluator(contract.unit);
  }

  scan(): DispatchedSelector[] {
    const { scopes } = codeClosure(this.contract.unit, this.contract.node);
    for (const scope of scopes) {
      walk(scope, (n) => {
        if (n.nodeType === "InlineAssembly") this.assembly(n as InlineAssemblyNode);
        else if (n.nodeType === "BinaryOperation" && (n.operator === "==" || n.operator === "!=")) this.comparison(n as ExpressionNode);
      });
    }
    return this.found;
  }

  private add(value: bigint, how: DispatchedSelector["how"], src: string, nodeId: number, signature?: string, yulGuard?: AdminGuard): void {
    const selector = toBeHex(value, 4);
    if (this.found.some((f) => f.selector === selector)) return;
    const guard = yulGuard ?? senderGuard(this.contract, nodeId);
    this.found.push({
      selector,
      ...(signature ? { signature } : {}),
      how,
      position: this.contract.unit.position(src),
      ...(guard ? { adminOnly: guard } : {}),
    });
  }

  /** The `if eq(caller(), X) { ... }` an assembly node sits in the body of: the path runs for one account. */
  private yulGuard(ancestors: readonly YulNode[], node: YulNode): AdminGuard | undefined {
    const isCaller = (y: YulNode | undefined): boolean => yulCall(y)?.name === "caller";
    for (let i = ancestors.length - 1; i >= 0; i--) {
      const a = ancestors[i];
      if (a.nodeType !== "YulIf") continue;
      const cond = yulCall(a.condition as YulNode);
      if (cond?.name !== "eq" || !(isCaller(cond.args[0]) || isCaller(cond.args[1]))) continue;
      const inCondition = [...ancestors.slice(i + 1), node].includes(a.condition as YulNode);
      if (!inCondition) return { condition: this.contract.unit.text(String((a.condition as YulNode).src)), position: this.contract.unit.position(String((a.condition as YulNode).src)) };
    }
    return undefined;
  }

  /** `calldataload(0)`-derived selector expressions: "word" (left-aligned in 32 bytes) or "sel" (4 bytes). */
  private selectorMode(y: YulNode | undefined, vars: Map<string, "word" | "sel">): "word" | "sel" | undefined {
    if (y?.nodeType === "YulIdentifier") return vars.get(String(y.name));
    const call = yulCall(y);
    if (!call) return undefined;
    const isLoad0 = (x: YulNode | undefined): boolean => {
      const c = yulCall(x);
      return c?.name === "calldataload" && yulNumber(c.args[0]) === 0n;
    };
    if (isLoad0(y)) return "word";
    if (call.name === "shr" && yulNumber(call.args[0]) === 224n && isLoad0(call.args[1])) return "sel";
    if (call.name === "div" && yulNumber(call.args[1]) === 1n << 224n && isLoad0(call.args[0])) return "sel";
    if (call.name === "and") {
      const [a, b] = call.args;
      const mask = yulNumber(b) ?? yulNumber(a);
      const other = yulNumber(b) !== undefined ? a : b;
      if (mask !== undefined && (mask & WORD_MASK) === 0n && isLoad0(other)) return "word";
    }
    return undefined;
  }

  private fromLiteral(mode: "word" | "sel", value: bigint): bigint | undefined {
    if (mode === "sel") return value < 1n << 32n ? value : undefined;
    return (value & WORD_MASK) === 0n && value >> 224n < 1n << 32n ? value >> 224n : undefined;
  }

  private assembly(asm: InlineAssemblyNode): void {
    const vars = new Map<string, "word" | "sel">();
    walkYul(asm.AST, (y) => {
      if (y.nodeType === "YulVariableDeclaration") {
        const mode = this.selectorMode(y.value as YulNode | undefined, vars);
        const names = (y.variables as YulNode[]).map((v) => String(v.name));
        if (mode && names.length === 1) vars.set(names[0], mode);
      }
    });
    walkYulWithAncestors(asm.AST, [], (y, ancestors) => {
      if (y.nodeType === "YulSwitch") {
        const mode = this.selectorMode(y.expression as YulNode, vars);
        if (!mode) return;
        for (const c of (y.cases as YulNode[]) ?? []) {
          const v = yulNumber(c.value as YulNode | undefined);
          const sel = v === undefined ? undefined : this.fromLiteral(mode, v);
          if (sel !== undefined) this.add(sel, "assembly", String(c.src), asm.id, undefined, this.yulGuard(ancestors, y));
        }
        return;
      }
      const call = yulCall(y);
      if (call?.name !== "eq" || call.args.length !== 2) return;
      for (const [side, lit] of [
        [call.args[0], call.args[1]],
        [call.args[1], call.args[0]],
      ]) {
        const mode = this.selectorMode(side, vars);
        const v = yulNumber(lit);
        const sel = mode && v !== undefined ? this.fromLiteral(mode, v) : undefined;
        if (sel !== undefined) this.add(sel, "assembly", String(y.src), asm.id, undefined, this.yulGuard(ancestors, y));
      }
    });
  }

  /** `msg.sig` or a local initialized from it. */
  private isSig(n: AstNode): boolean {
    if (isMsgSig(n)) return true;
    if (n.nodeType !== "Identifier") return false;
    const decl = this.contract.unit.node<VariableDeclarationNode>((n as ExpressionNode).referencedDeclaration);
    if (decl?.nodeType !== "VariableDeclaration" || decl.stateVariable) return false;
    const statement = this.contract.unit.enclosing(decl.id, ["VariableDeclarationStatement"]);
    return isMsgSig(statement?.initialValue as AstNode | undefined);
  }

  /** The value and signature of a selector constant: `X.f.selector`, a literal, a bytes4 constant. */
  private selectorConstant(n: AstNode): { value: bigint; signature?: string } | undefined {
    if (n.nodeType === "MemberAccess" && n.memberName === "selector") {
      const fn = this.contract.unit.node<FunctionDefinitionNode>(((n.expression as ExpressionNode).referencedDeclaration) ?? undefined);
      if (fn?.nodeType === "FunctionDefinition" && fn.functionSelector) return { value: BigInt(`0x${fn.functionSelector}`), signature: this.signatureOf(fn) };
      return undefined;
    }
    const v = this.evaluator.evaluate(n);
    if (v?.kind === "int" && v.value >= 0n && v.value < 1n << 32n) return { value: v.value };
    return undefined;
  }

  private signatureOf(fn: FunctionDefinitionNode): string | undefined {
    const owner = this.contract.unit.enclosing<ContractDefinitionNode>(fn.id, ["ContractDefinition"]);
    const record = owner && this.build.contracts.find((c) => c.unit === this.contract.unit && c.node.id === owner.id);
    const ids = record?.output.evm?.methodIdentifiers ?? {};
    return Object.entries(ids).find(([, sel]) => sel === fn.functionSelector)?.[0];
  }

  private comparison(op: ExpressionNode): void {
    const l = op.leftExpression as AstNode;
    const r = op.rightExpression as AstNode;
    const [sig, other] = this.isSig(l) ? [l, r] : this.isSig(r) ? [r, l] : [undefined, undefined];
    if (!sig || !other) return;
    const c = this.selectorConstant(other);
    if (c) this.add(c.value, "msg.sig", op.src, op.id, c.signature);
  }
}

/** The selectors a proxy's own code answers before delegating (see the module comment). */
export function dispatchedSelectors(contract: ContractRecord, build: SolcBuild): DispatchedSelector[] {
  return new DispatchScanner(contract, build).scan();
}

/**
 * A contract's absolute storage footprint: every slot range its code can touch in the storage it runs
 * in (the proxy's, when delegatecalled), from
 *  - plain state variables (solc storageLayout, inherited ones included; transient ones from the AST),
 *  - ERC-7201 namespaces (structs annotated `@custom:storage-location erc7201:<id>`) that the code binds,
 *  - hard-coded slots bound in assembly (`$.slot := CONST`, `sload(CONST)`, `tstore(CONST, v)`), also
 *    through helpers that take the slot as a parameter (`StorageSlot.getAddressSlot(SLOT)`,
 *    `SLOT.asBoolean().tstore(true)`), resolved at the call site.
 * The code considered is what the contract can run (closure.ts `reachableCode`): its entry points and
 * every function and modifier of its bases, libraries and free functions they reach - internal library
 * code is inlined and external library code is delegatecalled, so both run in the caller's storage.
 * Contracts created with `new` or called externally are not part of it. A namespace struct, slot
 * constant or getter that is only declared (no reachable code binds it) is not storage the contract uses.
 * A struct-typed state variable and a pointer of that struct bound to its slot are one region.
 */
import type {
  AstNode,
  ContractDefinitionNode,
  ExpressionNode,
  FunctionDefinitionNode,
  InlineAssemblyNode,
  StructDefinitionNode,
  TypeNameNode,
  VariableDeclarationNode,
  YulNode,
} from "../ast";
import { walk, walkYul } from "../ast";
import { codeClosure, reachableCode } from "../closure";
import type { BuildUnit, ContractRecord, SolcBuild, SourcePosition, StorageLayoutEntry } from "../build-info";
import { AnalyzerInputError } from "../errors";
import { ConstEvaluator, eip1967Slot, erc7201Root, hexSlot, keccakSlot } from "../evaluate";
import { placeSequentially, shapeOf, storageSlots, TypeLayouter, typeText } from "./layout";
import { lastSlot, type Footprint, type Region, type SlotMismatch, type StorageMember, type StorageSpace, type StorageType, type UnresolvedSlot } from "./types";

/** Bytes a declaration occupies from its (slot, offset). */
function extentBytes(type: StorageType): bigint {
  return type.kind === "value" ? BigInt(type.bytes) : storageSlots(type) * 32n;
}

/**
 * The identity of a struct-typed region: its definition and root slot, however the code reaches it (a
 * plain state variable of that struct type, a pointer bound in assembly, a namespace).
 */
export function structIdentity(structKey: string, root: bigint): string {
  return `storage:struct:${structKey}@${hexSlot(root)}`;
}

export const ERC7201_TAG = /@custom:storage-location\s+erc7201:(\S+)/;

/** A slot use that depends on a function parameter: resolved where the function is called. */
interface ParamUse {
  space: StorageSpace;
  /** The storage pointer type bound to the slot; absent for raw sload/sstore/tload/tstore (one slot). */
  pointer?: TypeNameNode;
  site: string;
}

/** A slot the code binds, resolved to a value. */
interface SlotEvent {
  space: StorageSpace;
  /** The assembly block or call that binds the slot. */
  siteId: number;
  pointer?: TypeNameNode;
  slot: bigint;
  constant?: VariableDeclarationNode;
  site: string;
}

/** Per build unit: which function parameters end up as storage slots (fixpoint over call sites). */
class UnitSlotIndex {
  readonly layouter: TypeLayouter;
  readonly evaluator: ConstEvaluator;
  readonly paramUses = new Map<number, Map<number, ParamUse[]>>();
  private readonly assemblies: InlineAssemblyNode[] = [];
  private readonly calls: ExpressionNode[] = [];

  constructor(readonly unit: BuildUnit) {
    this.layouter = new TypeLayouter(unit);
    this.evaluator = new ConstEvaluator(unit);
    for (const node of unit.nodes.values()) {
      if (node.nodeType === "InlineAssembly") this.assemblies.push(node as InlineAssemblyNode);
      else if (node.nodeType === "FunctionCall") this.calls.push(node as ExpressionNode);
    }
    for (const asm of this.assemblies) {
      for (const use of this.assemblyUses(asm)) {
        const param = this.parameterOf(use.valueDecl);
        if (param) this.addParamUse(param.fn.id, param.index, { space: use.space, pointer: use.pointer, site: asm.src });
      }
    }
    // Helpers that pass their parameter on to a slot-taking helper take a slot too.
    for (let changed = true; changed; ) {
      changed = false;
      for (const call of this.calls) {
        const target = this.callee(call);
        const uses = target && this.paramUses.get(target.fn.id);
        if (!uses) continue;
        for (const [index, list] of uses) {
          const arg = target.args[index];
          const param = arg && this.parameterOf(this.paramReference(arg));
          if (!param) continue;
          for (const use of list) changed = this.addParamUse(param.fn.id, param.index, use) || changed;
        }
      }
    }
  }

  private addParamUse(fnId: number, index: number, use: ParamUse): boolean {
    let byIndex = this.paramUses.get(fnId);
    if (!byIndex) this.paramUses.set(fnId, (byIndex = new Map()));
    const list = byIndex.get(index) ?? [];
    if (list.some((u) => u.space === use.space && u.pointer?.id === use.pointer?.id)) return false;
    list.push(use);
    byIndex.set(index, list);
    return true;
  }

  /** Slot uses in one assembly block: `x.slot := v`, and sload/sstore/tload/tstore(v, ...). */
  assemblyUses(asm: InlineAssemblyNode): { space: StorageSpace; pointer?: TypeNameNode; value: YulNode; valueDecl?: VariableDeclarationNode; pointerName?: string }[] {
    const refs = new Map(asm.externalReferences.map((r) => [r.src, r]));
    const declOf = (y: YulNode): VariableDeclarationNode | undefined =>
      y.nodeType === "YulIdentifier" ? this.unit.node<VariableDeclarationNode>(refs.get(y.src)?.declaration) : undefined;
    const uses: { space: StorageSpace; pointer?: TypeNameNode; value: YulNode; valueDecl?: VariableDeclarationNode; pointerName?: string }[] = [];
    walkYul(asm.AST, (y) => {
      if (y.nodeType === "YulAssignment") {
        const value = y.value as YulNode;
        for (const target of y.variableNames as YulNode[]) {
          const name = String(target.name);
          if (!name.endsWith(".slot")) continue;
          const pointerDecl = this.unit.node<VariableDeclarationNode>(refs.get(target.src)?.declaration);
          if (!pointerDecl?.typeName) continue;
          uses.push({ space: "storage", pointer: pointerDecl.typeName, value, valueDecl: declOf(value), pointerName: name });
        }
      } else if (y.nodeType === "YulFunctionCall") {
        const fn = String((y.functionName as YulNode).name);
        const args = y.arguments as YulNode[];
        if ((fn === "sload" || fn === "sstore" || fn === "tload" || fn === "tstore") && args.length > 0) {
          uses.push({ space: fn.startsWith("t") ? "transient" : "storage", value: args[0], valueDecl: declOf(args[0]) });
        }
      }
    });
    return uses;
  }

  /** `decl` as the index-th parameter of a function, if it is one. */
  parameterOf(decl: VariableDeclarationNode | undefined): { fn: FunctionDefinitionNode; index: number } | undefined {
    if (!decl || decl.nodeType !== "VariableDeclaration" || decl.stateVariable) return undefined;
    const fn = this.unit.enclosing<FunctionDefinitionNode>(decl.id, ["FunctionDefinition", "ModifierDefinition"]);
    if (!fn || fn.nodeType !== "FunctionDefinition") return undefined;
    const index = fn.parameters.parameters.findIndex((p) => p.id === decl.id);
    return index >= 0 ? { fn, index } : undefined;
  }

  /** The parameter an argument passes on unchanged (through wrap/unwrap, conversions and one-line helpers). */
  paramReference(arg: AstNode, depth = 0): VariableDeclarationNode | undefined {
    if (depth > 8) return undefined;
    const expr = arg as ExpressionNode;
    if (arg.nodeType === "Identifier") return this.unit.node<VariableDeclarationNode>(expr.referencedDeclaration);
    if (arg.nodeType !== "FunctionCall") return undefined;
    const args = arg.arguments as AstNode[];
    const callee = arg.expression as ExpressionNode;
    if ((arg.kind === "typeConversion" || callee.memberName === "wrap" || callee.memberName === "unwrap") && args.length === 1) {
      return this.paramReference(args[0], depth + 1);
    }
    const target = this.callee(expr);
    if (!target) return undefined;
    const statements = (target.fn.body?.statements as AstNode[] | undefined) ?? [];
    if (statements.length !== 1 || statements[0].nodeType !== "Return") return undefined;
    const inner = this.paramReference(statements[0].expression as AstNode, depth + 1);
    const index = target.fn.parameters.parameters.findIndex((p) => p.id === inner?.id);
    return index >= 0 && target.args[index] ? this.paramReference(target.args[index], depth + 1) : undefined;
  }

  /** The function a call reaches, with its arguments aligned to the parameters (`x.f(a)` -> f(x, a)). */
  callee(call: ExpressionNode): { fn: FunctionDefinitionNode; args: AstNode[] } | undefined {
    if (call.kind !== "functionCall") return undefined;
    const expression = call.expression as ExpressionNode;
    const fn = this.unit.node<FunctionDefinitionNode>(expression.referencedDeclaration);
    if (fn?.nodeType !== "FunctionDefinition") return undefined;
    const args = (call.arguments as AstNode[]) ?? [];
    const params = fn.parameters.parameters.length;
    if (expression.nodeType === "MemberAccess" && params === args.length + 1) {
      return { fn, args: [expression.expression as AstNode, ...args] };
    }
    return params === args.length ? { fn, args } : undefined;
  }
}

export class FootprintBuilder {
  private readonly indexes = new Map<BuildUnit, UnitSlotIndex>();
  private readonly cache = new Map<string, Footprint>();

  constructor(readonly build: SolcBuild) {}

  index(unit: BuildUnit): UnitSlotIndex {
    let index = this.indexes.get(unit);
    if (!index) this.indexes.set(unit, (index = new UnitSlotIndex(unit)));
    return index;
  }

  footprint(contract: ContractRecord): Footprint {
    const cached = this.cache.get(contract.fqn);
    if (cached) return cached;
    const result = new ContractFootprint(contract, this.index(contract.unit)).build();
    this.cache.set(contract.fqn, result);
    return result;
  }
}

/** The name of the contract or library a node sits in (or its file, for free functions). */
function ownerName(unit: BuildUnit, id: number): string {
  const node = unit.node(id);
  if (node?.nodeType === "ContractDefinition") return (node as ContractDefinitionNode).name;
  return unit.enclosing<ContractDefinitionNode>(id, ["ContractDefinition"])?.name ?? unit.sourceName(node?.src ?? "") ?? "?";
}

/** The comment block right above a declaration (NatSpec or plain `//`), joined. */
export function commentAbove(unit: BuildUnit, node: AstNode): string {
  const before = unit.textBefore(node.src).split("\n");
  before.pop(); // the declaration's own line, up to the declaration
  const lines: string[] = [];
  for (let i = before.length - 1; i >= 0 && lines.length < 12; i--) {
    const t = before[i].trim();
    if (t.startsWith("//") || t.startsWith("*") || t.startsWith("/*")) lines.unshift(t);
    else break;
  }
  const doc = (node.documentation as { text?: string } | undefined)?.text ?? "";
  return `${doc}\n${lines.join("\n")}`;
}

/** The slot formula a comment states, if any: ERC-7201, EIP-1967 or plain keccak256 (diamond storage). */
export function formulaInComment(text: string): { formula: string; expected: bigint } | undefined {
  const q = `["']([^"']*)["']`;
  let m = new RegExp(`keccak256\\(\\s*abi\\.encode\\(\\s*uint256\\(\\s*keccak256\\(\\s*${q}\\s*\\)\\s*\\)\\s*-\\s*1\\s*\\)\\s*\\)\\s*&\\s*~\\s*bytes32\\(\\s*uint256\\(\\s*0xff\\s*\\)\\s*\\)`).exec(text);
  if (m) return { formula: `erc7201("${m[1]}")`, expected: erc7201Root(m[1]) };
  m = new RegExp(`bytes32\\(\\s*uint256\\(\\s*keccak256\\(\\s*(?:bytes\\(\\s*)?${q}\\s*\\)?\\s*\\)\\s*\\)\\s*-\\s*1\\s*\\)`).exec(text);
  if (m) return { formula: `bytes32(uint256(keccak256("${m[1]}")) - 1)`, expected: eip1967Slot(m[1]) };
  m = new RegExp(`(?:^|[^.\\w])keccak256\\(\\s*(?:bytes\\(\\s*)?${q}\\s*\\)?\\s*\\)`).exec(text);
  if (m && !/abi\.encode/.test(text)) return { formula: `keccak256("${m[1]}")`, expected: keccakSlot(m[1]) };
  return undefined;
}

class ContractFootprint {
  private readonly unit: BuildUnit;
  private readonly regions = new Map<string, Region>();
  private readonly mismatches: SlotMismatch[] = [];
  private readonly unresolved: UnresolvedSlot[] = [];

  constructor(
    private readonly contract: ContractRecord,
    private readonly index: UnitSlotIndex,
  ) {
    this.unit = contract.unit;
  }

  build(): Footprint {
    const plainLayout = this.plainVariables();
    this.transientVariables();
    // Slot constants are checked against their comments wherever they are declared in the closure;
    // storage is only what reachable code binds: a namespace struct or slot constant that is merely
    // declared (left in the file after a move to a new namespace) is not used.
    for (const scope of codeClosure(this.unit, this.contract.node).scopes) {
      walk(scope, (node) => {
        if (node.nodeType === "VariableDeclaration" && (node as VariableDeclarationNode).constant) this.checkComment(node as VariableDeclarationNode);
      });
    }
    for (const code of reachableCode(this.unit, this.contract.node)) {
      walk(code, (node) => {
        if (node.nodeType === "InlineAssembly") this.fromAssembly(node as InlineAssemblyNode);
        else if (node.nodeType === "FunctionCall") this.fromCall(node as ExpressionNode);
      });
    }
    // A raw sload/sstore of a slot the contract's own plain variable occupies is that variable, read or
    // written by hand (a Safe-style proxy's `sload(0)` of its `singleton`): not a second declaration.
    const plain = [...this.regions.values()].filter((r) => r.kind === "plain");
    for (const [identity, r] of this.regions) {
      if (r.raw && r.space === "storage" && plain.some((p) => p.start <= r.start && r.start <= lastSlot(p))) this.regions.delete(identity);
    }
    return {
      contract: this.contract,
      regions: [...this.regions.values()],
      mismatches: this.mismatches,
      unresolved: this.unresolved,
      plainLayout,
      plainBase: this.plainBase(),
    };
  }

  /** `contract C layout at <expr>` (solc >= 0.8.29 puts it in the AST as storageLayout.baseSlotExpression). */
  private plainBase(): bigint {
    const expression = (this.contract.node.storageLayout as { baseSlotExpression?: AstNode } | undefined)?.baseSlotExpression;
    return expression ? (this.index.evaluator.slot(expression) ?? 0n) : 0n;
  }

  private pos(src: string): SourcePosition {
    return this.unit.position(src) ?? { file: this.contract.file, line: 1, endLine: 1 };
  }

  private plainVariables(): StorageMember[] {
    const layout = this.contract.output.storageLayout;
    if (!layout) throw new AnalyzerInputError(`no storageLayout for ${this.contract.fqn}: the outputSelection must include "storageLayout"`);
    const members: StorageMember[] = [];
    for (const entry of layout.storage) {
      const decl = this.unit.node<VariableDeclarationNode>(entry.astId);
      const type = decl ? this.index.layouter.ofDeclaration(decl) : undefined;
      if (!decl || !type) continue;
      const bytes = BigInt(layout.types?.[entry.type]?.numberOfBytes ?? extentBytes(type));
      const member: StorageMember = {
        name: entry.label,
        type,
        slot: BigInt(entry.slot),
        offset: entry.offset,
        declaredIn: ownerName(this.unit, decl.id), // solc's entry.contract is the most derived contract
        position: this.pos(decl.src),
      };
      members.push(member);
      this.addPlain("storage", entry, decl, type, bytes);
    }
    return members;
  }

  /** Transient state variables (`uint256 transient x`): solc places them from slot 0 of transient storage. */
  private transientVariables(): void {
    const declarations: VariableDeclarationNode[] = [];
    for (const id of [...this.contract.node.linearizedBaseContracts].reverse()) {
      const base = this.unit.node<ContractDefinitionNode>(id);
      for (const n of base?.nodes ?? []) {
        const v = n as VariableDeclarationNode;
        if (n.nodeType === "VariableDeclaration" && v.stateVariable && v.storageLocation === "transient") declarations.push(v);
      }
    }
    const types = declarations.map((d) => this.index.layouter.ofDeclaration(d)!);
    const { places } = placeSequentially(types);
    declarations.forEach((decl, i) => {
      const entry = { astId: decl.id, contract: "", label: decl.name, offset: places[i].offset, slot: String(places[i].slot), type: "" };
      this.addPlain("transient", entry, decl, types[i], extentBytes(types[i]));
    });
  }

  private addPlain(space: StorageSpace, entry: StorageLayoutEntry, decl: VariableDeclarationNode, type: StorageType, bytes: bigint): void {
    const owner = ownerName(this.unit, decl.id);
    const sourceName = this.unit.sourceName(decl.src) ?? "?";
    // One declaration shared on purpose, whoever declares it: the same struct type at the same slot
    // (EIP-2535 AppStorage: every facet declares `AppStorage internal s` first), or a variable mirrored
    // with the same name and type at the same slot (a Safe-style proxy's `singleton`, mirrored by the
    // implementation). Transient variables stay per declaring contract.
    // A struct variable is the same storage as a struct pointer of that type bound to its slot
    // (`AppStorage internal s` and a library's `assembly { ds.slot := 0 }`): one identity for both.
    const identity =
      space !== "storage"
        ? `${space}:var:${sourceName}:${owner}.${decl.name}@${entry.slot}.${entry.offset}`
        : type.kind === "struct"
          ? structIdentity(type.key, BigInt(entry.slot))
          : `storage:var:${decl.name}:${typeText(type)}:${shapeOf(type)}@${entry.slot}.${entry.offset}`;
    const region: Region = {
      kind: space === "storage" ? "plain" : "transient",
      space,
      identity,
      label: `${owner}.${decl.name}${space === "transient" ? " (transient)" : ""}`,
      start: BigInt(entry.slot),
      offset: entry.offset,
      bytes,
      type,
      declaredIn: owner,
      position: this.pos(decl.src),
    };
    this.regions.set(region.identity, region);
  }

  /** Resolves the value a Yul expression puts into a slot. */
  private resolveYul(value: YulNode, valueDecl: VariableDeclarationNode | undefined): { slot: bigint; constant?: VariableDeclarationNode } | "param" | undefined {
    if (value.nodeType === "YulLiteral") {
      const raw = String(value.value ?? "");
      return /^(0x[0-9a-fA-F]+|\d+)$/.test(raw) ? { slot: BigInt(raw) } : undefined;
    }
    if (!valueDecl) return undefined;
    if (valueDecl.constant) {
      const slot = this.index.evaluator.slot(valueDecl.value);
      return slot === undefined ? undefined : { slot, constant: valueDecl };
    }
    if (this.index.parameterOf(valueDecl)) return "param";
    // A local initialized from a constant and never reassigned (the EIP-2535 reference pattern:
    // `bytes32 position = DIAMOND_STORAGE_POSITION; assembly { ds.slot := position }`).
    const statement = this.unit.enclosing(valueDecl.id, ["VariableDeclarationStatement"]);
    const initial = statement?.initialValue as ExpressionNode | undefined;
    const fn = this.unit.enclosing(valueDecl.id, ["FunctionDefinition", "ModifierDefinition"]);
    if (!initial || !fn || this.isReassigned(fn, valueDecl.id)) return undefined;
    const slot = this.index.evaluator.slot(initial);
    if (slot === undefined) return undefined;
    const constant = this.unit.node<VariableDeclarationNode>(initial.referencedDeclaration);
    return { slot, constant: constant?.constant ? constant : undefined };
  }

  private isReassigned(fn: AstNode, declId: number): boolean {
    let reassigned = false;
    walk(fn, (n) => {
      if (n.nodeType === "Assignment" && (n.leftHandSide as ExpressionNode).referencedDeclaration === declId) reassigned = true;
    });
    if (!reassigned) {
      walk(fn, (n) => {
        if (n.nodeType !== "InlineAssembly") return;
        const asm = n as InlineAssemblyNode;
        const writes = new Set<string>();
        walkYul(asm.AST, (y) => {
          if (y.nodeType === "YulAssignment") for (const v of y.variableNames as YulNode[]) writes.add(v.src);
        });
        if (asm.externalReferences.some((r) => r.declaration === declId && writes.has(r.src))) reassigned = true;
      });
    }
    return reassigned;
  }

  private fromAssembly(asm: InlineAssemblyNode): void {
    for (const use of this.index.assemblyUses(asm)) {
      const resolved = this.resolveYul(use.value, use.valueDecl);
      if (resolved === "param") continue; // resolved at the call sites
      if (!resolved) {
        // Computed slots in raw sload/sstore (mapping entries, `add(ROOT, id)`) are normal; a storage
        // pointer bound to a slot we cannot compute means the footprint may miss a region.
        if (use.pointer) this.unresolved.push({ what: `${use.pointerName} := <computed>`, position: this.pos(asm.src), declaredIn: ownerName(this.unit, asm.id) });
        continue;
      }
      this.addEvent({ space: use.space, pointer: use.pointer, slot: resolved.slot, constant: resolved.constant, site: asm.src, siteId: asm.id });
    }
  }

  private fromCall(call: ExpressionNode): void {
    const target = this.index.callee(call);
    const uses = target && this.index.paramUses.get(target.fn.id);
    if (!target || !uses) return;
    // Only code that runs in this contract's storage: library code, free functions, and the
    // contract's own bases (not another contract's function called externally).
    const owner = this.unit.enclosing<ContractDefinitionNode>(target.fn.id, ["ContractDefinition"]);
    if (owner && owner.contractKind !== "library" && !this.contract.node.linearizedBaseContracts.includes(owner.id)) return;
    for (const [index, list] of uses) {
      const arg = target.args[index];
      if (!arg) continue;
      const slot = this.index.evaluator.slot(arg);
      if (slot === undefined) {
        if (this.index.parameterOf(this.index.paramReference(arg))) continue; // passed on: resolved further up
        if (list.some((u) => u.pointer)) {
          this.unresolved.push({ what: `${target.fn.name}(<computed slot>)`, position: this.pos(call.src), declaredIn: ownerName(this.unit, call.id) });
        }
        continue;
      }
      const constant = this.constantOf(arg);
      for (const use of list) this.addEvent({ space: use.space, pointer: use.pointer, slot, constant, site: call.src, siteId: call.id });
    }
  }

  /** The constant an argument names, directly or through wrappers (`SLOT.asBoolean()`). */
  private constantOf(arg: AstNode, depth = 0): VariableDeclarationNode | undefined {
    if (depth > 6) return undefined;
    const expr = arg as ExpressionNode;
    if (arg.nodeType === "Identifier" || arg.nodeType === "MemberAccess") {
      const decl = this.unit.node<VariableDeclarationNode>(expr.referencedDeclaration);
      if (decl?.nodeType === "VariableDeclaration" && decl.constant) return decl;
    }
    if (arg.nodeType === "FunctionCall") {
      const args = (arg.arguments as AstNode[]) ?? [];
      const callee = arg.expression as ExpressionNode;
      if (args.length === 1) return this.constantOf(args[0], depth + 1);
      if (args.length === 0 && callee.nodeType === "MemberAccess") return this.constantOf(callee.expression as AstNode, depth + 1);
    }
    return undefined;
  }

  private addEvent(event: SlotEvent): void {
    const pointerTarget = event.pointer?.nodeType === "UserDefinedTypeName"
      ? this.unit.node(event.pointer.referencedDeclaration ?? event.pointer.pathNode?.referencedDeclaration)
      : undefined;
    if (pointerTarget?.nodeType === "StructDefinition") {
      const def = pointerTarget as StructDefinitionNode;
      const namespaceId = ERC7201_TAG.exec(def.documentation?.text ?? "")?.[1];
      if (namespaceId !== undefined) {
        const expected = erc7201Root(namespaceId);
        if (event.slot !== expected) {
          this.pushMismatch({
            subject: event.constant ? `${ownerName(this.unit, event.constant.id)}.${event.constant.name}` : `${def.canonicalName} binding`,
            formula: `erc7201("${namespaceId}")`,
            expected,
            actual: event.slot,
            source: "annotation",
            position: this.pos(event.constant?.src ?? event.site),
            declaredIn: ownerName(this.unit, event.constant?.id ?? def.id),
          });
        }
        this.addStructRegion(def, event.slot, namespaceId, event.constant, event.site);
        return;
      }
      this.addStructRegion(def, event.slot, undefined, event.constant, event.site);
      return;
    }
    // A raw slot or a non-struct pointer (mapping, array, value): its own type's extent.
    const type: StorageType = event.pointer
      ? this.index.layouter.ofTypeName(event.pointer)
      : { kind: "value", label: "bytes32", bytes: 32, category: "bytesN" };
    const constantName = event.constant ? `${ownerName(this.unit, event.constant.id)}.${event.constant.name}` : undefined;
    const region: Region = {
      kind: event.space === "transient" ? "transient" : "constant-slot",
      space: event.space,
      identity: `${event.space}:slot:${hexSlot(event.slot)}:${shapeOf(type)}`,
      label: `${constantName ?? hexSlot(event.slot)} (${event.pointer ? type.label : event.space === "transient" ? "tload/tstore" : "sload/sstore"})`,
      start: event.slot,
      offset: 0,
      bytes: storageSlots(type) * 32n,
      type,
      declaredIn: ownerName(this.unit, event.constant?.id ?? event.siteId),
      constantName,
      position: this.pos(event.constant?.src ?? event.site),
      boundAt: this.pos(event.site),
      ...(event.pointer ? {} : { raw: true }),
    };
    if (!this.regions.has(region.identity)) this.regions.set(region.identity, region);
  }

  private addStructRegion(
    def: StructDefinitionNode,
    slot: bigint,
    namespaceId: string | undefined,
    constant: VariableDeclarationNode | undefined,
    site: string | undefined,
  ): void {
    const type = this.index.layouter.ofStruct(def);
    const constantName = constant ? `${ownerName(this.unit, constant.id)}.${constant.name}` : undefined;
    // Struct-typed regions are identified by definition + root: two definitions at one root are
    // storage-namespace-reuse's business (high when they differ, low for identical copies).
    const identity = structIdentity(type.key, slot);
    if (this.regions.has(identity)) return;
    this.regions.set(identity, {
      kind: namespaceId !== undefined ? "erc7201" : "constant-slot",
      space: "storage",
      identity,
      label: namespaceId !== undefined ? `erc7201:${namespaceId} (${def.canonicalName})` : `${constantName ?? hexSlot(slot)} (${def.canonicalName})`,
      start: slot,
      offset: 0,
      bytes: type.slots * 32n,
      type,
      declaredIn: ownerName(this.unit, def.id),
      structKey: type.key,
      namespaceId,
      constantName,
      position: this.pos(namespaceId !== undefined || !constant ? def.src : constant.src),
      boundAt: site ? this.pos(site) : undefined,
    });
  }

  private pushMismatch(m: SlotMismatch): void {
    if (!this.mismatches.some((x) => x.subject === m.subject && x.source === m.source && x.actual === m.actual)) this.mismatches.push(m);
  }

  /** A slot constant whose comment states a formula must have that formula's value. */
  private checkComment(decl: VariableDeclarationNode): void {
    const stated = formulaInComment(commentAbove(this.unit, decl));
    if (!stated) return;
    const actual = this.index.evaluator.slot(decl.value);
    if (actual === undefined || actual === stated.expected) return;
    const subject = `${ownerName(this.unit, decl.id)}.${decl.name}`;
    this.pushMismatch({
      subject,
      formula: stated.formula,
      expected: stated.expected,
      actual,
      source: "comment",
      position: this.pos(decl.src),
      declaredIn: ownerName(this.unit, decl.id),
    });
  }
}

/**
 * Storage layout of Solidity types, computed from the AST with solc's rules
 * (libsolidity/ast/Types.cpp StorageOffsets::computeOffsets): value types pack into 32-byte slots in
 * declaration order; structs, arrays, mappings and dynamic bytes start a new slot and the next item
 * starts after them. solc's own storageLayout output covers state variables only, not the structs an
 * ERC-7201 namespace or a hard-coded slot holds, so we compute those; a test checks the two agree.
 */
import type {
  AstNode,
  ContractDefinitionNode,
  StructDefinitionNode,
  TypeNameNode,
  VariableDeclarationNode,
} from "../ast";
import type { BuildUnit } from "../build-info";
import { ConstEvaluator } from "../evaluate";
import type { StorageMember, StorageType, ValueCategory } from "./types";

/** Bytes a type takes when packed: its size for value types, a full slot for everything else. */
export function storageBytes(t: StorageType): number {
  return t.kind === "value" ? t.bytes : 32;
}

/** Slots a type takes in place. */
export function storageSlots(t: StorageType): bigint {
  switch (t.kind) {
    case "value":
    case "dynamic-bytes":
    case "mapping":
    case "dynamic-array":
      return 1n;
    case "struct":
      return t.slots;
    case "static-array": {
      const baseBytes = storageBytes(t.base);
      if (baseBytes < 32) {
        const perSlot = BigInt(Math.floor(32 / baseBytes));
        return (t.length + perSlot - 1n) / perSlot;
      }
      return t.length * storageSlots(t.base);
    }
  }
}

/** Places `types` one after the other; returns each one's (slot, offset) and the total slot count. */
export function placeSequentially(types: StorageType[]): { places: { slot: bigint; offset: number }[]; slots: bigint } {
  let slot = 0n;
  let offset = 0;
  const places: { slot: bigint; offset: number }[] = [];
  for (const t of types) {
    const bytes = storageBytes(t);
    if (offset + bytes > 32) {
      slot += 1n;
      offset = 0;
    }
    places.push({ slot, offset });
    if (storageSlots(t) === 1n && offset + bytes <= 32) {
      offset += bytes;
    } else {
      slot += storageSlots(t);
      offset = 0;
    }
  }
  if (offset > 0) slot += 1n;
  return { places, slots: slot };
}

function stripLocation(typeString: string | null | undefined): string {
  return (typeString ?? "?").replace(/ (storage|memory|calldata)( ref| pointer)?/g, "");
}

const ELEMENTARY = /^(u?int|bytes|u?fixed)(\d+)?(?:x(\d+))?$/;

/** Computes StorageType for AST type names of one build unit (structs cached by id). */
export class TypeLayouter {
  private readonly structs = new Map<number, StorageType & { kind: "struct" }>();
  private readonly inProgress = new Set<number>();
  private readonly evaluator: ConstEvaluator;

  constructor(private readonly unit: BuildUnit) {
    this.evaluator = new ConstEvaluator(unit);
  }

  /** The type of a declaration; undefined when the AST lacks the type name (should not happen with solc >= 0.8). */
  ofDeclaration(decl: VariableDeclarationNode): StorageType | undefined {
    return decl.typeName ? this.ofTypeName(decl.typeName) : undefined;
  }

  ofTypeName(node: TypeNameNode): StorageType {
    const label = stripLocation(node.typeDescriptions?.typeString);
    switch (node.nodeType) {
      case "ElementaryTypeName":
        return this.elementary(node.name ?? label, label);
      case "UserDefinedTypeName": {
        const target = this.unit.node(node.referencedDeclaration ?? node.pathNode?.referencedDeclaration);
        return this.userDefined(target, label);
      }
      case "Mapping":
        return { kind: "mapping", label, key: this.ofTypeName(node.keyType!), value: this.ofTypeName(node.valueType!) };
      case "ArrayTypeName": {
        const base = this.ofTypeName(node.baseType!);
        if (!node.length) return { kind: "dynamic-array", label, base };
        return { kind: "static-array", label, base, length: this.arrayLength(node) };
      }
      case "FunctionTypeName":
        return { kind: "value", label, bytes: node.visibility === "external" ? 24 : 8, category: "function" };
      default:
        throw new Error(`unsupported type name ${node.nodeType} at ${node.src}`);
    }
  }

  /** The layout of a struct definition (members with relative slots and offsets). */
  ofStruct(def: StructDefinitionNode): StorageType & { kind: "struct" } {
    const cached = this.structs.get(def.id);
    if (cached) return cached;
    const sourceName = this.unit.sourceName(def.src) ?? "?";
    const key = `${sourceName}:${def.canonicalName}`;
    const label = `struct ${def.canonicalName}`;
    if (this.inProgress.has(def.id)) {
      // Only reachable through a mapping or dynamic array, whose own size does not depend on it.
      return { kind: "struct", label, key, members: [], slots: 0n, recursive: true };
    }
    this.inProgress.add(def.id);
    const types = def.members.map((m) => this.ofTypeName(m.typeName!));
    const { places, slots } = placeSequentially(types);
    const members: StorageMember[] = def.members.map((m, i) => ({
      name: m.name,
      type: types[i],
      slot: places[i].slot,
      offset: places[i].offset,
      position: this.unit.position(m.src),
    }));
    this.inProgress.delete(def.id);
    const result = { kind: "struct" as const, label, key, members, slots };
    this.structs.set(def.id, result);
    return result;
  }

  private elementary(name: string, label: string): StorageType {
    if (name === "address" || name === "address payable") return { kind: "value", label, bytes: 20, category: "address" };
    if (name === "bool") return { kind: "value", label, bytes: 1, category: "bool" };
    if (name === "string" || name === "bytes") return { kind: "dynamic-bytes", label };
    const m = ELEMENTARY.exec(name);
    if (m) {
      const [, base, size] = m;
      if (base === "bytes") return { kind: "value", label, bytes: Number(size), category: "bytesN" };
      const category: ValueCategory = base === "uint" ? "uint" : base === "int" ? "int" : "fixed";
      const bits = size ? Number(size) : category === "fixed" ? 128 : 256;
      return { kind: "value", label, bytes: bits / 8, category };
    }
    throw new Error(`unsupported elementary type ${name}`);
  }

  private userDefined(target: AstNode | undefined, label: string): StorageType {
    switch (target?.nodeType) {
      case "ContractDefinition":
        return { kind: "value", label: `contract ${(target as ContractDefinitionNode).name}`, bytes: 20, category: "address" };
      case "EnumDefinition": {
        // solc limits enums to 256 members: always one byte; a stored value is the member's index.
        const members = (target.members as { name: string }[]).map((m) => m.name);
        return { kind: "value", label, bytes: 1, category: "enum", enumMembers: members };
      }
      case "StructDefinition":
        return this.ofStruct(target as StructDefinitionNode);
      case "UserDefinedValueTypeDefinition": {
        const underlying = this.ofTypeName(target.underlyingType as TypeNameNode);
        if (underlying.kind !== "value") throw new Error(`user-defined value type ${label} over ${underlying.label}`);
        return { ...underlying, label, udvt: { name: label, underlying: underlying.label } };
      }
      default:
        throw new Error(`unsupported user-defined type ${label}`);
    }
  }

  private arrayLength(node: TypeNameNode): bigint {
    const fromType = /int_const (\d+)/.exec(node.length!.typeDescriptions?.typeString ?? "");
    if (fromType) return BigInt(fromType[1]);
    const v = this.evaluator.evaluate(node.length);
    if (v?.kind === "int") return v.value;
    throw new Error(`cannot evaluate array length at ${node.src}`);
  }
}

/**
 * A structural fingerprint of a type's storage shape (names ignored, layout kept): equal shapes at the
 * same slot read and write the same bytes the same way.
 */
export function shapeOf(t: StorageType): string {
  switch (t.kind) {
    case "value":
      return `${t.category}${t.bytes}`;
    case "dynamic-bytes":
      return "bytes";
    case "mapping":
      return `mapping(${shapeOf(t.key)}=>${shapeOf(t.value)})`;
    case "dynamic-array":
      return `${shapeOf(t.base)}[]`;
    case "static-array":
      return `${shapeOf(t.base)}[${t.length}]`;
    case "struct":
      return t.recursive ? `struct<${t.key}>` : `struct{${t.members.map((m) => `${m.slot}.${m.offset}:${shapeOf(m.type)}`).join(",")}}`;
  }
}

/**
 * How a type is named in messages: solc's label, with a user-defined value type's underlying type
 * (`Amount(uint256)`) and mapping / array parts spelled the same way, so a retyped UDVT does not read
 * "Amount became Amount".
 */
export function typeText(t: StorageType): string {
  switch (t.kind) {
    case "value":
      return t.udvt ? `${t.udvt.name}(${t.udvt.underlying})` : t.label;
    case "mapping":
      return `mapping(${typeText(t.key)} => ${typeText(t.value)})`;
    case "dynamic-array":
      return `${typeText(t.base)}[]`;
    case "static-array":
      return `${typeText(t.base)}[${t.length}]`;
    default:
      return t.label;
  }
}

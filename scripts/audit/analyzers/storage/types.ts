/** The storage model the footprint builder produces and the storage rules read. */
import type { ContractRecord, SourcePosition } from "../build-info";

/** How a type sits in storage (solc's layout rules, computed from the AST). */
export type StorageType =
  | {
      kind: "value";
      label: string;
      bytes: number;
      category: ValueCategory;
      /** Enums: the members in declaration order (a stored value is the member's index). */
      enumMembers?: string[];
      /** User-defined value types: the type's name and its underlying type (`Amount`, `uint256`). */
      udvt?: { name: string; underlying: string };
    }
  | { kind: "dynamic-bytes"; label: string }
  | { kind: "mapping"; label: string; key: StorageType; value: StorageType }
  | { kind: "dynamic-array"; label: string; base: StorageType }
  | { kind: "static-array"; label: string; base: StorageType; length: bigint }
  | { kind: "struct"; label: string; key: string; members: StorageMember[]; slots: bigint; recursive?: boolean };

export type ValueCategory = "uint" | "int" | "bool" | "address" | "bytesN" | "enum" | "function" | "fixed";

export interface StorageMember {
  name: string;
  type: StorageType;
  /** Slot relative to the start of the enclosing struct (or absolute, for a contract's plain layout). */
  slot: bigint;
  /** Byte offset inside that slot. */
  offset: number;
  /** Plain state variables: the contract that declares it (`OwnableUpgradeable`); absent for struct members. */
  declaredIn?: string;
  position?: SourcePosition;
}

export type RegionKind = "plain" | "erc7201" | "constant-slot" | "transient";
export type StorageSpace = "storage" | "transient";

/** A contiguous piece of a contract's absolute storage footprint. */
export interface Region {
  kind: RegionKind;
  /** Persistent storage and EIP-1153 transient storage are separate spaces: they never overlap. */
  space: StorageSpace;
  /**
   * Two regions with the same identity are the same storage used the same way (shared on purpose):
   * plain variables by declaration and slot, struct-typed regions (namespaces, diamond storage,
   * StorageSlot structs, and struct-typed plain variables such as AppStorage's `s`) by struct definition
   * and root, raw sload/sstore/tload/tstore slots by slot and
   * shape (two constants naming one EIP-1967 slot are one region).
   */
  identity: string;
  label: string;
  /** First slot. */
  start: bigint;
  /** Byte offset inside the first slot (packed plain variables), else 0. */
  offset: number;
  /** Extent in bytes from start*32 + offset (static part only: mappings and dynamic arrays keep their data at hashed slots). */
  bytes: bigint;
  type: StorageType;
  /** The contract or library that declares the variable, struct or constant. */
  declaredIn: string;
  /** Struct definition (`source:Contract.Struct`) for namespace and struct-typed hard-coded regions. */
  structKey?: string;
  /** ERC-7201 namespace id, from the struct's @custom:storage-location annotation. */
  namespaceId?: string;
  /** The constant the slot is written with, when there is one (`LibStaking.STORAGE_SLOT`). */
  constantName?: string;
  /** Where a reviewer looks: the variable, the annotated struct, or the slot constant. */
  position: SourcePosition;
  /** Where the code binds the slot (`$.slot := SLOT`, `StorageSlot.getAddressSlot(SLOT)`), when known. */
  boundAt?: SourcePosition;
  /** A raw `sload`/`sstore`/`tload`/`tstore` of a constant slot (no declared type: one slot). */
  raw?: boolean;
}

/** A struct pointer bound to a slot that differs from the formula its annotation or comment states. */
export interface SlotMismatch {
  /** `Lib.CONST` or, without a constant, the binding site. */
  subject: string;
  formula: string;
  /** What the formula gives. */
  expected: bigint;
  /** What the code uses. */
  actual: bigint;
  /** How we know the intended formula: the struct's annotation or the constant's comment. */
  source: "annotation" | "comment";
  position: SourcePosition;
  declaredIn: string;
}

/** A slot the code binds that the evaluator could not compute (the footprint may miss a region). */
export interface UnresolvedSlot {
  what: string;
  position: SourcePosition;
  declaredIn: string;
}

export interface Footprint {
  contract: ContractRecord;
  regions: Region[];
  mismatches: SlotMismatch[];
  unresolved: UnresolvedSlot[];
  /** The plain state variables in layout order (for V1 -> V2 comparison); also present in `regions`. */
  plainLayout: StorageMember[];
  /** Where the plain variables start: 0, or the contract's `layout at <slot>` (Solidity >= 0.8.29). */
  plainBase: bigint;
}

export function regionEnd(r: Region): bigint {
  return r.start * 32n + BigInt(r.offset) + r.bytes;
}

export function regionBegin(r: Region): bigint {
  return r.start * 32n + BigInt(r.offset);
}

/** Last slot a region touches (inclusive). */
export function lastSlot(r: Region): bigint {
  return (regionEnd(r) - 1n) / 32n;
}

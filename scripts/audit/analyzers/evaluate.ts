/**
 * Compile-time evaluation of the constant expressions storage slots are written with:
 * literals, constants (also across libraries), keccak256, abi.encode / abi.encodePacked,
 * type conversions, arithmetic and bit operations, user-defined value type wrap/unwrap, and calls to
 * small pure helpers (`return <expr>;`, e.g. OpenZeppelin's `TransientSlot.asAddress`). Anything else
 * is "unknown" (undefined): the analyzers then report the slot as unresolved instead of guessing.
 */
import { getBytes, keccak256, toBeArray } from "ethers";
import type { AstNode, ExpressionNode, FunctionDefinitionNode, VariableDeclarationNode } from "./ast";
import type { BuildUnit } from "./build-info";

export type ConstValue =
  | { kind: "int"; value: bigint; /** bit width of the Solidity type; absent for int_const literals */ bits?: number }
  | { kind: "bytes"; data: Uint8Array };

/** Values bound to parameter declaration ids while inlining a helper call. */
export type Env = ReadonlyMap<number, ConstValue>;

const MAX_DEPTH = 16;
const U256 = 256;

/** Bit width of an elementary value type named in a typeString (`uint64`, `bytes32`, `address`...). */
export function typeBits(typeString: string | null | undefined): number | undefined {
  if (!typeString) return undefined;
  let m = /^u?int(\d+)?\b/.exec(typeString);
  if (m) return m[1] ? Number(m[1]) : 256;
  m = /^bytes(\d+)\b/.exec(typeString);
  if (m) return Number(m[1]) * 8;
  if (/^(address|contract |address payable)/.test(typeString)) return 160;
  if (typeString === "bool") return 8;
  return undefined;
}

function isSigned(typeString: string | null | undefined): boolean {
  return !!typeString && /^int\d*\b/.test(typeString);
}

function wrapToType(value: bigint, typeString: string | null | undefined): ConstValue {
  const bits = typeBits(typeString);
  if (bits === undefined) return { kind: "int", value };
  return { kind: "int", value: isSigned(typeString) ? BigInt.asIntN(bits, value) : BigInt.asUintN(bits, value), bits };
}

function word(value: bigint): Uint8Array {
  return getBytes("0x" + BigInt.asUintN(U256, value).toString(16).padStart(64, "0"));
}

function parseNumberLiteral(raw: string): bigint | undefined {
  const text = raw.replace(/_/g, "");
  if (/^0x[0-9a-fA-F]+$/.test(text)) return BigInt(text);
  const m = /^(\d+)(?:\.(\d+))?(?:e(\d+))?$/.exec(text);
  if (!m) return undefined;
  const fraction = m[2] ?? "";
  const exponent = Number(m[3] ?? "0") - fraction.length;
  if (exponent < 0) return undefined;
  return BigInt(m[1] + fraction) * 10n ** BigInt(exponent);
}

export class ConstEvaluator {
  constructor(private readonly unit: BuildUnit) {}

  /** The value of `node`, or undefined when it is not a compile-time constant we can compute. */
  evaluate(node: AstNode | null | undefined, env: Env = new Map(), depth = 0): ConstValue | undefined {
    if (!node || depth > MAX_DEPTH) return undefined;
    const expr = node as ExpressionNode;
    switch (node.nodeType) {
      case "Literal":
        return this.literal(expr);
      case "Identifier":
      case "MemberAccess": {
        const ref = expr.referencedDeclaration;
        if (ref !== null && ref !== undefined) {
          const bound = env.get(ref);
          if (bound) return bound;
          const decl = this.unit.node<VariableDeclarationNode>(ref);
          if (decl?.nodeType === "VariableDeclaration" && decl.constant && decl.value) {
            const v = this.evaluate(decl.value, new Map(), depth + 1);
            return v && v.kind === "int" ? wrapToType(v.value, decl.typeDescriptions.typeString) : v;
          }
        }
        return undefined;
      }
      case "TupleExpression": {
        const components = node.components as (AstNode | null)[];
        return components.length === 1 ? this.evaluate(components[0], env, depth + 1) : undefined;
      }
      case "UnaryOperation":
        return this.unary(expr, env, depth);
      case "BinaryOperation":
        return this.binary(expr, env, depth);
      case "FunctionCall":
        return this.call(expr, env, depth);
      default:
        return undefined;
    }
  }

  /** A slot value (uint256 view of the result), or undefined. */
  slot(node: AstNode | null | undefined, env: Env = new Map()): bigint | undefined {
    const v = this.evaluate(node, env);
    if (!v) return undefined;
    if (v.kind === "int") return BigInt.asUintN(U256, v.value);
    return v.data.length === 32 ? BigInt("0x" + Buffer.from(v.data).toString("hex")) : undefined;
  }

  private literal(node: ExpressionNode): ConstValue | undefined {
    const kind = node.kind as string;
    if (kind === "number") {
      if (node.subdenomination) return undefined;
      const value = parseNumberLiteral(String(node.value));
      return value === undefined ? undefined : { kind: "int", value };
    }
    if (kind === "string" || kind === "hexString" || kind === "unicodeString") {
      return { kind: "bytes", data: getBytes("0x" + String(node.hexValue ?? "")) };
    }
    if (kind === "bool") return { kind: "int", value: node.value === "true" ? 1n : 0n, bits: 8 };
    return undefined;
  }

  private unary(node: ExpressionNode, env: Env, depth: number): ConstValue | undefined {
    const v = this.evaluate(node.subExpression as AstNode, env, depth + 1);
    if (!v || v.kind !== "int") return undefined;
    const type = node.typeDescriptions.typeString;
    if (node.operator === "~") return wrapToType(~v.value, type);
    if (node.operator === "-") return wrapToType(-v.value, type);
    return undefined;
  }

  private binary(node: ExpressionNode, env: Env, depth: number): ConstValue | undefined {
    const l = this.evaluate(node.leftExpression as AstNode, env, depth + 1);
    const r = this.evaluate(node.rightExpression as AstNode, env, depth + 1);
    if (!l || !r || l.kind !== "int" || r.kind !== "int") return undefined;
    const a = l.value;
    const b = r.value;
    let value: bigint;
    switch (node.operator) {
      case "+": value = a + b; break;
      case "-": value = a - b; break;
      case "*": value = a * b; break;
      case "/": if (b === 0n) return undefined; value = a / b; break;
      case "%": if (b === 0n) return undefined; value = a % b; break;
      case "**": if (b < 0n || b > 1024n) return undefined; value = a ** b; break;
      case "&": value = a & b; break;
      case "|": value = a | b; break;
      case "^": value = a ^ b; break;
      case "<<": value = a << b; break;
      case ">>": value = a >> b; break;
      default: return undefined;
    }
    return wrapToType(value, node.typeDescriptions.typeString);
  }

  private call(node: ExpressionNode, env: Env, depth: number): ConstValue | undefined {
    const callee = node.expression as ExpressionNode;
    const args = (node.arguments as AstNode[]) ?? [];
    const targetType = node.typeDescriptions.typeString;

    if (node.kind === "typeConversion") {
      if (args.length !== 1) return undefined;
      const v = this.evaluate(args[0], env, depth + 1);
      if (!v) return undefined;
      if (targetType === "bytes" || targetType === "string" || targetType?.startsWith("bytes memory") || targetType?.startsWith("string memory")) {
        return v.kind === "bytes" ? v : undefined;
      }
      if (v.kind === "bytes") {
        // bytesN("literal"): left-aligned, zero-padded.
        const bits = typeBits(targetType);
        if (bits === undefined || !/^bytes\d+/.test(targetType ?? "") || v.data.length * 8 > bits) return undefined;
        const padded = new Uint8Array(bits / 8);
        padded.set(v.data);
        return { kind: "int", value: BigInt("0x" + (Buffer.from(padded).toString("hex") || "0")), bits };
      }
      return wrapToType(v.value, targetType);
    }

    // Built-ins: keccak256(bytes), abi.encode(...), abi.encodePacked(...), bytes.concat(...).
    const calleeName = callee.nodeType === "Identifier" ? (callee.name as string) : undefined;
    // Built-ins have negative declaration ids (printed as uint32 by some solc builds): match the type.
    if (calleeName === "keccak256" && (callee.typeDescriptions.typeIdentifier ?? "").startsWith("t_function_keccak256")) {
      const v = args.length === 1 ? this.evaluate(args[0], env, depth + 1) : undefined;
      if (!v || v.kind !== "bytes") return undefined;
      return { kind: "int", value: BigInt(keccak256(v.data)), bits: 256 };
    }
    if (callee.nodeType === "MemberAccess") {
      const base = callee.expression as ExpressionNode;
      const member = callee.memberName as string;
      const baseName = base.nodeType === "Identifier" ? (base.name as string) : undefined;
      if (baseName === "abi" && (member === "encode" || member === "encodePacked")) {
        return this.abiEncode(args, member === "encodePacked", env, depth);
      }
      if (base.nodeType === "ElementaryTypeNameExpression" && member === "concat") {
        return this.concat(args, env, depth);
      }
      // UserDefinedValueType.wrap(x) / .unwrap(x): the same bits.
      if ((member === "wrap" || member === "unwrap") && args.length === 1 && /^type\(/.test(base.typeDescriptions.typeString ?? "")) {
        return this.evaluate(args[0], env, depth + 1);
      }
    }

    // A small pure helper: inline `return <expr>;` with the arguments bound.
    const fnId = callee.referencedDeclaration;
    const fn = this.unit.node<FunctionDefinitionNode>(fnId);
    if (fn?.nodeType !== "FunctionDefinition" || !fn.body) return undefined;
    const statements = (fn.body.statements as AstNode[]) ?? [];
    if (statements.length !== 1 || statements[0].nodeType !== "Return") return undefined;
    const params = fn.parameters.parameters;
    // `x.f(a)` through `using for` passes x as the first parameter.
    const boundArgs = callee.nodeType === "MemberAccess" && params.length === args.length + 1
      ? [callee.expression as AstNode, ...args]
      : args;
    if (boundArgs.length !== params.length) return undefined;
    const inner = new Map<number, ConstValue>();
    for (const [i, p] of params.entries()) {
      const v = this.evaluate(boundArgs[i], env, depth + 1);
      if (!v) return undefined;
      inner.set(p.id, v);
    }
    return this.evaluate(statements[0].expression as AstNode, inner, depth + 1);
  }

  private abiEncode(args: AstNode[], packed: boolean, env: Env, depth: number): ConstValue | undefined {
    const parts: Uint8Array[] = [];
    for (const arg of args) {
      const v = this.evaluate(arg, env, depth + 1);
      if (!v) return undefined;
      if (v.kind === "bytes") {
        if (!packed) return undefined; // dynamic ABI encoding of bytes/string: not needed for slots
        parts.push(v.data);
        continue;
      }
      if (!packed) {
        parts.push(word(v.value));
        continue;
      }
      // Packed: the type's own width. bytesN values are held as their N bytes' integer, so the
      // low N bytes of the word are the value either way.
      const bits = typeBits((arg as ExpressionNode).typeDescriptions.typeString) ?? v.bits;
      if (bits === undefined) return undefined;
      parts.push(word(v.value).subarray(32 - bits / 8));
    }
    return { kind: "bytes", data: getBytes(concatBytes(parts)) };
  }

  private concat(args: AstNode[], env: Env, depth: number): ConstValue | undefined {
    const parts: Uint8Array[] = [];
    for (const arg of args) {
      const v = this.evaluate(arg, env, depth + 1);
      if (!v) return undefined;
      parts.push(v.kind === "bytes" ? v.data : v.value === 0n ? new Uint8Array() : toBeArray(v.value));
    }
    return { kind: "bytes", data: getBytes(concatBytes(parts)) };
  }
}

function concatBytes(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** keccak256(abi.encode(uint256(keccak256(id)) - 1)) & ~bytes32(uint256(0xff)): the ERC-7201 root. */
export function erc7201Root(namespaceId: string): bigint {
  const inner = BigInt(keccak256(Buffer.from(namespaceId, "utf8")));
  const outer = BigInt(keccak256(word(inner - 1n)));
  return outer & ~0xffn;
}

/** bytes32(uint256(keccak256(id)) - 1): the EIP-1967 slot formula. */
export function eip1967Slot(id: string): bigint {
  return BigInt(keccak256(Buffer.from(id, "utf8"))) - 1n;
}

/** keccak256(id): diamond storage positions (EIP-2535 reference implementation). */
export function keccakSlot(id: string): bigint {
  return BigInt(keccak256(Buffer.from(id, "utf8")));
}

export function hexSlot(slot: bigint): string {
  return "0x" + BigInt.asUintN(U256, slot).toString(16).padStart(64, "0");
}

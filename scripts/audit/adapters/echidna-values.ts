/**
 * Echidna's argument values, in the two forms Echidna writes them, and their ABI encoding.
 *
 * 1. Printed (text report, `Call sequence:` lines; Echidna's `ppAbiValue`):
 *      uint / int      decimal, negative with `-`            7, -5
 *      address         `0x` + lowercase hex, no leading zeros  0x10000   (2.2.5+: maybe ` «label»` after it)
 *      bool            true / false
 *      bytes, bytesN,  a Haskell string literal of the bytes  "abc\NUL\188\&1"
 *      string          (Haskell `show` of a ByteString)
 *      T[] / T[k]      [a, b]
 *      tuple           (a, b)
 *    Arguments of a call are separated by `,` (no space), nested items by `, `.
 *
 * 2. Reproducer / corpus JSON (aeson's default encoding of hevm's `AbiValue`):
 *      {"tag":"AbiUInt","contents":[8,"3"]}               bits, decimal string
 *      {"tag":"AbiInt","contents":[256,"-5"]}
 *      {"tag":"AbiAddress","contents":"0x00…020000"}      EIP-55 or lowercase, 40 digits
 *      {"tag":"AbiBool","contents":true}
 *      {"tag":"AbiBytes","contents":[4,"\"ab\\NUL\\255\""]}  size, Haskell literal (quotes included)
 *      {"tag":"AbiBytesDynamic","contents":"\"…\""}, {"tag":"AbiString","contents":"\"…\""}
 *      {"tag":"AbiArrayDynamic","contents":[<AbiType>,[<AbiValue>…]]}
 *      {"tag":"AbiArray","contents":[k,<AbiType>,[<AbiValue>…]]}
 *      {"tag":"AbiTuple","contents":[<AbiValue>…]}
 *    and AbiType: {"tag":"AbiUIntType","contents":256}, {"tag":"AbiAddressType"},
 *    {"tag":"AbiArrayType","contents":[3,<AbiType>]}, {"tag":"AbiTupleType","contents":[<AbiType>…]}…
 *
 * Sources: Echidna lib/Echidna/ABI.hs (ppAbiValue), lib/Echidna/Orphans/JSON.hs (ByteString and
 * Word256 as `show` strings), hevm src/EVM/ABI.hs (AbiValue, AbiType), GHC's showLitChar (escapes).
 *
 * Strings are encoded as their raw bytes (the ABI encodes `string` exactly like `bytes`), so a
 * string that is not valid UTF-8 (`"\188"`) reaches the contract byte for byte.
 */
import { AbiCoder, FunctionFragment, getAddress, hexlify, type ParamType } from "ethers";

/** A value as Echidna wrote it, before its ABI type is applied. */
export type EchidnaValue =
  | { kind: "int"; value: bigint }
  | { kind: "bool"; value: boolean }
  | { kind: "address"; value: bigint }
  | { kind: "bytes"; value: Uint8Array }
  | { kind: "array"; items: EchidnaValue[] }
  | { kind: "tuple"; items: EchidnaValue[] };

/** A value whose Solidity type is known (reproducer JSON carries both). */
export interface TypedEchidnaValue {
  /** Canonical Solidity type, as in a signature: `uint8`, `bytes4`, `(uint256,string)[]`. */
  type: string;
  value: EchidnaValue;
}

export class EchidnaValueError extends Error {}

/* ------------------------------------------------------------------------ *
 * Haskell string literals (GHC `show` of a String / ByteString)
 * ------------------------------------------------------------------------ */

/** GHC's asciiTab: the names of the control characters 0..32. */
const ASCII_NAMES = [
  "NUL", "SOH", "STX", "ETX", "EOT", "ENQ", "ACK", "BEL", "BS", "HT", "LF", "VT", "FF", "CR", "SO", "SI",
  "DLE", "DC1", "DC2", "DC3", "DC4", "NAK", "SYN", "ETB", "CAN", "EM", "SUB", "ESC", "FS", "GS", "RS", "US", "SP",
];
// Longest first: "\SOH" is SOH, never SO followed by H (that is written "\SO\&H").
const NAMED: ReadonlyArray<readonly [string, number]> = [
  ...ASCII_NAMES.map((n, i): readonly [string, number] => [n, i]),
  ["DEL", 127] as const,
].sort((a, b) => b[0].length - a[0].length);
const SINGLE: Readonly<Record<string, number>> = { a: 7, b: 8, t: 9, n: 10, v: 11, f: 12, r: 13, "\\": 92, '"': 34, "'": 39 };

/**
 * Decodes a Haskell string literal (with its quotes) into bytes: `"abc\NUL\188"` -> 61 62 63 00 bc.
 * Accepts every escape of the Haskell report (`\n`, `\188`, `\x41`, `\o101`, `\^A`, `\SOH`, `\&`,
 * string gaps); characters above 255 are written as UTF-8.
 */
export function decodeHaskellString(literal: string): Uint8Array {
  const s = literal.trim();
  if (s.length < 2 || !s.startsWith('"') || !s.endsWith('"')) throw new EchidnaValueError(`not a string literal: ${literal}`);
  const out: number[] = [];
  const push = (code: number): void => {
    if (code < 256) out.push(code);
    else out.push(...Buffer.from(String.fromCodePoint(code), "utf8"));
  };
  for (let i = 1; i < s.length - 1; i++) {
    const ch = s[i];
    if (ch !== "\\") {
      if (ch === '"') throw new EchidnaValueError(`unescaped quote at ${i} in ${literal}`);
      push(s.codePointAt(i) as number);
      if ((s.codePointAt(i) as number) > 0xffff) i++;
      continue;
    }
    const rest = s.slice(i + 1, s.length - 1);
    if (rest === "") throw new EchidnaValueError(`dangling backslash in ${literal}`);
    const c = rest[0];
    if (c === "&") {
      i += 1;
      continue;
    }
    if (c in SINGLE) {
      push(SINGLE[c]);
      i += 1;
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = /^\d+/.exec(rest))) {
      push(Number(m[0]));
      i += m[0].length;
      continue;
    }
    if ((m = /^x([0-9a-fA-F]+)/.exec(rest))) {
      push(parseInt(m[1], 16));
      i += m[0].length;
      continue;
    }
    if ((m = /^o([0-7]+)/.exec(rest))) {
      push(parseInt(m[1], 8));
      i += m[0].length;
      continue;
    }
    if ((m = /^\^([@A-Z[\\\]^_])/.exec(rest))) {
      push(m[1].charCodeAt(0) - 64);
      i += 2;
      continue;
    }
    if ((m = /^\s+\\/.exec(rest))) {
      i += m[0].length; // a string gap: whitespace between two backslashes
      continue;
    }
    const named = NAMED.find(([name]) => rest.startsWith(name));
    if (named) {
      push(named[1]);
      i += named[0].length;
      continue;
    }
    throw new EchidnaValueError(`unknown escape \\${c} in ${literal}`);
  }
  return Uint8Array.from(out);
}

/** GHC's `show` of a ByteString: the literal Echidna prints and stores (`"abc\NUL\188\&1"`). */
export function showHaskellBytes(bytes: Uint8Array): string {
  let out = '"';
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    const next = i + 1 < bytes.length ? bytes[i + 1] : undefined;
    const isDigit = (x: number | undefined): boolean => x !== undefined && x >= 0x30 && x <= 0x39;
    if (b === 0x22) out += '\\"';
    else if (b === 0x5c) out += "\\\\";
    else if (b > 0x7f) out += `\\${b}${isDigit(next) ? "\\&" : ""}`;
    else if (b === 0x7f) out += "\\DEL";
    else if (b >= 0x20) out += String.fromCharCode(b);
    else if (b >= 7 && b <= 13) out += `\\${"abtnvfr"[b - 7]}`;
    else if (b === 14) out += `\\SO${next === 0x48 ? "\\&" : ""}`;
    else out += `\\${ASCII_NAMES[b]}`;
  }
  return `${out}"`;
}

/* ------------------------------------------------------------------------ *
 * Printed arguments
 * ------------------------------------------------------------------------ */

class Reader {
  pos = 0;
  constructor(readonly text: string) {}
  get done(): boolean {
    return this.pos >= this.text.length;
  }
  peek(): string {
    return this.text[this.pos] ?? "";
  }
  skipSpaces(): void {
    while (/\s/.test(this.peek())) this.pos++;
  }
  fail(what: string): never {
    throw new EchidnaValueError(`${what} at offset ${this.pos} of ${JSON.stringify(this.text)}`);
  }
}

function readValue(r: Reader): { value: EchidnaValue; raw: string } {
  r.skipSpaces();
  const start = r.pos;
  const c = r.peek();
  let value: EchidnaValue;
  if (c === '"') {
    let i = r.pos + 1;
    for (; i < r.text.length; i++) {
      if (r.text[i] === "\\") i++;
      else if (r.text[i] === '"') break;
    }
    if (i >= r.text.length) r.fail("unterminated string");
    value = { kind: "bytes", value: decodeHaskellString(r.text.slice(r.pos, i + 1)) };
    r.pos = i + 1;
  } else if (c === "[" || c === "(") {
    const close = c === "[" ? "]" : ")";
    r.pos++;
    const items: EchidnaValue[] = [];
    r.skipSpaces();
    if (r.peek() === close) r.pos++;
    else {
      for (;;) {
        items.push(readValue(r).value);
        r.skipSpaces();
        if (r.peek() === ",") r.pos++;
        else if (r.peek() === close) {
          r.pos++;
          break;
        } else r.fail(`expected , or ${close}`);
      }
    }
    value = { kind: c === "[" ? "array" : "tuple", items };
  } else {
    const m = /^(?:true|false|0x[0-9a-fA-F]+|-?\d+)/.exec(r.text.slice(r.pos));
    if (!m) r.fail("expected a value");
    r.pos += m[0].length;
    if (m[0] === "true" || m[0] === "false") value = { kind: "bool", value: m[0] === "true" };
    else if (m[0].startsWith("0x")) value = { kind: "address", value: BigInt(m[0]) };
    else value = { kind: "int", value: BigInt(m[0]) };
  }
  const raw = r.text.slice(start, r.pos);
  // Echidna 2.2.5+ prints a cheat-code label after an address: 0x10000 «Alice». It is not part of the value.
  const label = /^\s*«[^»]*»/.exec(r.text.slice(r.pos));
  if (label) r.pos += label[0].length;
  return { value, raw };
}

/**
 * Splits and parses a printed argument list (the text between the call's parentheses):
 * `3,"a, b",[1, 2],(0x10000 «Bob», true)` -> four values and their printed forms (labels dropped).
 */
export function parseEchidnaArgs(text: string): { values: EchidnaValue[]; printed: string[] } {
  const r = new Reader(text);
  const values: EchidnaValue[] = [];
  const printed: string[] = [];
  r.skipSpaces();
  if (r.done) return { values, printed };
  for (;;) {
    const { value, raw } = readValue(r);
    values.push(value);
    printed.push(raw);
    r.skipSpaces();
    if (r.done) break;
    if (r.peek() !== ",") r.fail("expected ,");
    r.pos++;
  }
  return { values, printed };
}

/** Parses one printed value: `-5`, `0x10000`, `"a\NUL"`, `[1, 2]`, `(true, 3)`. */
export function parseEchidnaLiteral(text: string): EchidnaValue {
  const r = new Reader(text);
  const { value } = readValue(r);
  r.skipSpaces();
  if (!r.done) r.fail("unexpected text after the value");
  return value;
}

/** The value as Echidna prints it (ppAbiValue): the inverse of parseEchidnaLiteral, labels aside. */
export function printEchidnaValue(v: EchidnaValue): string {
  switch (v.kind) {
    case "int":
      return v.value.toString();
    case "bool":
      return v.value ? "true" : "false";
    case "address":
      return `0x${v.value.toString(16)}`;
    case "bytes":
      return showHaskellBytes(v.value);
    case "array":
      return `[${v.items.map(printEchidnaValue).join(", ")}]`;
    case "tuple":
      return `(${v.items.map(printEchidnaValue).join(", ")})`;
  }
}

/* ------------------------------------------------------------------------ *
 * Reproducer JSON (aeson-encoded AbiValue / AbiType)
 * ------------------------------------------------------------------------ */

interface Tagged {
  tag: string;
  contents?: unknown;
}

function tagged(json: unknown, what: string): Tagged {
  if (typeof json !== "object" || json === null || typeof (json as Tagged).tag !== "string") {
    throw new EchidnaValueError(`${what}: expected {"tag": …}, got ${JSON.stringify(json)}`);
  }
  return json as Tagged;
}

function asArray(x: unknown, n: number | undefined, what: string): unknown[] {
  if (!Array.isArray(x) || (n !== undefined && x.length !== n)) throw new EchidnaValueError(`${what}: expected a JSON array${n !== undefined ? ` of ${n}` : ""}`);
  return x;
}

function asInt(x: unknown, what: string): number {
  const n = typeof x === "string" ? Number(x) : x;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0) throw new EchidnaValueError(`${what}: expected a size, got ${JSON.stringify(x)}`);
  return n;
}

/** Solidity type of an aeson-encoded hevm AbiType. */
export function abiTypeFromJson(json: unknown): string {
  const t = tagged(json, "AbiType");
  switch (t.tag) {
    case "AbiUIntType":
      return `uint${asInt(t.contents, "AbiUIntType")}`;
    case "AbiIntType":
      return `int${asInt(t.contents, "AbiIntType")}`;
    case "AbiAddressType":
      return "address";
    case "AbiBoolType":
      return "bool";
    case "AbiBytesType":
      return `bytes${asInt(t.contents, "AbiBytesType")}`;
    case "AbiBytesDynamicType":
      return "bytes";
    case "AbiStringType":
      return "string";
    case "AbiArrayDynamicType":
      return `${abiTypeFromJson(t.contents)}[]`;
    case "AbiArrayType": {
      const [k, inner] = asArray(t.contents, 2, "AbiArrayType");
      return `${abiTypeFromJson(inner)}[${asInt(k, "AbiArrayType")}]`;
    }
    case "AbiTupleType":
      return `(${asArray(t.contents, undefined, "AbiTupleType").map(abiTypeFromJson).join(",")})`;
    default:
      throw new EchidnaValueError(`unsupported AbiType ${t.tag}`);
  }
}

function wordFromString(x: unknown, what: string): bigint {
  if (typeof x === "number" && Number.isSafeInteger(x)) return BigInt(x);
  if (typeof x !== "string" || !/^-?(?:0x[0-9a-fA-F]+|\d+)$/.test(x.trim())) throw new EchidnaValueError(`${what}: expected a number, got ${JSON.stringify(x)}`);
  const s = x.trim();
  return s.startsWith("-") ? -BigInt(s.slice(1)) : BigInt(s);
}

/** An aeson-encoded hevm AbiValue -> its Solidity type and value. */
export function abiValueFromJson(json: unknown): TypedEchidnaValue {
  const t = tagged(json, "AbiValue");
  const c = t.contents;
  switch (t.tag) {
    case "AbiUInt": {
      const [bits, n] = asArray(c, 2, "AbiUInt");
      return { type: `uint${asInt(bits, "AbiUInt")}`, value: { kind: "int", value: wordFromString(n, "AbiUInt") } };
    }
    case "AbiInt": {
      const [bits, n] = asArray(c, 2, "AbiInt");
      return { type: `int${asInt(bits, "AbiInt")}`, value: { kind: "int", value: wordFromString(n, "AbiInt") } };
    }
    case "AbiAddress":
      return { type: "address", value: { kind: "address", value: wordFromString(c, "AbiAddress") } };
    case "AbiBool":
      if (typeof c !== "boolean") throw new EchidnaValueError(`AbiBool: expected true/false, got ${JSON.stringify(c)}`);
      return { type: "bool", value: { kind: "bool", value: c } };
    case "AbiBytes": {
      const [n, s] = asArray(c, 2, "AbiBytes");
      return { type: `bytes${asInt(n, "AbiBytes")}`, value: { kind: "bytes", value: decodeHaskellString(String(s)) } };
    }
    case "AbiBytesDynamic":
      return { type: "bytes", value: { kind: "bytes", value: decodeHaskellString(String(c)) } };
    case "AbiString":
      return { type: "string", value: { kind: "bytes", value: decodeHaskellString(String(c)) } };
    case "AbiArrayDynamic": {
      const [type, items] = asArray(c, 2, "AbiArrayDynamic");
      const values = asArray(items, undefined, "AbiArrayDynamic").map(abiValueFromJson);
      return { type: `${abiTypeFromJson(type)}[]`, value: { kind: "array", items: values.map((v) => v.value) } };
    }
    case "AbiArray": {
      const [k, type, items] = asArray(c, 3, "AbiArray");
      const values = asArray(items, undefined, "AbiArray").map(abiValueFromJson);
      return { type: `${abiTypeFromJson(type)}[${asInt(k, "AbiArray")}]`, value: { kind: "array", items: values.map((v) => v.value) } };
    }
    case "AbiTuple": {
      const values = asArray(c, undefined, "AbiTuple").map(abiValueFromJson);
      return { type: `(${values.map((v) => v.type).join(",")})`, value: { kind: "tuple", items: values.map((v) => v.value) } };
    }
    default:
      throw new EchidnaValueError(`unsupported argument type ${t.tag} (function-typed and other arguments are not replayed)`);
  }
}

/* ------------------------------------------------------------------------ *
 * ABI encoding
 * ------------------------------------------------------------------------ */

function describe(v: EchidnaValue): string {
  return `${v.kind} ${printEchidnaValue(v)}`;
}

/** `value` as ethers expects it for `type`, with strings as raw bytes (see `bytesForStrings`). */
export function toEthersValue(value: EchidnaValue, type: ParamType, where = "argument"): unknown {
  const bad = (): never => {
    throw new EchidnaValueError(`${where}: a ${type.format("sighash")} cannot take the ${describe(value)}`);
  };
  if (type.baseType === "array") {
    if (value.kind !== "array") return bad();
    if (type.arrayLength !== null && type.arrayLength >= 0 && value.items.length !== type.arrayLength) {
      throw new EchidnaValueError(`${where}: ${type.format("sighash")} needs ${type.arrayLength} items, got ${value.items.length}`);
    }
    const child = type.arrayChildren as ParamType;
    return value.items.map((item, i) => toEthersValue(item, child, `${where}[${i}]`));
  }
  if (type.baseType === "tuple") {
    const components = type.components ?? [];
    if (value.kind !== "tuple" || value.items.length !== components.length) return bad();
    return value.items.map((item, i) => toEthersValue(item, components[i], `${where}.${i}`));
  }
  const base = type.baseType;
  if (base === "bool") return value.kind === "bool" ? value.value : bad();
  if (base === "address") {
    if (value.kind !== "address" && value.kind !== "int") return bad();
    const v = value.value as bigint;
    if (v < 0n || v >= 1n << 160n) return bad();
    return getAddress(`0x${v.toString(16).padStart(40, "0")}`);
  }
  if (base === "string" || base === "bytes") {
    // A 0x literal where bytes are expected: hevm's own printer writes bytes that way.
    if (value.kind === "address" && base === "bytes") return `0x${value.value.toString(16)}`;
    return value.kind === "bytes" ? hexlify(value.value) : bad();
  }
  const fixed = /^bytes(\d+)$/.exec(base);
  if (fixed) {
    if (value.kind !== "bytes") return bad();
    if (value.value.length !== Number(fixed[1])) {
      throw new EchidnaValueError(`${where}: ${base} needs ${fixed[1]} bytes, got ${value.value.length}`);
    }
    return hexlify(value.value);
  }
  if (/^u?int\d*$/.test(base)) return value.kind === "int" ? value.value : bad();
  throw new EchidnaValueError(`${where}: ${base} arguments are not supported`);
}

/** The same type with every `string` read as `bytes` (identical ABI encoding; keeps non-UTF-8 strings exact). */
export function bytesForStrings(type: ParamType): string {
  return type.format("sighash").replace(/\bstring\b/g, "bytes");
}

/** Calldata: selector + ABI encoding of `values` for `fn`'s inputs. */
export function encodeEchidnaCall(fn: FunctionFragment, values: readonly EchidnaValue[]): string {
  if (values.length !== fn.inputs.length) {
    throw new EchidnaValueError(`${fn.format("sighash")}: ${fn.inputs.length} argument(s) expected, ${values.length} given`);
  }
  const encoded = values.map((v, i) => toEthersValue(v, fn.inputs[i], `${fn.name} argument ${i + 1}`));
  const data = AbiCoder.defaultAbiCoder().encode(fn.inputs.map(bytesForStrings), encoded);
  return `${fn.selector}${data.slice(2)}`;
}

/** Calldata for a call known only by name and typed values (reproducer JSON): `name(types…)`. */
export function encodeTypedCall(name: string, args: readonly TypedEchidnaValue[]): { signature: string; calldata: string } {
  const signature = `${name}(${args.map((a) => a.type).join(",")})`;
  // The types come with the values: no harness ABI needed.
  const fn = FunctionFragment.from(`function ${signature}`);
  return { signature, calldata: encodeEchidnaCall(fn, args.map((a) => a.value)) };
}

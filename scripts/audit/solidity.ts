/**
 * Solidity source helpers shared by the scope computation and the adapters:
 * nSLOC, contract names, and the symbol (Contract.member) enclosing a line.
 * Pure functions of the source text; parsing uses @solidity-parser/parser
 * (the parser solhint itself uses) through parseSource, and none of them
 * throws on broken Solidity: a syntax error is the compile stage's to report.
 */
import { parse } from "@solidity-parser/parser";

/**
 * Normalized source lines of code: lines with at least one character of code
 * outside comments. Blank lines, `//` and `/* *\/` comments (NatSpec included)
 * do not count; a line with code and a trailing comment counts once. Comment
 * markers inside string literals are code.
 */
export function nsloc(source: string): number {
  let count = 0;
  let hasCode = false;
  type Mode = "code" | "line" | "block" | "dq" | "sq";
  let mode: Mode = "code";
  for (let i = 0; i < source.length; i++) {
    const c = source[i];
    const next = source[i + 1];
    if (c === "\n") {
      if (hasCode) count++;
      hasCode = false;
      if (mode === "line") mode = "code";
      continue;
    }
    switch (mode) {
      case "line":
        break;
      case "block":
        if (c === "*" && next === "/") {
          mode = "code";
          i++;
        }
        break;
      case "dq":
      case "sq":
        hasCode = true;
        if (c === "\\") i++;
        else if ((mode === "dq" && c === '"') || (mode === "sq" && c === "'")) mode = "code";
        break;
      case "code":
        if (c === "/" && next === "/") {
          mode = "line";
          i++;
        } else if (c === "/" && next === "*") {
          mode = "block";
          i++;
        } else if (c === '"') {
          mode = "dq";
          hasCode = true;
        } else if (c === "'") {
          mode = "sq";
          hasCode = true;
        } else if (!/\s/.test(c)) {
          hasCode = true;
        }
        break;
    }
  }
  if (hasCode) count++;
  return count;
}

interface Loc {
  start: { line: number };
  end: { line: number };
}
/** The subset of @solidity-parser/parser's AST these helpers read. */
export interface AstNode {
  type: string;
  name?: string | null;
  loc?: Loc;
  subNodes?: AstNode[];
  children?: AstNode[];
  variables?: { name?: string | null }[];
  isConstructor?: boolean;
  isReceiveEther?: boolean;
  isFallback?: boolean;
}

/**
 * The one parser of the pipeline's source helpers (scope, nSLOC symbols, finding anchors): never
 * throws and never returns a malformed tree. @solidity-parser/parser's tolerant mode keeps going
 * after a syntax error, but the nodes it could not build come back as `null` (or `undefined`)
 * children, and it can still throw on some inputs; broken Solidity is exactly what the compile
 * stage reports, so here it only means "fewer symbols". Every node kept is an object with a
 * string `type`; `null` children are dropped; a source that cannot be parsed at all is undefined.
 */
export function parseSource(source: string): AstNode | undefined {
  let ast: unknown;
  try {
    ast = parse(source, { loc: true, tolerant: true });
  } catch {
    return undefined;
  }
  return isNode(ast) ? sanitize(ast) : undefined;
}

function isNode(value: unknown): value is AstNode {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

/** Drops children that are not nodes, recursively, from the lists this module walks. */
function sanitize(node: AstNode): AstNode {
  const out: AstNode = { ...node };
  for (const key of ["children", "subNodes"] as const) {
    const list = node[key];
    if (list === undefined) continue;
    out[key] = Array.isArray(list) ? list.filter(isNode).map(sanitize) : [];
  }
  if (node.variables !== undefined) {
    out.variables = Array.isArray(node.variables) ? node.variables.filter((v) => typeof v === "object" && v !== null) : [];
  }
  if (node.loc !== undefined && !validLoc(node.loc)) delete out.loc;
  if (node.name !== undefined && node.name !== null && typeof node.name !== "string") out.name = null;
  return out;
}

function validLoc(loc: unknown): loc is Loc {
  const l = loc as Partial<Loc> | null;
  return typeof l === "object" && l !== null && typeof l.start?.line === "number" && typeof l.end?.line === "number";
}

/** Names of the contracts, interfaces and libraries a source file defines, in source order. */
export function contractNames(source: string): string[] {
  const ast = parseSource(source);
  if (!ast) return [];
  return (ast.children ?? [])
    .filter((n) => n.type === "ContractDefinition" && typeof n.name === "string" && n.name !== "")
    .map((n) => n.name as string);
}

function memberName(n: AstNode): string | undefined {
  if (n.type === "FunctionDefinition") {
    if (n.isConstructor) return "constructor";
    if (n.isReceiveEther) return "receive";
    if (n.isFallback) return "fallback";
    return n.name ?? undefined;
  }
  if (n.type === "StateVariableDeclaration") return n.variables?.[0]?.name ?? undefined;
  return n.name ?? undefined;
}

const within = (loc: Loc | undefined, line: number): boolean =>
  loc !== undefined && loc.start.line <= line && line <= loc.end.line;

/**
 * The symbol enclosing `line` (1-based): "Contract.member", "Contract", a
 * free function's name, or undefined (pragma, imports, unparsable source).
 */
export function symbolAt(source: string, line: number): string | undefined {
  return symbolInAst(parseSource(source), line);
}

function symbolInAst(ast: AstNode | undefined, line: number): string | undefined {
  if (!ast) return undefined;
  for (const top of ast.children ?? []) {
    if (!within(top.loc, line)) continue;
    if (top.type === "ContractDefinition") {
      const member = (top.subNodes ?? []).find((s) => within(s.loc, line));
      const name = member ? memberName(member) : undefined;
      return name ? `${top.name}.${name}` : (top.name ?? undefined);
    }
    if (top.type === "FunctionDefinition") return memberName(top);
    return undefined;
  }
  return undefined;
}

/** Text of line `line` (1-based) with whitespace collapsed; '' when out of range. */
export function lineText(source: string, line: number): string {
  const text = source.split(/\r?\n/)[line - 1] ?? "";
  return text.replace(/\s+/g, " ").trim();
}

/**
 * Caching view over a set of source files, keyed by repository-relative path.
 * `read` returns the file's text or undefined when it cannot be read, which
 * keeps adapters pure: tests pass recorded sources, stages read the disk.
 */
export class SourceIndex {
  private readonly texts = new Map<string, string | undefined>();
  private readonly asts = new Map<string, AstNode | undefined>();

  constructor(private readonly read: (file: string) => string | undefined) {}

  text(file: string): string | undefined {
    if (!this.texts.has(file)) this.texts.set(file, this.read(file));
    return this.texts.get(file);
  }

  lineText(file: string, line: number): string {
    const t = this.text(file);
    return t === undefined ? "" : lineText(t, line);
  }

  symbolAt(file: string, line: number): string | undefined {
    const t = this.text(file);
    if (t === undefined) return undefined;
    if (!this.asts.has(file)) this.asts.set(file, parseSource(t));
    return symbolInAst(this.asts.get(file), line);
  }
}

/**
 * Solidity source helpers shared by the scope computation and the adapters:
 * nSLOC, contract names, and the symbol (Contract.member) enclosing a line.
 * Pure functions of the source text; parsing uses @solidity-parser/parser
 * (the parser solhint itself uses).
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
interface AstNode {
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

function parseTolerant(source: string): AstNode | undefined {
  try {
    return parse(source, { loc: true, tolerant: true }) as unknown as AstNode;
  } catch {
    return undefined;
  }
}

/** Names of the contracts, interfaces and libraries a source file defines, in source order. */
export function contractNames(source: string): string[] {
  const ast = parseTolerant(source);
  if (!ast) return [];
  return (ast.children ?? [])
    .filter((n) => n.type === "ContractDefinition" && typeof n.name === "string")
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
  return symbolInAst(parseTolerant(source), line);
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
    if (!this.asts.has(file)) this.asts.set(file, parseTolerant(t));
    return symbolInAst(this.asts.get(file), line);
  }
}

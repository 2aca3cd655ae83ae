/**
 * The slice of the solc JSON AST (compact form, solc >= 0.8) the analyzers read, and generic walking
 * helpers. Only the fields used are typed; everything else stays reachable through `AstNode`'s index
 * signature so an unexpected node never breaks a walk.
 */

export interface AstNode {
  id: number;
  nodeType: string;
  src: string;
  [key: string]: unknown;
}

export interface TypeDescriptions {
  typeIdentifier?: string | null;
  typeString?: string | null;
}

export interface Documentation {
  text?: string;
}

export interface TypeNameNode extends AstNode {
  typeDescriptions: TypeDescriptions;
  /** ElementaryTypeName */
  name?: string;
  stateMutability?: string;
  /** UserDefinedTypeName */
  referencedDeclaration?: number;
  pathNode?: { name: string; referencedDeclaration: number };
  /** Mapping */
  keyType?: TypeNameNode;
  valueType?: TypeNameNode;
  /** ArrayTypeName */
  baseType?: TypeNameNode;
  length?: ExpressionNode | null;
  /** FunctionTypeName */
  visibility?: string;
}

export interface ExpressionNode extends AstNode {
  typeDescriptions: TypeDescriptions;
  referencedDeclaration?: number | null;
}

export interface VariableDeclarationNode extends AstNode {
  name: string;
  constant: boolean;
  stateVariable: boolean;
  mutability?: string;
  visibility?: string;
  storageLocation: string;
  typeName?: TypeNameNode | null;
  typeDescriptions: TypeDescriptions;
  value?: ExpressionNode | null;
  documentation?: Documentation | null;
  functionSelector?: string;
  scope: number;
}

export interface StructDefinitionNode extends AstNode {
  name: string;
  canonicalName: string;
  members: VariableDeclarationNode[];
  documentation?: Documentation | null;
}

export interface FunctionDefinitionNode extends AstNode {
  name: string;
  kind: string;
  visibility: string;
  stateMutability: string;
  functionSelector?: string;
  parameters: { parameters: VariableDeclarationNode[] };
  returnParameters: { parameters: VariableDeclarationNode[] };
  body?: AstNode | null;
}

export interface ContractDefinitionNode extends AstNode {
  name: string;
  contractKind: "contract" | "interface" | "library";
  abstract: boolean;
  linearizedBaseContracts: number[];
  nodes: AstNode[];
}

export interface SourceUnitNode extends AstNode {
  absolutePath: string;
  nodes: AstNode[];
}

/** Yul nodes carry no numeric id; they are matched to Solidity declarations by `src`. */
export interface YulNode {
  nodeType: string;
  src: string;
  [key: string]: unknown;
}

export interface InlineAssemblyNode extends AstNode {
  AST: YulNode;
  externalReferences: { declaration: number; src: string; isSlot?: boolean; isOffset?: boolean; suffix?: string }[];
}

export function isNode(value: unknown): value is AstNode {
  return typeof value === "object" && value !== null && typeof (value as AstNode).nodeType === "string";
}

/**
 * Depth-first walk over every solc AST node under `root` (root included), with its parent node.
 * Yul subtrees (InlineAssembly.AST) are skipped: they have no ids; use `walkYul`.
 */
export function walk(root: AstNode, visit: (node: AstNode, parent: AstNode | undefined) => void): void {
  const stack: [AstNode, AstNode | undefined][] = [[root, undefined]];
  while (stack.length > 0) {
    const [node, parent] = stack.pop()!;
    visit(node, parent);
    for (const [key, value] of Object.entries(node)) {
      if (key === "AST" && node.nodeType === "InlineAssembly") continue;
      if (Array.isArray(value)) {
        for (let i = value.length - 1; i >= 0; i--) if (isNode(value[i])) stack.push([value[i] as AstNode, node]);
      } else if (isNode(value)) {
        stack.push([value, node]);
      }
    }
  }
}

/** Walks a Yul block of an InlineAssembly node. */
export function walkYul(root: YulNode, visit: (node: YulNode) => void): void {
  visit(root);
  for (const value of Object.values(root)) {
    if (Array.isArray(value)) {
      for (const item of value) if (typeof item === "object" && item !== null && "nodeType" in item) walkYul(item as YulNode, visit);
    } else if (typeof value === "object" && value !== null && "nodeType" in value) {
      walkYul(value as YulNode, visit);
    }
  }
}

/** `start:length:fileIndex` of a `src` attribute. */
export function parseSrc(src: string): { start: number; length: number; fileIndex: number } {
  const [start, length, fileIndex] = src.split(":").map(Number);
  return { start, length, fileIndex };
}

/**
 * One finding per bug: when two tools report the same problem at the same place, the report shows one
 * finding that names every tool that saw it (Finding.alsoReportedBy), counts it once, and a suppression
 * naming any of its rules accepts it (gate.ts). Pure; run by the gate over the findings of all stages.
 *
 * THE MATCHING RULE. Two findings are one bug when all of these hold:
 *   1. they come from different tools;
 *   2. their rules are in the same row of SAME_PROBLEM below (rules that name one problem in two tools'
 *      words, e.g. Slither's `tx-origin` and solhint's `avoid-tx-origin`);
 *   3. they are at the same place, by the row's kind:
 *      - `statement` (line tools, Slither and solhint): same file, and a line of one lies within a
 *        statement of the other. A Slither finding's statements are its `node` elements' line ranges
 *        (`data.elements`); a finding without node elements, or of another tool, is at its own
 *        `location.line`..`endLine`. (A Slither result is located at its function; its statement is the
 *        one that matters: solhint reports that statement's line.)
 *      - `declaration` (naming): same file and the same first line of the declaration (Slither's
 *        variable / function / contract element, solhint's reported line).
 *      - `storage-variables` (the storage analyzer and slither-check-upgradeability): same contracts,
 *        and the same variables. `storage-overlap` (the implementation's variable over the proxy's)
 *        matches a proxy-run check (`order-vars-proxy`, `extra-vars-proxy` of implementation C behind
 *        proxy P) when every variable the check names (`data.members`, `C.x`, `P.y`) is one of the two
 *        overlapping declarations (`data.regions[].label`); `upgrade-incompatible-layout` (V1 -> V2)
 *        matches an update-run check (`order-vars-contracts`, `missing-variables`, `were-constant`,
 *        `became-constant` of V1 -> V2) for the same V1 and V2 when a V1 variable the check names is one
 *        the analyzer found moved, retyped or deleted (`data.changes[].member`).
 *      - `selectors` (the selector analyzer and slither-check-upgradeability): `proxy-selector-clash` of
 *        implementation C matches `function-id-collision` / `function-shadowing` of C behind a proxy
 *        when the check names C's clashing function (`C.burn(uint256)`).
 *   4. one finding per tool in a group: a tool's second finding at the same place starts its own group.
 *
 * Which finding stands for the group (its id, fingerprint, stage, rule, title, location): the first in
 * PRECEDENCE (the analyzers' proof first, then Slither, slither-check-upgradeability, solhint); its
 * severity is the group's highest. The others become its `alsoReportedBy` sightings and, in their
 * stages' own lists, carry `mergedInto` with its id.
 *
 * Disputes (disputes.ts) are the opposite case - an analyzer disproves a slither-check-upgradeability
 * finding - and never meet a merge: a disputed finding has no analyzer finding at its place to join.
 */
import type { Finding, FindingSighting, Location } from "../types";
import { mostSevere } from "./severity";

export type PlaceKind = "statement" | "declaration" | "storage-variables" | "selectors";

export interface SameProblem {
  problem: string;
  place: PlaceKind;
  rules: readonly string[];
}

/** Rules that name one problem in different tools' words; every id is in the rule catalog (tested). */
export const SAME_PROBLEM: readonly SameProblem[] = [
  { problem: "unchecked low-level call", place: "statement", rules: ["unchecked-lowlevel", "solhint/no-unchecked-calls"] },
  { problem: "low-level call", place: "statement", rules: ["low-level-calls", "solhint/avoid-low-level-calls"] },
  { problem: "unchecked send", place: "statement", rules: ["unchecked-send", "solhint/check-send-result"] },
  { problem: "authorization by tx.origin", place: "statement", rules: ["tx-origin", "solhint/avoid-tx-origin"] },
  { problem: "decision on block.timestamp", place: "statement", rules: ["timestamp", "solhint/not-rely-on-time"] },
  { problem: "inline assembly", place: "statement", rules: ["assembly", "solhint/no-inline-assembly"] },
  {
    problem: "naming convention",
    place: "declaration",
    rules: [
      "naming-convention",
      "solhint/func-name-mixedcase",
      "solhint/var-name-mixedcase",
      "solhint/const-name-snakecase",
      "solhint/contract-name-capwords",
      "solhint/event-name-capwords",
      "solhint/modifier-name-mixedcase",
      "solhint/func-param-name-mixedcase",
    ],
  },
  { problem: "implementation storage over the proxy's", place: "storage-variables", rules: ["storage-overlap", "upgradeability/order-vars-proxy", "upgradeability/extra-vars-proxy"] },
  {
    problem: "V2 layout incompatible with V1",
    place: "storage-variables",
    rules: ["upgrade-incompatible-layout", "upgradeability/order-vars-contracts", "upgradeability/missing-variables", "upgradeability/were-constant", "upgradeability/became-constant"],
  },
  { problem: "proxy selector clash", place: "selectors", rules: ["proxy-selector-clash", "upgradeability/function-id-collision", "upgradeability/function-shadowing"] },
];

/** Which finding of a group stands for it: by stage, first listed first; unlisted stages after. */
export const PRECEDENCE: readonly string[] = ["storage", "selectors", "slither", "slither-upgradeability", "lint"];

const rank = (f: Finding): number => {
  const i = PRECEDENCE.indexOf(f.stage);
  return i < 0 ? PRECEDENCE.length : i;
};

interface Range {
  file: string;
  start: number;
  end: number;
}

interface ElementView {
  type?: string;
  file?: string;
  lines?: [number, number];
}

const elementsOf = (f: Finding): ElementView[] => (Array.isArray(f.data?.elements) ? (f.data.elements as ElementView[]) : []);

/** The statements a finding points at (see the header, `statement`). */
export function statementsOf(f: Finding): Range[] {
  const nodes = elementsOf(f).filter((e) => e.type === "node" && e.file && e.lines);
  if (nodes.length > 0) return nodes.map((e) => ({ file: e.file!, start: e.lines![0], end: e.lines![1] }));
  return ownRange(f.location);
}

/** The declarations a finding points at: their files and first lines (see the header, `declaration`). */
export function declarationsOf(f: Finding): Range[] {
  const declared = elementsOf(f).filter((e) => e.type !== "node" && e.file && e.lines);
  if (declared.length > 0) return declared.map((e) => ({ file: e.file!, start: e.lines![0], end: e.lines![0] }));
  return ownRange(f.location).map((r) => ({ ...r, end: r.start }));
}

function ownRange(location: Location | undefined): Range[] {
  if (!location?.file || location.line === undefined) return [];
  return [{ file: location.file, start: location.line, end: location.endLine ?? location.line }];
}

const overlaps = (a: Range[], b: Range[]): boolean => a.some((x) => b.some((y) => x.file === y.file && x.start <= y.end && y.start <= x.end));

const bare = (fqn: unknown): string => (typeof fqn === "string" ? fqn.slice(fqn.lastIndexOf(":") + 1) : "");
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

interface UpgradeabilityView {
  kind?: string;
  contract?: string;
  against?: string;
  members: string[];
}

function upgradeability(f: Finding): UpgradeabilityView | undefined {
  if (!f.rule.startsWith("upgradeability/")) return undefined;
  const d = (f.data ?? {}) as { kind?: string; contract?: string; against?: string; members?: unknown };
  return { kind: d.kind, contract: d.contract, against: d.against, members: strings(d.members) };
}

/** The analyzer side of a `storage-variables` or `selectors` pair against a slither-check-upgradeability finding. */
function analyzerAgrees(analyzer: Finding, check: UpgradeabilityView): boolean {
  const data = (analyzer.data ?? {}) as Record<string, unknown>;
  if (analyzer.rule === "storage-overlap") {
    const labels = (Array.isArray(data.regions) ? (data.regions as { label?: unknown }[]) : []).map((r) => r.label).filter((l): l is string => typeof l === "string");
    const variables = check.members;
    return check.kind === "proxy" && variables.length > 0 && variables.every((v) => labels.includes(v)) && labels.some((l) => l.startsWith(`${check.contract}.`));
  }
  if (analyzer.rule === "upgrade-incompatible-layout") {
    if (check.kind !== "update" || bare(data.from) !== check.contract || bare(data.to) !== check.against) return false;
    const moved = (Array.isArray(data.changes) ? (data.changes as { member?: unknown }[]) : []).map((c) => c.member);
    return check.members.some((m) => m.startsWith(`${check.contract}.`) && moved.includes(m));
  }
  if (analyzer.rule === "proxy-selector-clash") {
    return check.kind === "proxy" && data.contract === check.contract && check.members.includes(`${String(data.contract)}.${String(data.implementation)}`);
  }
  return false;
}

/** Whether two findings of one SAME_PROBLEM row are at the same place (rule 3 of the header). */
export function samePlace(kind: PlaceKind, a: Finding, b: Finding): boolean {
  switch (kind) {
    case "statement":
      return overlaps(statementsOf(a), statementsOf(b));
    case "declaration":
      return overlaps(declarationsOf(a), declarationsOf(b));
    case "storage-variables":
    case "selectors": {
      const [check, other] = upgradeability(a) ? [upgradeability(a)!, b] : [upgradeability(b), a];
      return check !== undefined && !other.rule.startsWith("upgradeability/") && analyzerAgrees(other, check);
    }
  }
}

export function sightingOf(f: Finding): FindingSighting {
  return {
    id: f.id,
    stage: f.stage,
    rule: f.rule,
    tool: { ...f.tool },
    severity: f.severity,
    title: f.title,
    fingerprint: f.fingerprint,
    ...(f.location ? { location: { ...f.location } } : {}),
  };
}

export interface MergeResult {
  /** One finding per bug, in the input order of the findings that stand for their groups. */
  findings: Finding[];
  /** id of a finding another stands for -> that finding's id. */
  mergedInto: Map<string, string>;
}

/**
 * Joins the findings of all stages that report one bug (the header's matching rule). Findings that
 * match nothing are returned unchanged; a merged finding is its representative with the group's
 * highest severity and `alsoReportedBy`.
 */
export function mergeAcrossTools(findings: readonly Finding[]): MergeResult {
  const groups: { row: SameProblem; members: Finding[] }[] = [];
  const candidates = findings
    .map((f, i) => ({ f, i, row: SAME_PROBLEM.find((r) => r.rules.includes(f.rule)) }))
    .filter((c): c is { f: Finding; i: number; row: SameProblem } => c.row !== undefined)
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i);
  for (const { f, row } of candidates) {
    const group = groups.find((g) => g.row === row && !g.members.some((m) => m.tool.name === f.tool.name) && samePlace(row.place, g.members[0], f));
    if (group) group.members.push(f);
    else groups.push({ row, members: [f] });
  }
  const mergedInto = new Map<string, string>();
  const representative = new Map<Finding, Finding>();
  for (const { members } of groups) {
    if (members.length < 2) continue;
    const [head, ...others] = members;
    for (const o of others) mergedInto.set(o.id, head.id);
    representative.set(head, {
      ...head,
      severity: mostSevere(members.map((m) => m.severity)) ?? head.severity,
      alsoReportedBy: others.map(sightingOf),
    });
  }
  return {
    findings: findings.filter((f) => !mergedInto.has(f.id)).map((f) => representative.get(f) ?? f),
    mergedInto,
  };
}

/** Every finding a merged finding stands for: itself and its sightings (for suppressions and baselines). */
export function constituents(f: Finding): FindingSighting[] {
  return [sightingOf(f), ...(f.alsoReportedBy ?? [])];
}

/**
 * Where two of the audit's tools disagree, say so. slither-check-upgradeability compares declared
 * state variables by position and names; the storage and selector analyzers prove more (ERC-7201
 * namespaces, gap spending, admin-only dispatch). When a Slither upgradeability finding is contradicted
 * by what an analyzer of this run established, the finding is marked `disputed` with the proof, every
 * report shows both, and audit/policy.json's `disputes` decides what the gate does with it: `report`
 * (default: it still counts) or `prefer-proof` (it does not block; the gate lists it as a warning).
 *
 * The rules (run after the stages, before the gate; pure but for reading the build's AST):
 * - storage layout, V1 -> V2 (`update` runs): the storage stage analyzed the same pair and reported no
 *   incompatible or abandoned layout for it;
 * - storage layout, implementation vs proxy (`proxy` runs): the storage stage analyzed a domain with that
 *   proxy and implementation and found no overlap involving the implementation;
 * - selectors (`proxy` runs): the selector stage reports the same implementation's clash as answered for
 *   the admin only (users reach the implementation);
 * - known blind spots of the pinned tools, read from the build's AST (`compiler-ast`): an OpenZeppelin
 *   4.x `reinitializer(uint8)` taken for a missing initializer guard, an assembly `delegatecall` taken
 *   for code that cannot send ether (Slither `locked-ether`).
 */
import type { AstNode, ContractDefinitionNode } from "./analyzers/ast";
import { walk } from "./analyzers/ast";
import type { ContractRecord, SolcBuild } from "./analyzers/build-info";
import { delegatecallSite } from "./analyzers/infer";
import type { Finding, StageResult } from "./types";

const UPGRADEABILITY = "slither-upgradeability";
const bare = (fqn: string): string => fqn.slice(fqn.lastIndexOf(":") + 1);

interface DomainSummaryView {
  proxy: string;
  implementations: { contract: string }[];
  upgrades: string[];
}

function ran(stage: StageResult | undefined): stage is StageResult {
  return stage !== undefined && (stage.status === "passed" || stage.status === "failed");
}

function disputeOf(f: Finding, storage: StageResult | undefined, selectors: StageResult | undefined): Finding["disputed"] {
  const d = f.data as { kind?: string; contract?: string; against?: string; category?: string } | undefined;
  if (!d?.contract || !d.against) return undefined;
  if (d.category === "storage-layout" && ran(storage)) {
    const domains = ((storage.metrics as { domains?: DomainSummaryView[] }).domains ?? []);
    if (d.kind === "update") {
      const analyzed = domains.some((dom) => dom.upgrades.some((u) => u.split(" -> ").map(bare).join("->") === `${d.contract}->${d.against}`));
      const broken = storage.findings.some((s) => {
        const data = s.data as { from?: string; to?: string } | undefined;
        return (s.rule === "upgrade-incompatible-layout" || s.rule === "upgrade-abandoned-storage") && bare(data?.from ?? "") === d.contract && bare(data?.to ?? "") === d.against;
      });
      if (analyzed && !broken) {
        return { by: "storage", reason: `the storage analyzer compared ${d.contract} -> ${d.against} member by member (every namespace and the plain layout) and found every V1 member where V2 reads it` };
      }
    }
    if (d.kind === "proxy") {
      const analyzed = domains.some((dom) => bare(dom.proxy) === d.against && dom.implementations.some((i) => bare(i.contract) === d.contract));
      const overlap = storage.findings.some((s) => s.rule === "storage-overlap" && `${s.title}\n${s.description}`.includes(d.contract!));
      if (analyzed && !overlap) {
        return { by: "storage", reason: `the storage analyzer placed every variable, namespace and slot of ${d.against} and ${d.contract} in one storage map and found no overlap` };
      }
    }
  }
  if (d.category === "selectors" && d.kind === "proxy" && ran(selectors)) {
    const adminOnly = selectors.findings.find((s) => {
      const data = s.data as { contract?: string; cutOff?: string } | undefined;
      return s.rule === "proxy-selector-clash" && data?.contract === d.contract && data?.cutOff === "admin";
    });
    if (adminOnly) return { by: "selectors", reason: `the selector analyzer shows the proxy answers it for its admin only: users reach ${d.contract} (${adminOnly.id})` };
  }
  return undefined;
}

/** The AST evidence disputes read: compiler output of this run's build, by bare contract name. */
export const AST_DISPUTER = "compiler-ast";

function contractByName(build: SolcBuild, name: string | undefined): ContractRecord | undefined {
  return name === undefined ? undefined : build.contracts.find((c) => c.name === name);
}

/**
 * Slither's `missing-init-modifier` checks for `Initializable.initializer()` and
 * `Initializable.reinitializer(uint64)` by canonical signature; OpenZeppelin 4.x declares
 * `reinitializer(uint8)`, so a V2 initializer guarded by it is flagged. Disputed when the function
 * (in the contract or a base) carries a modifier named `initializer` or `reinitializer` that a contract
 * named `*Initializable` declares.
 */
function initializerGuard(f: Finding, build: SolcBuild): Finding["disputed"] {
  const symbol = f.location?.symbol ?? "";
  const m = /^([A-Za-z_$][\w$]*)\.([A-Za-z_$][\w$]*)\(/.exec(symbol);
  const contract = contractByName(build, (f.data as { contract?: string } | undefined)?.contract ?? m?.[1]) ?? contractByName(build, m?.[1]);
  if (!m || !contract) return undefined;
  for (const baseId of contract.node.linearizedBaseContracts) {
    const base = contract.unit.node<ContractDefinitionNode>(baseId);
    for (const fn of base?.nodes ?? []) {
      if (fn.nodeType !== "FunctionDefinition" || fn.name !== m[2]) continue;
      for (const invocation of (fn.modifiers as AstNode[] | undefined) ?? []) {
        const ref = invocation.modifierName as { name?: string; referencedDeclaration?: number } | undefined;
        const definition = contract.unit.node(ref?.referencedDeclaration);
        const owner = definition ? contract.unit.enclosing<ContractDefinitionNode>(definition.id, ["ContractDefinition"]) : undefined;
        if (!definition || !owner || !/Initializable$/.test(owner.name) || !["initializer", "reinitializer"].includes(String(definition.name))) continue;
        const params = ((definition.parameters as { parameters?: { typeDescriptions?: { typeString?: string } }[] } | undefined)?.parameters ?? []).map((p) => p.typeDescriptions?.typeString ?? "?");
        const where = contract.unit.position(invocation.src);
        return {
          by: AST_DISPUTER,
          reason: `${m[1]}.${m[2]} carries \`${contract.unit.text(invocation.src)}\` (${where ? `${where.file}:${where.line}` : "its declaration"}), the guard ${owner.name} declares as ${String(definition.name)}(${params.join(",")}); slither-check-upgradeability recognizes only Initializable.initializer() and Initializable.reinitializer(uint64)`,
        };
      }
    }
  }
  return undefined;
}

/**
 * Slither's `locked-ether` looks for code that can send ether; for an inline-assembly `delegatecall` it
 * reads the third argument (an input offset, usually 0) as a call value, so an assembly forwarding proxy
 * (Safe's, EIP-1167-style) is "locking" the ether its implementation can spend. Disputed when the flagged
 * contract's code delegatecalls in assembly.
 */
function lockedEtherByDelegatecall(f: Finding, build: SolcBuild): Finding["disputed"] {
  const elements = ((f.data as { elements?: { type?: string; name?: string }[] } | undefined)?.elements ?? []);
  const name = elements.find((e) => e.type === "contract")?.name ?? f.location?.symbol?.split(".")[0];
  const contract = contractByName(build, name);
  const site = contract ? delegatecallSite(contract) : undefined;
  if (!contract || !site?.assembly) return undefined;
  const where = contract.unit.position(site.src);
  return {
    by: AST_DISPUTER,
    reason: `${contract.name} delegatecalls in inline assembly (${where ? `${where.file}:${where.line}` : "its fallback"}): the code it runs can send the ether it receives; Slither reads an assembly delegatecall's third argument (an input offset) as a call value`,
  };
}

const AST_RULES: Partial<Record<string, (f: Finding, build: SolcBuild) => Finding["disputed"]>> = {
  "upgradeability/missing-init-modifier": initializerGuard,
  "locked-ether": lockedEtherByDelegatecall,
};

/**
 * The stages with tool findings that this run's evidence contradicts marked `disputed`: Slither
 * upgradeability findings by the storage and selector analyzers' proofs, and findings of known tool
 * blind spots by the build's AST (`build`, read only when such a finding exists).
 */
export function markDisputes(stages: readonly StageResult[], build?: () => SolcBuild | undefined): StageResult[] {
  const storage = stages.find((s) => s.name === "storage");
  const selectors = stages.find((s) => s.name === "selectors");
  let solc: SolcBuild | undefined | null = null;
  const ast = (): SolcBuild | undefined => {
    if (solc === null) {
      try {
        solc = build?.();
      } catch {
        solc = undefined; // no readable build: nothing to read evidence from
      }
    }
    return solc;
  };
  return stages.map((stage) => ({
    ...stage,
    findings: stage.findings.map((f) => {
      if (f.disputed) return f;
      const byProof = stage.name === UPGRADEABILITY ? disputeOf(f, storage, selectors) : undefined;
      const rule = AST_RULES[f.rule];
      const disputed = byProof ?? (rule && (stage.name === "slither" || stage.name === UPGRADEABILITY) && ast() ? rule(f, ast()!) : undefined);
      return disputed ? { ...f, disputed } : f;
    }),
  }));
}

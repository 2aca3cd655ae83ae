/**
 * Where two of the audit's tools disagree, say so. slither-check-upgradeability compares declared
 * state variables by position and names; the storage and selector analyzers prove more (ERC-7201
 * namespaces, gap spending, admin-only dispatch). When a Slither upgradeability finding is contradicted
 * by what an analyzer of this run established, the finding is marked `disputed` with the proof, every
 * report shows both, and audit/policy.json's `disputes` decides what the gate does with it: `report`
 * (default: it still counts) or `prefer-proof` (it does not block; the gate lists it as a warning).
 *
 * The rules (pure; run after the stages, before the gate):
 * - storage layout, V1 -> V2 (`update` runs): the storage stage analyzed the same pair and reported no
 *   incompatible or abandoned layout for it;
 * - storage layout, implementation vs proxy (`proxy` runs): the storage stage analyzed a domain with that
 *   proxy and implementation and found no overlap involving the implementation;
 * - selectors (`proxy` runs): the selector stage reports the same implementation's clash as answered for
 *   the admin only (users reach the implementation).
 */
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

/** The stages with Slither upgradeability findings that another stage's proof contradicts marked `disputed`. */
export function markDisputes(stages: readonly StageResult[]): StageResult[] {
  const storage = stages.find((s) => s.name === "storage");
  const selectors = stages.find((s) => s.name === "selectors");
  return stages.map((stage) =>
    stage.name !== UPGRADEABILITY
      ? stage
      : {
          ...stage,
          findings: stage.findings.map((f) => {
            const disputed = disputeOf(f, storage, selectors);
            return disputed ? { ...f, disputed } : f;
          }),
        },
  );
}

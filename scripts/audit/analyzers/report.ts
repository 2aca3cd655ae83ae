/**
 * Plain-text / Markdown renderings of the analyzers' metrics and findings, for the Hardhat tasks'
 * terminal output (and reusable by the pipeline's report writers: the tables are GitHub Markdown).
 */
import type { Finding, ReportSection } from "../types";
import { where } from "./findings";
import type { RoutingProof, SelectorRow } from "./selectors/analyze";
import type { StorageDomainSummary, StorageMapRow } from "./storage/analyze";

function cell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function table(header: string[], rows: string[][]): string {
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.map(cell).join(" | ")} |`),
  ].join("\n");
}

/** Abbreviates a 32-byte slot for tables: `0x13e2…b200`; small slots stay whole. */
export function shortHex(hex: string): string {
  const digits = hex.replace(/^0x0*/, "");
  if (digits.length <= 8) return `0x${digits || "0"}`;
  return `0x${digits.slice(0, 4)}…${digits.slice(-4)}`;
}

function slotRange(r: StorageMapRow): string {
  const start = shortHex(r.slotStart);
  if (r.slotStart === r.slotEnd) return r.kind === "plain" || r.bytes < 32 ? `${start} [${r.offset}..${r.offset + r.bytes - 1}]` : start;
  const count = BigInt(r.slotEnd) - BigInt(r.slotStart) + 1n;
  return `${start} … +${count - 1n} (${count} slots)`;
}

/**
 * The domains analyzed and where each came from: declared (with any member the file forgot, found by
 * inheritance) or inferred from the build (with the evidence), so a reviewer can check the analysis
 * covered what runs in each proxy's storage.
 */
export function domainsSection(domains: StorageDomainSummary[]): ReportSection {
  const name = (fqn: string): string => fqn.slice(fqn.lastIndexOf(":") + 1);
  return {
    id: "domains",
    title: "Storage domains analyzed",
    description:
      "Each proxy and everything that runs in its storage. Declared: from audit/domains.json (or the command line); undeclared members were found because they inherit the base every declared implementation shares. Inferred: no domains file, read from the build.",
    table: {
      columns: [
        { key: "domain", label: "domain" },
        { key: "origin", label: "origin" },
        { key: "dispatch", label: "dispatch" },
        { key: "proxy", label: "proxy" },
        { key: "members", label: "members" },
        { key: "upgrades", label: "upgrades" },
        { key: "evidence", label: "why" },
      ],
      rows: domains.map((d) => ({
        domain: d.name,
        origin: d.origin,
        dispatch: d.dispatch,
        proxy: d.proxy.startsWith("(") ? d.proxy : name(d.proxy),
        members: [
          ...d.implementations.map((m) => `${name(m.contract)}${m.id !== undefined ? ` (id ${m.id})` : ""}${m.discovered ? ` (undeclared: ${m.discovered})` : ""}`),
          ...d.initializers.map((i) => `${name(i)} (initializer)`),
        ].join(", "),
        upgrades: d.upgrades.map((u) => u.split(" -> ").map(name).join(" -> ")).join(", "),
        evidence: (d.evidence ?? []).join("; "),
      })),
    },
  };
}

/** The storage map as a report section: which module owns which slot range. */
export function storageMapSection(rows: StorageMapRow[]): ReportSection {
  return {
    id: "storage-map",
    title: "Storage map",
    description:
      "Every storage region of each domain: who declares it, its slot range, and every member whose code touches it. Transient (EIP-1153) regions are a separate space.",
    table: {
      columns: [
        { key: "domain", label: "domain" },
        { key: "module", label: "module" },
        { key: "kind", label: "kind" },
        { key: "region", label: "region" },
        { key: "slots", label: "slots" },
        { key: "usedBy", label: "used by" },
        { key: "at", label: "declared at" },
      ],
      rows: rows.map((r) => ({
        domain: r.domain,
        module: r.module,
        kind: r.kind,
        region: r.label,
        slots: slotRange(r),
        usedBy: r.usedBy.join(", "),
        at: `${r.file}:${r.line}`,
      })),
    },
  };
}

/** Every external selector of each domain member, as a report section. */
export function selectorsSection(rows: SelectorRow[]): ReportSection {
  // The id column only where some implementation is reached by an id (id routing).
  const ids = rows.some((r) => r.id !== undefined);
  return {
    id: "selectors",
    title: "External selectors",
    description: ids
      ? "Functions and public getters of every proxy and implementation, with the id that routes to them."
      : "Functions and public getters of every proxy and implementation.",
    table: {
      columns: [
        { key: "domain", label: "domain" },
        { key: "contract", label: "contract" },
        ...(ids ? [{ key: "id", label: "id" }] : [{ key: "id", label: "role" }]),
        { key: "selector", label: "selector" },
        { key: "signature", label: "signature" },
        { key: "at", label: "declared at" },
      ],
      rows: rows.map((r) => ({
        domain: r.domain,
        contract: r.contract,
        id: r.id === undefined ? (r.role === "proxy" ? "proxy" : ids ? "" : r.role) : String(r.id),
        selector: r.selector,
        signature: r.signature,
        at: r.file ? `${r.file}:${r.line}` : "",
      })),
    },
  };
}

/** The id router's no-capture proof, one row per id-routed domain. */
export function routingProofSection(proofs: RoutingProof[]): ReportSection {
  return {
    id: "routing-proof",
    title: "Id routing: can a routed call reach a proxy function?",
    table: {
      columns: [
        { key: "domain", label: "domain" },
        { key: "proxy", label: "proxy" },
        { key: "idBytes", label: "id bytes" },
        { key: "ids", label: "registered ids" },
        { key: "proxySelectors", label: "proxy selectors" },
        { key: "holds", label: "no capture" },
        { key: "reason", label: "why" },
      ],
      rows: proofs.map((p) => ({
        domain: p.domain,
        proxy: p.proxy,
        idBytes: p.idBytes,
        ids: p.ids.join(", "),
        proxySelectors: p.proxySelectors.length === 0 ? "none" : p.proxySelectors.join(", "),
        holds: p.holds ? "proved" : "NO",
        reason: p.reason,
      })),
    },
  };
}

/** A section's table as GitHub Markdown, for the tasks' terminal output. */
function sectionMarkdown(section: ReportSection, empty: string): string {
  const t = section.table;
  if (!t || t.rows.length === 0) return empty;
  return table(
    t.columns.map((c) => c.label),
    t.rows.map((r) => t.columns.map((c) => String(r[c.key] ?? ""))),
  );
}

export function storageMapMarkdown(rows: StorageMapRow[]): string {
  return sectionMarkdown(storageMapSection(rows), "_No storage regions._");
}

export function selectorsMarkdown(rows: SelectorRow[]): string {
  return sectionMarkdown(selectorsSection(rows), "_No external selectors._");
}

export function findingsText(findings: Finding[]): string {
  if (findings.length === 0) return "No findings.";
  return findings
    .map((f) => `[${f.severity.toUpperCase()}] ${f.rule} ${where(f.location)}\n  ${f.title}\n  ${f.description}\n  -> ${f.recommendation ?? ""}`)
    .join("\n\n");
}

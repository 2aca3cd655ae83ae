/**
 * Plain-text / Markdown renderings of the analyzers' metrics and findings, for the Hardhat tasks'
 * terminal output (and reusable by the pipeline's report writers: the tables are GitHub Markdown).
 */
import type { Finding } from "../types";
import { where } from "./findings";
import type { SelectorRow } from "./selectors/analyze";
import type { StorageMapRow } from "./storage/analyze";

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

export function storageMapMarkdown(rows: StorageMapRow[]): string {
  if (rows.length === 0) return "_No storage regions._";
  return table(
    ["domain", "module", "kind", "region", "slots", "used by", "declared at"],
    rows.map((r) => [r.domain, r.module, r.kind, r.label, slotRange(r), r.usedBy.join(", "), `${r.file}:${r.line}`]),
  );
}

export function selectorsMarkdown(rows: SelectorRow[]): string {
  if (rows.length === 0) return "_No external selectors._";
  return table(
    ["domain", "contract", "id", "selector", "signature", "declared at"],
    rows.map((r) => [r.domain, r.contract, r.id === undefined ? (r.role === "proxy" ? "proxy" : "") : String(r.id), r.selector, r.signature, r.file ? `${r.file}:${r.line}` : ""]),
  );
}

export function findingsText(findings: Finding[]): string {
  if (findings.length === 0) return "No findings.";
  return findings
    .map((f) => `[${f.severity.toUpperCase()}] ${f.rule} ${where(f.location)}\n  ${f.title}\n  ${f.description}\n  -> ${f.recommendation ?? ""}`)
    .join("\n\n");
}

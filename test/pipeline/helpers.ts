/** Shared by the pipeline tests (no tests here). */
import { createHash } from "node:crypto";
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { SourceIndex } from "../../scripts/audit/solidity";
import type { Finding, StageResult } from "../../scripts/audit/types";

export const REPO = path.resolve(__dirname, "..", "..");
export const FIXTURES = path.join(__dirname, "fixtures");
export const RECORDED = path.join(FIXTURES, "recorded");
export const FIXTURE_PROJECT = path.join(FIXTURES, "project");

export function recorded(name: string): string {
  return readFileSync(path.join(RECORDED, name), "utf8");
}

/** The temp root the fixtures were recorded in (paths inside the outputs live under it). */
export function recordedRoot(): string {
  return (JSON.parse(recorded("meta.json")) as { root: string }).root;
}

/** Sources of the fixture project, keyed by repository-relative path. */
export function fixtureSources(dir = FIXTURE_PROJECT): SourceIndex {
  return new SourceIndex((file) => {
    try {
      return readFileSync(path.join(dir, file), "utf8");
    } catch {
      return undefined;
    }
  });
}

const created: string[] = [];

/** A fresh directory under the OS temp dir, removed after the whole run. */
export function tempDir(prefix = "audit-test-"): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

// A root-level hook: runs once, after every test file.
after(function () {
  for (const dir of created.splice(0)) rmSync(dir, { recursive: true, force: true });
});

export function finding(over: Partial<Finding> = {}): Finding {
  return {
    id: "lint:solhint/x:000000000000",
    stage: "lint",
    rule: "solhint/x",
    severity: "low",
    title: "t",
    description: "d",
    tool: { name: "solhint", version: "6.2.4" },
    fingerprint: "a".repeat(64),
    location: { file: "contracts/A.sol", line: 3, symbol: "A.f" },
    ...over,
  };
}

export function stage(name: string, over: Partial<StageResult> = {}): StageResult {
  return { name, status: "passed", durationMs: 1, tools: [], findings: [], metrics: {}, artifacts: [], ...over };
}

/** sha256 of every file under `dir` (hidden ones included), keyed by relative path; `skip` folders left out. */
export function checksums(dir: string, skip: readonly string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const full = path.join(d, name);
      const rel = path.relative(dir, full).split(path.sep).join("/");
      if (skip.includes(rel)) continue;
      const st = lstatSync(full);
      if (st.isDirectory()) visit(full);
      else out[rel] = st.isSymbolicLink() ? `link ${rel}` : createHash("sha256").update(readFileSync(full)).digest("hex");
    }
  };
  visit(dir);
  return out;
}

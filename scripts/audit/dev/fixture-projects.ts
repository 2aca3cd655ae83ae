/**
 * The foreign-style fixture projects (test/fixtures/projects/, README there): small Hardhat projects
 * that know nothing of the harness, with ordinary dependencies of their own (hardhat-toolbox,
 * OpenZeppelin contracts and contracts-upgradeable, hardhat-upgrades). Their dependencies are installed
 * once with `npm ci` from test/fixtures/projects/package-lock.json into .tools/fixture-projects/
 * (git-ignored, outside test/ so no test runner walks it), and reused while the lockfile is unchanged.
 * `copyFixtureProject` gives a test a throwaway copy with `node_modules` linked in, as a user's checkout
 * with its dependencies installed.
 */
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { REPO } from "./compile-sources";

export const FIXTURE_PROJECTS_DIR = path.join(REPO, "test", "fixtures", "projects");
export const FIXTURE_DEPS_DIR = path.join(REPO, ".tools", "fixture-projects");

function lockHash(): string {
  return createHash("sha256").update(readFileSync(path.join(FIXTURE_PROJECTS_DIR, "package-lock.json"))).digest("hex");
}

/** Whether the fixture projects' dependencies are installed for the current lockfile. */
export function fixtureDepsInstalled(): boolean {
  const stamp = path.join(FIXTURE_DEPS_DIR, "installed.sha256");
  return existsSync(stamp) && readFileSync(stamp, "utf8").trim() === lockHash() && existsSync(path.join(FIXTURE_DEPS_DIR, "node_modules", ".bin", "hardhat"));
}

/**
 * Installs the fixture projects' dependencies (npm ci, from the npm registry) unless they are current.
 * Throws with npm's last output line when the install fails.
 */
export async function ensureFixtureDeps(log: (line: string) => void = () => undefined): Promise<string> {
  if (fixtureDepsInstalled()) return path.join(FIXTURE_DEPS_DIR, "node_modules");
  log(`installing the fixture projects' dependencies into ${path.relative(REPO, FIXTURE_DEPS_DIR)} (npm ci; first run only)`);
  rmSync(FIXTURE_DEPS_DIR, { recursive: true, force: true });
  mkdirSync(FIXTURE_DEPS_DIR, { recursive: true });
  for (const f of ["package.json", "package-lock.json"]) cpSync(path.join(FIXTURE_PROJECTS_DIR, f), path.join(FIXTURE_DEPS_DIR, f));
  const { execa } = await import("execa");
  const run = await execa("npm", ["ci", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: FIXTURE_DEPS_DIR, reject: false, stdin: "ignore" });
  if (run.exitCode !== 0) {
    const last = `${String(run.stderr)}\n${String(run.stdout)}`.trim().split("\n").filter(Boolean).pop() ?? `exit ${run.exitCode}`;
    throw new Error(`npm ci of the fixture projects' dependencies failed: ${last}`);
  }
  writeFileSync(path.join(FIXTURE_DEPS_DIR, "installed.sha256"), `${lockHash()}\n`);
  return path.join(FIXTURE_DEPS_DIR, "node_modules");
}

/** A throwaway copy of fixture project `name` with its dependencies linked in; returns its root. */
export function copyFixtureProject(name: string): string {
  const root = mkdtempSync(path.join(os.tmpdir(), `fixture-${name}-`));
  cpSync(path.join(FIXTURE_PROJECTS_DIR, name), root, { recursive: true });
  symlinkSync(path.join(FIXTURE_DEPS_DIR, "node_modules"), path.join(root, "node_modules"), "dir");
  return root;
}

/** The project's Solidity sources (`contracts/...` -> text). */
export function fixtureSources(name: string): Record<string, string> {
  const dir = path.join(FIXTURE_PROJECTS_DIR, name);
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name.endsWith(".sol")) out[path.relative(dir, full).split(path.sep).join("/")] = readFileSync(full, "utf8");
    }
  };
  walk(path.join(dir, "contracts"));
  return out;
}

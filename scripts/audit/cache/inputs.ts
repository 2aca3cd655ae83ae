/**
 * Declared inputs that take a helper to compute (key.ts `value` inputs): the identity of npm packages
 * a tool loads, of a binary found on PATH, and of the files an invariant campaign names. The stage
 * modules use them in their `cache` declarations.
 */
import { readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import path from "node:path";
import { HARNESS_ROOT } from "../project/hardhat-project";
import { findOnPath } from "../tools/provision";
import { InputHasher, sha256, type CacheKeyContext } from "./key";

/**
 * sha256 over the files of each installed package whose name starts with one of `prefixes` (e.g.
 * `solhint-plugin-`), in the project's node_modules, then the harness's: name -> digest. A package
 * linked with `file:` is hashed at its real place.
 */
export function packageDigests(ctx: CacheKeyContext, prefixes: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const hasher = new InputHasher();
  for (const base of [ctx.root, HARNESS_ROOT]) {
    const nm = path.join(base, "node_modules");
    let names: string[];
    try {
      names = readdirSync(nm);
    } catch {
      continue;
    }
    const candidates = names.flatMap((n) => (n.startsWith("@") ? scoped(nm, n) : [n]));
    for (const name of candidates.filter((n) => prefixes.some((p) => n.replace(/^@[^/]+\//, "").startsWith(p))).sort()) {
      if (out[name] !== undefined) continue;
      let dir: string;
      try {
        dir = realpathSync(path.join(nm, name));
      } catch {
        continue;
      }
      const files = hasher.tree(dir);
      out[name] = sha256(files.map((f) => `${path.relative(dir, f)}\0${hasher.file(f)}\n`).join(""));
    }
  }
  return out;
}

function scoped(nm: string, scope: string): string[] {
  try {
    return readdirSync(path.join(nm, scope)).map((n) => `${scope}/${n}`);
  } catch {
    return [];
  }
}

/** A binary on PATH by where it is, its size and modification time (not its bytes: fuzzers are large); null when absent. */
export function binaryIdentity(bin: string, env: NodeJS.ProcessEnv): { path: string; size: number; mtimeMs: number } | null {
  const found = findOnPath(bin, env);
  if (!found) return null;
  const st = statSync(found, { throwIfNoEntry: false });
  return st ? { path: found, size: st.size, mtimeMs: Math.round(st.mtimeMs) } : null;
}

/** The files of a folder by name, size and modification time ({} when absent). */
export function folderIdentity(dir: string): Record<string, [number, number]> {
  const out: Record<string, [number, number]> = {};
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return out;
  }
  for (const n of names) {
    const st = statSync(path.join(dir, n), { throwIfNoEntry: false });
    if (st) out[n] = [st.size, Math.round(st.mtimeMs)];
  }
  return out;
}

/**
 * The files a JSON config names under `keys` (dotted paths, e.g. `medusa.config`), hashed: path ->
 * digest ("absent" when missing). A config that is not readable JSON names nothing (its own bytes are
 * an input of their own).
 */
export function namedFiles(root: string, configFile: string, keys: readonly string[]): Record<string, string> {
  let config: unknown;
  try {
    config = JSON.parse(readFileSync(path.join(root, configFile), "utf8"));
  } catch {
    return {};
  }
  const hasher = new InputHasher();
  const out: Record<string, string> = {};
  for (const key of keys) {
    const value = key.split(".").reduce<unknown>((v, k) => (v && typeof v === "object" ? (v as Record<string, unknown>)[k] : undefined), config);
    if (typeof value !== "string" || value === "") continue;
    const abs = path.resolve(root, value);
    const files = hasher.tree(abs);
    if (files.length === 0) out[value] = "absent";
    for (const f of files) out[path.relative(root, f).split(path.sep).join("/")] = hasher.file(f);
  }
  return out;
}

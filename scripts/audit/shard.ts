/**
 * Shards of one fuzzing campaign (`--shard i/n`): n jobs, usually n machines of a CI matrix, each run
 * its own part of the deep campaign and `npm run audit:merge` joins their reports and corpora
 * (scripts/audit/shards/merge.ts). What a shard changes, only in the invariant stage
 * (stages/invariants.ts):
 *
 * - budget: the profile's fuzzing seconds are the whole campaign's; shard i of n fuzzes
 *   `shardBudgetSeconds(total, n)` = ceil(total / n) of them, on its own machine with that machine's
 *   workers (the campaign's default: its cores, at most 4). n shards of s seconds on w workers each
 *   spend n x s x w worker-seconds, as one machine with n x w workers would in s seconds.
 * - seed: `shardSeed(base, i)`, derived from a base seed (env AUDIT_FUZZ_SEED, else a random one
 *   recorded in the report) and i, so every shard gets a distinct, repeatable seed. Echidna takes it
 *   (`--seed`). Medusa 1.5.1 has no seed setting (it seeds its generator from the clock), so for
 *   Medusa the seed is recorded only and the shards differ by their clock seeds.
 * - corpus: its own directory, <out>/corpus/<engine>, started from a copy of the campaign's corpus
 *   (audit/corpus/<engine>, restored by the CI cache) and of that directory's own earlier content.
 */
import { createHash, randomInt } from "node:crypto";
import { InputError } from "./errors";

/** Shard `index` (1-based) of `count`. */
export interface Shard {
  index: number;
  count: number;
}

/** Upper bound of n: a GitHub Actions matrix runs at most 256 jobs. */
export const MAX_SHARDS = 256;

/**
 * Parses `i/n` (both whole decimal numbers, 1 <= i <= n <= MAX_SHARDS).
 * @throws InputError (one line, exit 2) naming what is wrong
 */
export function parseShard(text: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new InputError(`--shard needs i/n (shard i of n, e.g. 1/4), not "${text}"`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > MAX_SHARDS) throw new InputError(`--shard ${text}: n must be between 1 and ${MAX_SHARDS}`);
  if (index < 1 || index > count) throw new InputError(`--shard ${text}: i must be between 1 and n (${count})`);
  return { index, count };
}

/** The fuzzing seconds of one shard: the campaign's total split evenly, rounded up, at least 1. */
export function shardBudgetSeconds(totalSeconds: number, count: number): number {
  return Math.max(1, Math.ceil(totalSeconds / count));
}

/** Seeds stay below 2^48: a safe JavaScript integer and a positive Int for Echidna. */
const SEED_BYTES = 6;

/**
 * Shard `index`'s seed: the first 48 bits of SHA-256("<base>/<index>"), as an integer. Deterministic
 * (same base and index, same seed), distinct across the shards of a base in practice.
 */
export function shardSeed(base: number, index: number): number {
  const digest = createHash("sha256").update(`${base}/${index}`).digest();
  return digest.readUIntBE(0, SEED_BYTES);
}

/**
 * The base seed: env AUDIT_FUZZ_SEED (a whole number, 0 <= s < 2^48), else a random one.
 * @throws InputError when AUDIT_FUZZ_SEED is set but not such a number
 */
export function baseSeed(env: NodeJS.ProcessEnv): { seed: number; from: "AUDIT_FUZZ_SEED" | "random" } {
  const raw = env.AUDIT_FUZZ_SEED;
  if (raw === undefined || raw.trim() === "") return { seed: randomInt(0, 2 ** 47), from: "random" };
  const seed = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(seed) || seed >= 2 ** 48) {
    throw new InputError(`AUDIT_FUZZ_SEED=${raw}: expected a whole number below 2^48`);
  }
  return { seed, from: "AUDIT_FUZZ_SEED" };
}

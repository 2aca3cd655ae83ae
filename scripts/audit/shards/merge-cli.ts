#!/usr/bin/env node
/**
 * `npm run audit:merge -- <shard dirs...> [--out DIR] [--root DIR]`: ts-node (transpile-only) entry of
 * the shard merge (merge.ts). Exit 0 gate passed, 1 gate failed, 2 bad input.
 */
import { mergeMain } from "./merge";

if (require.main === module) {
  mergeMain(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`audit:merge: ${(e as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}

#!/usr/bin/env node
/**
 * `npm run audit -- [flags]`: ts-node (transpile-only) entry of the audit
 * pipeline. The same flags work as `npx hardhat audit` (scripts/audit/hardhat-task.ts).
 */
import { main } from "./run";

if (require.main === module) {
  const controller = new AbortController();
  process.once("SIGINT", () => controller.abort());
  process.once("SIGTERM", () => controller.abort());
  main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env, signal: controller.signal }).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`audit: ${(e as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}

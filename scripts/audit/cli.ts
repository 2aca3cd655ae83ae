#!/usr/bin/env node
/**
 * `npm run audit -- [flags]`: ts-node (transpile-only) entry of the audit
 * pipeline. The same flags work as `npx hardhat audit` (scripts/audit/hardhat-task.ts).
 * Ctrl-C / SIGTERM: see scripts/audit/interrupt.ts (exit 130, nothing written).
 */
import { runInProcess } from "./run";

if (require.main === module) {
  runInProcess(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      process.stderr.write(`audit: ${(e as Error).message}\n`);
      process.exitCode = 2;
    },
  );
}

/**
 * Turns the invariant campaign's failing sequences into mocha regression
 * tests: one file per failure, test/unit/repro/<property>-<hash>.test.ts,
 * which replays the sequence on a fresh harness through Hardhat
 * (scripts/audit/invariants/replay.ts) and asserts the property holds. The
 * test fails while the bug exists and passes once it is fixed.
 *
 *   npm run invariants:repro [-- --input audit/raw/invariants/failures.json] [--out test/unit/repro]
 *                            [--harness Name] [--artifacts dir]
 *   npx hardhat audit:repro  (same options)
 *
 * Input: the invariant stage's failures.json (default), whose `harness` and
 * `artifactsDir` say what to deploy; --harness / --artifacts retarget the
 * replay (e.g. a failure found on a planted-bug fixture replayed on the real
 * harness, where it must pass).
 */
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { FailuresFile } from "../stages/invariants";
import { ECHIDNA_DEFAULT_SENDERS } from "./campaign";
import type { CallStep, PropertyFailure } from "./types";

export const DEFAULT_INPUT = "audit/raw/invariants/failures.json";
export const DEFAULT_OUT = "test/unit/repro";

export interface ReproOptions {
  root: string;
  input?: string;
  out?: string;
  /** Replay on this harness instead of the one the failure was found on. */
  harness?: string;
  /** Read the harness from this artifacts directory (repository-relative); "artifacts" = the project's build. */
  artifactsDir?: string;
}

export interface GeneratedRepro {
  property: string;
  /** Repository-relative path of the test file. */
  file: string;
  /** False when an identical file already existed, or when nothing was written (`skipped`). */
  written: boolean;
  /** Why no test was written for this failure. */
  skipped?: string;
}

/** Stable id of a failure: property, harness and the exact sequence. */
export function reproHash(harness: string, failure: PropertyFailure): string {
  const steps = failure.callSequence.map((s) => [s.function, s.args, s.sender ?? "", s.calldata ?? "", s.timeDelay, s.blockDelay, s.value ?? "0"]);
  return createHash("sha256").update(JSON.stringify([harness, failure.property, failure.kind, steps])).digest("hex").slice(0, 10);
}

function safeName(property: string): string {
  return property.replace(/[^A-Za-z0-9_]+/g, "_").replace(/^_+|_+$/g, "") || "property";
}

function posix(p: string): string {
  return p.split(path.sep).join("/");
}

function stepLiteral(step: CallStep): string {
  const fields: string[] = [`function: ${JSON.stringify(step.function)}`, `args: ${JSON.stringify(step.args)}`];
  if (step.sender) fields.push(`sender: ${JSON.stringify(step.sender)}`);
  if (step.calldata) fields.push(`calldata: ${JSON.stringify(step.calldata)}`);
  fields.push(`timeDelay: ${step.timeDelay}`, `blockDelay: ${step.blockDelay}`);
  if (step.value) fields.push(`value: ${JSON.stringify(step.value)}`);
  if (step.gas !== undefined) fields.push(`gas: ${step.gas}`);
  if (step.gasPrice) fields.push(`gasPrice: ${JSON.stringify(step.gasPrice)}`);
  return `  { ${fields.join(", ")} },`;
}

/**
 * Who sent the calls that name no sender: the failure's candidates, or (a failures file written before
 * they were recorded) Echidna's default senders.
 */
export function senderCandidates(failure: PropertyFailure): { candidates: string[]; note: string } | undefined {
  const unnamed = failure.callSequence.some((s) => s.function !== "*wait*" && !s.sender);
  if (!unnamed) return undefined;
  return (
    failure.unknownSender ?? {
      candidates: ECHIDNA_DEFAULT_SENDERS,
      note: "the engine printed no sender and the failures file lists no candidates; assumed Echidna's default senders",
    }
  );
}

/** The source of one regression test. */
export function reproSource(opts: {
  failure: PropertyFailure;
  engine: string;
  engineVersion: string;
  foundOn: string;
  harness: string;
  artifactsDir: string | undefined;
  importBase: string;
  generatedAt: string;
}): string {
  const { failure, harness } = opts;
  const calls = failure.callSequence.filter((s) => s.function !== "*wait*").length;
  const retarget = harness !== opts.foundOn ? [` * Found on ${opts.foundOn}; replayed here on ${harness} (where it must hold).`] : [];
  const unknown = senderCandidates(failure);
  const check = (indent: string): string[] =>
    failure.kind === "assertion"
      ? [
          `${indent}// An assertion failed inside the last call; once fixed, every replayed call succeeds.`,
          `${indent}expect(receipts.map((r) => r.status)).to.not.include(0);`,
        ]
      : [`${indent}expect(await harness.getFunction(${JSON.stringify(failure.property)})()).to.equal(true);`];
  const destructure = `{ harness${failure.kind === "assertion" ? ", receipts" : ""} }`;
  const title = `${failure.property} holds after the recorded sequence`;
  const body = unknown
    ? [
        `  // ${opts.engine} did not print who sent these calls: ${unknown.note}.`,
        `  // The sequence is replayed from each candidate; the property must hold for every one.`,
        `  for (const sender of SENDERS) {`,
        `    it(${JSON.stringify(`${title}, sent by `)} + sender, async function () {`,
        `      const snap = (await hre.network.provider.send("evm_snapshot", [])) as string;`,
        `      try {`,
        `        const ${destructure} = await replayInvariantSequence(hre, { harness: HARNESS, artifactsDir: ARTIFACTS, sequence: SEQUENCE, sender });`,
        ...check("        "),
        `      } finally {`,
        `        await hre.network.provider.send("evm_revert", [snap]);`,
        `      }`,
        `    });`,
        `  }`,
      ]
    : [
        `  it(${JSON.stringify(title)}, async function () {`,
        `    const ${destructure} = await replayInvariantSequence(hre, { harness: HARNESS, artifactsDir: ARTIFACTS, sequence: SEQUENCE });`,
        ...check("    "),
        `  });`,
      ];
  return [
    `/**`,
    ` * Invariant regression test, generated by \`npm run invariants:repro\` (scripts/audit/invariants/repro.ts).`,
    ` *`,
    ` * ${opts.engine} ${opts.engineVersion} broke \`${failure.property}\` (${failure.kind}) of ${opts.foundOn} on ${opts.generatedAt.slice(0, 10)}`,
    ` * with the sequence below (${calls} call(s)), from`,
    ` * ${failure.file ?? failure.source}.`,
    ...(failure.reason ? [` * Echidna's reason: ${failure.reason}.`] : []),
    ...retarget,
    ` * The test replays it on a fresh harness through Hardhat (impersonated senders with the recorded`,
    ` * msg.value, time travel) and asserts the property holds: it fails while the bug exists and passes`,
    ` * once it is fixed.`,
    ` */`,
    `import { expect } from "chai";`,
    `import hre from "hardhat";`,
    `import { replayInvariantSequence } from "${opts.importBase}/scripts/audit/invariants/replay";`,
    `import type { CallStep } from "${opts.importBase}/scripts/audit/invariants/types";`,
    ``,
    `const HARNESS = ${JSON.stringify(harness)};`,
    `const ARTIFACTS: string | undefined = ${opts.artifactsDir ? JSON.stringify(opts.artifactsDir) : "undefined"};`,
    `const SEQUENCE: CallStep[] = [`,
    ...failure.callSequence.map(stepLiteral),
    `];`,
    ...(unknown ? [`/** The campaign's senders: the one that sent the calls above is among them. */`, `const SENDERS: string[] = ${JSON.stringify(unknown.candidates)};`] : []),
    ``,
    `describe(${JSON.stringify(`invariant regression: ${failure.property} (${opts.engine}, ${calls} calls)`)}, function () {`,
    `  let snapshot: string | undefined;`,
    `  before(async function () {`,
    `    // Instrumented contracts (solidity-coverage) cost different gas: that replay would not be the campaign's.`,
    `    if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) this.skip();`,
    `    snapshot = (await hre.network.provider.send("evm_snapshot", [])) as string;`,
    `  });`,
    `  after(async function () {`,
    `    if (snapshot) await hre.network.provider.send("evm_revert", [snapshot]);`,
    `  });`,
    ``,
    ...body,
    `});`,
    ``,
  ].join("\n");
}

export function readFailures(file: string): FailuresFile {
  let data: FailuresFile;
  try {
    data = JSON.parse(readFileSync(file, "utf8")) as FailuresFile;
  } catch (e) {
    throw new Error(`cannot read ${file}: ${(e as Error).message} (run the invariant stage first: npm run audit -- --only compile,invariants)`);
  }
  if (!Array.isArray(data.failures) || typeof data.harness !== "string") throw new Error(`${file} is not an invariant failures file`);
  return data;
}

/** Writes one regression test per failure; returns what it wrote. */
export function generateReproTests(opts: ReproOptions): GeneratedRepro[] {
  const input = path.resolve(opts.root, opts.input ?? DEFAULT_INPUT);
  const outDir = path.resolve(opts.root, opts.out ?? DEFAULT_OUT);
  const data = readFailures(input);
  const harness = opts.harness ?? data.harness;
  const artifacts = opts.artifactsDir ?? (opts.harness ? "artifacts" : data.artifactsDir);
  const artifactsDir = !artifacts || posix(path.normalize(artifacts)) === "artifacts" ? undefined : posix(artifacts);
  mkdirSync(outDir, { recursive: true });
  const importBase = posix(path.relative(outDir, opts.root)) || ".";
  const out: GeneratedRepro[] = [];
  for (const failure of data.failures) {
    if (failure.source === "echidna-live" && failure.callSequence.length === 0) {
      out.push({
        property: failure.property,
        file: "",
        written: false,
        skipped: "Echidna printed no call sequence for it (a live event before 2.2.4, and no final report or reproducer)",
      });
      continue;
    }
    const file = path.join(outDir, `${safeName(failure.property)}-${reproHash(harness, failure)}.test.ts`);
    const source = reproSource({
      failure,
      engine: data.engine,
      engineVersion: data.engineVersion,
      foundOn: data.harness,
      harness,
      artifactsDir,
      importBase,
      generatedAt: data.generatedAt,
    });
    const exists = existsSync(file);
    if (!exists) writeFileSync(file, source);
    out.push({ property: failure.property, file: posix(path.relative(opts.root, file)), written: !exists });
  }
  return out;
}

/**
 * What the invariants stage reads, for the stage-result cache (cache/key.ts): the build (the property
 * contracts of test/invariant are part of it), the campaign's folder and every config file
 * campaign.json names, the profile (its fuzzing budget), the engine choice, the deep budget and the
 * shards' base seed from the environment, the shard of a `--shard i/n` run, the provisioned Medusa (.tools stamps and .tools/bin) and an Echidna on PATH (`auto`
 * picks it when present).
 *
 * Not an input: the corpus (audit/corpus/<engine>). It grows with every campaign, so keying on it
 * would never reuse; a result is reused for an unchanged build and budget, and `--no-cache` (or
 * audit/policy.json `"cache": { "deep": false }`) fuzzes again.
 */
import path from "node:path";
import { binaryIdentity, folderIdentity, namedFiles } from "../cache/inputs";
import type { StageCacheSpec } from "../cache/key";
import { CAMPAIGN_CONFIG } from "../invariants/campaign";
import { HARDHAT_CONFIGS } from "../project/hardhat-project";

export const INVARIANTS_CACHE: StageCacheSpec = {
  inputs: [
    "build",
    "profile",
    "tools",
    "lockfiles",
    // crytic-compile's Hardhat platform (Medusa, Echidna) reads the project's config.
    { files: [path.posix.dirname(CAMPAIGN_CONFIG), ...HARDHAT_CONFIGS] },
    { env: ["AUDIT_INVARIANT_ENGINE", "AUDIT_FUZZ_SECONDS", "AUDIT_FUZZ_SEED"] },
    // `--shard i/n`: this shard's part of the campaign (its budget and seed follow from it).
    { value: "shard", of: (c) => c.shard ?? null },
    { value: "campaign configs", of: (c) => namedFiles(c.root, CAMPAIGN_CONFIG, ["medusa.config", "echidna.config"]) },
    { value: "engines", of: (c) => ({ echidna: binaryIdentity("echidna", c.env), toolsBin: folderIdentity(path.join(c.project.toolsDir, "bin")) }) },
  ],
};

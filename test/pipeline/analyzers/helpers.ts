/**
 * Shared by the analyzer tests (no tests here): compiles test/fixtures/analyzers/*.sol with solcjs
 * (the pinned `solc` package, offline) once per test run, with the outputSelection of
 * hardhat.config.ts, and builds analyzer domains from the result.
 */
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { SolcBuild } from "../../../scripts/audit/analyzers/build-info";
import { compileSources, REPO } from "../../../scripts/audit/dev/compile-sources";
import { domainFromCli, resolveDomain, type CliDomainArgs, type ResolvedDomain } from "../../../scripts/audit/analyzers/domain";
import { analyzeSelectors } from "../../../scripts/audit/analyzers/selectors/analyze";
import { analyzeStorage } from "../../../scripts/audit/analyzers/storage/analyze";
import { erc7201Root, hexSlot } from "../../../scripts/audit/analyzers/evaluate";
import type { Finding, Severity } from "../../../scripts/audit/types";

export { REPO, OUTPUT_SELECTION, compileSources } from "../../../scripts/audit/dev/compile-sources";
export const FIXTURE_DIR = "test/fixtures/analyzers";

export function fixtureSources(): Record<string, string> {
  const dir = path.join(REPO, FIXTURE_DIR);
  return Object.fromEntries(
    readdirSync(dir)
      .filter((f) => f.endsWith(".sol"))
      .sort()
      .map((f) => [`${FIXTURE_DIR}/${f}`, readFileSync(path.join(dir, f), "utf8")]),
  );
}

let fixtureBuild: SolcBuild | undefined;

/** All fixtures in one build, compiled on first use (about a second) and shared by every test file. */
export function fixtures(): SolcBuild {
  fixtureBuild ??= new SolcBuild([compileSources(fixtureSources())], { root: REPO, preferredRoots: [FIXTURE_DIR] });
  return fixtureBuild;
}

/** A domain from command-line-style arguments; this repository's fixtures default to id routing. */
export function domain(build: SolcBuild, args: CliDomainArgs): ResolvedDomain {
  return resolveDomain(build, domainFromCli({ dispatch: "id-routed", ...args }));
}

export function storageFindings(args: CliDomainArgs, build = fixtures()): Finding[] {
  return analyzeStorage(build, [domain(build, args)]).findings;
}

export function selectorFindings(args: CliDomainArgs, build = fixtures()): Finding[] {
  return analyzeSelectors(build, [domain(build, args)]).findings;
}

export function ofRule(findings: Finding[], rule: string): Finding[] {
  return findings.filter((f) => f.rule === rule);
}

const RANK: Record<Severity, number> = { critical: 4, high: 3, medium: 2, low: 1, info: 0 };

/** Findings above info (what "clean" must not have). */
export function aboveInfo(findings: Finding[]): Finding[] {
  return findings.filter((f) => RANK[f.severity] > 0);
}

export function atOrAbove(findings: Finding[], severity: Severity): Finding[] {
  return findings.filter((f) => RANK[f.severity] >= RANK[severity]);
}

/** One line per finding, for assertion messages. */
export function summary(findings: Finding[]): string {
  return findings.map((f) => `${f.severity} ${f.rule} ${f.location?.file}:${f.location?.line} ${f.title}`).join("\n") || "(none)";
}

/**
 * A third module for this repository, added by mistake on Staking's ERC-7201 namespace with another
 * struct (contracts/implementations/Rewards.sol): what a developer who copied LibStaking would write.
 * Not in audit/domains.json; the analyzers must still find it and fail.
 */
export function moduleOnStakingNamespace(): string {
  return [
    "// SPDX-License-Identifier: MIT",
    "pragma solidity 0.8.28;",
    'import {InitializableModule} from "../core/InitializableModule.sol";',
    "/// @notice A third module, by mistake on Staking's namespace.",
    "library LibRewards {",
    "    /// @custom:storage-location erc7201:loadbalancer.storage.Staking",
    "    struct Layout { address distributor; uint64 version; uint256 epoch; }",
    `    bytes32 internal constant STORAGE_SLOT = ${hexSlot(erc7201Root("loadbalancer.storage.Staking"))};`,
    "    function layout() internal pure returns (Layout storage $) { assembly { $.slot := STORAGE_SLOT } }",
    "}",
    "contract Rewards is InitializableModule {",
    "    function distributor() external view returns (address) { return LibRewards.layout().distributor; }",
    "    function _initializedVersion() internal view override returns (uint64) { return LibRewards.layout().version; }",
    "    function _setInitializedVersion(uint64 v) internal override { LibRewards.layout().version = v; }",
    "}",
    "",
  ].join("\n");
}

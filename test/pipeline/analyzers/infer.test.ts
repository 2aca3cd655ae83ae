/**
 * Domain inference on code nobody here wrote: the foreign-style fixture projects (test/fixtures/projects/)
 * compiled in-process with their own dependencies, and their domains inferred without a domains file.
 * Each project's planted bug must be found, and nothing else above info.
 */
import { expect } from "chai";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { SolcBuild } from "../../../scripts/audit/analyzers/build-info";
import { parseDomains, resolveDomain, type ResolvedDomain } from "../../../scripts/audit/analyzers/domain";
import { detectDispatch, inferDomains, upgradeChains } from "../../../scripts/audit/analyzers/infer";
import { analyzeSelectors } from "../../../scripts/audit/analyzers/selectors/analyze";
import { analyzeStorage } from "../../../scripts/audit/analyzers/storage/analyze";
import { compileSources } from "../../../scripts/audit/dev/compile-sources";
import { ensureFixtureDeps, FIXTURE_PROJECTS_DIR, fixtureSources } from "../../../scripts/audit/dev/fixture-projects";
import type { Finding } from "../../../scripts/audit/types";
import { aboveInfo, REPO, summary } from "./helpers";

function projectBuild(name: string, nodeModules: string, byVersion: Record<string, string[]> = {}): SolcBuild {
  const sources = fixtureSources(name);
  const roots = [nodeModules, path.join(FIXTURE_PROJECTS_DIR, name)];
  const infos = [];
  const placed = new Set(Object.values(byVersion).flat());
  const rest = Object.keys(sources).filter((f) => !placed.has(f));
  for (const [version, files] of Object.entries({ "0.8.28": rest, ...byVersion })) {
    if (files.length === 0) continue;
    infos.push(compileSources(Object.fromEntries(files.map((f) => [f, sources[f]])), version, roots));
  }
  return new SolcBuild(infos, { root: path.join(FIXTURE_PROJECTS_DIR, name) });
}

function analyzeAll(build: SolcBuild, domains: ResolvedDomain[]): Finding[] {
  return [...analyzeStorage(build, domains).findings, ...analyzeSelectors(build, domains).findings];
}

describe("domain inference on foreign-style projects", function () {
  this.timeout(600_000);
  let nodeModules: string;

  before(async function () {
    nodeModules = await ensureFixtureDeps();
  });

  it("uups-vault: a UUPS chain VaultV1 -> VaultV2 -> VaultV3 behind a standard ERC-1967 proxy; the V3 insertion is found", function () {
    const build = projectBuild("uups-vault", nodeModules);
    const inferred = inferDomains(build);
    expect(inferred.map((d) => d.config)).to.deep.equal([
      {
        name: "VaultV1",
        dispatch: "uups",
        implementations: [{ contract: "contracts/VaultV1.sol:VaultV1" }],
        upgrades: [
          { from: "contracts/VaultV1.sol:VaultV1", to: "contracts/VaultV2.sol:VaultV2" },
          { from: "contracts/VaultV2.sol:VaultV2", to: "contracts/VaultV3.sol:VaultV3" },
        ],
      },
    ]);
    expect(inferred[0].evidence.join("\n")).to.include("standard ERC-1967 proxy").and.include("VaultV1 -> VaultV2 -> VaultV3");
    const findings = analyzeAll(build, inferred.map((d) => resolveDomain(build, d.config)));
    expect(aboveInfo(findings).map((f) => `${f.severity} ${f.rule}`), summary(findings)).to.deep.equal(["high upgrade-incompatible-layout"]);
    expect(findings[0].title).to.equal("VaultV2 -> VaultV3: erc7201:gemvault.storage.Vault is not append-only (insertion)");
    expect(findings[0].description).to.include("balanceOf moved from slot root+1 to slot root+2 (pushed by feeRecipient (address, inserted at slot root+1))");
  });

  it("gem-diamond: the diamond, its *Facet contracts and DiamondInit as an initializer; MarketFacet's own slot-0 variable is found", function () {
    const build = projectBuild("gem-diamond", nodeModules);
    expect(detectDispatch(build.resolve("Diamond"), build)?.dispatch).to.equal("diamond");
    const inferred = inferDomains(build);
    expect(inferred).to.have.length(1);
    expect(inferred[0].config).to.deep.include({ name: "Diamond", proxy: "contracts/Diamond.sol:Diamond", dispatch: "diamond", initializers: ["contracts/upgradeInitializers/DiamondInit.sol:DiamondInit"] });
    expect(inferred[0].config.implementations.map((i) => i.contract.split(":")[1]).sort()).to.deep.equal(["DiamondCutFacet", "GemFacet", "MarketFacet", "OwnershipFacet"]);
    const findings = analyzeAll(build, inferred.map((d) => resolveDomain(build, d.config)));
    expect(aboveInfo(findings).map((f) => `${f.severity} ${f.rule}`).sort(), summary(findings)).to.deep.equal(["high plain-state-in-implementation", "high storage-overlap"]);
    const overlap = findings.find((f) => f.rule === "storage-overlap")!;
    expect(overlap.title).to.equal("storage overlap: MarketFacet.treasury and GemFacet.s");
    expect(overlap.description).to.include("DiamondInit (initializer)");
  });

  it("dual-registry: OpenZeppelin's TransparentUpgradeableProxy from the package, Registry (0.8.28) -> RegistryV2 (0.8.30); the widened field is found", function () {
    const build = projectBuild("dual-registry", nodeModules, { "0.8.30": ["contracts/RegistryV2.sol"] });
    expect(build.solcVersions).to.deep.equal(["0.8.28", "0.8.30"]);
    const inferred = inferDomains(build);
    expect(inferred.map((d) => d.config)).to.deep.equal([
      {
        name: "Registry",
        proxy: "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol:TransparentUpgradeableProxy",
        dispatch: "transparent",
        implementations: [{ contract: "contracts/Registry.sol:Registry" }],
        upgrades: [{ from: "contracts/Registry.sol:Registry", to: "contracts/RegistryV2.sol:RegistryV2" }],
      },
    ]);
    const findings = analyzeAll(build, inferred.map((d) => resolveDomain(build, d.config)));
    expect(aboveInfo(findings).map((f) => `${f.severity} ${f.rule}`), summary(findings)).to.deep.equal(["high upgrade-incompatible-layout"]);
    expect(findings[0].description).to.include("Registry.updatedAt (slot 0 byte 20): uint64 -> uint256");
  });

  it("upgrade chains: @custom:oz-upgrades-from first, then V<n> names; one chain per family", function () {
    const build = projectBuild("uups-vault", nodeModules);
    const chains = upgradeChains(build.contracts.filter((c) => /^Vault/.test(c.name)));
    expect(chains.map((c) => [c.head.name, ...c.pairs.map((p) => p.to.name)])).to.deep.equal([["VaultV1", "VaultV2", "VaultV3"]]);
  });
});

/**
 * A Safe-style wallet (the pattern of safe-global's SafeProxy and Singleton, written here): a proxy that
 * keeps its implementation's address in its own slot 0, a factory that deploys it, the wallet singleton,
 * and an initializable module deployed elsewhere (as EIP-1167 clones) that must not be paired with it.
 */
function safeStyle(walletMirrorsSingleton: boolean): Record<string, string> {
  const header = "// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\n";
  return {
    "contracts/common/Singleton.sol": `${header}/// Keeps the proxy's slot 0 (the singleton address) in the wallet's layout.\nabstract contract Singleton { address private singleton; }\n`,
    "contracts/common/OwnerManager.sol": `${header}abstract contract OwnerManager {\n    uint256 internal threshold;\n    mapping(address => bool) internal owners;\n    function getThreshold() external view returns (uint256) { return threshold; }\n}\n`,
    "contracts/proxy/WalletProxy.sol": [
      header,
      "contract WalletProxy {",
      "    address internal singleton;",
      "    constructor(address singleton_) { singleton = singleton_; }",
      "    fallback() external payable {",
      "        assembly {",
      "            let target := and(sload(0), 0xffffffffffffffffffffffffffffffffffffffff)",
      "            calldatacopy(0, 0, calldatasize())",
      "            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)",
      "            returndatacopy(0, 0, returndatasize())",
      "            if iszero(ok) { revert(0, returndatasize()) }",
      "            return(0, returndatasize())",
      "        }",
      "    }",
      "}",
      "",
    ].join("\n"),
    "contracts/proxy/WalletProxyFactory.sol": `${header}import {WalletProxy} from "./WalletProxy.sol";\ncontract WalletProxyFactory {\n    event ProxyCreation(address proxy);\n    function createProxy(address singleton) external returns (address proxy) {\n        proxy = address(new WalletProxy(singleton));\n        emit ProxyCreation(proxy);\n    }\n}\n`,
    "contracts/Wallet.sol": walletMirrorsSingleton
      ? `${header}import {Singleton} from "./common/Singleton.sol";\nimport {OwnerManager} from "./common/OwnerManager.sol";\ncontract Wallet is Singleton, OwnerManager {\n    function setup(uint256 threshold_) external { require(threshold == 0, "set"); threshold = threshold_; }\n}\n`
      : `${header}import {OwnerManager} from "./common/OwnerManager.sol";\ncontract Wallet is OwnerManager {\n    function setup(uint256 threshold_) external { require(threshold == 0, "set"); threshold = threshold_; }\n}\n`,
    "contracts/modules/Initializable.sol": `${header}abstract contract Initializable {\n    bool private initialized;\n    modifier initializer() { require(!initialized, "done"); initialized = true; _; }\n}\n`,
    "contracts/modules/AllowanceModule.sol": `${header}import {Initializable} from "./Initializable.sol";\ncontract AllowanceModule is Initializable {\n    address public wallet;\n    function init(address wallet_) external initializer { wallet = wallet_; }\n}\n`,
  };
}

describe("domain inference on a Safe-style forwarding proxy", function () {
  this.timeout(120_000);

  for (const mirrored of [true, false]) {
    it(
      mirrored
        ? "the wallet that mirrors the proxy's slot 0 is its implementation; the initializable module is not paired with it; nothing above info"
        : "a wallet that does not keep the proxy's slot 0 is still paired (the only contract that can run behind it), and the overlap is critical",
      function () {
        const build = new SolcBuild([compileSources(safeStyle(mirrored))]);
        expect(detectDispatch(build.resolve("WalletProxy"), build)?.dispatch).to.equal("forwarding");
        const inferred = inferDomains(build);
        expect(inferred.map((d) => `${d.config.name} ${d.config.dispatch} ${d.config.proxy ?? "-"} ${d.config.implementations.map((i) => i.contract).join(",")}`)).to.deep.equal([
          "Wallet forwarding contracts/proxy/WalletProxy.sol:WalletProxy contracts/Wallet.sol:Wallet",
          "AllowanceModule transparent - contracts/modules/AllowanceModule.sol:AllowanceModule",
        ]);
        expect(inferred[0].evidence[1]).to.match(mirrored ? /^Wallet mirrors `WalletProxy.singleton`/ : /^Wallet is the only contract .* does NOT keep `WalletProxy.singleton`$/);
        const findings = analyzeAll(build, inferred.map((d) => resolveDomain(build, d.config)));
        const blocking = aboveInfo(findings).map((f) => `${f.severity} ${f.rule} ${f.title}`);
        if (mirrored) expect(blocking, summary(findings)).to.deep.equal([]);
        else expect(blocking).to.include("critical storage-overlap storage overlap: OwnerManager.threshold and WalletProxy.singleton");
      },
    );
  }
});

/** Every `.sol` file under `dir`, keyed by its path relative to `dir` (`/`-separated). */
function solFiles(dir: string, sub: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walkDir = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const full = path.join(d, e.name);
      if (e.isDirectory()) walkDir(full);
      else if (e.name.endsWith(".sol")) out[path.relative(dir, full).split(path.sep).join("/")] = readFileSync(full, "utf8");
    }
  };
  walkDir(path.join(dir, sub));
  return out;
}

/**
 * Diamond initializers (what diamondCut's `_init` delegatecalls) and modules that run in the diamond's
 * storage: a project contract whose reachable code keeps the same storage as the diamond or its facets
 * (the AppStorage struct at slot 0, a diamond-storage position) belongs to the domain, whatever its name.
 */
describe("domain inference of a diamond's initializers (shared storage, never by name)", function () {
  this.timeout(120_000);

  it("red-team diamond-init-plain-flag (sources in solidity/): DiamondInit binds AppStorage at slot 0, so it is an initializer, and its plain `initialized` on AppStorage.totalSupply is a high overlap", function () {
    const dir = path.join(REPO, "test/fixtures/redteam/diamond-init-plain-flag");
    const build = new SolcBuild([compileSources(solFiles(dir, "solidity"))], { root: dir });
    const scope = { sources: "solidity/", exclude: [] };
    const inferred = inferDomains(build, scope);
    expect(inferred.map((d) => d.config)).to.deep.equal([
      {
        name: "Diamond",
        proxy: "solidity/Diamond.sol:Diamond",
        dispatch: "diamond",
        implementations: [{ contract: "solidity/facets/TokenFacet.sol:TokenFacet" }, { contract: "solidity/facets/TreasuryFacet.sol:TreasuryFacet" }],
        initializers: ["solidity/upgradeInitializers/DiamondInit.sol:DiamondInit"],
        upgrades: [],
      },
    ]);
    const findings = analyzeAll(build, inferred.map((d) => resolveDomain(build, d.config)));
    expect(aboveInfo(findings).map((f) => `${f.severity} ${f.rule} ${f.title}`), summary(findings)).to.deep.equal([
      "high storage-overlap storage overlap: DiamondInit.initialized and TokenFacet.s",
    ]);
    // Declared by hand, the same answer: the initializer's AppStorage pointer is the facets' `s`, not a second declaration.
    const declared = parseDomains(readFileSync(path.join(dir, "domains.declared.json"), "utf8"), "domains.declared.json");
    const byHand = analyzeAll(build, declared.map((d) => resolveDomain(build, d)));
    expect(aboveInfo(byHand).map((f) => `${f.severity} ${f.rule} ${f.title}`), summary(byHand)).to.deep.equal([
      "high storage-overlap storage overlap: DiamondInit.initialized and TokenFacet.s",
    ]);
  });

  it("an initializer named anything that reaches AppStorage through LibAppStorage is attached; a clean one adds nothing; unrelated contracts (own state, a package namespace shared with a facet, a factory) are not", function () {
    const dir = mkdtempSync(path.join(tmpdir(), "diamond-inits-"));
    try {
      symlinkSync(path.join(REPO, "node_modules"), path.join(dir, "node_modules"), "dir");
      const header = "// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\n";
      const diamond = readFileSync(path.join(REPO, "test/fixtures/redteam/diamond-init-plain-flag/solidity/Diamond.sol"), "utf8");
      const files: Record<string, string> = {
        "contracts/Diamond.sol": diamond,
        "contracts/libraries/LibAppStorage.sol": `${header}struct AppStorage { uint256 totalSupply; address treasury; }\nlibrary LibAppStorage {\n    function diamondStorage() internal pure returns (AppStorage storage ds) {\n        assembly { ds.slot := 0 }\n    }\n}\n`,
        "contracts/facets/SupplyFacet.sol": `${header}import {AppStorage} from "../libraries/LibAppStorage.sol";\nimport {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";\ncontract SupplyFacet is Initializable {\n    AppStorage internal s;\n    function totalSupply() external view returns (uint256) { return s.totalSupply; }\n    function start() external initializer { s.totalSupply = 1; }\n}\n`,
        // Delegatecalled by diamondCut, with a plain counter of its own at slot 0: on AppStorage.totalSupply.
        "contracts/upgrades/SetupV1.sol": `${header}import {LibAppStorage} from "../libraries/LibAppStorage.sol";\ncontract SetupV1 {\n    uint256 internal runs;\n    function setup(address treasury) external {\n        runs += 1;\n        LibAppStorage.diamondStorage().treasury = treasury;\n    }\n}\n`,
        "contracts/upgrades/SeedSupply.sol": `${header}import {LibAppStorage} from "../libraries/LibAppStorage.sol";\ncontract SeedSupply {\n    function seed(uint256 supply) external { LibAppStorage.diamondStorage().totalSupply = supply; }\n}\n`,
        "contracts/Token.sol": `${header}contract Token {\n    mapping(address => uint256) public balanceOf;\n    function mint(uint256 amount) external { balanceOf[msg.sender] += amount; }\n}\n`,
        // Upgradeable on OpenZeppelin's Initializable, as SupplyFacet is: the package's namespace is no evidence.
        "contracts/Registry.sol": `${header}import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";\nimport {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";\ncontract Registry is Initializable, UUPSUpgradeable {\n    function initialize() external initializer {}\n    function _authorizeUpgrade(address) internal override {}\n}\n`,
        "contracts/DiamondDeployer.sol": `${header}import {Diamond} from "./Diamond.sol";\ncontract DiamondDeployer {\n    function deploy() external returns (address) { return address(new Diamond()); }\n}\n`,
      };
      for (const [file, text] of Object.entries(files)) {
        mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
        writeFileSync(path.join(dir, file), text);
      }
      const build = new SolcBuild([compileSources(files)], { root: dir });
      const inferred = inferDomains(build);
      const diamondDomain = inferred.find((d) => d.config.dispatch === "diamond")!;
      expect(diamondDomain.config.implementations).to.deep.equal([{ contract: "contracts/facets/SupplyFacet.sol:SupplyFacet" }]);
      expect(diamondDomain.config.initializers).to.deep.equal(["contracts/upgrades/SeedSupply.sol:SeedSupply", "contracts/upgrades/SetupV1.sol:SetupV1"]);
      expect(diamondDomain.evidence.join("\n")).to.include("SeedSupply, SetupV1");
      expect(inferred.map((d) => d.config.name)).to.deep.equal(["Diamond", "Registry"]);
      const findings = analyzeAll(build, inferred.map((d) => resolveDomain(build, d.config)));
      expect(aboveInfo(findings).map((f) => `${f.severity} ${f.rule} ${f.title}`), summary(findings)).to.deep.equal([
        "high storage-overlap storage overlap: SetupV1.runs and SupplyFacet.s",
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

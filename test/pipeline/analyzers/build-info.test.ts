/**
 * The shared build-info reader and the storage model under the rules: source positions, contract
 * resolution, constant evaluation, and the analyzer's own storage layout computation checked against
 * solc's storageLayout for every kind of type.
 */
import { expect } from "chai";
import hre from "hardhat";
import { loadSolcBuild, SolcBuild } from "../../../scripts/audit/analyzers/build-info";
import type { VariableDeclarationNode } from "../../../scripts/audit/analyzers/ast";
import { AnalyzerInputError } from "../../../scripts/audit/analyzers/errors";
import { ConstEvaluator, eip1967Slot, erc7201Root, hexSlot, keccakSlot } from "../../../scripts/audit/analyzers/evaluate";
import { formulaInComment } from "../../../scripts/audit/analyzers/storage/footprint";
import { placeSequentially, storageSlots, TypeLayouter } from "../../../scripts/audit/analyzers/storage/layout";
import type { StorageType } from "../../../scripts/audit/analyzers/storage/types";
import { compileSources, fixtures, OUTPUT_SELECTION, REPO } from "./helpers";

interface SolcType {
  numberOfBytes: string;
  label: string;
  members?: { label: string; slot: string; offset: number; type: string }[];
  base?: string;
  value?: string;
}

/** Asserts that our layout of `mine` equals solc's layout of `typeId`, recursively. */
function expectSameLayout(mine: StorageType, typeId: string, types: Record<string, SolcType>, path: string): void {
  const solc = types[typeId];
  const myBytes = mine.kind === "value" ? BigInt(mine.bytes) : storageSlots(mine) * 32n;
  expect(myBytes.toString(), `${path}: numberOfBytes of ${solc.label}`).to.equal(solc.numberOfBytes);
  if (mine.kind === "struct") {
    expect(mine.members.map((m) => m.name), `${path}: members`).to.deep.equal(solc.members!.map((m) => m.label));
    mine.members.forEach((m, i) => {
      const s = solc.members![i];
      expect([m.slot.toString(), m.offset], `${path}.${m.name}: slot/offset`).to.deep.equal([s.slot, s.offset]);
      expectSameLayout(m.type, s.type, types, `${path}.${m.name}`);
    });
  } else if ((mine.kind === "static-array" || mine.kind === "dynamic-array") && solc.base) {
    expectSameLayout(mine.base, solc.base, types, `${path}[]`);
  } else if (mine.kind === "mapping" && solc.value) {
    expectSameLayout(mine.value, solc.value, types, `${path}[*]`);
  }
}

describe("analyzer build-info reader and storage model", function () {
  this.timeout(60_000);

  it("compiles fixtures with hardhat.config.ts's outputSelection", function () {
    const settings = hre.config.solidity.compilers[0].settings as { outputSelection: unknown };
    expect(settings.outputSelection).to.deep.equal(OUTPUT_SELECTION);
  });

  it("computes the same layout as solc for every type kind (packing, arrays, nested structs, enums, UDVTs, function types)", function () {
    const probe = fixtures().resolve("LayoutProbe");
    const layout = probe.output.storageLayout!;
    const layouter = new TypeLayouter(probe.unit);
    const mine = layout.storage.map((e) => layouter.ofDeclaration(probe.unit.node<VariableDeclarationNode>(e.astId)!)!);
    // Top-level placement with our packing rules...
    const { places } = placeSequentially(mine);
    layout.storage.forEach((e, i) => {
      expect([places[i].slot.toString(), places[i].offset], `${e.label}: slot/offset`).to.deep.equal([e.slot, e.offset]);
      // ...and every type's size and inner layout.
      expectSameLayout(mine[i], e.type, layout.types as unknown as Record<string, SolcType>, e.label);
    });
    expect(layout.storage.length).to.be.greaterThan(15);
  });

  it("maps src offsets to file:line by bytes (multi-byte characters before the node do not shift it)", function () {
    const source = "// SPDX-License-Identifier: MIT\n// Prüfung ✓ — non-ASCII bytes\npragma solidity 0.8.28;\n\ncontract Lines {\n    uint256 public x;\n}\n";
    const build = new SolcBuild([compileSources({ "test/Lines.sol": source })]);
    const c = build.resolve("Lines");
    const variable = c.node.nodes.find((n) => n.nodeType === "VariableDeclaration")!;
    expect(c.unit.position(variable.src)).to.deep.equal({ file: "test/Lines.sol", line: 6, endLine: 6 });
    expect(c.unit.position(c.node.src)).to.deep.include({ line: 5, endLine: 7 });
  });

  it("resolves contracts by name or fully qualified name, preferring contracts/ and rejecting ambiguity", function () {
    const src = (n: string) => `// SPDX-License-Identifier: MIT\npragma solidity 0.8.28;\ncontract ${n} {}\n`;
    const build = new SolcBuild([compileSources({ "contracts/A.sol": src("Twin"), "other/A.sol": src("Twin"), "other/B.sol": src("Solo") })]);
    expect(build.resolve("Twin").fqn).to.equal("contracts/A.sol:Twin");
    expect(build.resolve("other/A.sol:Twin").fqn).to.equal("other/A.sol:Twin");
    expect(build.resolve("Solo").file).to.equal("other/B.sol");
    expect(() => build.resolve("Missing")).to.throw(AnalyzerInputError, /unknown contract Missing/);
    const noPreference = new SolcBuild(build.units.map((u) => u.info), { preferredRoots: ["src/"] });
    expect(() => noPreference.resolve("Twin")).to.throw(AnalyzerInputError, /ambiguous: use one of contracts\/A.sol:Twin, other\/A.sol:Twin/);
  });

  it("maps package imports to node_modules/ paths", function () {
    const proxy = fixtures().resolve("FixtureProxy");
    const storageSlot = fixtures().contracts.find((c) => c.name === "StorageSlot")!;
    expect(proxy.file).to.equal("test/fixtures/analyzers/Routers.sol");
    expect(storageSlot.file).to.equal("node_modules/@openzeppelin/contracts/utils/StorageSlot.sol");
  });

  describe("slot formulas and constant evaluation", function () {
    it("knows this repository's ERC-7201 roots", function () {
      expect(hexSlot(erc7201Root("loadbalancer.storage.Staking"))).to.equal("0x69077864994a1fc264c2e0a7c7b1515fd792bf0507871508b277d11c6103f900");
      expect(hexSlot(erc7201Root("loadbalancer.storage.LoadBalancer"))).to.equal("0x13e249253a846412c22329a98490c6f16f1bbf70b742efd1f2029f4b88c7b200");
      expect(hexSlot(eip1967Slot("eip1967.proxy.implementation"))).to.equal("0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc");
    });

    it("evaluates constants written as Solidity expressions (ERC-7201 formula, keccak256 of a literal)", function () {
      const build = fixtures();
      const constant = (lib: string, name: string): bigint | undefined => {
        const c = build.resolve(lib);
        const decl = c.node.nodes.find((n) => n.nodeType === "VariableDeclaration" && (n as VariableDeclarationNode).name === name) as VariableDeclarationNode;
        return new ConstEvaluator(c.unit).slot(decl.value);
      };
      expect(constant("LibAlpha", "SLOT")).to.equal(erc7201Root("fixture.storage.Shared"));
      expect(constant("LibBeta", "SLOT")).to.equal(erc7201Root("fixture.storage.Shared"));
      expect(constant("LibDiamond", "DIAMOND_STORAGE_POSITION")).to.equal(keccakSlot("diamond.standard.diamond.storage"));
    });

    it("evaluates abi.encodePacked, conversions, shifts and wrap/unwrap", function () {
      const source = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;
type Slot is bytes32;
library Exprs {
    bytes32 internal constant PACKED = keccak256(abi.encodePacked(uint8(1), bytes4(0xdeadbeef), "x"));
    uint256 internal constant SHIFTED = (uint256(1) << 200) | 0xff;
    bytes32 internal constant WRAPPED = Slot.unwrap(Slot.wrap(bytes32(uint256(7))));
}
`;
      const build = new SolcBuild([compileSources({ "test/Exprs.sol": source })]);
      const lib = build.resolve("Exprs");
      const value = (name: string) =>
        new ConstEvaluator(lib.unit).slot((lib.node.nodes.find((n) => (n as VariableDeclarationNode).name === name) as VariableDeclarationNode).value);
      expect(value("PACKED")).to.equal(BigInt(hre.ethers.solidityPackedKeccak256(["uint8", "bytes4", "string"], [1, "0xdeadbeef", "x"])));
      expect(value("SHIFTED")).to.equal((1n << 200n) | 0xffn);
      expect(value("WRAPPED")).to.equal(7n);
    });

    it("reads slot formulas from comments", function () {
      expect(formulaInComment('/// @dev keccak256(abi.encode(uint256(keccak256("a.b")) - 1)) & ~bytes32(uint256(0xff))')).to.deep.equal({ formula: 'erc7201("a.b")', expected: erc7201Root("a.b") });
      expect(formulaInComment("// bytes32(uint256(keccak256('eip1967.proxy.admin')) - 1)")?.expected).to.equal(eip1967Slot("eip1967.proxy.admin"));
      expect(formulaInComment('// keccak256("diamond.standard.diamond.storage")')?.expected).to.equal(keccakSlot("diamond.standard.diamond.storage"));
      expect(formulaInComment("/// @dev Fixed-point scale of rewardPerToken.")).to.equal(undefined);
    });
  });

  it("reads Hardhat's build-info files of this repository", function () {
    const build = loadSolcBuild(hre.config.paths.artifacts, { root: REPO });
    expect(build.resolve("LoadBalancer").file).to.equal("contracts/core/LoadBalancer.sol");
    expect(() => SolcBuild.fromFiles([])).to.throw(AnalyzerInputError);
  });
});

/**
 * The routing-cost benchmark: deploys every proxy of the table in front of the same implementation
 * (bench/contracts/BenchImpl.sol) and measures, on the in-process Hardhat network, the same call made
 * directly and through each proxy. docs/BENCHMARK.md explains the method; this file is its code.
 *
 * Every measurement is its own transaction, so each starts from the same cold state: the driver's
 * first call touches the target (proxy or implementation) cold, the proxy's storage cold and the
 * implementation cold; the second call in that transaction finds everything warm.
 */
import { Interface, concat, dataLength, getBytes, keccak256, toBeHex, type Signer } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import {
  BENCH_SCHEMA_VERSION,
  FLOOR,
  LOADBALANCER_BUDGET,
  OURS,
  type BatchRow,
  type BenchCase,
  type BenchReport,
  type BenchRow,
  type CallGas,
  type ProxyKind,
} from "./types";

/** Module id the benchmark registers BenchImpl under in the LoadBalancer (any of 1..255 costs the same). */
export const BENCH_ID = 1;
/** A second id, with a second BenchImpl deployment, for the cross-id batch measurement. */
export const BENCH_ID_2 = 2;
/** Calls per batch in the batching measurement: extra-call figures average over BATCH_SIZE - 1 calls. */
export const BATCH_SIZE = 8;
/** Explicit gas limit for every benchmark transaction: no estimation round-trips, same for every row. */
const GAS_LIMIT = 3_000_000n;

const IMPL_ABI = new Interface([
  "function echo(uint256 x) pure returns (uint256)",
  "function echoBytes(bytes data) pure returns (bytes)",
]);
const ADMIN_ABI = new Interface([
  "function addImplementation(uint8 id, address implementation, bytes initData)",
  "function batch(bytes[] calls) returns (bytes[] results)",
]);

/** 1,024 deterministic, non-zero bytes: the large case's payload. */
export function largePayload(): string {
  const out = new Uint8Array(1024);
  let seed = getBytes(keccak256("0x62656e6368")); // keccak("bench")
  for (let i = 0; i < out.length; i++) {
    if (i % 32 === 0 && i > 0) seed = getBytes(keccak256(seed));
    out[i] = seed[i % 32] || 1; // never zero: every byte pays the full calldata price
  }
  return toBeHex(BigInt("0x" + Buffer.from(out).toString("hex")), out.length);
}

/** The implementation calldata of each case. Small: 36 bytes in, 32 out. Large: 1,092 in, 1,088 out. */
export function caseCalldata(which: BenchCase): string {
  return which === "small"
    ? IMPL_ABI.encodeFunctionData("echo", [0x2an])
    : IMPL_ABI.encodeFunctionData("echoBytes", [largePayload()]);
}

/** `bytes1(id) ++ calldata`: the LoadBalancer's routing ABI (same as scripts/lib/routing.ts routeCalldata). */
export function routeCalldata(id: number, calldata: string): string {
  return concat([toBeHex(id, 1), calldata]);
}

/** Intrinsic calldata cost before EIP-7623's floor: 16 gas per non-zero byte, 4 per zero byte. */
export function calldataGas(data: string): number {
  return Array.from(getBytes(data)).reduce((sum, b) => sum + (b === 0 ? 4 : 16), 0);
}

interface Deployed {
  proxy: string;
  kind: ProxyKind;
  address: string;
  /** The implementation the proxy delegatecalls (the direct call goes to it). */
  implementation: string;
  deploymentGas: number;
  setupGas: number;
  /** Calldata to send to the proxy for implementation calldata `data`. */
  route(data: string): string;
}

async function sendTx(signer: Signer, tx: { to?: string; data: string }): Promise<{ gasUsed: number; contractAddress: string | null }> {
  const sent = await signer.sendTransaction({ ...tx, gasLimit: GAS_LIMIT });
  const receipt = await sent.wait();
  if (!receipt || receipt.status !== 1) throw new Error(`benchmark transaction failed: ${JSON.stringify(tx).slice(0, 120)}`);
  return { gasUsed: Number(receipt.gasUsed), contractAddress: receipt.contractAddress };
}

/** Deploys `name` with a plain creation transaction; returns its address and the receipt's gasUsed. */
async function deployArtifact(hre: HardhatRuntimeEnvironment, signer: Signer, name: string, args: unknown[] = []) {
  const factory = await hre.ethers.getContractFactory(name, signer);
  const tx = await factory.getDeployTransaction(...args);
  const { gasUsed, contractAddress } = await sendTx(signer, { data: tx.data });
  if (!contractAddress) throw new Error(`deployment of ${name} produced no address`);
  return { address: contractAddress, gasUsed, contract: factory.attach(contractAddress) };
}

async function runtimeSize(hre: HardhatRuntimeEnvironment, address: string): Promise<number> {
  return dataLength(await hre.ethers.provider.getCode(address));
}

export interface Measurer {
  /** Driver measurement: gas of the first and second call of one transaction. */
  driver(target: string, data: string): Promise<{ cold: number; warm: number }>;
  /** Receipt gasUsed of a plain transaction. */
  tx(target: string, data: string): Promise<number>;
  /**
   * A plain transaction's receipt gasUsed and its execution gas (intrinsic cost excluded), the latter
   * read from debug_traceTransaction: gas before the first opcode minus gas after the last one.
   */
  tracedTx(target: string, data: string): Promise<{ tx: number; exec: number }>;
}

interface StructLog {
  depth: number;
  gas: number;
  gasCost: number;
}

async function makeMeasurer(hre: HardhatRuntimeEnvironment, signer: Signer): Promise<Measurer> {
  const driver = await deployArtifact(hre, signer, "BenchDriver");
  const measuredEvent = driver.contract.interface.getEvent("Measured")!;
  return {
    async driver(target, data) {
      const sent = await signer.sendTransaction({
        to: driver.address,
        data: driver.contract.interface.encodeFunctionData("measure", [target, data]),
        gasLimit: GAS_LIMIT,
      });
      const receipt = await sent.wait();
      if (!receipt || receipt.status !== 1) throw new Error(`driver measurement of ${target} failed`);
      const log = receipt.logs.find((l) => l.topics[0] === measuredEvent.topicHash);
      if (!log) throw new Error("driver emitted no Measured event");
      const parsed = driver.contract.interface.parseLog(log)!;
      return { cold: Number(parsed.args.cold), warm: Number(parsed.args.warm) };
    },
    async tx(target, data) {
      return (await sendTx(signer, { to: target, data })).gasUsed;
    },
    async tracedTx(target, data) {
      const sent = await signer.sendTransaction({ to: target, data, gasLimit: GAS_LIMIT });
      const receipt = await sent.wait();
      if (!receipt || receipt.status !== 1) throw new Error(`benchmark transaction to ${target} failed`);
      const trace = (await hre.network.provider.send("debug_traceTransaction", [
        sent.hash,
        { disableStorage: true, disableMemory: true, disableStack: true },
      ])) as { structLogs: StructLog[] };
      const top = trace.structLogs.filter((l) => l.depth === 1);
      if (top.length === 0) throw new Error(`no trace for the transaction to ${target}`);
      const last = top[top.length - 1];
      return { tx: Number(receipt.gasUsed), exec: top[0].gas - last.gas + last.gasCost };
    },
  };
}

/** Deploys every proxy of the table in front of `impl` (and `implUUPS` for the UUPS row). */
async function deployProxies(
  hre: HardhatRuntimeEnvironment,
  signer: Signer,
  impls: { impl: string; implUUPS: string; initCodes: string },
): Promise<Deployed[]> {
  const owner = await signer.getAddress();
  const identity = (d: string): string => d;
  const rows: Deployed[] = [];

  // Our LoadBalancer: deploy (its constructor deploys the admin module), then register BenchImpl.
  const lb = await deployArtifact(hre, signer, "LoadBalancer", [owner]);
  const register = await sendTx(signer, {
    to: lb.address,
    data: routeCalldata(0, ADMIN_ABI.encodeFunctionData("addImplementation", [BENCH_ID, impls.impl, "0x"])),
  });
  rows.push({
    proxy: OURS,
    kind: "id-router",
    address: lb.address,
    implementation: impls.impl,
    deploymentGas: lb.gasUsed,
    setupGas: register.gasUsed,
    route: (d) => routeCalldata(BENCH_ID, d),
  });

  // OpenZeppelin ERC1967Proxy in front of a UUPS implementation.
  const erc1967 = await deployArtifact(hre, signer, "ERC1967Proxy", [impls.implUUPS, "0x"]);
  rows.push({
    proxy: "OZ ERC1967Proxy (UUPS)",
    kind: "storage-lookup",
    address: erc1967.address,
    implementation: impls.implUUPS,
    deploymentGas: erc1967.gasUsed,
    setupGas: 0,
    route: identity,
  });

  // OpenZeppelin TransparentUpgradeableProxy v5 (its constructor deploys its ProxyAdmin).
  const transparent = await deployArtifact(hre, signer, "TransparentUpgradeableProxy", [impls.impl, owner, "0x"]);
  rows.push({
    proxy: "OZ TransparentUpgradeableProxy",
    kind: "storage-lookup",
    address: transparent.address,
    implementation: impls.impl,
    deploymentGas: transparent.gasUsed,
    setupGas: 0,
    route: identity,
  });

  // EIP-2535: SolidState's reference diamond, BenchImpl's two selectors cut in as one facet.
  const diamond = await deployArtifact(hre, signer, "BenchDiamond");
  const cut = new Interface(["function diamondCut((address target, uint8 action, bytes4[] selectors)[] facetCuts, address target, bytes data)"]);
  const selectors = [IMPL_ABI.getFunction("echo")!.selector, IMPL_ABI.getFunction("echoBytes")!.selector];
  const diamondCut = await sendTx(signer, {
    to: diamond.address,
    data: cut.encodeFunctionData("diamondCut", [[[impls.impl, 0, selectors]], hre.ethers.ZeroAddress, "0x"]),
  });
  rows.push({
    proxy: "SolidState Diamond (EIP-2535)",
    kind: "storage-lookup",
    address: diamond.address,
    implementation: impls.impl,
    deploymentGas: diamond.gasUsed,
    setupGas: diamondCut.gasUsed,
    route: identity,
  });

  // Library-deployed minimal proxies: deployed here by a plain creation transaction of their init code.
  const initCodes = await hre.ethers.getContractAt("BenchInitCodes", impls.initCodes, signer);
  const solady = await sendTx(signer, { data: await initCodes.soladyERC1967(impls.impl) });
  rows.push({
    proxy: "Solady ERC1967 (minimal)",
    kind: "storage-lookup",
    address: solady.contractAddress!,
    implementation: impls.impl,
    deploymentGas: solady.gasUsed,
    setupGas: 0,
    route: identity,
  });

  const clone = await sendTx(signer, { data: await initCodes.eip1167(impls.impl) });
  // The reference is OpenZeppelin's Clones: prove the code deployed above is exactly what Clones.clone deploys.
  const ozClone = await initCodes.ozClone.staticCall(impls.impl);
  await sendTx(signer, { to: impls.initCodes, data: initCodes.interface.encodeFunctionData("ozClone", [impls.impl]) });
  const [cloneCode, ozCloneCode] = await Promise.all([
    hre.ethers.provider.getCode(clone.contractAddress!),
    hre.ethers.provider.getCode(ozClone),
  ]);
  if (cloneCode !== ozCloneCode) throw new Error("EIP-1167 runtime code differs from OpenZeppelin Clones.clone's");
  rows.push({
    proxy: "EIP-1167 clone (OZ Clones)",
    kind: "hard-coded",
    address: clone.contractAddress!,
    implementation: impls.impl,
    deploymentGas: clone.gasUsed,
    setupGas: 0,
    route: identity,
  });
  return rows;
}

/** Checks that the proxy really serves the implementation: same return data as the direct call. */
async function assertSameResult(hre: HardhatRuntimeEnvironment, d: Deployed, data: string): Promise<void> {
  const [direct, proxied] = await Promise.all([
    hre.ethers.provider.call({ to: d.implementation, data }),
    hre.ethers.provider.call({ to: d.address, data: d.route(data) }),
  ]);
  if (direct !== proxied) throw new Error(`${d.proxy} returned different data than the direct call`);
}

async function measureBatch(
  m: Measurer,
  lb: Deployed,
  direct: { small: { cold: number; warm: number }; small2Cold: number },
): Promise<BatchRow[]> {
  const call = caseCalldata("small");
  const item = (id: number): string => routeCalldata(id, call);
  const batchData = (items: string[]): string => routeCalldata(0, ADMIN_ABI.encodeFunctionData("batch", [items]));

  // Same id: one call, then BATCH_SIZE calls; every extra call is warm (id slot and implementation).
  const one = [item(BENCH_ID)];
  const many = Array.from({ length: BATCH_SIZE }, () => item(BENCH_ID));
  const gOne = await m.driver(lb.address, batchData(one));
  const gMany = await m.driver(lb.address, batchData(many));
  const txOne = await m.tx(lb.address, batchData(one));
  const txMany = await m.tx(lb.address, batchData(many));
  const extra = BATCH_SIZE - 1;
  const sameExtra = (gMany.cold - gOne.cold) / extra;
  const sameTx = (txMany - txOne) / extra;

  // Another id: the extra call goes to a second module (its own implementation), first time in the tx.
  const mixed = [item(BENCH_ID), item(BENCH_ID_2)];
  const gMixed = await m.driver(lb.address, batchData(mixed));
  const txMixed = await m.tx(lb.address, batchData(mixed));
  const otherExtra = gMixed.cold - gOne.cold;
  const round = (x: number): number => Math.round(x);
  return [
    {
      name: "same id",
      description: `calls 2..${BATCH_SIZE} of a batch to one id (echo, small case): id slot and implementation warm`,
      extraCallGas: round(sameExtra),
      directCallGas: direct.small.warm,
      overheadPerExtraCall: round(sameExtra - direct.small.warm),
      txGasPerExtraCall: round(sameTx),
      extraCalls: extra,
    },
    {
      name: "another id",
      description: "a second call, to another id with its own implementation (echo, small case): that id slot and implementation cold",
      extraCallGas: otherExtra,
      directCallGas: direct.small2Cold,
      overheadPerExtraCall: otherExtra - direct.small2Cold,
      txGasPerExtraCall: txMixed - txOne,
      extraCalls: 1,
    },
  ];
}

export interface RunBenchOptions {
  /** Progress lines (default: none). */
  log?(line: string): void;
  /** Measure batching too (default true). */
  batch?: boolean;
}

/** Runs the whole benchmark on `hre`'s network and returns the report (does not write it). */
export async function runBench(hre: HardhatRuntimeEnvironment, opts: RunBenchOptions = {}): Promise<BenchReport> {
  const log = opts.log ?? (() => undefined);
  const [signer] = await hre.ethers.getSigners();
  const m = await makeMeasurer(hre, signer);
  const impl = await deployArtifact(hre, signer, "BenchImpl");
  const impl2 = await deployArtifact(hre, signer, "BenchImpl");
  const implUUPS = await deployArtifact(hre, signer, "BenchImplUUPS");
  const initCodes = await deployArtifact(hre, signer, "BenchInitCodes");
  const deployed = await deployProxies(hre, signer, { impl: impl.address, implUUPS: implUUPS.address, initCodes: initCodes.address });
  log(`deployed ${deployed.length} proxies`);

  const rows: BenchRow[] = [];
  const directCache = new Map<string, CallGas>();
  for (const which of ["small", "large"] as const) {
    const data = caseCalldata(which);
    for (const d of deployed) {
      await assertSameResult(hre, d, data);
      const key = `${d.implementation}/${which}`;
      let direct = directCache.get(key);
      if (!direct) {
        const g = await m.driver(d.implementation, data);
        direct = { ...g, ...(await m.tracedTx(d.implementation, data)) };
        directCache.set(key, direct);
      }
      const routedData = d.route(data);
      const g = await m.driver(d.address, routedData);
      const proxied: CallGas = { ...g, ...(await m.tracedTx(d.address, routedData)) };
      const routingCalldataGas = calldataGas(routedData) - calldataGas(data);
      const routingBytes = dataLength(routedData) - dataLength(data);
      const returndata = await hre.ethers.provider.call({ to: d.implementation, data });
      rows.push({
        proxy: d.proxy,
        kind: d.kind,
        case: which,
        calldataBytes: dataLength(routedData),
        returndataBytes: dataLength(returndata),
        routingBytes,
        routingCalldataGas,
        direct,
        proxied,
        coldOverhead: proxied.cold - direct.cold,
        warmOverhead: proxied.warm - direct.warm,
        txOverhead: proxied.tx - direct.tx,
        txExecOverhead: proxied.exec - direct.exec,
        txOverheadNoFloor: proxied.exec - direct.exec + routingCalldataGas,
        deploymentGas: d.deploymentGas,
        setupGas: d.setupGas,
        runtimeSize: await runtimeSize(hre, d.address),
      });
      log(`${d.proxy} / ${which}: cold +${proxied.cold - direct.cold}, warm +${proxied.warm - direct.warm}`);
    }
  }

  // Batching (ours only): register the second implementation under a second id first.
  let batch: BatchRow[] = [];
  const lb = deployed.find((d) => d.proxy === OURS)!;
  if (opts.batch !== false) {
    await sendTx(signer, {
      to: lb.address,
      data: routeCalldata(0, ADMIN_ABI.encodeFunctionData("addImplementation", [BENCH_ID_2, impl2.address, "0x"])),
    });
    const small2 = await m.driver(impl2.address, caseCalldata("small"));
    batch = await measureBatch(m, lb, {
      small: directCache.get(`${impl.address}/small`)!,
      small2Cold: small2.cold,
    });
  }

  return {
    schemaVersion: BENCH_SCHEMA_VERSION,
    generatedAt: new Date().toISOString(),
    environment: environmentOf(hre),
    floor: FLOOR,
    rows,
    batch,
    summary: summarize(rows),
  };
}

export function summarize(rows: readonly BenchRow[]): BenchReport["summary"] {
  const ours = rows.find((r) => r.proxy === OURS && r.case === "small");
  const coldOverhead = ours?.coldOverhead ?? Number.NaN;
  const notBelow = rows
    .filter((r) => r.case === "small" && r.kind === "storage-lookup" && r.coldOverhead <= coldOverhead)
    .map((r) => r.proxy);
  return {
    coldOverhead,
    ratioToFloor: Math.round((coldOverhead / FLOOR.coldExecOverhead) * 10_000) / 10_000,
    budget: LOADBALANCER_BUDGET,
    withinBudget: coldOverhead <= LOADBALANCER_BUDGET,
    notBelow,
  };
}

function environmentOf(hre: HardhatRuntimeEnvironment): BenchReport["environment"] {
  const compiler = hre.config.solidity.compilers[0];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const hardhatVersion = (require("hardhat/package.json") as { version: string }).version;
  return {
    hardhat: hardhatVersion,
    solc: compiler.version,
    evmVersion: String(compiler.settings?.evmVersion ?? "default"),
    optimizerRuns: Number(compiler.settings?.optimizer?.runs ?? 0),
    hardfork: String(hre.config.networks.hardhat.hardfork),
  };
}

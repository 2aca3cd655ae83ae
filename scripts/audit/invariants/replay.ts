/**
 * Replays a fuzzer's call sequence on the Hardhat network, for the
 * regression tests `npm run invariants:repro` generates (and the planted-bug
 * test). Runs inside `hardhat test`: the caller passes its `hre`.
 *
 * Fidelity:
 * - The harness is deployed from the engine's deployer (impersonated), after
 *   the two factories are placed at their fixed addresses with hardhat_setCode,
 *   exactly as Medusa's predeployedContracts / Echidna's deployContracts do.
 * - Each call is sent from the engine's sender (impersonated, funded) with the engine's msg.value,
 *   gas limit and gas price. A call whose sender the engine did not print (Echidna's one-sender
 *   sequences) is sent from `sender`, which the caller must choose (the generated tests try each of
 *   the campaign's senders); the deployer is never assumed.
 * - Time: a step's time delay is added to the previous block's timestamp. The delays are
 *   those the engine applied (the Medusa adapter drops the timestamp delay Medusa drew for a
 *   call it added to the pending block: adapters/medusa.ts medusaEffectiveDelays).
 *   Calls with no delay share a block, as in the engines (automine is off
 *   while replaying and the block gas limit is raised so they fit). Hardhat
 *   needs strictly increasing timestamps, so a new block with a zero time
 *   delay (Echidna block-only delays, or the first call) gets +1 s. An
 *   Echidna `*wait*` step adds its delay to the next call (or, last, mines an
 *   empty block). Block numbers are not reproduced (the system never reads
 *   block.number).
 */
import type { Contract, TransactionReceipt } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { readFileSync } from "node:fs";
import path from "node:path";
import { encodeEchidnaCall, parseEchidnaLiteral } from "../adapters/echidna-values";
import { findArtifact } from "./campaign";
import type { CallStep } from "./types";

/** Where the harness expects its factories (LoadBalancerInvariants.CORE_FACTORY / STAKING_FACTORY). */
export const FACTORIES: ReadonlyArray<{ name: string; address: string }> = [
  { name: "InvariantCoreFactory", address: "0x00000000000000000000000000000000fAc70001" },
  { name: "InvariantStakingFactory", address: "0x00000000000000000000000000000000FAC70002" },
];

/** Medusa's and Echidna's default deployer in test/invariant/medusa.json and echidna.yaml. */
export const DEFAULT_DEPLOYER = "0x0000000000000000000000000000000000030000";
/** The gas limit the engines give each call (medusa transactionGasLimit). */
export const CALL_GAS_LIMIT = 12_500_000n;

export interface ReplayOptions {
  /** Harness contract name. */
  harness: string;
  sequence: readonly CallStep[];
  /** Artifacts directory (repository-relative or absolute); default the project's Hardhat artifacts. */
  artifactsDir?: string;
  deployer?: string;
  /**
   * The sender of calls that carry none (Echidna printed no `from:`): one of the campaign's senders
   * (PropertyFailure.unknownSender.candidates). Without it such a call is an error.
   */
  sender?: string;
}

export interface ReplayResult {
  harness: Contract;
  /** One receipt per call (waits excluded), in sequence order. */
  receipts: TransactionReceipt[];
  /** block.timestamp of the last block mined by the replay. */
  lastTimestamp: number;
}

interface ArtifactLike {
  abi: unknown[];
  bytecode: string;
  deployedBytecode: string;
}

async function readArtifact(hre: HardhatRuntimeEnvironment, name: string, artifactsDir?: string): Promise<ArtifactLike> {
  if (!artifactsDir) return hre.artifacts.readArtifact(name);
  const dir = path.resolve(hre.config.paths.root, artifactsDir);
  const file = findArtifact(dir, name);
  if (!file) throw new Error(`no artifact for ${name} under ${dir} (compile that build first)`);
  return JSON.parse(readFileSync(file, "utf8")) as ArtifactLike;
}

const hex = (n: bigint | number): string => `0x${BigInt(n).toString(16)}`;

/** Deploys the harness as the engines do and replays `sequence` on it. */
export async function replayInvariantSequence(hre: HardhatRuntimeEnvironment, opts: ReplayOptions): Promise<ReplayResult> {
  const { ethers, network } = hre;
  const provider = network.provider;
  const deployer = opts.deployer ?? DEFAULT_DEPLOYER;
  const calls = opts.sequence.filter((s) => s.function !== "*wait*");
  const unnamed = calls.findIndex((s) => !s.sender);
  if (unnamed >= 0 && !opts.sender) {
    throw new Error(
      `call ${unnamed + 1} (${calls[unnamed].function}) has no sender: the engine did not print one (Echidna prints from: only for ` +
        `sequences with several senders); pass \`sender\`, one of the campaign's senders`,
    );
  }
  const senderOf = (s: CallStep): string => (s.sender ?? opts.sender) as string;
  const rich = hex(10n ** 30n);

  for (const f of FACTORIES) {
    const artifact = await readArtifact(hre, f.name, opts.artifactsDir);
    await provider.send("hardhat_setCode", [f.address, artifact.deployedBytecode]);
  }
  const harnessArtifact = await readArtifact(hre, opts.harness, opts.artifactsDir);
  await provider.send("hardhat_impersonateAccount", [deployer]);
  await provider.send("hardhat_setBalance", [deployer, rich]);
  const deployerSigner = await ethers.getSigner(deployer);
  const factory = new ethers.ContractFactory(harnessArtifact.abi as never, harnessArtifact.bytecode, deployerSigner);
  const deployed = await factory.deploy();
  await deployed.waitForDeployment();
  const harnessAddress = await deployed.getAddress();
  const harness = new ethers.Contract(harnessAddress, harnessArtifact.abi as never, ethers.provider);

  const senders = new Set(calls.map(senderOf));
  for (const s of senders) {
    await provider.send("hardhat_impersonateAccount", [s]);
    await provider.send("hardhat_setBalance", [s, rich]);
  }

  const latest = (await provider.send("eth_getBlockByNumber", ["latest", false])) as { timestamp: string; gasLimit: string };
  let timestamp = Number(BigInt(latest.timestamp));
  const originalGasLimit = latest.gasLimit;
  const hashes: string[] = [];
  let pending = 0;
  let needNewBlock = true;

  // Base fee 0: each call pays only the engine's gas price (0 unless Echidna's maxGasprice is set), so
  // senders never run dry; calls that share a block must keep their order (checked below).
  const zeroBaseFee = (): Promise<unknown> => provider.send("hardhat_setNextBlockBaseFeePerGas", ["0x0"]);
  const mine = async (): Promise<void> => {
    await zeroBaseFee();
    await provider.send("evm_mine", []);
    pending = 0;
  };

  await provider.send("evm_setAutomine", [false]);
  // Room for a block of engine-sized calls (each may use up to its gas limit).
  const gasOf = (s: CallStep): bigint => (s.gas ? BigInt(s.gas) : CALL_GAS_LIMIT);
  const blockGas = calls.reduce((sum, s) => sum + gasOf(s), CALL_GAS_LIMIT);
  await provider.send("evm_setBlockGasLimit", [hex(blockGas > 2n * CALL_GAS_LIMIT ? blockGas : 2n * CALL_GAS_LIMIT)]);
  try {
    // A *wait* step only moves time and blocks: it carries its delays to the next call (or to a final empty block).
    let carryTime = 0;
    let carryBlocks = 0;
    const newBlock = async (delay: number): Promise<void> => {
      if (pending > 0) await mine();
      timestamp += Math.max(delay, 1);
      await provider.send("evm_setNextBlockTimestamp", [hex(timestamp)]);
      await zeroBaseFee();
      needNewBlock = false;
    };
    for (const step of opts.sequence) {
      if (step.function === "*wait*") {
        carryTime += step.timeDelay;
        carryBlocks += step.blockDelay;
        continue;
      }
      const timeDelay = step.timeDelay + carryTime;
      const blockDelay = step.blockDelay + carryBlocks;
      carryTime = 0;
      carryBlocks = 0;
      if (needNewBlock || timeDelay > 0 || blockDelay > 0) await newBlock(timeDelay);
      const data = step.calldata ?? encodeStep(harness, step);
      const hash = (await provider.send("eth_sendTransaction", [
        {
          from: senderOf(step),
          to: harnessAddress,
          data,
          gas: hex(gasOf(step)),
          gasPrice: hex(BigInt(step.gasPrice ?? 0)),
          value: hex(BigInt(step.value ?? 0)),
        },
      ])) as string;
      hashes.push(hash);
      pending++;
    }
    if (pending > 0) await mine();
    if (carryTime > 0 || carryBlocks > 0) {
      await newBlock(carryTime);
      await mine();
    }
  } finally {
    await provider.send("evm_setAutomine", [true]);
    await provider.send("evm_setBlockGasLimit", [originalGasLimit]);
  }

  const receipts: TransactionReceipt[] = [];
  for (const h of hashes) {
    const r = await ethers.provider.getTransactionReceipt(h);
    if (!r) throw new Error(`replayed call ${h} was not mined`);
    receipts.push(r);
  }
  // Calls sharing a block must have kept their order.
  for (let i = 1; i < receipts.length; i++) {
    const a = receipts[i - 1];
    const b = receipts[i];
    if (b.blockNumber < a.blockNumber || (b.blockNumber === a.blockNumber && b.index < a.index)) {
      throw new Error(`replay reordered calls ${i} and ${i + 1} inside block ${b.blockNumber}`);
    }
  }
  return { harness, receipts, lastTimestamp: timestamp };
}

/**
 * Calldata for a step the engine printed without calldata (Echidna's text report): the signature's
 * selector and the printed arguments (Haskell string literals, arrays, tuples, negative integers...)
 * decoded into ABI values (scripts/audit/adapters/echidna-values.ts).
 */
export function encodeStep(harness: Contract, step: CallStep): string {
  const fn = harness.interface.getFunction(step.function);
  if (!fn) throw new Error(`the harness has no function ${step.function}`);
  try {
    return encodeEchidnaCall(fn, step.args.map((a) => parseEchidnaLiteral(a)));
  } catch (e) {
    throw new Error(`${step.function}: ${(e as Error).message}`);
  }
}

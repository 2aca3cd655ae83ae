/**
 * Deploys the load balancer, Staking and Voting, and registers + initializes both modules atomically
 * (one owner transaction each, so no one can front-run an initializer). Optionally hands the proxy's
 * ownership to an OpenZeppelin TimelockController, so every owner action waits a delay.
 *
 *   npx hardhat run scripts/deploy.ts                      # in-process network
 *   npx hardhat node & npx hardhat run scripts/deploy.ts --network localhost
 *
 * Environment:
 *   STAKING_TOKEN        token to stake; on a local network (chain id 31337 / 1337) a mock token is
 *                        deployed when unset, elsewhere it is required
 *   PROPOSAL_THRESHOLD   stake (token base units) a proposer needs; default 10^18 (one 18-decimal token)
 *   TIMELOCK_MIN_DELAY   seconds; when set, a TimelockController with this delay becomes the owner
 *   TIMELOCK_PROPOSERS   comma-separated addresses that may schedule and cancel (required with the delay)
 *   TIMELOCK_EXECUTORS   comma-separated addresses that may execute; 0x0000000000000000000000000000000000000000
 *                        lets anyone execute a ready operation (default: the proposers)
 *
 * Bad input prints one line naming the cause and exits with code 1.
 */
import hre from "hardhat";
import { ZeroAddress, ZeroHash, getAddress, id as keccakId, isAddress, type Signer } from "ethers";
import {
  LoadBalancer__factory,
  MockERC20__factory,
  Staking__factory,
  TimelockController__factory,
  Voting__factory,
} from "../typechain-types";
import { ModuleId, adminOf, routeCalldata } from "./lib/routing";

/** The proxy's owner as an OpenZeppelin TimelockController (README "Owner power"). */
export interface TimelockOptions {
  /** Seconds between scheduling an owner action and executing it. */
  minDelay: bigint;
  /** Accounts that may schedule and cancel owner actions (e.g. a multisig); at least one. */
  proposers: string[];
  /** Accounts that may execute ready actions; the zero address lets anyone execute. */
  executors: string[];
}

export interface DeployOptions {
  owner: Signer;
  /** Existing token to stake; a MockERC20 is deployed when absent (local networks only). */
  stakingToken?: string;
  rewardsDuration?: bigint;
  minVotingPeriod?: bigint;
  maxVotingPeriod?: bigint;
  quorumBps?: number;
  /** Stake a proposer needs at the proposal's snapshot, in token base units (default 10^18). */
  proposalThreshold?: bigint;
  /** When given, the proxy ends up owned by a new TimelockController with these settings. */
  timelock?: TimelockOptions;
}

export interface Deployment {
  proxy: string;
  admin: string;
  staking: string;
  voting: string;
  token: string;
  /** The proxy's owner at the end: the deployer, or the timelock. */
  owner: string;
  /** The TimelockController, when one was deployed. */
  timelock?: string;
}

/** A deployment setting that cannot be used; the message names the cause. */
export class DeployConfigError extends Error {}

const LOCAL_CHAIN_IDS = new Set([31337n, 1337n]);
const DEFAULT_PROPOSAL_THRESHOLD = 10n ** 18n;

export async function deploySystem(options: DeployOptions): Promise<Deployment> {
  const { owner } = options;
  if (options.timelock) validateTimelock(options.timelock);
  const ownerAddress = await owner.getAddress();
  const chainId = (await owner.provider!.getNetwork()).chainId;

  let token = options.stakingToken;
  if (!token) {
    if (!LOCAL_CHAIN_IDS.has(chainId)) throw new DeployConfigError(`STAKING_TOKEN is required on chain ${chainId}`);
    const mock = await new MockERC20__factory(owner).deploy("Stake Token", "STK");
    await mock.waitForDeployment();
    token = await mock.getAddress();
  }

  const proxy = await new LoadBalancer__factory(owner).deploy(ownerAddress);
  await proxy.waitForDeployment();
  const staking = await new Staking__factory(owner).deploy();
  const voting = await new Voting__factory(owner).deploy();
  await Promise.all([staking.waitForDeployment(), voting.waitForDeployment()]);

  const proxyAddress = await proxy.getAddress();
  const admin = adminOf(proxyAddress, owner);
  const stakingInit = staking.interface.encodeFunctionData("initialize", [
    token,
    options.rewardsDuration ?? 7n * 24n * 3600n,
  ]);
  await (await admin.addImplementation(ModuleId.Staking, await staking.getAddress(), stakingInit)).wait();
  const votingInit = voting.interface.encodeFunctionData("initialize", [
    options.minVotingPeriod ?? 3600n,
    options.maxVotingPeriod ?? 30n * 24n * 3600n,
    options.quorumBps ?? 1000,
    options.proposalThreshold ?? DEFAULT_PROPOSAL_THRESHOLD,
  ]);
  await (await admin.addImplementation(ModuleId.Voting, await voting.getAddress(), votingInit)).wait();

  const timelock = options.timelock ? await handOwnershipToTimelock(owner, proxyAddress, options.timelock) : undefined;

  return {
    proxy: proxyAddress,
    admin: await admin.adminModule(),
    staking: await staking.getAddress(),
    voting: await voting.getAddress(),
    token,
    owner: await admin.owner(),
    ...(timelock ? { timelock } : {}),
  };
}

function validateTimelock(t: TimelockOptions): void {
  if (t.minDelay < 0n) throw new DeployConfigError(`timelock minDelay must be >= 0, got ${t.minDelay}`);
  if (t.proposers.length === 0) throw new DeployConfigError("timelock needs at least one proposer");
  for (const a of [...t.proposers, ...t.executors]) {
    if (!isAddress(a)) throw new DeployConfigError(`timelock role holder is not an address: ${a}`);
  }
  if (t.proposers.some((a) => getAddress(a) === ZeroAddress)) {
    throw new DeployConfigError("timelock proposer cannot be the zero address");
  }
}

/**
 * Makes a new TimelockController the proxy's owner, with `settings` as its final delay and roles, and
 * leaves the deployer no role in it. The proxy's ownership moves in two steps, and the second
 * (`acceptOwnership`) must come from the timelock, i.e. through a scheduled operation. So the timelock
 * starts with a zero delay and the deployer as its only proposer and executor, runs one batch at once
 * (accept ownership, grant the configured roles, set the final delay), and the deployer then renounces
 * its roles. The zero-delay window lasts only these transactions, during which the deployer owned the
 * proxy outright anyway; afterwards every operation, role change and delay change waits `minDelay`.
 *
 * @returns the timelock's address
 */
async function handOwnershipToTimelock(deployer: Signer, proxy: string, settings: TimelockOptions): Promise<string> {
  const me = await deployer.getAddress();
  const timelock = await new TimelockController__factory(deployer).deploy(0n, [me], [me], ZeroAddress);
  await timelock.waitForDeployment();
  const address = await timelock.getAddress();
  const [PROPOSER, EXECUTOR, CANCELLER] = await Promise.all([
    timelock.PROPOSER_ROLE(),
    timelock.EXECUTOR_ROLE(),
    timelock.CANCELLER_ROLE(),
  ]);

  await (await adminOf(proxy, deployer).transferOwnership(address)).wait();

  const calls: { target: string; data: string }[] = [
    { target: proxy, data: routeCalldata(ModuleId.Admin, adminOf(proxy, deployer).interface.encodeFunctionData("acceptOwnership")) },
  ];
  const grant = (role: string, account: string) =>
    calls.push({ target: address, data: timelock.interface.encodeFunctionData("grantRole", [role, account]) });
  for (const p of settings.proposers) {
    grant(PROPOSER, p);
    grant(CANCELLER, p);
  }
  for (const e of settings.executors) grant(EXECUTOR, e);
  calls.push({ target: address, data: timelock.interface.encodeFunctionData("updateDelay", [settings.minDelay]) });

  const targets = calls.map((c) => c.target);
  const values = calls.map(() => 0n);
  const payloads = calls.map((c) => c.data);
  const salt = keccakId("load-balancer: hand ownership to the timelock");
  await (await timelock.scheduleBatch(targets, values, payloads, ZeroHash, salt, 0n)).wait();
  await (await timelock.executeBatch(targets, values, payloads, ZeroHash, salt)).wait();

  const keeps = (list: string[]) => list.some((a) => getAddress(a) === me);
  if (!keeps(settings.proposers)) {
    await (await timelock.renounceRole(PROPOSER, me)).wait();
    await (await timelock.renounceRole(CANCELLER, me)).wait();
  }
  if (!keeps(settings.executors)) await (await timelock.renounceRole(EXECUTOR, me)).wait();
  return address;
}

/** Splits a comma-separated address list from the environment; empty entries are dropped. */
function addressList(name: string, value: string | undefined): string[] {
  const items = (value ?? "").split(",").map((s) => s.trim()).filter((s) => s.length > 0);
  for (const a of items) if (!isAddress(a)) throw new DeployConfigError(`${name}: not an address: ${a}`);
  return items;
}

function bigintFrom(name: string, value: string): bigint {
  if (!/^\d+$/.test(value.trim())) throw new DeployConfigError(`${name} must be a whole number, got "${value}"`);
  return BigInt(value.trim());
}

/**
 * The deploy options the environment asks for (see the header of this file); throws
 * {@link DeployConfigError} naming the variable for bad input.
 */
export function optionsFromEnv(env: NodeJS.ProcessEnv): Omit<DeployOptions, "owner"> {
  const options: Omit<DeployOptions, "owner"> = {};
  if (env.STAKING_TOKEN) {
    if (!isAddress(env.STAKING_TOKEN)) throw new DeployConfigError(`STAKING_TOKEN: not an address: ${env.STAKING_TOKEN}`);
    options.stakingToken = env.STAKING_TOKEN;
  }
  if (env.PROPOSAL_THRESHOLD) options.proposalThreshold = bigintFrom("PROPOSAL_THRESHOLD", env.PROPOSAL_THRESHOLD);
  const delay = env.TIMELOCK_MIN_DELAY;
  if (delay === undefined || delay === "") {
    if (env.TIMELOCK_PROPOSERS || env.TIMELOCK_EXECUTORS) {
      throw new DeployConfigError("TIMELOCK_PROPOSERS / TIMELOCK_EXECUTORS need TIMELOCK_MIN_DELAY");
    }
    return options;
  }
  const proposers = addressList("TIMELOCK_PROPOSERS", env.TIMELOCK_PROPOSERS);
  if (proposers.length === 0) throw new DeployConfigError("TIMELOCK_MIN_DELAY needs TIMELOCK_PROPOSERS (comma-separated addresses)");
  const executors = env.TIMELOCK_EXECUTORS ? addressList("TIMELOCK_EXECUTORS", env.TIMELOCK_EXECUTORS) : proposers;
  options.timelock = { minDelay: bigintFrom("TIMELOCK_MIN_DELAY", delay), proposers, executors };
  return options;
}

async function main(): Promise<void> {
  const options = optionsFromEnv(process.env);
  const [owner] = await hre.ethers.getSigners();
  const deployment = await deploySystem({ owner, ...options });
  console.log(`network        ${hre.network.name}`);
  console.log(`LoadBalancer   ${deployment.proxy}`);
  console.log(`admin module   ${deployment.admin} (id ${ModuleId.Admin})`);
  console.log(`Staking        ${deployment.staking} (id ${ModuleId.Staking})`);
  console.log(`Voting         ${deployment.voting} (id ${ModuleId.Voting})`);
  console.log(`staking token  ${deployment.token}`);
  console.log(`owner          ${deployment.owner}${deployment.timelock ? ` (TimelockController, delay ${options.timelock!.minDelay} s)` : ""}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}

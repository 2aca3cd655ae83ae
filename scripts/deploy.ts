/**
 * Deploys the load balancer, Staking and Voting, and registers + initializes both modules atomically
 * (one owner transaction each, so no one can front-run an initializer).
 *
 *   npx hardhat run scripts/deploy.ts                      # in-process network
 *   npx hardhat node & npx hardhat run scripts/deploy.ts --network localhost
 *
 * On a local network (chain id 31337) it also deploys a mock staking token unless STAKING_TOKEN is set.
 * Elsewhere STAKING_TOKEN is required.
 */
import hre from "hardhat";
import type { Signer } from "ethers";
import {
  LoadBalancer__factory,
  MockERC20__factory,
  Staking__factory,
  Voting__factory,
} from "../typechain-types";
import { ModuleId, adminOf } from "./lib/routing";

export interface DeployOptions {
  owner: Signer;
  /** Existing token to stake; a MockERC20 is deployed when absent (local networks only). */
  stakingToken?: string;
  rewardsDuration?: bigint;
  minVotingPeriod?: bigint;
  maxVotingPeriod?: bigint;
  quorumBps?: number;
}

export interface Deployment {
  proxy: string;
  admin: string;
  staking: string;
  voting: string;
  token: string;
}

const LOCAL_CHAIN_IDS = new Set([31337n, 1337n]);

export async function deploySystem(options: DeployOptions): Promise<Deployment> {
  const { owner } = options;
  const ownerAddress = await owner.getAddress();
  const chainId = (await owner.provider!.getNetwork()).chainId;

  let token = options.stakingToken;
  if (!token) {
    if (!LOCAL_CHAIN_IDS.has(chainId)) throw new Error(`STAKING_TOKEN is required on chain ${chainId}`);
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
  ]);
  await (await admin.addImplementation(ModuleId.Voting, await voting.getAddress(), votingInit)).wait();

  return {
    proxy: proxyAddress,
    admin: await admin.adminModule(),
    staking: await staking.getAddress(),
    voting: await voting.getAddress(),
    token,
  };
}

async function main(): Promise<void> {
  const [owner] = await hre.ethers.getSigners();
  const deployment = await deploySystem({ owner, stakingToken: process.env.STAKING_TOKEN });
  console.log(`network        ${hre.network.name}`);
  console.log(`LoadBalancer   ${deployment.proxy}`);
  console.log(`admin module   ${deployment.admin} (id ${ModuleId.Admin})`);
  console.log(`Staking        ${deployment.staking} (id ${ModuleId.Staking})`);
  console.log(`Voting         ${deployment.voting} (id ${ModuleId.Voting})`);
  console.log(`staking token  ${deployment.token}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  });
}

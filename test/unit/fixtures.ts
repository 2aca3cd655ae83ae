import { ethers } from "hardhat";
import {
  LoadBalancer__factory,
  MockERC20__factory,
  RoutingProbe__factory,
  Staking__factory,
  Voting__factory,
} from "../../typechain-types";
import { ModuleId, adminOf, routed } from "../../scripts/lib/routing";

export const DAY = 24n * 3600n;
export const REWARDS_DURATION = 7n * DAY;
export const MIN_VOTING_PERIOD = 3600n;
export const MAX_VOTING_PERIOD = 30n * DAY;
export const QUORUM_BPS = 1000;
/** Stake a proposer needs at the snapshot in the system fixture: 0, any staker (the threshold's own tests set one). */
export const PROPOSAL_THRESHOLD = 0n;
export const PROBE_ID = 7;

/** A bare proxy (no modules) plus deployed, unregistered implementations. */
export async function deployBareFixture() {
  const [owner, alice, bob, carol, attacker] = await ethers.getSigners();
  const proxy = await new LoadBalancer__factory(owner).deploy(owner.address);
  const proxyAddress = await proxy.getAddress();
  const stakingImpl = await new Staking__factory(owner).deploy();
  const votingImpl = await new Voting__factory(owner).deploy();
  const probeImpl = await new RoutingProbe__factory(owner).deploy();
  const token = await new MockERC20__factory(owner).deploy("Stake Token", "STK");
  const admin = adminOf(proxyAddress, owner);
  return { owner, alice, bob, carol, attacker, proxy, proxyAddress, admin, stakingImpl, votingImpl, probeImpl, token };
}

/** The full system: Staking (id 1) and Voting (id 2) registered and initialized, users funded. */
export async function deploySystemFixture() {
  const bare = await deployBareFixture();
  const { owner, alice, bob, carol, proxyAddress, admin, stakingImpl, votingImpl, token } = bare;
  await admin.addImplementation(
    ModuleId.Staking,
    await stakingImpl.getAddress(),
    stakingImpl.interface.encodeFunctionData("initialize", [await token.getAddress(), REWARDS_DURATION]),
  );
  await admin.addImplementation(
    ModuleId.Voting,
    await votingImpl.getAddress(),
    votingImpl.interface.encodeFunctionData("initialize", [MIN_VOTING_PERIOD, MAX_VOTING_PERIOD, QUORUM_BPS, PROPOSAL_THRESHOLD]),
  );
  const staking = (signer = owner) => routed(Staking__factory, proxyAddress, ModuleId.Staking, signer);
  const voting = (signer = owner) => routed(Voting__factory, proxyAddress, ModuleId.Voting, signer);
  const funded = ethers.parseEther("1000000");
  for (const user of [owner, alice, bob, carol]) {
    await token.mint(user.address, funded);
    await token.connect(user).approve(proxyAddress, ethers.MaxUint256);
  }
  return { ...bare, staking, voting, funded };
}

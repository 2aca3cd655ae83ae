/**
 * hardhat-gas-reporter resolver for the load balancer: attributes each routed transaction to the
 * implementation method it reached, so `REPORT_GAS=true npx hardhat test` and the audit's gas stage
 * report Staking.stake, Voting.castVote, ... measured through the proxy (what users pay).
 *
 * The reporter names a method by the first four calldata bytes; a routed call starts with the id
 * byte. The resolver reads the registry slot of that id (as the proxy's hot path does), names the
 * implementation, and drops the id byte from the transaction's input so the selector lines up.
 */
import type { CustomGasReporterResolver } from "hardhat-gas-reporter/dist/types";

/** `LibLoadBalancer.STORAGE_SLOT`: the registry entry of id `i` is at this slot + i. */
export const REGISTRY_SLOT = 0x13e249253a846412c22329a98490c6f16f1bbf70b742efd1f2029f4b88c7b200n;
const PROXY = "LoadBalancer";
const ADMIN = "LoadBalancerAdmin";

type ResolverThis = ThisParameterType<CustomGasReporterResolver["resolve"]>;
type Tx = Parameters<CustomGasReporterResolver["resolve"]>[0];

export const loadBalancerResolver: CustomGasReporterResolver = {
  ignore: () => [],
  async resolve(this: ResolverThis, tx: Tx): Promise<string | null> {
    if (!tx.to || !tx.input || tx.input.length < 4) return null;
    if ((await this.data.getNameByAddress(tx.to)) !== PROXY) return null;
    const id = Number.parseInt(tx.input.slice(2, 4), 16);
    let name: string | null;
    if (id === 0) {
      // Id 0 is always the admin module the proxy deployed itself.
      name = ADMIN;
    } else {
      const slot = "0x" + (REGISTRY_SLOT + BigInt(id)).toString(16);
      const entry: string = await this.hre.network.provider.send("eth_getStorageAt", [tx.to, slot, "latest"]);
      const implementation = "0x" + entry.slice(-40);
      if (BigInt(implementation) === 0n) return null; // unknown id: the call reverted in the router
      name = (await this.data.getNameByAddress(implementation)) ?? (await this.resolveByDeployedBytecode(implementation));
    }
    if (name !== null) tx.input = "0x" + tx.input.slice(4);
    return name;
  },
};

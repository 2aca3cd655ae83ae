/**
 * Calling implementations through the load balancer with their own typechain types.
 *
 * Every call to the proxy is `bytes1(id) ++ calldata`. `routed()` returns the implementation's typed
 * contract bound to the proxy's address whose runner prefixes the id byte to each call, so callers use
 * Staking's or Voting's ABI unchanged and never hand-encode calldata:
 *
 *   const staking = routed(Staking__factory, proxyAddress, ModuleId.Staking, signer);
 *   await staking.stake(100n);
 *   const admin = adminOf(proxyAddress, owner); // ILoadBalancer, id 0
 */
import {
  AbstractSigner,
  concat,
  toBeHex,
  type BaseContract,
  type ContractRunner,
  type Provider,
  type Signer,
  type TransactionRequest,
  type TypedDataDomain,
  type TypedDataField,
} from "ethers";
import { ILoadBalancer__factory, type ILoadBalancer } from "../../typechain-types";

/** Ids of the modules this repository deploys. Id 0 is the proxy's built-in admin module. */
export const ModuleId = {
  Admin: 0,
  Staking: 1,
  Voting: 2,
} as const;

/** The calldata the proxy expects for module `id`: the id byte, then the module's calldata. */
export function routeCalldata(id: number, calldata: string): string {
  if (!Number.isInteger(id) || id < 0 || id > 255) throw new RangeError(`module id must be 0..255, got ${id}`);
  return concat([toBeHex(id, 1), calldata]);
}

function isForProxy(tx: TransactionRequest, proxy: string): boolean {
  return typeof tx.to === "string" && tx.to.toLowerCase() === proxy.toLowerCase();
}

function routeTx(tx: TransactionRequest, proxy: string, id: number): TransactionRequest {
  if (!isForProxy(tx, proxy)) return tx;
  return { ...tx, data: routeCalldata(id, tx.data ?? "0x") };
}

/** A signer that prefixes the module id to every transaction and call it sends to the proxy. */
export class RoutedSigner extends AbstractSigner {
  constructor(
    readonly inner: Signer,
    readonly proxy: string,
    readonly id: number,
  ) {
    super(inner.provider);
  }

  getAddress(): Promise<string> {
    return this.inner.getAddress();
  }

  connect(provider: Provider | null): RoutedSigner {
    return new RoutedSigner(this.inner.connect(provider), this.proxy, this.id);
  }

  call(tx: TransactionRequest): Promise<string> {
    return this.inner.call(routeTx(tx, this.proxy, this.id));
  }

  estimateGas(tx: TransactionRequest): Promise<bigint> {
    return this.inner.estimateGas(routeTx(tx, this.proxy, this.id));
  }

  sendTransaction(tx: TransactionRequest) {
    return this.inner.sendTransaction(routeTx(tx, this.proxy, this.id));
  }

  signTransaction(tx: TransactionRequest): Promise<string> {
    return this.inner.signTransaction(routeTx(tx, this.proxy, this.id));
  }

  signMessage(message: string | Uint8Array): Promise<string> {
    return this.inner.signMessage(message);
  }

  signTypedData(
    domain: TypedDataDomain,
    types: Record<string, TypedDataField[]>,
    value: Record<string, unknown>,
  ): Promise<string> {
    return this.inner.signTypedData(domain, types, value);
  }
}

/** A read-only runner (a provider) that prefixes the module id to every call to the proxy. */
function routedReader(provider: Provider, proxy: string, id: number): ContractRunner {
  return {
    provider,
    call: (tx) => provider.call(routeTx(tx, proxy, id)),
    estimateGas: (tx) => provider.estimateGas(routeTx(tx, proxy, id)),
  };
}

interface ContractFactoryLike<C extends BaseContract> {
  connect(address: string, runner?: ContractRunner | null): C;
}

function isSigner(runner: ContractRunner): runner is Signer {
  return typeof (runner as Signer).getAddress === "function" && typeof (runner as Signer).signTransaction === "function";
}

/**
 * The implementation contract `factory` (a typechain factory such as `Staking__factory`) as served by
 * the proxy at `proxy` under module id `id`, sending and calling with `runner` (a signer or a provider).
 */
export function routed<C extends BaseContract>(
  factory: ContractFactoryLike<C>,
  proxy: string,
  id: number,
  runner: ContractRunner,
): C {
  routeCalldata(id, "0x"); // validates the id early
  if (isSigner(runner)) return factory.connect(proxy, new RoutedSigner(runner, proxy, id));
  if (!runner.provider) throw new TypeError("routed(): the runner has no provider");
  return factory.connect(proxy, routedReader(runner.provider, proxy, id));
}

/** The proxy's admin interface (ownership, registry, pause, loupe), module id 0. */
export function adminOf(proxy: string, runner: ContractRunner): ILoadBalancer {
  return routed(ILoadBalancer__factory, proxy, ModuleId.Admin, runner);
}

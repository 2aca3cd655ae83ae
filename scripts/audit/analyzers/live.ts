/**
 * Live mode: read which implementations a deployed proxy actually uses, match each one's runtime
 * bytecode to a contract of the build, and hand the analyzers that set instead of the declared one.
 *
 * Matching ignores what legitimately differs between an artifact and deployed code: immutable values
 * (deployedBytecode.immutableReferences ranges are zeroed on both sides), linked library addresses
 * (linkReferences), and the CBOR metadata tail (its length is the last two bytes; it carries the
 * metadata hash, which changes with comments and paths).
 *
 * Registry readers: id-routed -> the proxy's loupe at id 0 (scripts/lib/routing.ts
 * `adminOf(proxy).implementations()` and `adminModule()`); transparent / UUPS -> the EIP-1967
 * implementation slot; diamond -> the EIP-2535 loupe `facetAddresses()`.
 */
import { getAddress, getBytes, hexlify, Interface, type Provider } from "ethers";
import type { ContractRecord, SolcBuild } from "./build-info";
import type { DomainMemberRef, ResolvedDomain } from "./domain";
import { AnalyzerInputError } from "./errors";
import { eip1967Slot, hexSlot } from "./evaluate";
import type { RuleHit } from "./findings";
import { LIVE_UNKNOWN_BYTECODE } from "./live-rule";

// The rule's metadata lives in its own module (no ethers import): the rule catalog reads it.
export { LIVE_UNKNOWN_BYTECODE };

/** An address the deployed proxy uses, and what the build says it is. */
export interface LiveModule {
  role: "proxy" | "implementation";
  id?: number;
  address: string;
  paused?: boolean;
  /** Fully qualified name of the matching contract; absent when nothing matches. */
  contract?: string;
}

export interface LiveResult {
  /** The domain actually deployed (members the build could identify). */
  domain: ResolvedDomain;
  modules: LiveModule[];
  hits: (RuleHit & { rule: string })[];
  chainId: string;
}

/** Strips the CBOR metadata tail: `... a2 64 'ipfs' ... <2-byte length>`. */
export function stripMetadata(code: Uint8Array): Uint8Array {
  if (code.length < 2) return code;
  const length = (code[code.length - 2] << 8) | code[code.length - 1];
  const start = code.length - 2 - length;
  if (length === 0 || start < 0) return code;
  const head = code[start];
  // A CBOR map (major type 5): solc's metadata object.
  return head >= 0xa0 && head <= 0xbf ? code.subarray(0, start) : code;
}

function zeroRanges(code: Uint8Array, ranges: { start: number; length: number }[]): Uint8Array {
  const out = new Uint8Array(code);
  for (const r of ranges) out.fill(0, r.start, Math.min(out.length, r.start + r.length));
  return out;
}

function ignoredRanges(contract: ContractRecord): { start: number; length: number }[] {
  const deployed = contract.output.evm?.deployedBytecode;
  const ranges = Object.values(deployed?.immutableReferences ?? {}).flat();
  for (const byName of Object.values(deployed?.linkReferences ?? {})) ranges.push(...Object.values(byName).flat());
  return ranges;
}

function artifactCode(contract: ContractRecord): Uint8Array | undefined {
  const object = contract.output.evm?.deployedBytecode?.object;
  if (!object) return undefined;
  // Unlinked library placeholders (__$hash$__) become zeros; their ranges are ignored anyway.
  return getBytes("0x" + object.replace(/__\$[0-9a-fA-F]{34}\$__/g, "0".repeat(40)));
}

/** Contracts of the build whose runtime code equals `runtime` up to immutables, links and metadata. */
export function matchBytecode(build: SolcBuild, runtime: string | Uint8Array): ContractRecord[] {
  const code = typeof runtime === "string" ? getBytes(runtime) : runtime;
  if (code.length === 0) return [];
  const matches: ContractRecord[] = [];
  for (const contract of build.contracts) {
    const expected = artifactCode(contract);
    if (!expected || expected.length === 0 || expected.length !== code.length) continue;
    const ranges = ignoredRanges(contract);
    const a = stripMetadata(zeroRanges(expected, ranges));
    const b = stripMetadata(zeroRanges(code, ranges));
    if (a.length === b.length && hexlify(a) === hexlify(b)) matches.push(contract);
  }
  return matches;
}

const DIAMOND_LOUPE = new Interface(["function facetAddresses() view returns (address[])"]);

/** The implementation addresses a deployed proxy uses, per its dispatch model. */
export async function readRegistry(
  provider: Provider,
  dispatch: ResolvedDomain["dispatch"],
  proxy: string,
): Promise<{ id?: number; address: string; paused?: boolean }[]> {
  if ((await provider.getCode(proxy)) === "0x") throw new AnalyzerInputError(`no contract at ${proxy}`);
  switch (dispatch) {
    case "id-routed": {
      const { adminOf } = await import("../../lib/routing");
      const admin = adminOf(proxy, provider);
      const [adminModule, infos] = await Promise.all([admin.adminModule(), admin.implementations()]);
      return [
        { id: 0, address: adminModule },
        ...infos.map((i) => ({ id: Number(i.id), address: i.implementation, paused: i.paused })),
      ];
    }
    case "transparent":
    case "uups": {
      const raw = await provider.getStorage(proxy, hexSlot(eip1967Slot("eip1967.proxy.implementation")));
      return [{ address: getAddress("0x" + raw.slice(-40)) }];
    }
    case "forwarding": {
      // The proxy keeps the implementation's address in its own slot 0 (Safe's `singleton`).
      const raw = await provider.getStorage(proxy, 0);
      return [{ address: getAddress("0x" + raw.slice(-40)) }];
    }
    case "diamond": {
      const data = await provider.call({ to: proxy, data: DIAMOND_LOUPE.encodeFunctionData("facetAddresses") });
      const [addresses] = DIAMOND_LOUPE.decodeFunctionResult("facetAddresses", data) as unknown as [string[]];
      return addresses.map((address) => ({ address }));
    }
  }
}

/** Picks one contract among bytecode matches: the one the declared domain names, else the first under contracts/. */
function pick(matches: ContractRecord[], declared: string[]): ContractRecord | undefined {
  return matches.find((m) => declared.includes(m.fqn)) ?? matches.find((m) => m.sourceName.startsWith("contracts/")) ?? matches[0];
}

/**
 * Reads the deployed proxy at `proxyAddress`, identifies its code and its implementations' code, and
 * returns the domain actually deployed (with `config`'s name, dispatch and upgrades) plus a
 * live-unknown-bytecode hit per address that matches nothing.
 */
export async function liveDomain(build: SolcBuild, declared: ResolvedDomain, provider: Provider, proxyAddress: string): Promise<LiveResult> {
  const config = { name: declared.name, dispatch: declared.dispatch };
  const declaredProxy = declared.proxy;
  if (!declaredProxy) throw new AnalyzerInputError(`--live reads a deployed proxy: domain ${config.name} declares none`);
  const declaredFqns = [declaredProxy, ...declared.implementations].map((m) => m.contract.fqn);
  const registry = await readRegistry(provider, config.dispatch, proxyAddress);
  const identify = async (address: string): Promise<ContractRecord | undefined> => pick(matchBytecode(build, await provider.getCode(address)), declaredFqns);

  const modules: LiveModule[] = [];
  const hits: (RuleHit & { rule: string })[] = [];
  const unknown = (m: LiveModule, what: string): void => {
    hits.push({
      rule: LIVE_UNKNOWN_BYTECODE.id,
      severity: "high",
      title: `${what} at ${m.address} matches no contract of the build`,
      description:
        `In the deployed domain ${config.name}, ${what} (${m.address}) runs code that equals no artifact of this build, even with immutables, library links and the metadata hash ignored. ` +
        "The storage and selector analysis cannot vouch for it: it may use any slot and any selector.",
      recommendation: "Register only implementations built from this repository (rebuild and compare), or add the contract's source to the build so it can be analyzed.",
      location: { file: declaredProxy.contract.file, symbol: declaredProxy.contract.name },
      anchor: `${config.name}|${m.role}|${m.id ?? ""}`,
      data: { address: m.address, role: m.role, ...(m.id !== undefined ? { id: m.id } : {}) },
    });
  };

  const proxyContract = await identify(proxyAddress);
  const proxyModule: LiveModule = { role: "proxy", address: getAddress(proxyAddress), ...(proxyContract ? { contract: proxyContract.fqn } : {}) };
  modules.push(proxyModule);
  if (!proxyContract) unknown(proxyModule, "the proxy");

  const implementations: DomainMemberRef[] = [];
  for (const entry of registry) {
    const contract = await identify(entry.address);
    const m: LiveModule = {
      role: "implementation",
      address: getAddress(entry.address),
      ...(entry.id !== undefined ? { id: entry.id } : {}),
      ...(entry.paused !== undefined ? { paused: entry.paused } : {}),
      ...(contract ? { contract: contract.fqn } : {}),
    };
    modules.push(m);
    if (!contract) {
      unknown(m, entry.id !== undefined ? `implementation id ${entry.id}` : "an implementation");
      continue;
    }
    const declaredMember = declared.implementations.find((d) => d.id === entry.id && entry.id !== undefined);
    implementations.push({
      contract,
      role: "implementation",
      ...(entry.id !== undefined ? { id: entry.id } : {}),
      ...(declaredMember?.reserved ? { reserved: true } : {}),
    });
  }
  const domain: ResolvedDomain = {
    ...declared,
    proxy: { contract: proxyContract ?? declaredProxy.contract, role: "proxy" },
    implementations,
    // Upgrades apply only to implementations that are actually registered.
    upgrades: declared.upgrades.filter((u) => implementations.some((m) => m.contract.fqn === u.from.fqn)),
  };
  const chainId = (await provider.getNetwork()).chainId.toString();
  return { domain, modules, hits, chainId };
}

/**
 * The addresses an overlay download refuses when asked to stay on public ones: loopback, private,
 * shared (CGNAT), link-local (cloud metadata services live there), multicast, reserved and "this
 * host". The check runs inside the connection's own name lookup, on every address the name resolves
 * to, so the address checked is the address connected to: a name that resolves to a public address
 * once and to an internal one the next time (DNS rebinding) gets no second lookup to exploit.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupAllOptions } from 'node:dns';
import { BlockList, isIP } from 'node:net';

const REFUSED = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12],
  ['192.0.0.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15], ['224.0.0.0', 4], ['240.0.0.0', 4],
] as const) REFUSED.addSubnet(network, prefix, 'ipv4');
// IPv4-mapped IPv6 addresses (::ffff:10.0.0.1) are checked against the IPv4 rules by BlockList itself.
for (const [network, prefix] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8]] as const) REFUSED.addSubnet(network, prefix, 'ipv6');

/**
 * True for an IP address a download with `publicOnly` refuses.
 *
 * @example isRefusedAddress('169.254.169.254') // → true
 */
export function isRefusedAddress(address: string): boolean {
  return REFUSED.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** The lookup function http(s).request calls to resolve a name (net.connect's `lookup` option). */
export type ConnectLookup = (hostname: string, options: { all?: boolean; family?: number | string }, callback: (...args: never[]) => void) => void;

/**
 * A `lookup` for http(s).request that resolves like the system does and fails with `refuse(address)`
 * when any address of the name is refused: one internal address among public ones is refused too,
 * since which one is connected to is not ours to choose.
 *
 * @example https.get(url, { lookup: publicOnlyLookup((address) => new Error(`${address} refused`)) });
 */
export function publicOnlyLookup(refuse: (address: string) => Error): ConnectLookup {
  return (hostname, options, callback) => {
    const reply = callback as unknown as (error: Error | null, address?: string | LookupAddress[], family?: number) => void;
    const { all, ...rest } = options;
    dnsLookup(hostname, { ...(rest as LookupAllOptions), all: true }, (error, addresses) => {
      if (error) return reply(error);
      const refused = addresses.find((entry) => isRefusedAddress(entry.address));
      if (refused) return reply(refuse(refused.address));
      if (all) return reply(null, addresses);
      reply(null, addresses[0]!.address, addresses[0]!.family);
    });
  };
}

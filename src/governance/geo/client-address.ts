// Which address a request really came from. X-Forwarded-For is believed only as far as it was
// written by proxies we trust: walking right to left, each hop is accepted only while the hop
// that reported it is a trusted proxy. Pure apart from building the BlockList.

import { BlockList } from 'node:net';
import { GeoError } from './geo.errors.js';
import { parseIpAddress, type IpAddress } from './ip-address.js';

export interface TrustedProxies {
  readonly entries: readonly string[];
  readonly list: BlockList;
}

/** Compiles trusted proxies given as addresses or CIDRs (`10.0.0.0/8`, `::1`, `fd00::/8`). */
export function trustedProxies(entries: readonly string[]): TrustedProxies {
  const list = new BlockList();
  for (const entry of entries) {
    const [network = '', prefixText, extra] = entry.trim().split('/');
    const ip = parseIpAddress(network);
    if (ip === null || extra !== undefined) throw new GeoError('TRUSTED_PROXY_INVALID', `not an address or CIDR: "${entry}"`);
    if (prefixText === undefined) {
      list.addAddress(ip.address, ip.family);
      continue;
    }
    let prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
    // An IPv4-mapped network (`::ffff:10.0.0.0/104`) is an IPv4 network after parsing.
    if (ip.family === 'ipv4' && network.includes(':')) prefix -= 96;
    const max = ip.family === 'ipv4' ? 32 : 128;
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > max) {
      throw new GeoError('TRUSTED_PROXY_INVALID', `bad prefix length in "${entry}"`);
    }
    list.addSubnet(ip.address, prefix, ip.family);
  }
  return { entries: [...entries], list };
}

function isTrusted(ip: IpAddress, trusted: TrustedProxies): boolean {
  return trusted.list.check(ip.address, ip.family);
}

/** Entries of one or more X-Forwarded-For headers, left (client side) to right (nearest). */
export function forwardedForEntries(header: string | readonly string[] | undefined): string[] {
  if (header === undefined) return [];
  const text = typeof header === 'string' ? header : header.join(',');
  return text
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
}

/**
 * The client address in canonical form, or null when it cannot be known: the peer is not an
 * address, or a trusted proxy reported something that is not one (then nothing to its left can
 * be believed either, and an unknown address is denied downstream rather than guessed).
 */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | readonly string[] | undefined,
  trusted: TrustedProxies,
): string | null {
  let current = parseIpAddress(peer);
  if (current === null) return null;
  const hops = forwardedForEntries(forwardedFor);
  for (let i = hops.length - 1; i >= 0; i -= 1) {
    if (!isTrusted(current, trusted)) return current.address;
    const next = parseIpAddress(hops[i]);
    if (next === null) return null;
    current = next;
  }
  return current.address;
}

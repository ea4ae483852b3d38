// Pure parsing of textual IP addresses as they arrive from sockets and headers: ports, brackets,
// zone ids and IPv4-mapped IPv6 are reduced to one canonical form, so that `::ffff:1.2.3.4`
// and `1.2.3.4` are the same client to the proxy check and to the country lookup.

import { BlockList, isIPv4, isIPv6 } from 'node:net';

export type IpFamily = 'ipv4' | 'ipv6';

export interface IpAddress {
  /** Canonical text: dotted quad, or lower-case IPv6 without zone. */
  readonly address: string;
  readonly family: IpFamily;
}

/** The eight 16-bit groups of an IPv6 address, or null when it is not one. */
export function ipv6Groups(text: string): number[] | null {
  if (!isIPv6(text)) return null;
  let body = text.toLowerCase();
  const lastColon = body.lastIndexOf(':');
  const tail = body.slice(lastColon + 1);
  if (tail.includes('.')) {
    // An embedded dotted quad (`::ffff:1.2.3.4`) is two groups written in decimal.
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    body = `${body.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const parse = (part: string): number[] => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const [head = '', rest] = body.split('::');
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const fill = rest === undefined ? 0 : 8 - left.length - right.length;
  const groups = [...left, ...new Array<number>(Math.max(fill, 0)).fill(0), ...right];
  return groups.length === 8 ? groups : null;
}

function mappedIPv4(groups: readonly number[]): string | null {
  const isMapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
  if (!isMapped) return null;
  const high = groups[6] ?? 0;
  const low = groups[7] ?? 0;
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

/** Strips `[v6]:port`, `v4:port` and `%zone`; returns null for anything that is not an address. */
function stripDecoration(raw: string): string {
  let text = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(text);
  if (bracketed?.[1] !== undefined) text = bracketed[1];
  const v4WithPort = /^(\d{1,3}(?:\.\d{1,3}){3}):\d{1,5}$/.exec(text);
  if (v4WithPort?.[1] !== undefined) text = v4WithPort[1];
  const zone = text.indexOf('%');
  return zone === -1 ? text : text.slice(0, zone);
}

export function parseIpAddress(raw: string | undefined | null): IpAddress | null {
  if (typeof raw !== 'string') return null;
  const text = stripDecoration(raw);
  if (isIPv4(text)) return { address: text, family: 'ipv4' };
  const groups = ipv6Groups(text);
  if (groups === null) return null;
  const v4 = mappedIPv4(groups);
  if (v4 !== null) return { address: v4, family: 'ipv4' };
  return { address: groups.map((g) => g.toString(16)).join(':'), family: 'ipv6' };
}

/** Addresses that can never name a client's country: private, loopback, link-local, reserved. */
const NON_PUBLIC: BlockList = (() => {
  const list = new BlockList();
  const v4: readonly [string, number][] = [
    ['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16],
    ['172.16.0.0', 12], ['192.0.0.0', 24], ['192.0.2.0', 24], ['192.168.0.0', 16], ['198.18.0.0', 15],
    ['198.51.100.0', 24], ['203.0.113.0', 24], ['224.0.0.0', 4], ['240.0.0.0', 4],
  ];
  for (const [network, prefix] of v4) list.addSubnet(network, prefix, 'ipv4');
  const v6: readonly [string, number][] = [
    ['::', 127], ['64:ff9b::', 96], ['100::', 64], ['2001:db8::', 32], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8],
  ];
  for (const [network, prefix] of v6) list.addSubnet(network, prefix, 'ipv6');
  return list;
})();

export function isPublicAddress(ip: IpAddress): boolean {
  return !NON_PUBLIC.check(ip.address, ip.family);
}

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clientAddress, forwardedForEntries, trustedProxies } from './client-address.js';
import { GeoError } from './geo.errors.js';
import { ipv6Groups, parseIpAddress } from './ip-address.js';

const TRUSTED = trustedProxies(['10.0.0.0/8', '127.0.0.1', 'fd00::/8', '::ffff:192.168.0.0/112']);

const isTrustedV4 = (ip: string): boolean => ip.startsWith('10.') || ip === '127.0.0.1' || ip.startsWith('192.168.');
const untrustedV4 = fc.ipV4().filter((ip) => !isTrustedV4(ip));
const trustedV4 = fc.oneof(
  fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map(([a, b, c]) => `10.${a}.${b}.${c}`),
  fc.constant('127.0.0.1'),
  fc.tuple(fc.nat(255), fc.nat(255)).map(([a, b]) => `192.168.${a}.${b}`),
);
const anyEntry = fc.oneof(fc.ipV4(), fc.ipV6(), fc.string(), fc.constant('unknown'));

describe('clientAddress', () => {
  it('uses the peer when it is not a trusted proxy', () => {
    expect(clientAddress('133.242.0.1', '8.8.8.8', TRUSTED)).toBe('133.242.0.1');
  });

  it('walks X-Forwarded-For right to left past trusted hops', () => {
    expect(clientAddress('10.0.0.2', '133.242.0.1', TRUSTED)).toBe('133.242.0.1');
    expect(clientAddress('10.0.0.2', '1.2.4.8, 133.242.0.1, 10.1.1.1', TRUSTED)).toBe('133.242.0.1');
    expect(clientAddress('10.0.0.2', ['1.2.4.8, 133.242.0.1', '10.1.1.1'], TRUSTED)).toBe('133.242.0.1');
    expect(clientAddress('10.0.0.2', '10.0.0.3, 10.0.0.4', TRUSTED)).toBe('10.0.0.3');
    expect(clientAddress('10.0.0.2', undefined, TRUSTED)).toBe('10.0.0.2');
    expect(clientAddress('10.0.0.2', ' , ', TRUSTED)).toBe('10.0.0.2');
  });

  it('handles IPv4-mapped IPv6 peers, hops and proxy entries', () => {
    expect(clientAddress('::ffff:10.0.0.2', '211.43.0.1', TRUSTED)).toBe('211.43.0.1');
    expect(clientAddress('::ffff:127.0.0.1', '::ffff:211.43.0.1', TRUSTED)).toBe('211.43.0.1');
    expect(clientAddress('::ffff:192.168.3.4', '8.8.8.8', TRUSTED)).toBe('8.8.8.8');
    expect(clientAddress('::ffff:8.8.8.8', '10.0.0.1', TRUSTED)).toBe('8.8.8.8');
    expect(clientAddress('fd00::5', '[2001:4860:4860::8888]:443', TRUSTED)).toBe('2001:4860:4860:0:0:0:0:8888');
  });

  it('returns null when the peer is unknown or a trusted hop reported garbage', () => {
    expect(clientAddress(undefined, '8.8.8.8', TRUSTED)).toBeNull();
    expect(clientAddress('10.0.0.2', 'unknown', TRUSTED)).toBeNull();
    expect(clientAddress('10.0.0.2', 'garbage, 10.0.0.9', TRUSTED)).toBeNull();
  });

  it('property: an untrusted peer is the client, whatever X-Forwarded-For says', () => {
    fc.assert(
      fc.property(untrustedV4, fc.option(fc.array(anyEntry).map((xs) => xs.join(', ')), { nil: undefined }), (peer, xff) => {
        expect(clientAddress(peer, xff, TRUSTED)).toBe(peer);
        expect(clientAddress(`::ffff:${peer}`, xff, TRUSTED)).toBe(peer);
      }),
    );
  });

  it('property: behind trusted proxies, the nearest untrusted hop is the client, and nothing left of it counts', () => {
    fc.assert(
      fc.property(fc.array(anyEntry), untrustedV4, fc.array(trustedV4), trustedV4, (spoofed, client, proxies, peer) => {
        const header = [...spoofed, client, ...proxies].join(', ');
        expect(clientAddress(peer, header, TRUSTED)).toBe(client);
      }),
    );
  });

  it('property: the result is the peer or one of the X-Forwarded-For entries', () => {
    fc.assert(
      fc.property(fc.oneof(trustedV4, untrustedV4), fc.array(fc.oneof(trustedV4, untrustedV4)), (peer, hops) => {
        const result = clientAddress(peer, hops.join(','), TRUSTED);
        expect([peer, ...hops]).toContain(result);
      }),
    );
  });
});

describe('trustedProxies', () => {
  it('rejects entries that are not addresses or CIDRs', () => {
    for (const bad of ['', 'proxy.local', '10.0.0.0/33', '10.0.0.0/8/1', 'fd00::/129', '10.0.0.0/x']) {
      expect(() => trustedProxies([bad]), bad).toThrow(GeoError);
    }
  });

  it('splits X-Forwarded-For headers', () => {
    expect(forwardedForEntries('a, b,,c ')).toEqual(['a', 'b', 'c']);
    expect(forwardedForEntries(undefined)).toEqual([]);
  });
});

describe('parseIpAddress', () => {
  it('canonicalises IPv6 and unwraps IPv4-mapped forms', () => {
    expect(parseIpAddress('::ffff:1.2.3.4')).toEqual({ address: '1.2.3.4', family: 'ipv4' });
    expect(parseIpAddress('0:0:0:0:0:ffff:0102:0304')).toEqual({ address: '1.2.3.4', family: 'ipv4' });
    expect(parseIpAddress('::1')).toEqual({ address: '0:0:0:0:0:0:0:1', family: 'ipv6' });
    expect(parseIpAddress('1.2.3.4:8080')).toEqual({ address: '1.2.3.4', family: 'ipv4' });
    expect(parseIpAddress('1.2.3')).toBeNull();
    expect(parseIpAddress(null)).toBeNull();
  });

  it('property: every IPv6 address expands to eight groups, and mapped IPv4 round-trips', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        expect(ipv6Groups(ip)).toHaveLength(8);
      }),
    );
    fc.assert(
      fc.property(fc.ipV4(), (ip) => {
        expect(parseIpAddress(`::ffff:${ip}`)?.address).toBe(ip);
      }),
    );
  });
});

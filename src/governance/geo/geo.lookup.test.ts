import { describe, expect, it } from 'vitest';
import { GeoError } from './geo.errors.js';
import { createGeoLookup, openGeoLookup, sharedGeoLookup } from './geo.lookup.js';

describe('countryOf on the bundled database', () => {
  it('maps public addresses to their countries', async () => {
    const geo = await sharedGeoLookup();
    expect(geo.countryOf('133.242.0.1')).toBe('JP');
    expect(geo.countryOf('211.43.0.1')).toBe('KR');
    expect(geo.countryOf('1.2.4.8')).toBe('CN');
    expect(geo.countryOf('114.114.114.114')).toBe('CN');
    expect(geo.countryOf('8.8.8.8')).toBe('US');
    expect(geo.countryOf('2001:4860:4860::8888')).toBe('US');
  });

  it('sees through IPv4-mapped IPv6, ports and brackets', async () => {
    const geo = await sharedGeoLookup();
    expect(geo.countryOf('::ffff:133.242.0.1')).toBe('JP');
    expect(geo.countryOf('::FFFF:85f2:1')).toBe('JP');
    expect(geo.countryOf('133.242.0.1:443')).toBe('JP');
    expect(geo.countryOf('[::ffff:8.8.8.8]:80')).toBe('US');
  });

  it('gives private, loopback, reserved and malformed addresses no country', async () => {
    const geo = await sharedGeoLookup();
    for (const ip of ['10.0.0.1', '127.0.0.1', '192.168.1.1', '172.16.5.4', '100.64.0.1', '169.254.1.1', '0.0.0.0',
      '::1', '::', 'fe80::1%eth0', 'fd00::1', '::ffff:10.0.0.1', '2001:db8::1', '', 'garbage', '999.1.1.1']) {
      expect(geo.countryOf(ip), ip).toBeNull();
    }
    expect(geo.countryOf(null)).toBeNull();
    expect(geo.countryOf(undefined)).toBeNull();
  });

  it('opens the database once per process', async () => {
    expect(sharedGeoLookup()).toBe(sharedGeoLookup());
    await sharedGeoLookup();
  });

  it('refuses a missing database with a domain error', async () => {
    const error: unknown = await openGeoLookup('/nonexistent/db.mmdb').catch((cause: unknown) => cause);
    expect(error).toBeInstanceOf(GeoError);
    expect((error as GeoError).code).toBe('GEO_DATABASE_UNAVAILABLE');
  });
});

describe('createGeoLookup', () => {
  it('trusts only well-formed country codes and survives a throwing reader', () => {
    const records: Record<string, unknown> = { '8.8.8.8': { country_code: 'US' }, '8.8.4.4': { country_code: 'usa' }, '1.1.1.1': 'x' };
    const geo = createGeoLookup({ get: (ip) => records[ip] ?? null });
    expect(geo.countryOf('8.8.8.8')).toBe('US');
    expect(geo.countryOf('8.8.4.4')).toBeNull();
    expect(geo.countryOf('1.1.1.1')).toBeNull();
    const throwing = createGeoLookup({
      get: () => {
        throw new Error('corrupt');
      },
    });
    expect(throwing.countryOf('8.8.8.8')).toBeNull();
  });
});

// Source address to country: the IP-to-country database, opened once per process. Private,
// loopback and reserved addresses, and addresses the database does not know, have no country,
// and a request without a country is denied by the policy engine.

import { createRequire } from 'node:module';
import maxmind from 'maxmind';
import { GeoError } from './geo.errors.js';
import { isPublicAddress, parseIpAddress } from './ip-address.js';

export interface GeoLookup {
  /** ISO 3166-1 alpha-2 code of the address, or null when it has none we can trust. */
  countryOf(ip: string | null | undefined): string | null;
}

/** The part of a maxmind reader the lookup uses; lets tests and other databases stand in. */
export interface CountryRecordReader {
  get(ip: string): unknown;
}

const COUNTRY = /^[A-Z]{2}$/;

export const DEFAULT_GEO_DATABASE = '@ip-location-db/geo-whois-asn-country-mmdb/geo-whois-asn-country.mmdb';

function countryCodeOf(record: unknown): string | null {
  if (typeof record !== 'object' || record === null || !('country_code' in record)) return null;
  const code = record.country_code;
  return typeof code === 'string' && COUNTRY.test(code) ? code : null;
}

/** A lookup over any reader; the database is consulted only for public addresses. */
export function createGeoLookup(reader: CountryRecordReader): GeoLookup {
  return {
    countryOf(ip: string | null | undefined): string | null {
      const parsed = parseIpAddress(ip);
      // The database has stray entries for private ranges (192.168.1.1 maps to AU), so they
      // are excluded here rather than trusted to be absent.
      if (parsed === null || !isPublicAddress(parsed)) return null;
      try {
        return countryCodeOf(reader.get(parsed.address));
      } catch {
        return null;
      }
    },
  };
}

export function resolveGeoDatabase(): string {
  return createRequire(import.meta.url).resolve(DEFAULT_GEO_DATABASE);
}

/** Opens an mmdb file (the bundled whois/ASN country database by default). */
export async function openGeoLookup(file: string = resolveGeoDatabase()): Promise<GeoLookup> {
  try {
    return createGeoLookup(await maxmind.open(file));
  } catch (cause) {
    throw new GeoError('GEO_DATABASE_UNAVAILABLE', `cannot open ${file}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}

let shared: Promise<GeoLookup> | undefined;

/** The process-wide lookup on the bundled database, opened on first use. */
export function sharedGeoLookup(): Promise<GeoLookup> {
  if (shared === undefined) {
    shared = openGeoLookup();
    // A failed open is not remembered, so the next caller can retry.
    shared.catch(() => {
      shared = undefined;
    });
  }
  return shared;
}

// Where an operator's request physically comes from: the client address (X-Forwarded-For only
// through configured trusted proxies) and its country from the IP-to-country database. In demo
// mode, and only from loopback, an operator may ask for a simulated source address; the origin
// then says so, and everything that shows or records it carries the label.
import { DomainError } from '../../errors/catalogue.js';
import { clientAddress, type TrustedProxies } from '../geo/client-address.js';
import type { GeoLookup } from '../geo/geo.lookup.js';
import { isPublicAddress, parseIpAddress } from '../geo/ip-address.js';

export interface RequestOrigin {
  /** Canonical client address (or the simulated one), null when it cannot be known. */
  readonly address: string | null;
  /** ISO 3166-1 alpha-2 country of the address; null for private, loopback or unknown ones. */
  readonly country: string | null;
  /** True when the address is a demo-mode simulation, not where the request came from. */
  readonly simulated: boolean;
}

export interface ResolveOriginProps {
  peer: string | undefined;
  forwardedFor: string | readonly string[] | undefined;
  /** The address a demo operator asked to appear from, if any. */
  simulatedAddress?: string | undefined;
  trusted: TrustedProxies;
  demo: boolean;
  geo: GeoLookup;
}

function isLoopback(address: string | null): boolean {
  const parsed = parseIpAddress(address);
  if (!parsed) return false;
  return parsed.family === 'ipv4' ? parsed.address.startsWith('127.') : parsed.address === '0:0:0:0:0:0:0:1';
}

export function resolveOrigin(props: ResolveOriginProps): RequestOrigin {
  const real = clientAddress(props.peer, props.forwardedFor, props.trusted);
  if (props.simulatedAddress === undefined || props.simulatedAddress === '') {
    return { address: real, country: props.geo.countryOf(real), simulated: false };
  }
  if (!props.demo) {
    throw new DomainError('SIMULATION_NOT_ALLOWED', 'simulated source addresses exist only in demo mode (`domicile serve --demo`); connect from your real address');
  }
  if (!isLoopback(real)) {
    throw new DomainError('SIMULATION_NOT_ALLOWED', 'a simulated source address may be chosen only from loopback (this machine)');
  }
  const simulated = parseIpAddress(props.simulatedAddress);
  if (!simulated || !isPublicAddress(simulated)) {
    throw new DomainError('VALIDATION_FAILED', 'the simulated source address must be a public IPv4 or IPv6 address, e.g. 133.242.0.1 (Japan)');
  }
  return { address: simulated.address, country: props.geo.countryOf(simulated.address), simulated: true };
}

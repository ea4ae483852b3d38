import { describe, expect, it } from 'vitest';
import { isDomainError } from '../../errors/catalogue.js';
import { trustedProxies } from '../geo/client-address.js';
import { createGeoLookup } from '../geo/geo.lookup.js';
import { resolveOrigin } from './origin.js';

const geo = createGeoLookup({ get: (ip) => ({ '133.242.0.1': { country_code: 'JP' }, '1.2.4.8': { country_code: 'CN' } })[ip] ?? null });
const trusted = trustedProxies(['127.0.0.1']);

function code(run: () => unknown): string {
  try {
    run();
    return 'none';
  } catch (err) {
    return isDomainError(err) ? err.code : String(err);
  }
}

describe('resolveOrigin', () => {
  it('believes X-Forwarded-For only from a trusted proxy', () => {
    expect(resolveOrigin({ peer: '127.0.0.1', forwardedFor: '1.2.4.8', trusted, demo: false, geo })).toEqual({ address: '1.2.4.8', country: 'CN', simulated: false });
    expect(resolveOrigin({ peer: '133.242.0.1', forwardedFor: '1.2.4.8', trusted, demo: false, geo })).toEqual({ address: '133.242.0.1', country: 'JP', simulated: false });
    expect(resolveOrigin({ peer: '127.0.0.1', forwardedFor: undefined, trusted, demo: false, geo }).country).toBeNull();
  });

  it('lets a demo operator on loopback simulate an address, labelled; never outside demo mode or off loopback', () => {
    expect(resolveOrigin({ peer: '::1', forwardedFor: undefined, simulatedAddress: '133.242.0.1', trusted, demo: true, geo })).toEqual({ address: '133.242.0.1', country: 'JP', simulated: true });
    expect(code(() => resolveOrigin({ peer: '127.0.0.1', forwardedFor: undefined, simulatedAddress: '133.242.0.1', trusted, demo: false, geo }))).toBe('SIMULATION_NOT_ALLOWED');
    expect(code(() => resolveOrigin({ peer: '1.2.4.8', forwardedFor: undefined, simulatedAddress: '133.242.0.1', trusted, demo: true, geo }))).toBe('SIMULATION_NOT_ALLOWED');
    // Behind a trusted proxy the client is whoever the proxy says, not loopback.
    expect(code(() => resolveOrigin({ peer: '127.0.0.1', forwardedFor: '1.2.4.8', simulatedAddress: '133.242.0.1', trusted, demo: true, geo }))).toBe('SIMULATION_NOT_ALLOWED');
    expect(code(() => resolveOrigin({ peer: '127.0.0.1', forwardedFor: undefined, simulatedAddress: '10.0.0.1', trusted, demo: true, geo }))).toBe('VALIDATION_FAILED');
  });
});

// The sign-in guard on a fake clock: progressive back-off per address, per-account protection
// that strangers cannot turn into a lock-out of the owner.
import { describe, expect, it } from 'vitest';
import { isDomainError } from '../errors/catalogue.js';
import { createSignInGuard } from './sign-in.guard.js';

function refusal(run: () => void): { code: string; retryAfterSeconds: unknown } | null {
  try {
    run();
    return null;
  } catch (err) {
    if (!isDomainError(err)) throw err;
    return { code: err.code, retryAfterSeconds: err.details?.['retryAfterSeconds'] };
  }
}

describe('sign-in guard', () => {
  it('lets an address fail five times, then doubles its wait after each further failure, up to 15 minutes', () => {
    let t = 0;
    const guard = createSignInGuard({ now: () => t });
    const waits: unknown[] = [];
    for (let i = 0; i < 16; i += 1) {
      const attempt = { accountKey: `subject:victim-${i}`, address: '203.0.113.9' };
      const refused = refusal(() => guard.check(attempt));
      if (refused) {
        waits.push(refused.retryAfterSeconds);
        t += Number(refused.retryAfterSeconds) * 1000;
        expect(refusal(() => guard.check(attempt))).toBeNull();
      }
      guard.failed(attempt);
    }
    expect(waits).toEqual([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900]);
    // Another address is not slowed by this one.
    expect(refusal(() => guard.check({ accountKey: 'subject:victim-0', address: '198.51.100.1' }))).toBeNull();
  });

  it('counts failures per account from any address, then opens the account only to addresses it knows', () => {
    let t = 0;
    const guard = createSignInGuard({ now: () => t });
    const owner = { accountKey: 'subject:hanako', address: '192.0.2.10' };
    guard.succeeded(owner);
    for (let i = 0; i < 5; i += 1) guard.failed({ accountKey: 'subject:hanako', address: `203.0.113.${i}` });
    const stranger = refusal(() => guard.check({ accountKey: 'subject:hanako', address: '203.0.113.99' }));
    expect(stranger?.code).toBe('ACCOUNT_PROTECTED');
    expect(stranger?.retryAfterSeconds).toBe(900);
    // The owner's known address is never locked out; their success ends the protection.
    expect(refusal(() => guard.check(owner))).toBeNull();
    guard.succeeded(owner);
    expect(refusal(() => guard.check({ accountKey: 'subject:hanako', address: '203.0.113.99' }))).toBeNull();
    // A protection also passes with time, or is lifted (a password change).
    for (let i = 0; i < 5; i += 1) guard.failed({ accountKey: 'subject:hanako', address: `203.0.113.${i}` });
    expect(refusal(() => guard.check({ accountKey: 'subject:hanako', address: '198.51.100.7' }))?.code).toBe('ACCOUNT_PROTECTED');
    guard.lift('subject:hanako');
    expect(refusal(() => guard.check({ accountKey: 'subject:hanako', address: '198.51.100.7' }))).toBeNull();
    for (let i = 0; i < 5; i += 1) guard.failed({ accountKey: 'subject:hanako', address: `203.0.113.${i}` });
    t += 15 * 60_000;
    expect(refusal(() => guard.check({ accountKey: 'subject:hanako', address: '198.51.100.7' }))).toBeNull();
  });
});

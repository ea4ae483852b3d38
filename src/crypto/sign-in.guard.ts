// The sign-in guard against guessing and against lock-out by strangers, for people's accounts
// and operators alike. Failures count per
// account (whichever alias was typed) and per source address. An address backs off
// progressively (after a few free failures, 1 s, 2 s, 4 s … up to 15 min). An account that saw
// many failures is protected for a while: only addresses that signed in to it before may try,
// so the owner is never locked out by strangers, and a password change lifts the protection.
// In memory, per node, bounded; a restart forgets it (and the known addresses).
import { DomainError, retryAfterDetails } from '../errors/catalogue.js';

export interface SignInAttempt {
  /** The account's subject id, or a key of the typed login when no account has it. */
  accountKey: string;
  address: string;
}

export interface SignInGuard {
  /** Before the password is checked: RATE_LIMITED (this address) or ACCOUNT_PROTECTED (this account, from a new address). */
  check(attempt: SignInAttempt): void;
  failed(attempt: SignInAttempt): void;
  succeeded(attempt: SignInAttempt): void;
  /** Ends an account's protection (after a password change). */
  lift(accountKey: string): void;
}

export interface SignInGuardOptions {
  now?: () => number;
  /** Failures an address may make before it backs off. */
  freeFailures?: number;
  /** Account failures (from anywhere) after which only known addresses may sign in. */
  accountThreshold?: number;
  /** How long failures are remembered after the last one, and how long a protection lasts. */
  windowMs?: number;
  maxDelayMs?: number;
}

const MAX_KEYS = 100_000;
const KNOWN_ADDRESSES_PER_ACCOUNT = 16;

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > MAX_KEYS) map.delete(map.keys().next().value as string);
}

export function createSignInGuard(options: SignInGuardOptions = {}): SignInGuard {
  const now = options.now ?? Date.now;
  const freeFailures = options.freeFailures ?? 5;
  const accountThreshold = options.accountThreshold ?? 5;
  const windowMs = options.windowMs ?? 15 * 60_000;
  const maxDelayMs = options.maxDelayMs ?? 15 * 60_000;
  const byAddress = new Map<string, { count: number; last: number }>();
  const byAccount = new Map<string, { count: number; last: number }>();
  const known = new Map<string, Set<string>>();

  function live(map: Map<string, { count: number; last: number }>, key: string, at: number) {
    const entry = map.get(key);
    if (entry && at - entry.last >= windowMs) {
      map.delete(key);
      return undefined;
    }
    return entry;
  }

  function addressDelay(count: number): number {
    return count < freeFailures ? 0 : Math.min(maxDelayMs, 1000 * 2 ** (count - freeFailures));
  }

  return {
    check({ accountKey, address }) {
      const at = now();
      const a = live(byAddress, address, at);
      const wait = a ? a.last + addressDelay(a.count) - at : 0;
      if (wait > 0) {
        throw new DomainError('RATE_LIMITED', `too many failed sign-ins from your address; try again in ${Math.ceil(wait / 1000)} s`, retryAfterDetails(wait));
      }
      const u = live(byAccount, accountKey, at);
      if (u && u.count >= accountThreshold && !known.get(accountKey)?.has(address)) {
        const left = u.last + windowMs - at;
        throw new DomainError(
          'ACCOUNT_PROTECTED',
          `this account saw many failed sign-ins, so for now it opens only from a device that signed in to it before; try again in ${Math.ceil(left / 60_000)} minute(s), or change the password from a signed-in device`,
          retryAfterDetails(left),
        );
      }
    },
    failed({ accountKey, address }) {
      const at = now();
      remember(byAddress, address, { count: (live(byAddress, address, at)?.count ?? 0) + 1, last: at });
      remember(byAccount, accountKey, { count: (live(byAccount, accountKey, at)?.count ?? 0) + 1, last: at });
    },
    succeeded({ accountKey, address }) {
      // The address keeps its failures (an attacker could otherwise reset them with an account of
      // their own); the account's protection ends when its owner gets in.
      byAccount.delete(accountKey);
      const set = known.get(accountKey) ?? new Set<string>();
      set.delete(address);
      set.add(address);
      if (set.size > KNOWN_ADDRESSES_PER_ACCOUNT) set.delete(set.values().next().value as string);
      remember(known, accountKey, set);
    },
    lift(accountKey) {
      byAccount.delete(accountKey);
    },
  };
}

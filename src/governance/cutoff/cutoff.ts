// Jurisdiction cut-off: the set of blocked countries, persisted in the directory so it survives
// restarts and so `domicile access block` (another process) reaches a running server, which
// polls for changes. A change flushes the decision cache and tells listeners, who end the live
// operator sessions from the newly blocked countries.
import type { Kysely } from 'kysely';
import type { DirectoryDatabase } from '../../cells/cell.database.js';
import { DomainError } from '../../errors/catalogue.js';
import type { EventActor, GovernanceJournal } from '../journal.js';

export interface BlockChange {
  readonly blocked: ReadonlySet<string>;
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

export interface Cutoff {
  /** Blocked countries, sorted. */
  list(): readonly string[];
  isBlocked(country: string | null | undefined): boolean;
  block(props: { country: string; actor: EventActor }): Promise<boolean>;
  unblock(props: { country: string; actor: EventActor }): Promise<boolean>;
  /** Re-reads the persisted set; tells listeners if it changed. */
  refresh(): Promise<BlockChange | null>;
  onChange(listener: (change: BlockChange) => void): () => void;
}

const COUNTRY = /^[A-Z]{2}$/;

function checkCountry(country: string): void {
  if (!COUNTRY.test(country)) throw new DomainError('VALIDATION_FAILED', `"${country}" is not an ISO 3166-1 alpha-2 country code (two capital letters, e.g. CN)`);
}

async function readBlocked(db: Kysely<DirectoryDatabase>): Promise<string[]> {
  return (await db.selectFrom('jurisdiction_block').select('country').orderBy('country').execute()).map((r) => r.country);
}

/**
 * Persists a block or unblock with its journal event, in one transaction; true when it changed
 * anything. Used by the running service and by the CLI, which has no service around it.
 */
export async function persistBlock(props: {
  db: Kysely<DirectoryDatabase>;
  journal: GovernanceJournal;
  country: string;
  blocked: boolean;
  actor: EventActor;
  jurisdictions: readonly string[];
  at: string;
}): Promise<boolean> {
  checkCountry(props.country);
  return props.db.transaction().execute(async (trx) => {
    const existing = await trx.selectFrom('jurisdiction_block').select('country').where('country', '=', props.country).executeTakeFirst();
    if (Boolean(existing) === props.blocked) return false;
    if (props.blocked) {
      await trx.insertInto('jurisdiction_block').values({ country: props.country, blocked_at: props.at, blocked_by: props.actor.id }).execute();
    } else {
      await trx.deleteFrom('jurisdiction_block').where('country', '=', props.country).execute();
    }
    await props.journal.add(trx, { kind: props.blocked ? 'block' : 'unblock', actor: props.actor, country: props.country, jurisdictions: props.jurisdictions }, props.at);
    return true;
  });
}

export async function openCutoff(props: {
  db: Kysely<DirectoryDatabase>;
  journal: GovernanceJournal;
  /** Jurisdictions whose logs record each block (every jurisdiction served). */
  jurisdictions: readonly string[];
  now?: () => Date;
}): Promise<Cutoff> {
  const now = props.now ?? (() => new Date());
  let blocked = new Set(await readBlocked(props.db));
  let sorted = [...blocked].sort();
  const listeners = new Set<(change: BlockChange) => void>();
  let started = 0;
  let applied = 0;

  function apply(next: readonly string[]): BlockChange | null {
    const nextSet = new Set(next);
    const added = next.filter((c) => !blocked.has(c));
    const removed = sorted.filter((c) => !nextSet.has(c));
    if (added.length === 0 && removed.length === 0) return null;
    blocked = nextSet;
    sorted = [...nextSet].sort();
    const change: BlockChange = { blocked, added, removed };
    for (const listener of listeners) listener(change);
    return change;
  }

  async function refresh(): Promise<BlockChange | null> {
    // Reads may finish out of order (a poll started before a block commits can finish after
    // it): only a read newer than the last one applied may change the set.
    const seq = ++started;
    const rows = await readBlocked(props.db);
    if (seq < applied) return null;
    applied = seq;
    return apply(rows);
  }

  async function set(country: string, value: boolean, actor: EventActor): Promise<boolean> {
    const changed = await persistBlock({ db: props.db, journal: props.journal, country, blocked: value, actor, jurisdictions: props.jurisdictions, at: now().toISOString() });
    await refresh();
    return changed;
  }

  return {
    list: () => sorted,
    isBlocked: (country) => typeof country === 'string' && blocked.has(country),
    block: ({ country, actor }) => set(country, true, actor),
    unblock: ({ country, actor }) => set(country, false, actor),
    refresh,
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

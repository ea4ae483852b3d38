// Jurisdiction cut-off: the set of blocked countries, persisted in the directory so it survives
// restarts and so `domicile access block` (another process) reaches a running server, which
// polls for changes. A change flushes the decision cache and tells listeners, who end the live
// operator sessions from the newly blocked countries.
//
// The serving process applies every journaled block and unblock one by one, in the order they
// were made, and writes each to the access logs timed when it took effect here: a block first
// takes effect, then is logged; an unblock is logged first and takes effect only once logged.
// So a block in the log held for its whole span, even one lifted a millisecond after it was made
// (it still ends live sessions), and no access the log shows inside that span was allowed.
import type { Kysely } from 'kysely';
import type { DirectoryDatabase } from '../../cells/cell.database.js';
import { DomainError } from '../../errors/catalogue.js';
import type { EventActor, GovernanceJournal, PendingBlock } from '../journal.js';

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

/**
 * Blocks and unblocks in the order they took effect. Of one country's events, each is the
 * opposite of the one before (a change is only journaled when it changed something), so ties in
 * their timestamps are broken by that alternation from the country's state before them.
 */
export function inOrderOfEffect(blocks: readonly PendingBlock[], blockedBefore: (country: string) => boolean): PendingBlock[] {
  const left = [...blocks].sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const state = new Map<string, boolean>();
  const out: PendingBlock[] = [];
  while (left.length > 0) {
    const first = left[0] as PendingBlock;
    const sameTime = left.filter((b) => b.at === first.at);
    // Among the earliest, one whose kind follows its country's state; failing that (an event
    // another server applied), the earliest, which then changes nothing.
    const next =
      sameTime.find((b) => {
        const country = b.event.country;
        const blocked = state.get(country) ?? blockedBefore(country);
        return (b.event.kind === 'block') !== blocked;
      }) ?? first;
    left.splice(left.indexOf(next), 1);
    state.set(next.event.country, next.event.kind === 'block');
    out.push(next);
  }
  return out;
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

  async function refreshFromSet(): Promise<BlockChange | null> {
    // Reads may finish out of order (a poll started before a block commits can finish after
    // it): only a read newer than the last one applied may change the set.
    const seq = ++started;
    const rows = await readBlocked(props.db);
    if (seq < applied) return null;
    applied = seq;
    return apply(rows);
  }

  const { journal } = props;
  // A block that took effect but whose log write failed: written before anything newer applies.
  let unlogged: { block: PendingBlock; appliedAt: string } | null = null;

  /** Applies journaled changes in order; stops at the first that cannot be logged (retried next poll). */
  async function applyJournaled(initial: boolean): Promise<BlockChange | null> {
    if (unlogged) {
      await journal.recordApplied(unlogged.block, unlogged.appliedAt);
      unlogged = null;
    }
    const pending = await journal.pendingBlocks();
    // At start the set just read already holds every pending change: each took effect now, and
    // the state before them follows from how many there are of each country.
    const count = new Map<string, number>();
    for (const b of pending) count.set(b.event.country, (count.get(b.event.country) ?? 0) + 1);
    const before = initial ? (c: string) => blocked.has(c) !== ((count.get(c) ?? 0) % 2 === 1) : (c: string) => blocked.has(c);
    let last: BlockChange | null = null;
    for (const block of inOrderOfEffect(pending, before)) {
      const { country, kind } = block.event;
      const next = new Set(blocked);
      if (kind === 'block') next.add(country);
      else next.delete(country);
      if (kind === 'block') {
        last = apply([...next]) ?? last;
        const appliedAt = now().toISOString();
        unlogged = { block, appliedAt };
        await journal.recordApplied(block, appliedAt);
        unlogged = null;
      } else {
        // Logged before it lifts anything: until then the block holds.
        await journal.recordApplied(block, now().toISOString());
        last = apply([...next]) ?? last;
      }
    }
    return last;
  }

  let chain: Promise<unknown> = Promise.resolve();
  function refresh(): Promise<BlockChange | null> {
    if (!journal.recording) return refreshFromSet();
    // One refresh at a time, so changes apply in order and each is logged once.
    const run = chain.then(() => applyJournaled(false));
    chain = run.catch(() => undefined);
    return run;
  }
  if (journal.recording) {
    const first = applyJournaled(true);
    chain = first.catch(() => undefined);
    await chain;
  }

  async function set(country: string, value: boolean, actor: EventActor): Promise<boolean> {
    const changed = await persistBlock({ db: props.db, journal, country, blocked: value, actor, jurisdictions: props.jurisdictions, at: now().toISOString() });
    // A block that took effect is kept even if its log write must wait for the next poll.
    await refresh().catch(() => undefined);
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

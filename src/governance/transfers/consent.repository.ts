// SQL of the consent history: append-only events in the subject's own cell, read back in the
// order they were written. The same queries run on SQLite and PostgreSQL.

import type { Insertable, Kysely, Selectable, Transaction } from 'kysely';
import type { CellDatabase } from '../../cells/cell.database.js';
import type { ConsentEventTable } from './transfer.tables.js';
import type { ConsentEvent } from './consent.history.js';
import { validateConsentReceipt } from './consent.receipt.js';

type Db = Kysely<CellDatabase> | Transaction<CellDatabase>;

export type ConsentEventRow = Selectable<ConsentEventTable>;
export type NewConsentEvent = Omit<Insertable<ConsentEventTable>, 'seq'>;

/** Every event of one subject, oldest first. */
export async function consentEventsOf(db: Db, subjectId: string): Promise<ConsentEventRow[]> {
  const rows = await db.selectFrom('consent_event').selectAll().where('subject_id', '=', subjectId).orderBy('seq').execute();
  return rows.map((r) => ({ ...r, seq: Number(r.seq), notice_version: r.notice_version === null ? null : Number(r.notice_version) }));
}

export async function consentEventById(db: Db, subjectId: string, id: string): Promise<ConsentEventRow | undefined> {
  const row = await db.selectFrom('consent_event').selectAll().where('subject_id', '=', subjectId).where('id', '=', id).executeTakeFirst();
  return row === undefined ? undefined : { ...row, seq: Number(row.seq), notice_version: row.notice_version === null ? null : Number(row.notice_version) };
}

/**
 * Appends one event after the subject's last. The unique (subject, seq) constraint refuses a
 * concurrent append that read the same last position, so two writers cannot interleave.
 */
export async function appendConsentEvent(trx: Transaction<CellDatabase>, event: NewConsentEvent): Promise<number> {
  const last = await trx
    .selectFrom('consent_event')
    .select((eb) => eb.fn.max<number | null>('seq').as('seq'))
    .where('subject_id', '=', event.subject_id)
    .executeTakeFirst();
  const seq = Number(last?.seq ?? 0) + 1;
  await trx.insertInto('consent_event').values({ ...event, seq }).execute();
  return seq;
}

/**
 * The history as the pure consent reader expects it. A given event whose stored receipt no
 * longer passes the schema is left out: a consent that cannot be shown does not count.
 */
export function toConsentEvents(rows: readonly ConsentEventRow[]): ConsentEvent[] {
  const events: ConsentEvent[] = [];
  for (const row of rows) {
    if (row.kind === 'withdrawn') {
      events.push({ kind: 'withdrawn', at: row.at, subjectId: row.subject_id, noticeId: row.notice_id, receiptId: row.receipt_id });
      continue;
    }
    if (row.kind !== 'given' || row.receipt === null) continue;
    let json: unknown;
    try {
      json = JSON.parse(row.receipt);
    } catch {
      continue;
    }
    const checked = validateConsentReceipt(json);
    if (checked.ok && checked.receipt.piiPrincipalId === row.subject_id) events.push({ kind: 'given', at: row.at, receipt: checked.receipt });
  }
  return events;
}

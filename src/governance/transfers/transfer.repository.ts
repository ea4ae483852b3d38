// SQL of the transfer records: one row per subject, day, destination, recipient, data category,
// purpose and basis, whose item count grows with each transfer; reads for the person, for the
// reports, and the purge of records past their three years. SQLite and PostgreSQL alike.

import crypto from 'node:crypto';
import type { Kysely, Selectable, Transaction } from 'kysely';
import type { CellDatabase } from '../../cells/cell.database.js';
import type { PersonalColumns } from '../../cells/records.js';
import type { TransferRecordTable } from './transfer.tables.js';

type Db = Kysely<CellDatabase> | Transaction<CellDatabase>;

export type TransferRecordRow = Selectable<TransferRecordTable>;

export interface TransferRecordInput {
  readonly personal: PersonalColumns;
  readonly destination: string;
  readonly recipientId: string;
  readonly recipientName: string;
  readonly dataCategory: string;
  readonly purpose: string;
  readonly basis: string;
  readonly basisRef: string;
  readonly consentRef: string | null;
  readonly items: number;
  readonly at: string;
  readonly keepUntil: string;
  /** The country the data left, for a move home from abroad (`destination` is then the home). */
  readonly origin?: string | null;
}

/**
 * The row id of a record: derived from everything that makes it one record, so concurrent
 * transfers of the same kind on the same day land on the same row. Starts with its cell's id.
 */
export function transferRecordId(input: TransferRecordInput): string {
  const key = JSON.stringify([
    input.personal.subject_id,
    input.at.slice(0, 10),
    input.destination,
    input.recipientId,
    input.dataCategory,
    input.purpose,
    input.basis,
    input.basisRef,
    input.consentRef,
    // Only a move home has an origin: the ids of the other records stay what they were.
    ...(input.origin ? [input.origin] : []),
  ]);
  const digest = crypto.createHash('sha256').update(key).digest('base64url').replace(/[-_]/g, 'x').slice(0, 32);
  return `${input.personal.cell_id}_${digest}`;
}

/** Adds `items` to the day's record of this kind, creating it on the first transfer. */
export async function recordTransfer(db: Db, input: TransferRecordInput): Promise<string> {
  const id = transferRecordId(input);
  await db
    .insertInto('transfer_record')
    .values({
      id,
      day: input.at.slice(0, 10),
      destination: input.destination,
      recipient_id: input.recipientId,
      recipient_name: input.recipientName,
      data_category: input.dataCategory,
      purpose: input.purpose,
      basis: input.basis,
      basis_ref: input.basisRef,
      consent_ref: input.consentRef,
      item_count: input.items,
      first_at: input.at,
      last_at: input.at,
      keep_until: input.keepUntil,
      origin: input.origin ?? null,
      ...input.personal,
    })
    .onConflict((oc) =>
      oc.column('id').doUpdateSet((eb) => ({
        item_count: eb('transfer_record.item_count', '+', eb.ref('excluded.item_count')),
        last_at: eb.ref('excluded.last_at'),
        keep_until: eb.ref('excluded.keep_until'),
      })),
    )
    .execute();
  return id;
}

/** One subject's records, newest day first. */
export async function transferRecordsOf(db: Db, subjectId: string, limit = 1000): Promise<TransferRecordRow[]> {
  const rows = await db
    .selectFrom('transfer_record')
    .selectAll()
    .where('subject_id', '=', subjectId)
    .orderBy('day', 'desc')
    .orderBy('last_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ ...r, item_count: Number(r.item_count) }));
}

export interface TransferFlow {
  readonly home: string;
  readonly category: string;
  readonly destination: string;
  /** The country the data came from, for a move home (then `destination` is the home). */
  readonly origin?: string | null;
  readonly items: number;
}

/** Items transferred per subject home, data category, destination and origin, since `since`. */
export async function transferFlowsSince(db: Db, since: string): Promise<TransferFlow[]> {
  const rows = await db
    .selectFrom('transfer_record')
    .select(['subject_home', 'data_category', 'destination', 'origin'])
    .select((eb) => eb.fn.sum<number>('item_count').as('items'))
    .where('last_at', '>=', since)
    .groupBy(['subject_home', 'data_category', 'destination', 'origin'])
    .execute();
  return rows.map((r) => ({ home: r.subject_home, category: r.data_category, destination: r.destination, origin: r.origin, items: Number(r.items) }));
}

/** Deletes records whose retention ended before `today` (YYYY-MM-DD); returns how many. */
export async function purgeExpiredTransferRecords(db: Db, today: string): Promise<number> {
  const result = await db.deleteFrom('transfer_record').where('keep_until', '<', today).executeTakeFirst();
  return Number(result.numDeletedRows);
}

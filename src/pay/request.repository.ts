// Money requests' queries in a cell. State changes are conditional updates on the current
// status, so two racing decisions cannot both win; each returns whether it changed the row.
// The note is stored sealed by the requester's payment key, bound to the request id; reads
// outside a transaction come back opened (null once shredded), `requestByKey` (inside the
// creating transaction) returns the row sealed for `openRequest`.
import type { Insertable } from 'kysely';
import type { Cell } from '../cells/cell.registry.js';
import type { DataKeyHandle, KeyRing } from '../cells/keys/key-ring.js';
import type { PayDb } from './pay.repository.js';
import type { PayRequestRow, PayRequestTable } from './pay.tables.js';

type RequestCell = Pick<Cell, 'db' | 'keys'>;

/** Writes a request, its note sealed by `key` (the requester's key of the row's category). */
export async function insertRequest(db: PayDb, row: Insertable<PayRequestTable>, key: DataKeyHandle): Promise<void> {
  await db
    .insertInto('pay_request')
    .values({ ...row, note: row.note ? key.sealText(row.id, row.note) : null })
    .execute();
}

/** A request row with its note opened; a row not read from storage passes as it is. */
export async function openRequest(keys: KeyRing, row: PayRequestRow): Promise<PayRequestRow> {
  return row.note === null ? row : { ...row, note: await keys.openText({ recordId: row.id, category: row.category, value: row.note }) };
}

const openAll = (cell: RequestCell, rows: readonly PayRequestRow[]): Promise<PayRequestRow[]> => Promise.all(rows.map((row) => openRequest(cell.keys, row)));

export function requestByKey(db: PayDb, requesterId: string, key: string): Promise<PayRequestRow | undefined> {
  return db.selectFrom('pay_request').selectAll().where('requester_id', '=', requesterId).where('idempotency_key', '=', key).executeTakeFirst();
}

export async function requestById(cell: RequestCell, id: string): Promise<PayRequestRow | undefined> {
  const row = await cell.db.selectFrom('pay_request').selectAll().where('id', '=', id).executeTakeFirst();
  return row && openRequest(cell.keys, row);
}

/** Moves a request from `from` to `to` (with the given columns); false when it was not in `from` (or not with `acceptKey`). */
export async function moveRequest(
  db: PayDb,
  id: string,
  change: { from: string; to: string; acceptKey?: string | null; set?: Partial<Pick<PayRequestTable, 'accept_key' | 'payment_id' | 'decided_at'>> },
): Promise<boolean> {
  let update = db
    .updateTable('pay_request')
    .set({ status: change.to, ...change.set })
    .where('id', '=', id)
    .where('status', '=', change.from);
  if (change.acceptKey !== undefined && change.acceptKey !== null) update = update.where('accept_key', '=', change.acceptKey);
  const result = await update.executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/** Requests a person made or was asked, newest first, optionally of one chat or status. */
export async function requestsOf(cell: RequestCell, props: { userId: string; conversationId?: string | undefined; status?: string | undefined; limit: number }): Promise<PayRequestRow[]> {
  let query = cell.db
    .selectFrom('pay_request')
    .selectAll()
    .where((eb) => eb.or([eb('requester_id', '=', props.userId), eb('payer_id', '=', props.userId)]))
    .orderBy('created_at', 'desc')
    .limit(props.limit);
  if (props.conversationId !== undefined) query = query.where('conversation_id', '=', props.conversationId);
  if (props.status !== undefined) query = query.where('status', '=', props.status);
  return openAll(cell, await query.execute());
}

export async function requestsInStatus(cell: RequestCell, status: string, limit: number): Promise<PayRequestRow[]> {
  return openAll(cell, await cell.db.selectFrom('pay_request').selectAll().where('status', '=', status).limit(limit).execute());
}

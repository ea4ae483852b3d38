// Money requests' queries in a cell. State changes are conditional updates on the current
// status, so two racing decisions cannot both win; each returns whether it changed the row.
import type { Insertable } from 'kysely';
import type { PayDb } from './pay.repository.js';
import type { PayRequestRow, PayRequestTable } from './pay.tables.js';

export async function insertRequest(db: PayDb, row: Insertable<PayRequestTable>): Promise<void> {
  await db.insertInto('pay_request').values(row).execute();
}

export function requestByKey(db: PayDb, requesterId: string, key: string): Promise<PayRequestRow | undefined> {
  return db.selectFrom('pay_request').selectAll().where('requester_id', '=', requesterId).where('idempotency_key', '=', key).executeTakeFirst();
}

export function requestById(db: PayDb, id: string): Promise<PayRequestRow | undefined> {
  return db.selectFrom('pay_request').selectAll().where('id', '=', id).executeTakeFirst();
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
export function requestsOf(db: PayDb, props: { userId: string; conversationId?: string | undefined; status?: string | undefined; limit: number }): Promise<PayRequestRow[]> {
  let query = db
    .selectFrom('pay_request')
    .selectAll()
    .where((eb) => eb.or([eb('requester_id', '=', props.userId), eb('payer_id', '=', props.userId)]))
    .orderBy('created_at', 'desc')
    .limit(props.limit);
  if (props.conversationId !== undefined) query = query.where('conversation_id', '=', props.conversationId);
  if (props.status !== undefined) query = query.where('status', '=', props.status);
  return query.execute();
}

export function requestsInStatus(db: PayDb, status: string, limit: number): Promise<PayRequestRow[]> {
  return db.selectFrom('pay_request').selectAll().where('status', '=', status).limit(limit).execute();
}

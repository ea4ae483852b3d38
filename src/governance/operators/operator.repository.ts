// Operator and operator-session rows in the directory database. Queries only; the rules live in
// operators.ts.
import type { Kysely, Transaction } from 'kysely';
import type { DirectoryDatabase } from '../../cells/cell.database.js';
import type { DirectoryOperatorSessionTable, DirectoryOperatorTable } from '../governance.tables.js';

type Db = Kysely<DirectoryDatabase>;

export type OperatorRow = DirectoryOperatorTable;
export type OperatorSessionRow = DirectoryOperatorSessionTable;

/** Inserts an operator and runs `journal` (its journal event) in the same transaction. */
export async function insertOperator(db: Db, row: OperatorRow, journal: (trx: Transaction<DirectoryDatabase>) => Promise<unknown>): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await trx.insertInto('operator').values(row).execute();
    await journal(trx);
  });
}

/**
 * Replaces an operator's roles (JSON text) and runs `journal` in the same transaction when they
 * changed; null when there is no such operator, false when the roles were already these.
 */
export async function updateOperatorRoles(db: Db, id: string, roles: string, journal: (trx: Transaction<DirectoryDatabase>) => Promise<unknown>): Promise<boolean | null> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('operator').select(['id', 'roles']).where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    if (row.roles === roles) return false;
    await trx.updateTable('operator').set({ roles }).where('id', '=', id).execute();
    await journal(trx);
    return true;
  });
}

export async function operatorById(db: Db, id: string): Promise<OperatorRow | null> {
  return (await db.selectFrom('operator').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function allOperators(db: Db): Promise<OperatorRow[]> {
  return db.selectFrom('operator').selectAll().orderBy('id').execute();
}

/**
 * Marks an operator disabled and ends its live sessions in one transaction, so no session of a
 * disabled operator outlives the change; null when there is no such operator.
 */
export async function disableOperatorRow(
  db: Db,
  id: string,
  reason: string,
  at: string,
  /** Runs in the same transaction when the operator is newly disabled (its journal event). */
  onDisabled: (trx: Transaction<DirectoryDatabase>) => Promise<unknown>,
): Promise<{ alreadyDisabled: boolean; revokedSessions: number } | null> {
  return db.transaction().execute(async (trx) => {
    const row = await trx.selectFrom('operator').select(['id', 'disabled_at']).where('id', '=', id).executeTakeFirst();
    if (!row) return null;
    if (row.disabled_at === null) {
      await trx.updateTable('operator').set({ disabled_at: at }).where('id', '=', id).execute();
      await onDisabled(trx);
    }
    const revoked = await trx
      .updateTable('operator_session')
      .set({ revoked_at: at, revoke_reason: reason })
      .where('operator_id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return { alreadyDisabled: row.disabled_at !== null, revokedSessions: Number(revoked.numUpdatedRows) };
  });
}

/** Accepts a TOTP step only if it is newer than the last one accepted; false means a replay. */
export async function claimTotpStep(db: Db, operatorId: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('operator')
    .set({ totp_last_step: step })
    .where('id', '=', operatorId)
    .where('totp_last_step', '<', step)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function insertSession(db: Db, row: OperatorSessionRow): Promise<void> {
  await db.insertInto('operator_session').values(row).execute();
}

export async function sessionById(db: Db, id: string): Promise<OperatorSessionRow | null> {
  return (await db.selectFrom('operator_session').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
}

export async function revokeSessionRow(db: Db, id: string, reason: string, at: string): Promise<boolean> {
  const result = await db
    .updateTable('operator_session')
    .set({ revoked_at: at, revoke_reason: reason })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Revokes every live session seen from one of `countries`, or of an operator whose office or
 * employer is in one of them; returns the revoked sessions.
 */
/**
 * Of these session ids, those no longer live: revoked, expired, or of a disabled (or removed)
 * operator — whichever process ended them.
 */
export async function endedSessionIds(db: Db, ids: readonly string[], at: string): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await db
    .selectFrom('operator_session')
    .leftJoin('operator', 'operator.id', 'operator_session.operator_id')
    .select(['operator_session.id as id', 'operator_session.revoked_at as revoked_at', 'operator_session.expires_at as expires_at', 'operator.id as operator_id', 'operator.disabled_at as disabled_at'])
    .where('operator_session.id', 'in', [...ids])
    .execute();
  const found = new Set(rows.map((r) => r.id));
  const ended = rows.filter((r) => r.revoked_at !== null || r.expires_at <= at || r.operator_id === null || r.disabled_at !== null).map((r) => r.id);
  return [...ended, ...ids.filter((id) => !found.has(id))];
}

export async function revokeSessionsFrom(db: Db, countries: readonly string[], reason: string, at: string): Promise<{ id: string; operator_id: string }[]> {
  if (countries.length === 0) return [];
  return db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('operator_session')
      .innerJoin('operator', 'operator.id', 'operator_session.operator_id')
      .select(['operator_session.id as id', 'operator_session.operator_id as operator_id'])
      .where('operator_session.revoked_at', 'is', null)
      .where('operator_session.expires_at', '>', at)
      .where((eb) =>
        eb.or([
          eb('operator_session.country', 'in', [...countries]),
          eb('operator.office_country', 'in', [...countries]),
          eb('operator.employer_country', 'in', [...countries]),
        ]),
      )
      .execute();
    if (rows.length > 0) {
      await trx
        .updateTable('operator_session')
        .set({ revoked_at: at, revoke_reason: reason })
        .where('id', 'in', rows.map((r) => r.id))
        .execute();
    }
    return rows;
  });
}

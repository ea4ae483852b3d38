// Domicile Pay: wallets, postings and payments, each row pinned to its cell. Amounts are 64-bit
// integers of minor units (no floats anywhere).
import { sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import { withPersonalColumns, type AnyDb } from '../../cells/cell.schema.js';

export function migration0005Pay(cellId: string): Migration {
  return {
    async up(db: AnyDb) {
      await withPersonalColumns(db.schema.createTable('wallet'), cellId)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('balance', 'bigint', (c) => c.notNull().check(sql`balance >= 0`))
        .addColumn('posting_seq', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();

      await withPersonalColumns(db.schema.createTable('posting'), cellId)
        .addColumn('transfer_id', 'text', (c) => c.notNull())
        .addColumn('wallet_id', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('counterparty_id', 'text')
        .addColumn('note', 'text')
        .addColumn('balance_after', 'bigint')
        .addColumn('at', 'text', (c) => c.notNull())
        // One leg per wallet and transfer: applying a credit twice is refused by the database.
        .addPrimaryKeyConstraint('posting_pk', ['transfer_id', 'wallet_id'])
        .addUniqueConstraint('posting_wallet_seq', ['wallet_id', 'seq'])
        .execute();

      await withPersonalColumns(db.schema.createTable('payment'), cellId)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payer_id', 'text', (c) => c.notNull())
        .addColumn('payee_id', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('refund_of', 'text')
        .addColumn('idempotency_key', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('payee_cell', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('completed_at', 'text')
        .addUniqueConstraint('payment_idempotency', ['payer_id', 'idempotency_key'])
        .execute();
      await db.schema.createIndex('payment_pending').on('payment').columns(['status', 'created_at']).execute();
      await db.schema.createIndex('payment_refund_of').on('payment').column('refund_of').execute();
    },
  };
}

// Money requests in a chat: one row per request, in the cell of the requester's wallet (personal
// financial data of the requester, placed like their payments). `accepting` is the intent an
// accept writes before it pays, so recovery can finish or undo it after a crash.
import type { Migration } from 'kysely/migration';
import { withPersonalColumns, type AnyDb } from '../../cells/cell.schema.js';

export function migration0006PayRequests(cellId: string): Migration {
  return {
    async up(db: AnyDb) {
      await withPersonalColumns(db.schema.createTable('pay_request'), cellId)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('requester_id', 'text', (c) => c.notNull())
        .addColumn('payer_id', 'text', (c) => c.notNull())
        .addColumn('conversation_id', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('idempotency_key', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('accept_key', 'text')
        .addColumn('payment_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .addUniqueConstraint('pay_request_idempotency', ['requester_id', 'idempotency_key'])
        .execute();
      await db.schema.createIndex('pay_request_payer').on('pay_request').columns(['payer_id', 'created_at']).execute();
      await db.schema.createIndex('pay_request_requester').on('pay_request').columns(['requester_id', 'created_at']).execute();
      await db.schema.createIndex('pay_request_status').on('pay_request').column('status').execute();
    },
  };
}

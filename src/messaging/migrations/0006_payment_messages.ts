// Payment and money-request cards in the chat timeline: a message of kind `payment` carries its
// card (amount, currency, status, note, ids) as JSON. The card is message content, so it lives
// where the conversation's messages live; the ledger rows stay where Domicile Pay places them.
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../cells/cell.schema.js';

export const migration0006PaymentMessages: Migration = {
  async up(db: AnyDb) {
    await db.schema.alterTable('message').addColumn('card', 'text').execute();
  },
};

// Messaging's part of every cell's schema: its migrations and its personal tables.
import type { CellSchemaPart } from '../cells/cell.schema.js';
import { categories } from '../cells/categories.js';
import { migration0001Messaging } from './migrations/0001_messaging.js';
import { migration0006PaymentMessages } from './migrations/0006_payment_messages.js';
import { migration0007MessageRequests } from './migrations/0007_message_requests.js';
import { migration0016Invitations } from './migrations/0016_invitations.js';

export const messagingSchema: CellSchemaPart = {
  name: 'messaging',
  migrations: (cellId) => ({
    '0001_messaging': migration0001Messaging(cellId),
    '0006_payment_messages': migration0006PaymentMessages,
    '0007_message_requests': migration0007MessageRequests(),
    '0016_invitations': migration0016Invitations(cellId),
  }),
  personalTables: {
    account: ['id'],
    contact_point: ['id'],
    session: ['id'],
    contact: ['subject_id', 'contact_id'],
    conversation: ['id'],
    membership: ['conversation_id', 'subject_id'],
    invitation: ['conversation_id', 'subject_id'],
    message: ['id'],
    media: ['id'],
  },
  tableCategories: {
    account: [categories.account],
    contact_point: [categories.email, categories.phone],
    session: [categories.session],
    contact: [categories.contacts],
    conversation: [categories.conversation],
    membership: [categories.membership],
    invitation: [categories.membership],
    message: [categories.message],
    media: [categories.media],
  },
  // A payment card (amount, note, parties) is message content too.
  sealedColumns: { message: ['text', 'card'] },
  blobTable: 'media',
};

// Domicile Pay's part of every cell's schema: its migrations and its personal tables.
import type { CellSchemaPart } from '../cells/cell.schema.js';
import { categories } from '../cells/categories.js';
import { migration0005Pay } from './migrations/0005_pay.js';
import { migration0006PayRequests } from './migrations/0006_pay_requests.js';

export const paySchema: CellSchemaPart = {
  name: 'pay',
  migrations: (cellId) => ({ '0005_pay': migration0005Pay(cellId), '0006_pay_requests': migration0006PayRequests(cellId) }),
  personalTables: { wallet: ['id'], posting: ['transfer_id', 'wallet_id'], payment: ['id'], pay_request: ['id'] },
  tableCategories: { wallet: [categories.wallet], posting: [categories.payment], payment: [categories.payment], pay_request: [categories.payment] },
  // What a person wrote to go with a payment; amounts and ids stay readable for the ledger's audit.
  sealedColumns: { posting: ['note'], payment: ['note'], pay_request: ['note'] },
};

// Response and request shapes of Domicile Pay's routes (the pay use cases' views), shared by the
// REST routes and the web app's types.
import { Type } from '@sinclair/typebox';
import { maxNoteLength } from '../../pay/ledger.js';
import { Line, Nullable } from '../schemas.js';

// Amounts are checked by the use case (PAY_INVALID_AMOUNT names the rule), so any number passes here.
export const Amount = Type.Number({ description: 'whole minor units of the currency, e.g. 500 (JPY has no fraction)' });
export const IdempotencyKey = Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'a fresh random value per payment; send the same value to retry it' });
export const Note = Line({ maxLength: maxNoteLength });

export const StoredIn = Type.Object({ cell: Type.String(), jurisdiction: Type.String() });
export const Wallet = Type.Object({
  balance: Type.Integer(),
  currency: Type.String(),
  storedIn: StoredIn,
  simulatedFunding: Type.Boolean({ description: 'true when top-ups from the simulated bank are on (demo mode); clients show "Top up" only then' }),
});
export const Payment = Type.Object({
  id: Type.String(),
  kind: Type.Union([Type.Literal('topup'), Type.Literal('payment'), Type.Literal('refund')]),
  status: Type.Union([Type.Literal('pending'), Type.Literal('completed')]),
  from: Type.String(),
  to: Type.String(),
  amount: Type.Integer(),
  currency: Type.String(),
  note: Type.Union([Type.String(), Type.Null()]),
  refundOf: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String(),
  completedAt: Type.Union([Type.String(), Type.Null()]),
});
export const PaymentResult = Type.Object({ payment: Payment });
export const HistoryItem = Type.Object({
  id: Type.String(),
  kind: Type.String(),
  direction: Type.Union([Type.Literal('in'), Type.Literal('out')]),
  amount: Type.Integer(),
  currency: Type.String(),
  counterparty: Type.Union([Type.String(), Type.Null()]),
  note: Type.Union([Type.String(), Type.Null()]),
  status: Type.String(),
  balanceAfter: Type.Integer(),
  seq: Type.Integer(),
  at: Type.String(),
});
export const HistoryPage = Type.Object({ items: Type.Array(HistoryItem), nextBefore: Type.Union([Type.Integer(), Type.Null()]) });

export const PayRequest = Type.Object({
  id: Type.String(),
  conversationId: Type.String(),
  requesterId: Type.String({ description: 'who asks for the money, and is paid' }),
  payerId: Type.String({ description: 'who is asked, and pays' }),
  amount: Type.Integer(),
  currency: Type.String(),
  note: Nullable(Type.String()),
  status: Type.Union([Type.Literal('open'), Type.Literal('accepting'), Type.Literal('accepted'), Type.Literal('declined'), Type.Literal('cancelled')]),
  paymentId: Nullable(Type.String()),
  createdAt: Type.String(),
  decidedAt: Nullable(Type.String()),
});
export const RequestResult = Type.Object({ request: PayRequest });
export const AcceptResult = Type.Object({ request: PayRequest, payment: Payment });
export const RequestList = Type.Object({ requests: Type.Array(PayRequest) });

// Domicile Pay for the signed-in person: their wallet, top-ups (simulated bank, demo only),
// payments, refunds and history. Every write takes an idempotency key: a retry answers 200 with
// the first result and moves no money twice.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getWallet, history, pay, refund, topUp } from '../../pay/pay.service.js';
import { maxNoteLength } from '../../pay/ledger.js';
import { actorOf, requireAuth } from '../auth.js';
import { bearer, body, errorResponses, Id, Line, SeqString } from '../schemas.js';
import type { Runtime } from '../../app/runtime.js';

/** Only the parts of the runtime these routes use. */
export type PayRoutesOptions = Pick<Runtime, 'messaging' | 'pay'>;

// Amounts are checked by the use case (PAY_INVALID_AMOUNT names the rule), so any number passes here.
const Amount = Type.Number({ description: 'whole minor units of the currency, e.g. 500 (JPY has no fraction)' });
const IdempotencyKey = Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$', description: 'a fresh random value per payment; send the same value to retry it' });
const Note = Line({ maxLength: maxNoteLength });

const StoredIn = Type.Object({ cell: Type.String(), jurisdiction: Type.String() });
const Wallet = Type.Object({ balance: Type.Integer(), currency: Type.String(), storedIn: StoredIn });
const Payment = Type.Object({
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
const PaymentResult = Type.Object({ payment: Payment });
const HistoryItem = Type.Object({
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
const created = { 200: PaymentResult, 201: PaymentResult, ...errorResponses };

export const payRoutes: FastifyPluginAsyncTypebox<PayRoutesOptions> = async (app, runtime) => {
  const ctx = runtime.pay;
  app.addHook('preHandler', requireAuth(runtime.messaging));

  app.get('/v1/pay/wallet', { schema: { tags: ['pay'], summary: 'Your wallet: balance, currency and where it is stored', operationId: 'getWallet', security: bearer, response: { 200: Wallet, ...errorResponses } } }, async (request) =>
    getWallet({ ctx, owner: actorOf(request) }),
  );

  app.post(
    '/v1/pay/topups',
    {
      schema: {
        tags: ['pay'],
        summary: 'Top up from the simulated bank (demo mode only)',
        operationId: 'topUp',
        security: bearer,
        body: body({ amount: Amount, idempotencyKey: IdempotencyKey }),
        response: created,
      },
    },
    async (request, reply) => {
      const result = await topUp({ ctx, owner: actorOf(request), ...request.body });
      return reply.status(result.replay ? 200 : 201).send({ payment: result.payment });
    },
  );

  app.post(
    '/v1/pay/payments',
    {
      schema: {
        tags: ['pay'],
        summary: 'Pay a person or an official account',
        operationId: 'pay',
        security: bearer,
        body: body({ to: Id, amount: Amount, currency: Type.String({ pattern: '^[A-Z]{3}$' }), idempotencyKey: IdempotencyKey, note: Type.Optional(Note) }),
        response: created,
      },
    },
    async (request, reply) => {
      const result = await pay({ ctx, payer: actorOf(request), ...request.body });
      return reply.status(result.replay ? 200 : 201).send({ payment: result.payment });
    },
  );

  app.post(
    '/v1/pay/payments/:paymentId/refund',
    {
      schema: {
        tags: ['pay'],
        summary: 'Refund all or part of a payment you received',
        operationId: 'refundPayment',
        security: bearer,
        params: Type.Object({ paymentId: Id }),
        body: body({ amount: Type.Optional(Amount), idempotencyKey: IdempotencyKey, note: Type.Optional(Note) }),
        response: created,
      },
    },
    async (request, reply) => {
      const result = await refund({ ctx, actor: actorOf(request), paymentId: request.params.paymentId, ...request.body });
      return reply.status(result.replay ? 200 : 201).send({ payment: result.payment });
    },
  );

  app.get(
    '/v1/pay/history',
    {
      schema: {
        tags: ['pay'],
        summary: 'Your wallet history, newest first, with a cursor',
        operationId: 'getPayHistory',
        security: bearer,
        querystring: Type.Object({ before: Type.Optional(SeqString), limit: Type.Optional(Type.String({ pattern: '^([1-9]|[1-9][0-9]|100)$' })) }),
        response: { 200: Type.Object({ items: Type.Array(HistoryItem), nextBefore: Type.Union([Type.Integer(), Type.Null()]) }), ...errorResponses },
      },
    },
    async (request) =>
      history({
        ctx,
        owner: actorOf(request),
        before: request.query.before === undefined ? undefined : Number(request.query.before),
        limit: request.query.limit === undefined ? undefined : Number(request.query.limit),
      }),
  );
};

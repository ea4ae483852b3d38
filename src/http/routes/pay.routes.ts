// Domicile Pay for the signed-in person: their wallet, top-ups (simulated bank, demo only),
// payments (also sent in a chat), refunds, history, and money requests in a chat. Every write
// takes an idempotency key: a retry answers 200 with the first result and moves no money twice.
import { Type } from '@sinclair/typebox';
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getWallet, history, pay, refund, topUp } from '../../pay/pay.service.js';
import { acceptRequest, cancelRequest, createRequest, declineRequest, listRequests } from '../../pay/request.service.js';
import { actorOf, requireAuth } from '../auth.js';
import { bearer, body, errorResponses, Id, SeqString } from '../schemas.js';
import type { Runtime } from '../../app/runtime.js';
import { AcceptResult, Amount, HistoryPage, IdempotencyKey, Note, PaymentResult, RequestList, RequestResult, Wallet } from './pay.schemas.js';

/** Only the parts of the runtime these routes use. */
export type PayRoutesOptions = Pick<Runtime, 'messaging' | 'pay'>;

const created = { 200: PaymentResult, 201: PaymentResult, ...errorResponses };
const Currency = Type.String({ pattern: '^[A-Z]{3}$' });
const Limit = Type.String({ pattern: '^([1-9]|[1-9][0-9]|100)$' });
const RequestParams = Type.Object({ requestId: Id });

export const payRoutes: FastifyPluginAsyncTypebox<PayRoutesOptions> = async (app, runtime) => {
  const ctx = runtime.pay;
  app.addHook('preHandler', requireAuth(runtime.messaging));

  app.get('/v1/pay/wallet', { schema: { tags: ['pay'], summary: 'Your wallet: balance, currency and where it is stored', operationId: 'getWallet', security: bearer, response: { 200: Wallet, ...errorResponses } } }, async (request) => ({
    ...(await getWallet({ ctx, owner: actorOf(request) })),
    simulatedFunding: ctx.simulatedFunding,
  }));

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
        summary: 'Pay a person or an official account; with conversationId, in that chat (a payment card follows)',
        operationId: 'pay',
        security: bearer,
        body: body({ to: Id, amount: Amount, currency: Currency, idempotencyKey: IdempotencyKey, note: Type.Optional(Note), conversationId: Type.Optional(Id) }),
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
        querystring: Type.Object({ before: Type.Optional(SeqString), limit: Type.Optional(Limit) }),
        response: { 200: HistoryPage, ...errorResponses },
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

  app.post(
    '/v1/pay/requests',
    {
      schema: {
        tags: ['pay'],
        summary: 'Ask a member of a chat for money; a request card appears in the chat',
        operationId: 'createPayRequest',
        security: bearer,
        body: body({ conversationId: Id, from: Id, amount: Amount, currency: Currency, idempotencyKey: IdempotencyKey, note: Type.Optional(Note) }),
        response: { 200: RequestResult, 201: RequestResult, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await createRequest({ ctx, requester: actorOf(request), ...request.body });
      return reply.status(result.replay ? 200 : 201).send({ request: result.request });
    },
  );

  app.get(
    '/v1/pay/requests',
    {
      schema: {
        tags: ['pay'],
        summary: 'Money requests you made or were asked, newest first; of one chat or status when given',
        operationId: 'listPayRequests',
        security: bearer,
        querystring: Type.Object({
          conversationId: Type.Optional(Id),
          status: Type.Optional(Type.Union([Type.Literal('open'), Type.Literal('accepting'), Type.Literal('accepted'), Type.Literal('declined'), Type.Literal('cancelled')])),
          limit: Type.Optional(Limit),
        }),
        response: { 200: RequestList, ...errorResponses },
      },
    },
    async (request) =>
      listRequests({
        ctx,
        actor: actorOf(request),
        conversationId: request.query.conversationId,
        status: request.query.status,
        limit: request.query.limit === undefined ? undefined : Number(request.query.limit),
      }),
  );

  app.post(
    '/v1/pay/requests/:requestId/accept',
    {
      schema: {
        tags: ['pay'],
        summary: 'Accept a request you were asked: pays it, exactly once (your idempotencyKey is the payment’s)',
        operationId: 'acceptPayRequest',
        security: bearer,
        params: RequestParams,
        body: body({ idempotencyKey: IdempotencyKey }),
        response: { 200: AcceptResult, 201: AcceptResult, ...errorResponses },
      },
    },
    async (request, reply) => {
      const result = await acceptRequest({ ctx, actor: actorOf(request), requestId: request.params.requestId, idempotencyKey: request.body.idempotencyKey });
      return reply.status(result.replay ? 200 : 201).send({ request: result.request, payment: result.payment });
    },
  );

  app.post(
    '/v1/pay/requests/:requestId/decline',
    {
      schema: {
        tags: ['pay'],
        summary: 'Decline a request you were asked',
        operationId: 'declinePayRequest',
        security: bearer,
        params: RequestParams,
        response: { 200: RequestResult, ...errorResponses },
      },
    },
    async (request) => ({ request: (await declineRequest({ ctx, actor: actorOf(request), requestId: request.params.requestId })).request }),
  );

  app.post(
    '/v1/pay/requests/:requestId/cancel',
    {
      schema: {
        tags: ['pay'],
        summary: 'Cancel a request you made',
        operationId: 'cancelPayRequest',
        security: bearer,
        params: RequestParams,
        response: { 200: RequestResult, ...errorResponses },
      },
    },
    async (request) => ({ request: (await cancelRequest({ ctx, actor: actorOf(request), requestId: request.params.requestId })).request }),
  );
};

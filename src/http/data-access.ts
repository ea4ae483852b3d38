// Which routes and WebSocket frames can return personal data, and by which path. Every route the
// app registers must be listed (test/broker/inventory.test.ts fails on a new one that is not),
// so adding a route means deciding this:
//   none   — returns no personal data (documents, health, log hashes, control-plane ids and codes)
//   user   — a signed-in person's own data, or what others share with them as a member of a
//            conversation; user tokens only, never an operator's
//   broker — operator access to personal data: decided, logged and masked by the broker
import { clientFrameTypes } from './routes/realtime.routes.js';
import { OPS_WS_PATH, opsClientFrameTypes } from './routes/ops.realtime.routes.js';

export type DataAccess = 'none' | 'user' | 'broker';

export const routeDataAccess: Readonly<Record<string, DataAccess>> = {
  'GET /healthz': 'none',
  'GET /openapi.json': 'none',
  'POST /v1/auth/signup': 'user',
  'POST /v1/auth/signin': 'user',
  'POST /v1/auth/signout': 'none',
  'POST /v1/auth/signout-everywhere': 'none',
  'POST /v1/auth/password': 'none',
  'GET /v1/sessions': 'user',
  'DELETE /v1/sessions/:sessionId': 'none',
  'GET /v1/me': 'user',
  'PATCH /v1/me': 'user',
  'PUT /v1/me/avatar': 'user',
  'GET /v1/users/:userId/avatar': 'user',
  'GET /v1/users/by-handle/:handle': 'user',
  'GET /v1/contacts': 'user',
  'POST /v1/contacts': 'user',
  'DELETE /v1/contacts/:userId': 'none',
  'GET /v1/conversations': 'user',
  'POST /v1/conversations': 'user',
  'GET /v1/conversations/:id': 'user',
  'GET /v1/conversations/:id/members': 'user',
  'POST /v1/conversations/:id/members': 'none',
  'DELETE /v1/conversations/:id/members/:userId': 'none',
  'POST /v1/conversations/:id/accept': 'none',
  'POST /v1/conversations/:id/decline': 'none',
  'GET /v1/conversations/:id/messages': 'user',
  'POST /v1/conversations/:id/messages': 'user',
  'POST /v1/conversations/:id/media': 'none',
  'GET /v1/conversations/:id/media/:mediaId': 'user',
  'POST /v1/conversations/:id/read': 'none',
  'POST /v1/conversations/:id/messages/:messageId/report': 'none',
  'POST /v1/support/tickets': 'user',
  'POST /v1/support/tickets/:ref/confirm': 'user',
  'GET /v1/pay/wallet': 'user',
  'POST /v1/pay/topups': 'user',
  'POST /v1/pay/payments': 'user',
  'POST /v1/pay/payments/:paymentId/refund': 'user',
  'GET /v1/pay/history': 'user',
  'POST /v1/pay/requests': 'user',
  'GET /v1/pay/requests': 'user',
  'POST /v1/pay/requests/:requestId/accept': 'user',
  'POST /v1/pay/requests/:requestId/decline': 'user',
  'POST /v1/pay/requests/:requestId/cancel': 'user',
  'GET /v1/official-accounts': 'user',
  'POST /v1/official-accounts/:id/follow': 'none',
  'DELETE /v1/official-accounts/:id/follow': 'none',
  'POST /v1/official-accounts/:id/broadcasts': 'user',
  'GET /v1/ws': 'user',
  'GET /.well-known/domicile/log-keys.json': 'none',
  'GET /log/:cell/checkpoint': 'none',
  // Hash tiles are public; entry bundles (auditors only) hold ids and codes, never data.
  'GET /log/:cell/tile/*': 'none',
  'GET /v1/me/accesses': 'user',
  'GET /v1/notices': 'none',
  'GET /v1/notices/:noticeId': 'none',
  'POST /v1/notices/validate': 'none',
  'GET /v1/foreign-handling': 'none',
  'GET /v1/me/consents': 'user',
  'POST /v1/me/consents': 'user',
  'POST /v1/me/consents/:receiptId/withdraw': 'user',
  'GET /v1/me/transfers': 'user',
  'GET /v1/me/disclosure': 'user',
  // The person's own incidents: categories and countries from the log entries naming them only.
  'GET /v1/me/incidents': 'user',
  // Operators. Grants and the moderation queue carry subject ids and case references (which the
  // requester supplied or which the log records anyway) but no data about anyone.
  'POST /v1/ops/auth/signin': 'none',
  'POST /v1/ops/auth/signout': 'none',
  'GET /v1/ops/me': 'none',
  'POST /v1/ops/access': 'broker',
  'GET /v1/ops/cases/:ref': 'broker',
  'GET /v1/ops/moderation/reports/:ref/message': 'broker',
  'POST /v1/ops/cases': 'none',
  'GET /v1/ops/cases': 'none',
  'POST /v1/ops/cases/:ref/close': 'none',
  'POST /v1/ops/cases/:ref/approve': 'none',
  'GET /v1/ops/moderation/queue': 'none',
  'GET /v1/ops/incidents': 'none',
  'POST /v1/ops/incidents': 'none',
  'GET /v1/ops/incidents/:id/report': 'none',
  'GET /v1/ops/incidents/:id/report/:format': 'none',
  'GET /v1/ops/logs': 'none',
  'POST /v1/ops/logs/:cell/verify': 'none',
  // Governance pages: counts per cell and category, registry facts, notice and policy text.
  'GET /v1/ops/data-map': 'none',
  'GET /v1/ops/recipients': 'none',
  'GET /v1/ops/notices': 'none',
  'GET /v1/ops/policies': 'none',
  'POST /v1/ops/policies/check': 'none',
  'POST /v1/ops/policies/apply': 'none',
  'POST /v1/ops/policies/what-if': 'none',
  'POST /v1/ops/notices/validate': 'none',
  'POST /v1/ops/grants': 'none',
  'GET /v1/ops/grants': 'none',
  'GET /v1/ops/grants/:id': 'none',
  'POST /v1/ops/grants/:id/approve': 'none',
  'POST /v1/ops/grants/:id/deny': 'none',
  'POST /v1/ops/grants/:id/revoke': 'none',
  'GET /v1/ops/blocks': 'none',
  'POST /v1/ops/blocks': 'none',
  'DELETE /v1/ops/blocks/:country': 'none',
  'GET /v1/ops/operators': 'none',
  'POST /v1/ops/operators': 'none',
  'POST /v1/ops/operators/:id/disable': 'none',
  [`GET ${OPS_WS_PATH}`]: 'none',
};

/** Client→server frame types of each WebSocket, by the data their answers can carry. */
export const frameDataAccess: Readonly<Record<string, Readonly<Record<string, DataAccess>>>> = {
  '/v1/ws': { hello: 'user', send: 'user', read: 'none', ping: 'none' },
  [OPS_WS_PATH]: { hello: 'none', access: 'broker', ping: 'none' },
};

/** The frame types each WebSocket accepts, as its route module declares them. */
export const declaredFrameTypes: Readonly<Record<string, readonly string[]>> = {
  '/v1/ws': clientFrameTypes,
  [OPS_WS_PATH]: opsClientFrameTypes,
};

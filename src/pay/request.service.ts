// Money requests in a chat: a member asks another member of the chat for an amount; the payer
// accepts (which pays, exactly once) or declines; the requester may cancel. Each request and
// each outcome appears in the chat as a payment card, through the PaymentChat port.
//
// A request is the requester's personal financial data, in the cell of the requester's wallet.
// Accepting spans two cells (the request's and the payer's wallet's), so it is written as an
// intent first: open → `accepting` with the payer's key, then the payment under that same key
// (idempotent in the payer's cell), then `accepted`. A crash in between leaves `accepting`;
// recovery at start (and any retry of the accept) settles it by looking the key up in the
// payer's cell: the payment is there → accepted, it is not → open again. So an acknowledged
// accept is exactly one payment, and an unacknowledged one is one payment or none.
import type { Cell } from '../cells/cell.registry.js';
import type { Subject } from '../cells/directory.js';
import { authorizeWrite, newId, personalColumns, scopeOf, writeWhileMoving } from '../cells/records.js';
import { DomainError } from '../errors/catalogue.js';
import { transferPurposes } from '../governance/transfers/transfer.terms.js';
import { checkAmount, checkIdempotencyKey, checkNote } from './ledger.js';
import { paymentByKey } from './pay.repository.js';
import {
  counterpartyOf,
  nowOf,
  pay,
  payCategories,
  placeWallet,
  presentPayment,
  sameCurrency,
  walletCellOf,
  type PayCard,
  type PayContext,
  type PaymentView,
} from './pay.service.js';
import type { PayRequestRow } from './pay.tables.js';
import { insertRequest, moveRequest, openRequest, requestById, requestByKey, requestsInStatus, requestsOf } from './request.repository.js';

export type RequestStatus = 'open' | 'accepting' | 'accepted' | 'declined' | 'cancelled';

export interface PayRequestView {
  readonly id: string;
  readonly conversationId: string;
  /** Who asks for the money (and is paid). */
  readonly requesterId: string;
  /** Who is asked (and pays). */
  readonly payerId: string;
  readonly amount: number;
  readonly currency: string;
  readonly note: string | null;
  readonly status: RequestStatus;
  readonly paymentId: string | null;
  readonly createdAt: string;
  readonly decidedAt: string | null;
}

function presentRequest(row: PayRequestRow): PayRequestView {
  return {
    id: row.id,
    conversationId: row.conversation_id,
    requesterId: row.requester_id,
    payerId: row.payer_id,
    amount: Number(row.amount),
    currency: row.currency,
    note: row.note,
    status: row.status as RequestStatus,
    paymentId: row.payment_id,
    createdAt: row.created_at,
    decidedAt: row.decided_at,
  };
}

function cardOf(row: PayRequestRow, type: PayCard['type'], status: string): PayCard {
  return { type, status, amount: Number(row.amount), currency: row.currency, note: row.note, payerId: row.payer_id, payeeId: row.requester_id, paymentId: row.payment_id, requestId: row.id };
}

/** The card of a decided request, from whoever decided it; idempotent on the request id. */
async function postOutcome(ctx: PayContext, row: PayRequestRow): Promise<void> {
  const actorId = row.status === 'cancelled' ? row.requester_id : row.payer_id;
  const actor = await ctx.directory.find(actorId);
  if (!actor) return;
  await ctx.chat.post({ actor, conversationId: row.conversation_id, clientId: `rq-${row.id}-done`, card: cardOf(row, 'request_update', row.status) });
}

/** The request and its cell, looked for in every cell (a wallet's cell may change by migration). */
async function findRequest(ctx: PayContext, id: string): Promise<{ cell: Cell; row: PayRequestRow } | null> {
  if (typeof id !== 'string' || id.length === 0) return null;
  for (const cell of ctx.cells.all()) {
    const row = await requestById(cell, id);
    if (row) return { cell, row };
  }
  return null;
}

function notFound(): DomainError {
  return new DomainError('PAY_REQUEST_NOT_FOUND', 'no money request with this id among yours; check the request id');
}

function notOpen(row: PayRequestRow): DomainError {
  if (row.status === 'accepting') return new DomainError('PAY_REQUEST_NOT_OPEN', 'this request is being accepted right now; try again in a moment to see the outcome');
  return new DomainError('PAY_REQUEST_NOT_OPEN', `this request is ${row.status} and can no longer be accepted, declined or cancelled`);
}

// Each request operation is keyed (idempotency key, or the outcome asked for), so one refused
// during a region migration's switch runs again once the switch is done (writeWhileMoving).
export function createRequest(props: Parameters<typeof createOnce>[0]): Promise<{ request: PayRequestView; replay: boolean }> {
  return writeWhileMoving(props.ctx.cells, () => createOnce(props));
}

async function createOnce(props: {
  ctx: PayContext;
  requester: Subject;
  conversationId: string;
  from: unknown;
  amount: unknown;
  currency: unknown;
  idempotencyKey: unknown;
  note?: string | undefined;
}): Promise<{ request: PayRequestView; replay: boolean }> {
  const { ctx, requester, conversationId } = props;
  const payer = await counterpartyOf(ctx, requester, props.from, 'from');
  const currency = sameCurrency(requester, payer, props.currency);
  const amount = checkAmount(props.amount, currency);
  const key = checkIdempotencyKey(props.idempotencyKey);
  const note = checkNote(props.note);
  await ctx.chat.check({ actor: requester, conversationId, counterpartyId: payer.id });
  const placed = await walletCellOf(ctx, requester);
  // The request names the payer too: both people's data enter the requester's wallet cell.
  await authorizeWrite(ctx.gate, { subject: requester, cell: placed, category: payCategories.transaction, purpose: transferPurposes.paymentStorage });
  await authorizeWrite(ctx.gate, { subject: payer, cell: placed, category: payCategories.transaction, purpose: transferPurposes.paymentStorage });
  const cell = await placeWallet(ctx, requester, placed);
  const row: PayRequestRow = {
    id: newId(),
    requester_id: requester.id,
    payer_id: payer.id,
    conversation_id: conversationId,
    amount,
    currency,
    note,
    idempotency_key: key,
    status: 'open',
    accept_key: null,
    payment_id: null,
    created_at: nowOf(ctx),
    decided_at: null,
    ...personalColumns({ subject: requester, scope: scopeOf(requester), category: payCategories.transaction, cell }),
  };
  // Made before the transaction: making a data key writes to the cell.
  const noteKey = await cell.keys.dataKey(row.subject_id, row.category);
  const outcome = await cell.commits.run(async (trx) => {
    const existing = await requestByKey(trx, requester.id, key);
    if (existing) return { row: existing, replay: true };
    await insertRequest(trx, row, noteKey);
    return { row, replay: false };
  });
  const stored = await openRequest(cell.keys, outcome.row);
  if (outcome.replay && (stored.payer_id !== payer.id || Number(stored.amount) !== amount || stored.conversation_id !== conversationId)) {
    throw new DomainError('PAY_IDEMPOTENCY_CONFLICT', 'this idempotencyKey was already used for a different request; use a fresh key for a new request');
  }
  // On a retry too: a card lost to a crash is written now, never twice.
  await ctx.chat.post({ actor: requester, conversationId: stored.conversation_id, clientId: `rq-${stored.id}`, card: cardOf(stored, 'request', 'open') });
  return { request: presentRequest(stored), replay: outcome.replay };
}

/**
 * Settles an `accepting` request by its key: accepted when the payer's cell holds the payment
 * made under it; open again when it does not and `reopen` — only the accept that wrote the
 * intent (once its payment attempt is over) or recovery at start may reopen, never a concurrent
 * retry, which could otherwise reopen a request whose payment is still being made. Returns the
 * row as it now is.
 */
async function settleAccepting(ctx: PayContext, cell: Cell, row: PayRequestRow, reopen: boolean): Promise<PayRequestRow> {
  const payer = await ctx.directory.find(row.payer_id);
  const key = row.accept_key;
  if (!payer || key === null) return row;
  const payerCell = await walletCellOf(ctx, payer);
  const payment = await paymentByKey(payerCell.db, payer.id, key);
  const paid = payment && payment.kind === 'payment' && payment.payee_id === row.requester_id && Number(payment.amount) === Number(row.amount);
  const at = nowOf(ctx);
  if (paid) {
    await cell.commits.run((trx) => moveRequest(trx, row.id, { from: 'accepting', to: 'accepted', acceptKey: key, set: { payment_id: payment.id, decided_at: at } }));
  } else if (reopen) {
    await cell.commits.run((trx) => moveRequest(trx, row.id, { from: 'accepting', to: 'open', acceptKey: key, set: { accept_key: null } }));
  }
  return (await requestById(cell, row.id)) ?? row;
}

export function acceptRequest(props: Parameters<typeof acceptOnce>[0]): Promise<{ request: PayRequestView; payment: PaymentView; replay: boolean }> {
  return writeWhileMoving(props.ctx.cells, () => acceptOnce(props));
}

async function acceptOnce(props: {
  ctx: PayContext;
  actor: Subject;
  requestId: string;
  idempotencyKey: unknown;
}): Promise<{ request: PayRequestView; payment: PaymentView; replay: boolean }> {
  const { ctx, actor } = props;
  const key = checkIdempotencyKey(props.idempotencyKey);
  const found = await findRequest(ctx, props.requestId);
  if (!found || found.row.payer_id !== actor.id) throw notFound();
  const { cell } = found;
  let row = found.row;
  if (row.status === 'accepting' && row.accept_key === key) row = await settleAccepting(ctx, cell, row, false);
  const replay = row.status === 'accepted' && row.accept_key === key;
  if (!replay) {
    if (row.status !== 'open') throw notOpen(row);
    await ctx.chat.check({ actor, conversationId: row.conversation_id, counterpartyId: row.requester_id });
    const claimed = await cell.commits.run((trx) => moveRequest(trx, row.id, { from: 'open', to: 'accepting', set: { accept_key: key } }));
    if (!claimed) throw notOpen((await requestById(cell, row.id)) ?? row);
    row = { ...row, status: 'accepting', accept_key: key };
    try {
      await pay({ ctx, payer: actor, to: row.requester_id, amount: Number(row.amount), currency: row.currency, note: row.note ?? undefined, idempotencyKey: key });
    } finally {
      // Accepted when the payment is there (also when pay failed after it was durable), open otherwise.
      row = await settleAccepting(ctx, cell, row, true);
    }
    if (row.status !== 'accepted') throw notOpen(row);
  }
  const payerCell = await walletCellOf(ctx, actor);
  const payment = await paymentByKey(payerCell.db, actor.id, key);
  if (!payment) throw notOpen(row);
  await postOutcome(ctx, row);
  return { request: presentRequest(row), payment: presentPayment(payment), replay };
}

/** Declines (the payer) or cancels (the requester) an open request; asking again for the same outcome answers it again. */
async function close(ctx: PayContext, actor: Subject, requestId: string, outcome: 'declined' | 'cancelled'): Promise<{ request: PayRequestView; replay: boolean }> {
  const found = await findRequest(ctx, requestId);
  const owner = outcome === 'declined' ? found?.row.payer_id : found?.row.requester_id;
  if (!found) throw notFound();
  if (owner !== actor.id) {
    if (found.row.payer_id === actor.id || found.row.requester_id === actor.id) {
      throw new DomainError('FORBIDDEN', outcome === 'declined' ? 'only the person asked can decline a request; cancel it instead' : 'only the person who asked can cancel a request; decline it instead');
    }
    throw notFound();
  }
  const { cell } = found;
  let row = found.row;
  const replay = row.status === outcome;
  if (!replay) {
    if (row.status !== 'open') throw notOpen(row);
    const moved = await cell.commits.run((trx) => moveRequest(trx, row.id, { from: 'open', to: outcome, set: { decided_at: nowOf(ctx) } }));
    row = (await requestById(cell, row.id)) ?? row;
    if (!moved) throw notOpen(row);
  }
  await postOutcome(ctx, row);
  return { request: presentRequest(row), replay };
}

export function declineRequest(props: { ctx: PayContext; actor: Subject; requestId: string }) {
  return writeWhileMoving(props.ctx.cells, () => close(props.ctx, props.actor, props.requestId, 'declined'));
}

export function cancelRequest(props: { ctx: PayContext; actor: Subject; requestId: string }) {
  return writeWhileMoving(props.ctx.cells, () => close(props.ctx, props.actor, props.requestId, 'cancelled'));
}

export async function listRequests(props: {
  ctx: PayContext;
  actor: Subject;
  conversationId?: string | undefined;
  status?: RequestStatus | undefined;
  limit?: number | undefined;
}): Promise<{ requests: PayRequestView[] }> {
  const limit = Math.min(Math.max(props.limit ?? 50, 1), 100);
  const rows: PayRequestRow[] = [];
  for (const cell of props.ctx.cells.all()) {
    rows.push(...(await requestsOf(cell, { userId: props.actor.id, conversationId: props.conversationId, status: props.status, limit })));
  }
  rows.sort((a, b) => (a.created_at < b.created_at ? 1 : a.created_at > b.created_at ? -1 : 0));
  return { requests: rows.slice(0, limit).map(presentRequest) };
}

/** Settles every accept a crash left half-done (run at start, before serving). Returns how many were settled. */
export async function recoverAcceptingRequests(props: { ctx: PayContext }): Promise<number> {
  const { ctx } = props;
  let settled = 0;
  for (const cell of ctx.cells.all()) {
    for (const row of await requestsInStatus(cell, 'accepting', 1000)) {
      const after = await settleAccepting(ctx, cell, row, true);
      if (after.status === 'accepted') await postOutcome(ctx, after).catch(() => undefined);
      settled++;
    }
  }
  return settled;
}

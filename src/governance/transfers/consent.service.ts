// Consent use cases: a person gives consent to a notice (a Kantara receipt is issued and kept),
// withdraws it (effective for the very next transfer), and sees the full history; and their
// transfer records. Each takes one props object; storage is the subject's own cell.

import crypto from 'node:crypto';
import type { Cell } from '../../cells/cell.registry.js';
import { cellFor, personalColumns, scopeOf } from '../../cells/records.js';
import { DomainError } from '../../errors/catalogue.js';
import { assertConsentReceipt, buildConsentReceipt, type ConsentReceipt } from './consent.receipt.js';
import { appendConsentEvent, consentEventById, consentEventsOf, type ConsentEventRow, type NewConsentEvent } from './consent.repository.js';
import type { ValidNotice } from './notice.validator.js';
import { transferRecordsOf, type TransferRecordRow } from './transfer.repository.js';
import { privacyCategories, type TransferSubject } from './transfer.terms.js';
import type { TransfersContext } from './transfers.context.js';
import { ConsentError } from './transfers.errors.js';

export type ConsentStatus = 'given' | 'withdrawn' | 'superseded';

export interface ConsentView {
  readonly receiptId: string;
  readonly noticeId: string;
  readonly noticeVersion: number;
  readonly purpose: string;
  readonly destinations: readonly string[];
  readonly recipients: readonly { readonly id: string; readonly name: string; readonly country: string | null }[];
  /** given: in force now; withdrawn: ended by a withdrawal; superseded: replaced by a later consent to the same notice. */
  readonly status: ConsentStatus;
  readonly givenAt: string;
  readonly withdrawnAt: string | null;
  readonly receipt: ConsentReceipt;
}

export interface ConsentHistoryEntry {
  readonly kind: 'given' | 'withdrawn';
  readonly at: string;
  readonly noticeId: string;
  readonly noticeVersion: number | null;
  readonly receiptId: string;
}

export interface TransferRecordView {
  readonly id: string;
  readonly day: string;
  readonly destination: string;
  readonly recipient: { readonly id: string; readonly name: string };
  readonly category: string;
  readonly purpose: string;
  readonly items: number;
  readonly basis: string;
  readonly basisRef: string;
  readonly consentRef: string | null;
  readonly firstAt: string;
  readonly lastAt: string;
  readonly keepUntil: string;
  /** The country the data left, for a move home from abroad; null for a transfer abroad. */
  readonly origin: string | null;
}

function consentCell(ctx: TransfersContext, subject: TransferSubject) {
  return cellFor(ctx.cells, scopeOf(subject), privacyCategories.consent);
}

type ConsentEventFields = Pick<NewConsentEvent, 'id' | 'kind' | 'notice_id' | 'notice_version' | 'receipt_id' | 'receipt' | 'at'>;

/** Appends one of `subject`'s consent events to their consent cell, in its own transaction. */
async function appendEvent(cell: Cell, subject: TransferSubject, event: ConsentEventFields): Promise<void> {
  await cell.db.transaction().execute((trx) =>
    appendConsentEvent(trx, {
      ...event,
      ...personalColumns({ subject, scope: scopeOf(subject), category: privacyCategories.consent, cell }),
    }),
  );
}

function parseReceipt(row: ConsentEventRow): ConsentReceipt | null {
  if (row.receipt === null) return null;
  try {
    return assertConsentReceipt(JSON.parse(row.receipt));
  } catch {
    return null;
  }
}

/** Each given event with what became of it, from the history in write order. */
function viewsOf(rows: readonly ConsentEventRow[]): ConsentView[] {
  const views: ConsentView[] = [];
  rows.forEach((row, i) => {
    if (row.kind !== 'given') return;
    const receipt = parseReceipt(row);
    if (receipt === null) return;
    const later = rows.slice(i + 1).find((r) => r.notice_id === row.notice_id);
    const status: ConsentStatus = later === undefined ? 'given' : later.kind === 'withdrawn' ? 'withdrawn' : 'superseded';
    views.push({
      receiptId: row.receipt_id,
      noticeId: receipt.noticeId,
      noticeVersion: receipt.noticeVersion,
      purpose: receipt.purposeCode,
      destinations: receipt.destinationCountries,
      recipients: receipt.recipientMeasures.map((m) => ({ id: m.recipientId, name: m.recipientName, country: m.country })),
      status,
      givenAt: row.at,
      withdrawnAt: status === 'withdrawn' && later !== undefined ? later.at : null,
      receipt,
    });
  });
  return views.reverse();
}

function historyOf(rows: readonly ConsentEventRow[]): ConsentHistoryEntry[] {
  return rows.map((r) => ({
    kind: r.kind === 'withdrawn' ? 'withdrawn' : 'given',
    at: r.at,
    noticeId: r.notice_id,
    noticeVersion: r.notice_version,
    receiptId: r.receipt_id,
  }));
}

// Events are ordered by time as well as by position: a new event never predates the last one,
// even if the clock stepped back, so a withdrawal always governs what follows it.
function eventTime(ctx: TransfersContext, rows: readonly ConsentEventRow[]): string {
  const now = ctx.now().toISOString();
  const last = rows.at(-1)?.at;
  return last !== undefined && last > now ? last : now;
}

function noticeToConsentTo(ctx: TransfersContext, noticeId: string, at: Date, shownVersion: number | undefined): ValidNotice {
  const notice = ctx.notices.current(noticeId, at);
  if (notice === undefined) {
    const upcoming = ctx.notices.latest(noticeId);
    if (upcoming === undefined) throw new DomainError('NOT_FOUND', `no notice "${noticeId}"; list the notices at /v1/notices`);
    throw new DomainError('CONSENT_REFUSED', `notice ${noticeId} takes effect on ${upcoming.effectiveFrom}; consent cannot be given to it before then`, { noticeId, effectiveFrom: upcoming.effectiveFrom });
  }
  if (shownVersion !== undefined && shownVersion !== notice.version) {
    throw new DomainError('NOTICE_VERSION_CHANGED', `notice ${noticeId} is now at version ${notice.version}, not ${shownVersion}; show the current version and ask again`, { noticeId, currentVersion: notice.version });
  }
  return notice;
}

export async function listConsents(props: { ctx: TransfersContext; subject: TransferSubject }): Promise<{ consents: ConsentView[]; history: ConsentHistoryEntry[] }> {
  const rows = await consentEventsOf(consentCell(props.ctx, props.subject).db, props.subject.id);
  return { consents: viewsOf(rows), history: historyOf(rows) };
}

/**
 * Records the person's consent to the notice in effect (the version they were shown, when the
 * client says which). Giving it again while it stands changes nothing and returns the standing one.
 */
export async function giveConsent(props: {
  ctx: TransfersContext;
  subject: TransferSubject;
  noticeId: string;
  noticeVersion?: number | undefined;
}): Promise<{ consent: ConsentView; created: boolean }> {
  const { ctx, subject } = props;
  const cell = consentCell(ctx, subject);
  return ctx.consentLocks.run(subject.id, async () => {
    const at = ctx.now();
    const notice = noticeToConsentTo(ctx, props.noticeId, at, props.noticeVersion);
    const rows = await consentEventsOf(cell.db, subject.id);
    const standing = viewsOf(rows).find((v) => v.noticeId === notice.noticeId && v.status === 'given');
    if (standing !== undefined && standing.noticeVersion === notice.version) return { consent: standing, created: false };

    const time = eventTime(ctx, rows);
    let receipt: ConsentReceipt;
    try {
      receipt = assertConsentReceipt(
        buildConsentReceipt({ notice, subject: { id: subject.id, home: subject.home }, at: new Date(time), id: crypto.randomUUID(), separateConsent: true }),
      );
    } catch (err) {
      if (err instanceof ConsentError) throw new DomainError('CONSENT_REFUSED', err.message, { noticeId: notice.noticeId, reason: err.code });
      throw err;
    }
    await appendEvent(cell, subject, {
      id: receipt.consentReceiptID,
      kind: 'given',
      notice_id: notice.noticeId,
      notice_version: notice.version,
      receipt_id: receipt.consentReceiptID,
      receipt: JSON.stringify(receipt),
      at: time,
    });
    ctx.gate.consentChanged(subject.id);
    const consent = viewsOf(await consentEventsOf(cell.db, subject.id)).find((v) => v.receiptId === receipt.consentReceiptID);
    if (consent === undefined) throw new DomainError('INTERNAL', 'the consent was stored but cannot be read back');
    return { consent, created: true };
  });
}

/**
 * Withdraws the consent given with this receipt, for its notice: from the moment this returns,
 * no transfer rests on it. Withdrawing one that no longer stands changes nothing.
 */
export async function withdrawConsent(props: { ctx: TransfersContext; subject: TransferSubject; receiptId: string }): Promise<ConsentView> {
  const { ctx, subject } = props;
  const cell = consentCell(ctx, subject);
  return ctx.consentLocks.run(subject.id, async () => {
    const given = await consentEventById(cell.db, subject.id, props.receiptId);
    if (given === undefined || given.kind !== 'given') throw new DomainError('NOT_FOUND', 'no consent with this receipt id among yours');
    const rows = await consentEventsOf(cell.db, subject.id);
    const standing = viewsOf(rows).find((v) => v.noticeId === given.notice_id && v.status === 'given');
    if (standing !== undefined) {
      await appendEvent(cell, subject, {
        id: crypto.randomUUID(),
        kind: 'withdrawn',
        notice_id: given.notice_id,
        notice_version: null,
        receipt_id: standing.receiptId,
        receipt: null,
        at: eventTime(ctx, rows),
      });
      ctx.gate.consentChanged(subject.id);
    }
    const view = viewsOf(await consentEventsOf(cell.db, subject.id)).find((v) => v.receiptId === props.receiptId);
    if (view === undefined) throw new DomainError('INTERNAL', 'the consent cannot be read back');
    return view;
  });
}

function presentRecord(row: TransferRecordRow): TransferRecordView {
  return {
    id: row.id,
    day: row.day,
    destination: row.destination,
    recipient: { id: row.recipient_id, name: row.recipient_name },
    category: row.data_category,
    purpose: row.purpose,
    items: Number(row.item_count),
    basis: row.basis,
    basisRef: row.basis_ref,
    consentRef: row.consent_ref,
    firstAt: row.first_at,
    lastAt: row.last_at,
    keepUntil: row.keep_until,
    origin: row.origin,
  };
}

/** The person's transfer records, newest first. */
export async function listTransferRecords(props: { ctx: TransfersContext; subject: TransferSubject; limit?: number }): Promise<TransferRecordView[]> {
  const cell = cellFor(props.ctx.cells, scopeOf(props.subject), privacyCategories.transferRecord);
  return (await transferRecordsOf(cell.db, props.subject.id, props.limit)).map(presentRecord);
}

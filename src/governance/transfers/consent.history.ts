// A subject's consent history: an append-only list of given and withdrawn events, and the pure
// reading of where each notice's consent stands at a moment. Storage is someone else's job.

import type { ConsentReceipt } from './consent.receipt.js';

export type ConsentEvent =
  | {
      readonly kind: 'given';
      /** ISO 8601 instant the consent was given. */
      readonly at: string;
      readonly receipt: ConsentReceipt;
    }
  | {
      readonly kind: 'withdrawn';
      readonly at: string;
      readonly subjectId: string;
      /** Withdrawal is per notice: it ends consent under every version of it. */
      readonly noticeId: string;
      readonly receiptId?: string;
    };

export type ConsentStanding =
  | { readonly noticeId: string; readonly status: 'given'; readonly since: string; readonly receipt: ConsentReceipt }
  | {
      readonly noticeId: string;
      readonly status: 'withdrawn';
      readonly since: string;
      /** The last receipt given under this notice before the withdrawal, if any. */
      readonly withdrawnReceipt?: ConsentReceipt;
    }
  /** An event of this notice has an unreadable time, so the history cannot be trusted for it. */
  | { readonly noticeId: string; readonly status: 'unreadable' };

export function consentGiven(receipt: ConsentReceipt, at: Date): ConsentEvent {
  return { kind: 'given', at: at.toISOString(), receipt };
}

export function consentWithdrawn(input: { subjectId: string; noticeId: string; at: Date; receiptId?: string }): ConsentEvent {
  return {
    kind: 'withdrawn',
    at: input.at.toISOString(),
    subjectId: input.subjectId,
    noticeId: input.noticeId,
    ...(input.receiptId === undefined ? {} : { receiptId: input.receiptId }),
  };
}

export function eventSubject(event: ConsentEvent): string {
  return event.kind === 'given' ? event.receipt.piiPrincipalId : event.subjectId;
}

export function eventNotice(event: ConsentEvent): string {
  return event.kind === 'given' ? event.receipt.noticeId : event.noticeId;
}

/**
 * Where each notice's consent stands at `at`: the latest event at or before `at` wins, ties going
 * to the later entry of the history. A withdrawal therefore governs every transfer from its own
 * instant on. Events of other subjects are ignored when `subjectId` is given.
 */
export function consentStandings(history: readonly ConsentEvent[], at: Date, subjectId?: string): ConsentStanding[] {
  const now = at.getTime();
  const latest = new Map<string, { time: number; event: ConsentEvent } | 'unreadable'>();
  const lastGiven = new Map<string, { time: number; receipt: ConsentReceipt }>();
  for (const event of history) {
    if (subjectId !== undefined && eventSubject(event) !== subjectId) continue;
    const noticeId = eventNotice(event);
    const time = Date.parse(event.at);
    // An event whose time cannot be read might be a withdrawal: fail closed for the whole notice.
    if (Number.isNaN(time)) {
      latest.set(noticeId, 'unreadable');
      continue;
    }
    const current = latest.get(noticeId);
    if (current === 'unreadable' || time > now) continue;
    if (current === undefined || time >= current.time) latest.set(noticeId, { time, event });
    const given = lastGiven.get(noticeId);
    if (event.kind === 'given' && (given === undefined || time >= given.time)) lastGiven.set(noticeId, { time, receipt: event.receipt });
  }
  const standings: ConsentStanding[] = [];
  for (const [noticeId, entry] of latest) {
    if (entry === 'unreadable') {
      standings.push({ noticeId, status: 'unreadable' });
    } else if (entry.event.kind === 'given') {
      standings.push({ noticeId, status: 'given', since: entry.event.at, receipt: entry.event.receipt });
    } else {
      const previous = lastGiven.get(noticeId)?.receipt;
      standings.push({ noticeId, status: 'withdrawn', since: entry.event.at, ...(previous === undefined ? {} : { withdrawnReceipt: previous }) });
    }
  }
  return standings;
}

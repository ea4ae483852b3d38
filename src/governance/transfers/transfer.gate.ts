// The transfer gate: the one check every path that moves personal data across a border passes.
// Per subject it finds a legal basis (approved destination, recipient with a conforming system,
// or consent after a notice), writes the transfer record durably in the subject's own cell, and
// only then lets the caller write abroad; without a basis it refuses with an error naming what
// is missing (and the notice to show, when consent would do). Invariant 3.

import type { CellRegistry } from '../../cells/cell.registry.js';
import { covers } from '../../cells/categories.js';
import { cellFor, personalColumns, scopeOf } from '../../cells/records.js';
import { DomainError } from '../../errors/catalogue.js';
import type { ConsentEvent } from './consent.history.js';
import { consentEventsOf, toConsentEvents } from './consent.repository.js';
import { findBasis, isBasisMissing } from './legal-basis.js';
import type { NoticeCatalogue } from './notice.catalogue.js';
import type { Registries, TransferBasisKind, TransferOperation } from './registry.js';
import { privacyCategories, keepUntil, type TransferSubject } from './transfer.terms.js';
import { recordTransfer } from './transfer.repository.js';

export interface TransferRequest {
  readonly subject: TransferSubject;
  /** Country the data goes to, or is viewed from. */
  readonly destination: string;
  /** Recipient id in the recipients registry. */
  readonly recipient: string;
  /** Data category of the items moved, e.g. `user.content.message`. */
  readonly category: string;
  /** Purpose code; only consent to a notice with this purpose counts. */
  readonly purpose: string;
  /** Number of items (messages, files, records viewed); 1 when absent. */
  readonly items?: number;
  /** `read` when staff view the data from abroad; `store` (the default) when it is written there. */
  readonly operation?: TransferOperation;
  readonly at?: Date;
}

export interface CellWriteRequest {
  readonly subject: TransferSubject;
  /** The cell about to receive the subject's data. */
  readonly cellId: string;
  readonly category: string;
  readonly purpose: string;
  readonly items?: number;
  readonly at?: Date;
}

/** A subject's records moving from one cell to another (a region migration). */
export interface MoveRequest {
  readonly subject: TransferSubject;
  readonly fromCellId: string;
  readonly toCellId: string;
  readonly category: string;
  readonly purpose: string;
  readonly items?: number;
  /** What the move is part of (the migration job): the record's reference when it needs no basis. */
  readonly ref: string;
  readonly at?: Date;
}

export type TransferDecision =
  | { readonly transfer: false }
  | {
      readonly transfer: true;
      readonly destination: string;
      readonly recipient: { readonly id: string; readonly name: string };
      readonly basis: TransferBasisKind;
      readonly basisRef: string;
      readonly consentRef: string | null;
      /** The transfer record the items were counted in, and the cell holding it. */
      readonly recordId: string;
      readonly recordCell: string;
    };

/** What a transfer would rest on now, without recording anything. */
export type TransferEvaluation =
  | { readonly kind: 'not-a-transfer' }
  | { readonly kind: 'basis'; readonly basis: TransferBasisKind; readonly basisRef: string; readonly consentRef: string | null; readonly recipientName: string }
  | { readonly kind: 'consent-required'; readonly missing: readonly string[]; readonly noticeId: string; readonly noticeVersion: number }
  | { readonly kind: 'no-basis'; readonly missing: readonly string[] };

export interface TransferGate {
  /** Finds the basis and records the transfer durably; throws TRANSFER_NO_BASIS or TRANSFER_CONSENT_REQUIRED. */
  authorizeTransfer(request: TransferRequest): Promise<TransferDecision>;
  /** All or nothing: every subject needs a basis before any record is written. */
  authorizeTransfers(requests: readonly TransferRequest[]): Promise<TransferDecision[]>;
  /** Before a subject's data is written into a cell: a transfer when the cell lies abroad. */
  authorizeCellWrite(request: CellWriteRequest): Promise<TransferDecision>;
  /**
   * Before a subject's records move between cells: into a cell abroad, as `authorizeCellWrite`
   * (a basis, recorded, or refused); home from a cell abroad, no basis is needed but the return is
   * recorded (basis `home`, with its origin); between cells of one country, nothing.
   */
  authorizeMove(request: MoveRequest): Promise<void>;
  evaluate(request: TransferRequest): Promise<TransferEvaluation>;
  /** The recipient receiving data written into this cell (its host), if registered. */
  hostOfCell(cellId: string): { id: string; name: string } | undefined;
  /** Must be called after every consent change of a subject, before the change is reported done. */
  consentChanged(subjectId: string): void;
  /** Resolves when every queued record write has committed. */
  drain(): Promise<void>;
}

export interface TransferGateProps {
  cells: CellRegistry;
  registries: Registries;
  notices: NoticeCatalogue;
  now?: () => Date;
  /** Subjects whose consent history is kept in memory. */
  historyCacheSize?: number;
}

// A consent counts only for the data categories its notice named.
function coversCategory(event: ConsentEvent, category: string): boolean {
  if (event.kind === 'withdrawn') return true;
  return event.receipt.services.some((s) => s.purposes.some((p) => p.piiCategory.some((c) => covers(c, category))));
}

export function createTransferGate(props: TransferGateProps): TransferGate {
  const { cells, registries, notices } = props;
  const now = props.now ?? (() => new Date());
  const cacheSize = props.historyCacheSize ?? 50_000;

  // Consent histories are the gate's only stored input, so they are cached; the basis itself is
  // recomputed on every call (pure, microseconds), which keeps time-dependent facts right — a
  // periodic check falling overdue, a notice taking effect. A version per subject makes a load
  // that raced a consent change be read again instead of cached.
  const histories = new Map<string, ConsentEvent[]>();
  const versions = new Map<string, number>();

  async function loadHistory(subject: TransferSubject): Promise<ConsentEvent[]> {
    const cell = cellFor(cells, scopeOf(subject), privacyCategories.consent);
    return toConsentEvents(await consentEventsOf(cell.db, subject.id));
  }

  async function historyOf(subject: TransferSubject): Promise<ConsentEvent[]> {
    let events: ConsentEvent[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const hit = histories.get(subject.id);
      if (hit !== undefined) {
        histories.delete(subject.id);
        histories.set(subject.id, hit);
        return hit;
      }
      const version = versions.get(subject.id) ?? 0;
      events = await loadHistory(subject);
      if ((versions.get(subject.id) ?? 0) !== version) continue;
      histories.set(subject.id, events);
      if (histories.size > cacheSize) histories.delete(histories.keys().next().value as string);
      return events;
    }
    return events;
  }

  function countryLabel(code: string): string {
    const name = registries.jurisdiction(code)?.name;
    return name === undefined ? code : `${name} (${code})`;
  }

  async function evaluate(request: TransferRequest): Promise<TransferEvaluation> {
    const { subject, destination, category, purpose } = request;
    const at = request.at ?? now();
    if (subject.home === destination) return { kind: 'not-a-transfer' };
    if (subject.class === 'government') {
      return { kind: 'no-basis', missing: [`government-class data never leaves its home jurisdiction ${subject.home}`] };
    }
    const consents = (await historyOf(subject)).filter((e) => coversCategory(e, category));
    const use = { operation: request.operation ?? 'store', category };
    const result = findBasis({ home: subject.home, destination, recipient: request.recipient, consents, at, registries, subjectId: subject.id, purpose, use });
    if (!isBasisMissing(result)) {
      if (result.basis === 'not-a-transfer') return { kind: 'not-a-transfer' };
      return {
        kind: 'basis',
        basis: result.basis,
        basisRef: result.ref,
        consentRef: result.consentRef ?? null,
        recipientName: registries.recipient(request.recipient)?.name ?? request.recipient,
      };
    }
    const rule = registries.regimeOf(subject.home)?.transfer;
    const consentWouldDo = rule !== undefined && (rule.acceptedBases.includes('consent') || rule.consentAlsoRequired);
    const notice = consentWouldDo ? notices.covering({ home: subject.home, destination, recipient: request.recipient, purpose, category, at }) : undefined;
    if (notice !== undefined) return { kind: 'consent-required', missing: result.missing, noticeId: notice.noticeId, noticeVersion: notice.version };
    return { kind: 'no-basis', missing: result.missing };
  }

  function refusal(request: TransferRequest, evaluation: Extract<TransferEvaluation, { kind: 'consent-required' | 'no-basis' }>): DomainError {
    const recipient = registries.recipient(request.recipient);
    const what = `moving ${request.category} of ${request.subject.id} to ${countryLabel(request.destination)} for ${recipient?.name ?? request.recipient} (purpose ${request.purpose})`;
    const details = {
      subjectId: request.subject.id,
      destination: request.destination,
      recipient: request.recipient,
      category: request.category,
      purpose: request.purpose,
      missing: evaluation.missing,
    };
    if (evaluation.kind === 'consent-required') {
      return new DomainError(
        'TRANSFER_CONSENT_REQUIRED',
        `${what} needs ${request.subject.id}'s consent: show notice ${evaluation.noticeId} v${evaluation.noticeVersion}, record the consent, then try again`,
        { ...details, noticeId: evaluation.noticeId, noticeVersion: evaluation.noticeVersion },
      );
    }
    return new DomainError('TRANSFER_NO_BASIS', `${what} has no legal basis, so nothing was sent: ${evaluation.missing.join('; ')}`, details);
  }

  /** Writes (or adds to) the day's transfer record in the subject's own cell. */
  async function write(
    request: Pick<TransferRequest, 'subject' | 'destination' | 'recipient' | 'category' | 'purpose' | 'items' | 'at'>,
    how: { recipientName: string; basis: string; basisRef: string; consentRef: string | null; origin?: string },
  ): Promise<{ recordId: string; cell: string }> {
    const { subject } = request;
    const at = (request.at ?? now()).toISOString();
    const cell = cellFor(cells, scopeOf(subject), privacyCategories.transferRecord);
    const recordId = await cell.commits.run((trx) =>
      recordTransfer(trx, {
        personal: personalColumns({ subject, scope: scopeOf(subject), category: privacyCategories.transferRecord, cell }),
        destination: request.destination,
        recipientId: request.recipient,
        recipientName: how.recipientName,
        dataCategory: request.category,
        purpose: request.purpose,
        basis: how.basis,
        basisRef: how.basisRef,
        consentRef: how.consentRef,
        items: Math.max(1, Math.floor(request.items ?? 1)),
        at,
        keepUntil: keepUntil(new Date(at)),
        origin: how.origin ?? null,
      }),
    );
    return { recordId, cell: cell.id };
  }

  async function record(request: TransferRequest, basis: Extract<TransferEvaluation, { kind: 'basis' }>): Promise<TransferDecision> {
    const { recordId, cell } = await write(request, basis);
    return {
      transfer: true,
      destination: request.destination,
      recipient: { id: request.recipient, name: basis.recipientName },
      basis: basis.basis,
      basisRef: basis.basisRef,
      consentRef: basis.consentRef,
      recordId,
      recordCell: cell,
    };
  }

  async function authorizeTransfer(request: TransferRequest): Promise<TransferDecision> {
    const evaluation = await evaluate(request);
    if (evaluation.kind === 'not-a-transfer') return { transfer: false };
    if (evaluation.kind !== 'basis') throw refusal(request, evaluation);
    return record(request, evaluation);
  }

  function hostOfCell(cellId: string): { id: string; name: string } | undefined {
    if (!cells.has(cellId)) return undefined;
    const host = registries.cellHost(cells.get(cellId).jurisdiction);
    return host === undefined ? undefined : { id: host.id, name: host.name };
  }

  async function authorizeCellWrite(request: CellWriteRequest): Promise<TransferDecision> {
    const cell = cells.get(request.cellId);
    if (cell.jurisdiction === request.subject.home) return { transfer: false };
    const host = registries.cellHost(cell.jurisdiction);
    if (host === undefined) {
      throw new DomainError('TRANSFER_NO_BASIS', `no recipient is registered as the host of cells in ${countryLabel(cell.jurisdiction)} (recipients registry, cellHosts), so ${request.subject.id}'s data cannot be written into cell ${cell.id}`, {
        subjectId: request.subject.id,
        destination: cell.jurisdiction,
        category: request.category,
        purpose: request.purpose,
        missing: [`a registered host for cells in ${cell.jurisdiction}`],
      });
    }
    return authorizeTransfer({ ...request, destination: cell.jurisdiction, recipient: host.id });
  }

  return {
    authorizeTransfer,
    async authorizeTransfers(requests) {
      const evaluations = await Promise.all(requests.map((r) => evaluate(r)));
      evaluations.forEach((evaluation, i) => {
        if (evaluation.kind === 'consent-required' || evaluation.kind === 'no-basis') throw refusal(requests[i] as TransferRequest, evaluation);
      });
      return Promise.all(
        evaluations.map((evaluation, i) => (evaluation.kind === 'basis' ? record(requests[i] as TransferRequest, evaluation) : { transfer: false as const })),
      );
    },
    authorizeCellWrite,
    async authorizeMove(request) {
      const from = cells.get(request.fromCellId).jurisdiction;
      const to = cells.get(request.toCellId);
      const home = request.subject.home;
      if (to.jurisdiction !== home) {
        await authorizeCellWrite({ subject: request.subject, cellId: to.id, category: request.category, purpose: request.purpose, items: request.items, at: request.at });
        return;
      }
      if (from === home) return;
      const host = hostOfCell(to.id) ?? { id: to.id, name: `cell ${to.id}` };
      await write({ ...request, destination: home, recipient: host.id }, { recipientName: host.name, basis: 'home', basisRef: request.ref, consentRef: null, origin: from });
    },
    evaluate,
    hostOfCell,
    consentChanged(subjectId) {
      histories.delete(subjectId);
      versions.set(subjectId, (versions.get(subjectId) ?? 0) + 1);
    },
    async drain() {
      await Promise.all(cells.all().map((c) => c.commits.drain()));
    },
  };
}

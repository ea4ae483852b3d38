// The record kit: what every domain uses to create, place and find a personal record — the
// categories, the scope placement reads, the personal columns every personal row carries, the
// cell a record goes to, ids, and the check before a person's data is written abroad. Domains
// (messaging, governance, pay, …) take these narrow parts, never each other's contexts.
import type { Cell, CellRegistry } from './cell.registry.js';
import type { PersonalColumns } from './cell.database.js';
import type { SubjectClass } from './placement.js';
import { DomainError } from '../errors/catalogue.js';
import { trackWrite } from './moving.context.js';

export { categories } from './categories.js';
export { personalColumnNames, type PersonalColumns } from './cell.database.js';
export { newId, isRecordId } from './ids.js';

/** What placement reads of a record's owner: the home and class of the subject or conversation. */
export interface Scope {
  readonly home: string;
  readonly class: SubjectClass;
}

/** The subject a row is about: its id and home (its class when it is the scope too). */
export interface SubjectRef {
  readonly id: string;
  readonly home: string;
  readonly class: SubjectClass;
}

export function scopeOf(subject: { readonly home: string; readonly class: SubjectClass }): Scope {
  return { home: subject.home, class: subject.class };
}

/** The cell the placement rules give a record of `category` in `scope`; refuses a home no cell serves. */
export function cellFor(cells: CellRegistry, scope: Scope, category: string): Cell {
  const id = cells.placement.cellFor({ home: scope.home, class: scope.class, category });
  if (!id) throw new DomainError('UNKNOWN_JURISDICTION', `no cell serves jurisdiction ${scope.home}`);
  return cells.get(id);
}

/** The personal columns of a row about `subject`, placed for `scope` (the subject's own by default) and `category` in `cell`. */
export function personalColumns(props: { subject: { readonly id: string; readonly home: string }; scope: Scope; category: string; cell: Cell }): PersonalColumns {
  return {
    subject_id: props.subject.id,
    subject_home: props.subject.home,
    category: props.category,
    cell_id: props.cell.id,
    scope_home: props.scope.home,
    scope_class: props.scope.class,
  };
}

/** The transfer gate as the record kit needs it: asked before a person's data enters a cell abroad. */
export interface CrossBorderWrites {
  authorizeCellWrite(request: { subject: SubjectRef; cellId: string; category: string; purpose: string; items?: number }): Promise<unknown>;
}

/** The gate's refusals: no recorded basis to write this person's data into that cell. */
export function isTransferRefusal(err: unknown): err is DomainError {
  return err instanceof DomainError && (err.code === 'TRANSFER_CONSENT_REQUIRED' || err.code === 'TRANSFER_NO_BASIS');
}

/**
 * THE rule for every write of a person's data into a cell (invariants 2 and 3, issue 16.3):
 * when the cell lies in another jurisdiction than the person's home, the gate records the
 * transfer and its basis first, or refuses (TRANSFER_CONSENT_REQUIRED, TRANSFER_NO_BASIS) so that
 * nothing of theirs is written there. Writes at home pass without a lookup. Every row kind that
 * can name a person abroad — conversation, membership, message (system ones too), read receipt,
 * media, payment — is written only after this, and the residency scan finds any row that was not.
 */
export async function authorizeWrite(gate: CrossBorderWrites, props: { subject: SubjectRef; cell: Cell; category: string; purpose: string }): Promise<void> {
  if (props.cell.jurisdiction === props.subject.home) return;
  await gate.authorizeCellWrite({ subject: props.subject, cellId: props.cell.id, category: props.category, purpose: props.purpose });
}

/**
 * The same rule for several people at once: each passes or is refused on their own. Returns
 * those refused with the gate's error, so the caller decides what a refusal means (an invitation
 * at home instead of a membership, a notice left unwritten, or the request refused).
 */
export async function admitToCell<S extends SubjectRef>(
  gate: CrossBorderWrites,
  props: { subjects: readonly S[]; cell: Cell; category: string; purpose: string },
): Promise<{ admitted: S[]; refused: { subject: S; error: DomainError }[] }> {
  const admitted: S[] = [];
  const refused: { subject: S; error: DomainError }[] = [];
  for (const subject of props.subjects) {
    try {
      await authorizeWrite(gate, { subject, cell: props.cell, category: props.category, purpose: props.purpose });
      admitted.push(subject);
    } catch (err) {
      if (!isTransferRefusal(err)) throw err;
      refused.push({ subject, error: err });
    }
  }
  return { admitted, refused };
}

/** How long a write waits for a region migration's switch to finish before the caller is told to retry. */
export const movingWaitMs = 4_000;
/** How often a waiting write looks again: the process running the migration lifts its fence in memory at once. */
const movingStepMs = 10;

const isMoving = (err: unknown): boolean => err instanceof DomainError && err.code === 'CELL_UNAVAILABLE' && (err.details as { moving?: boolean } | undefined)?.moving === true;

/**
 * THE wait of every idempotent write for a region migration's switch (messages with client ids,
 * image uploads, payments): while the records it touches are fenced, the residency guard refuses
 * the write with CELL_UNAVAILABLE (`moving`) and nothing is written; the write runs again (and so
 * recomputes its cell under the new placement) until the fence is lifted or `waitMs` has passed.
 * Each attempt is counted as in flight under the placement version it started with, so the
 * migration's catch-up waits for writes that could still land in the old cell.
 */
export async function writeWhileMoving<T>(cells: CellRegistry, write: () => Promise<T>, waitMs = movingWaitMs): Promise<T> {
  const until = Date.now() + waitMs;
  for (;;) {
    try {
      return await trackWrite(cells, write);
    } catch (err) {
      if (!isMoving(err) || Date.now() >= until) throw err;
      await new Promise((r) => setTimeout(r, movingStepMs));
    }
  }
}

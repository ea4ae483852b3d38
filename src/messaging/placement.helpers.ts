// Where a record goes: the cell the placement rules give for a scope and a data category.
import type { Cell } from '../cells/cell.registry.js';
import type { Subject } from '../cells/directory.js';
import type { SubjectClass } from '../cells/placement.js';
import { DomainError } from '../errors/catalogue.js';
import type { MessagingContext } from './messaging.context.js';

export interface Scope {
  home: string;
  class: SubjectClass;
}

export { categories } from '../cells/categories.js';

export function cellFor(ctx: MessagingContext, scope: Scope, category: string): Cell {
  const id = ctx.cells.placement.cellFor({ home: scope.home, class: scope.class, category });
  if (!id) throw new DomainError('UNKNOWN_JURISDICTION', `no cell serves jurisdiction ${scope.home}`);
  return ctx.cells.get(id);
}

/** The personal columns of a row about `subjectId`, placed for `scope` and `category` in `cell`. */
export function personalColumns(props: {
  subjectId: string;
  subjectHome: string;
  scope: Scope;
  category: string;
  cell: Cell;
}) {
  return {
    subject_id: props.subjectId,
    subject_home: props.subjectHome,
    category: props.category,
    cell_id: props.cell.id,
    scope_home: props.scope.home,
    scope_class: props.scope.class,
  };
}

/**
 * Before `subject`'s data is written into `cell`: when the cell lies in another jurisdiction,
 * the transfer gate records the transfer and its basis, or refuses (TRANSFER_CONSENT_REQUIRED,
 * TRANSFER_NO_BASIS) so that nothing is written abroad. Writes at home pass without a lookup.
 */
export async function authorizeWrite(ctx: MessagingContext, props: { subject: Subject; cell: Cell; category: string; purpose: string }): Promise<void> {
  if (props.cell.jurisdiction === props.subject.home) return;
  await ctx.transfers.authorizeCellWrite({ subject: props.subject, cellId: props.cell.id, category: props.category, purpose: props.purpose });
}

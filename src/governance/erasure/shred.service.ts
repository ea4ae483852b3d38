// Crypto-shredding a subject: the decision is recorded in the access log of the subject's
// jurisdiction first (no log, no shred), then the subject's data keys — all of them, or those of
// one category and its children — are destroyed in every cell. What they sealed (message
// bodies, images, payment notes), in the database files, the WAL, blob files and backups taken
// after the master key's next rotation, can no longer be read by anyone.
import { randomUUID } from 'node:crypto';
import type { CellRegistry } from '../../cells/cell.registry.js';
import { covers, isCategory, unknownCategoryMessage } from '../../cells/categories.js';
import { DomainError } from '../../errors/catalogue.js';
import type { AccessRecorder, RecordedAccess } from '../log/access-logs.js';
import { unaffiliatedActor } from '../log/entry.js';

export interface ShredResult {
  readonly subject: string;
  /** The category asked for; `user` (everything personal) when none was. */
  readonly category: string;
  /** Per cell, the categories whose keys were destroyed there. */
  readonly cells: readonly { readonly cell: string; readonly categories: readonly string[] }[];
  readonly logged: RecordedAccess;
}

export async function shredSubject(props: {
  cells: CellRegistry;
  recorder: AccessRecorder;
  subject: { readonly id: string; readonly home: string };
  category?: string | undefined;
  actor: string;
  at: Date;
}): Promise<ShredResult> {
  const category = props.category ?? 'user';
  if (!isCategory(category)) throw new DomainError('VALIDATION_FAILED', unknownCategoryMessage(category));
  const logged = await props.recorder.recordAccess({
    eventId: `shred-${randomUUID()}`,
    time: props.at.toISOString(),
    ...unaffiliatedActor(props.actor),
    subjectJurisdiction: props.subject.home,
    subjects: [props.subject.id],
    categories: [category],
    fields: [],
    action: 'shred',
    purpose: 'DATA_ERASURE',
    caseRef: null,
    grantId: null,
    decision: 'allow',
    policyIds: [],
    released: 0,
  });
  const cells = [];
  for (const cell of props.cells.all()) {
    const categories = await cell.keys.shred({ subjectId: props.subject.id, pick: (c) => covers(category, c) });
    cells.push({ cell: cell.id, categories });
  }
  return { subject: props.subject.id, category, cells, logged };
}

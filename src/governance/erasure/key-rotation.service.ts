// Master-key rotation of a cell, logged: the decision is an entry in that cell's own access log
// first (no log, no rotation; ids and codes only), then the cell's data keys are rewrapped under a
// new master key. A rotation a crash interrupted is finished by the next one, which logs itself.
import { randomUUID } from 'node:crypto';
import type { Cell } from '../../cells/cell.registry.js';
import type { AccessLog } from '../log/access-log.js';
import { unaffiliatedActor } from '../log/entry.js';

export interface KeyRotationResult {
  readonly cell: string;
  readonly rewrapped: number;
  readonly masterId: string;
  /** The rotation's entry in the cell's access log. */
  readonly logged: { readonly cellId: string; readonly index: number };
}

export async function rotateCellKeys(props: { cell: Cell; log: AccessLog; actor: string; at: Date; settleMs?: number }): Promise<KeyRotationResult> {
  const { cell, log } = props;
  const { index } = await log.append({
    eventId: `key-rotate-${randomUUID()}`,
    time: props.at.toISOString(),
    ...unaffiliatedActor(props.actor),
    subjectJurisdiction: cell.jurisdiction,
    subjects: [],
    categories: [],
    fields: [],
    action: 'key-rotate',
    purpose: 'KEY_ROTATION',
    caseRef: `cell:${cell.id}`,
    grantId: null,
    decision: 'allow',
    policyIds: [],
    released: 0,
  });
  const result = await cell.keys.rotate(props.settleMs === undefined ? {} : { settleMs: props.settleMs });
  return { cell: cell.id, ...result, logged: { cellId: log.cellId, index } };
}

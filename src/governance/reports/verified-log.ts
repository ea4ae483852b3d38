// The access-log entries a report may count: only those of a log that verifies in full (as
// `domicile log verify` checks it), and only up to that log's latest signed checkpoint, whose
// root is recomputed from the very entries read — so a change made between verification and
// reading is caught too, and an auditor holding the checkpoint can recompute every number.
import type { CellRegistry } from '../../cells/cell.registry.js';
import { DomainError } from '../../errors/catalogue.js';
import { openCheckpoint } from '../log/checkpoint.js';
import { leafHashOfCanonical, type AccessEntry } from '../log/entry.js';
import { readOpenedEntries } from '../log/log.openings.js';
import { isLogError } from '../log/errors.js';
import { latestCheckpointRow, readLogIdentity } from '../log/log.repository.js';
import { bytesEqual, CompactRange } from '../log/merkle.js';
import { parseVerifierKey } from '../log/note.js';
import { readLogKey } from '../log/log-keys.js';
import { verifyCellLog } from '../log/log.verify.js';
import type { ReportCheckpoint } from './access-report.js';

export interface VerifiedEntries {
  readonly checkpoint: ReportCheckpoint;
  readonly entries: readonly AccessEntry[];
  /** The log index of each entry kept, in the same order (for inclusion proofs). */
  readonly indexes: readonly number[];
}

const PAGE = 4096;

/**
 * The checkpoints a process has verified in full, by cell: a later read up to the same signed
 * checkpoint (same note, same key) skips the full verification — the tiles and every earlier
 * checkpoint's consistency — and keeps the check that matters for what is counted: the root is
 * still recomputed from the very entries read, so an entry changed since is still refused. A new
 * checkpoint (the log grew) is verified in full again.
 */
export interface VerifiedCheckpoints {
  has(cellId: string, key: string): boolean;
  remember(cellId: string, key: string): void;
}

export function verifiedCheckpoints(): VerifiedCheckpoints {
  const verified = new Map<string, string>();
  return {
    has: (cellId, key) => verified.get(cellId) === key,
    remember: (cellId, key) => void verified.set(cellId, key),
  };
}

/**
 * The key to trust for the log of `home`'s cell: the service's own key file, as `domicile log
 * verify` uses it (undefined when there is none; then only the copy pinned in the database).
 */
export function serviceVerifierKey(props: { cells: CellRegistry; dataDir: string; home: string }): string | undefined {
  return readLogKey({ dataDir: props.dataDir, cellId: props.cells.home(props.home).id })?.verifierKey;
}

function refuse(cellId: string, why: string): DomainError {
  return new DomainError('LOG_INCONSISTENT', `the access log of cell ${cellId} does not verify, so no report is made from it: ${why}; run \`domicile log verify --cell ${cellId}\``);
}

/**
 * Verifies the log of `home`'s cell and returns its entries up to the latest checkpoint (those
 * `keep` accepts).
 * `verifierKey` is the key to trust (the service's key file); the copy pinned in the database is
 * used only without one. Throws LOG_INCONSISTENT naming the failure.
 */
export async function verifiedEntriesOf(props: {
  cells: CellRegistry;
  home: string;
  verifierKey?: string | undefined;
  keep?: (entry: AccessEntry) => boolean;
  onProgress?: (done: number, total: number) => void;
  /** Checkpoints already verified in full by this process (per-request readers pass one). */
  verified?: VerifiedCheckpoints;
}): Promise<VerifiedEntries> {
  const cell = props.cells.home(props.home);
  const db = cell.db;
  const identity = await readLogIdentity(db);
  const row = await latestCheckpointRow(db);
  if (identity === null || row === null) throw new DomainError('NOT_FOUND', `the access log of cell ${cell.id} has no checkpoint yet; start the service once`);

  const memoKey = `${props.verifierKey ?? identity.verifierKey}\n${row.note}`;
  if (props.verified?.has(cell.id, memoKey) !== true) {
    const verify = () => verifyCellLog({ cellId: cell.id, db, verifierKey: props.verifierKey, onProgress: props.onProgress });
    let verification = await verify();
    // A serving process may append and sign while the verifier reads (a checkpoint beyond the
    // entries it read): such a finding does not repeat, a changed log's does.
    if (verification.problem !== null) verification = await verify();
    if (verification.problem !== null) {
      const p = verification.problem;
      const where = p.at === null ? '' : p.kind === 'checkpoint' ? ` (checkpoint at size ${p.at})` : ` (entry ${p.at})`;
      throw refuse(cell.id, `${p.message}${where}`);
    }
  }

  let size: number;
  let rootHash: Uint8Array;
  try {
    ({ treeSize: size, rootHash } = openCheckpoint(row.note, [parseVerifierKey(props.verifierKey ?? identity.verifierKey)], identity.origin).checkpoint);
  } catch (err) {
    if (isLogError(err)) throw refuse(cell.id, `its latest checkpoint does not verify (${err.message})`);
    throw err;
  }

  const range = new CompactRange();
  const entries: AccessEntry[] = [];
  const indexes: number[] = [];
  for (let from = 0; from < size; from += PAGE) {
    const to = Math.min(size, from + PAGE);
    // The leaves are hashed as stored; the entries counted are opened (subject and operator ids
    // from the openings kept beside the leaves, which the verification above checked).
    const opened = await readOpenedEntries(db, from, to);
    if (opened.length !== to - from) throw refuse(cell.id, `entries ${from}..${to - 1} changed after verification`);
    for (const [i, { leaf, entry }] of opened.entries()) {
      range.append(leafHashOfCanonical(leaf));
      if (props.keep === undefined || props.keep(entry)) {
        entries.push(entry);
        indexes.push(from + i);
      }
    }
  }
  if (!bytesEqual(range.root(), rootHash)) throw refuse(cell.id, `the entries read do not match the checkpoint at size ${size}`);
  props.verified?.remember(cell.id, memoKey);
  return { checkpoint: { cell: cell.id, origin: identity.origin, size, rootHash: Buffer.from(rootHash).toString('base64') }, entries, indexes };
}

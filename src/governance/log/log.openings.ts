// Operator-side reading of a cell's access log: entries with their ids, opened from the leaves'
// commitments and the openings stored beside them (each entry's subject salts, the operator id).
// For the operator's own tools, the regulator reports and the auditor's export; a person sees the
// sealed leaf and their own salt only.
import { decodeAccessEntry, openAccessEntry, type AccessEntry } from './entry.js';
import { openingsOf, readEntryRows } from './log.repository.js';

export interface Openings {
  readonly actor: { readonly id: string; readonly salt: string } | null;
  readonly subjects: readonly { readonly id: string; readonly salt: string | null }[];
}

export interface OpenedEntry {
  readonly idx: number;
  /** The leaf as stored (canonical JSON, commitments in place of ids): what the tree hashes. */
  readonly leaf: string;
  readonly openings: Openings;
  /** The leaf with its commitments replaced by the ids that open them. */
  readonly entry: AccessEntry;
}

/** Entries with from ≤ idx < to, each with its stored leaf and openings, opened, in index order. */
export async function readOpenedEntries(db: Parameters<typeof readEntryRows>[0], from: number, to: number): Promise<OpenedEntry[]> {
  const [rows, byIdx] = await Promise.all([readEntryRows(db, from, to), openingsOf(db, from, to)]);
  return rows.map((row) => {
    const idx = Number(row.idx);
    const leaf = decodeAccessEntry(Buffer.from(row.entry, 'utf8'));
    const actor = row.actor_id !== null && row.actor_salt !== null ? { id: row.actor_id, salt: row.actor_salt } : null;
    const openings = { actor, subjects: (byIdx.get(idx) ?? []).map(([id, salt]) => ({ id, salt })) };
    return { idx, leaf: row.entry, openings, entry: openAccessEntry(leaf, openings) };
  });
}

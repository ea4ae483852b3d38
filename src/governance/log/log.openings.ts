// Operator-side reading of a cell's access log: entries with their ids, opened from the leaves'
// commitments and the openings stored beside them (the subject index's salts, the operator id).
// For the operator's own tools and tests; a person sees the sealed leaf and their own salt only.
import { decodeAccessEntry, openAccessEntry, type AccessEntry } from './entry.js';
import { readEntryRows, subjectRowsOf } from './log.repository.js';

/** Entries with from ≤ idx < to, opened, in index order. */
export async function readOpenedEntries(db: Parameters<typeof readEntryRows>[0], from: number, to: number): Promise<{ idx: number; entry: AccessEntry }[]> {
  const [rows, subjects] = await Promise.all([readEntryRows(db, from, to), subjectRowsOf(db, from, to)]);
  const byIdx = new Map<number, { id: string; salt: string | null }[]>();
  for (const s of subjects) {
    const list = byIdx.get(s.idx);
    if (list) list.push({ id: s.subject_id, salt: s.salt });
    else byIdx.set(s.idx, [{ id: s.subject_id, salt: s.salt }]);
  }
  return rows.map((row) => {
    const idx = Number(row.idx);
    const leaf = decodeAccessEntry(Buffer.from(row.entry, 'utf8'));
    const actor = row.actor_id !== null && row.actor_salt !== null ? { id: row.actor_id, salt: row.actor_salt } : null;
    return { idx, entry: openAccessEntry(leaf, { actor, subjects: byIdx.get(idx) ?? [] }) };
  });
}

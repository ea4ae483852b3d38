// The tally behind the two-person rule across requests: which people each operator was released
// data about, per purpose, and when. The broker counts the distinct people over a rolling window,
// so splitting one bulk read into many small requests does not slip under the threshold.
import type { Kysely } from 'kysely';
import type { DirectoryDatabase } from '../../cells/cell.database.js';

export interface AccessTally {
  /** Distinct subjects released to this operator for this purpose since `since`. */
  subjectsSince(props: { operatorId: string; purpose: string; since: Date }): Promise<Set<string>>;
  /** Records the subjects released by one request (before the data leaves). */
  add(props: { operatorId: string; purpose: string; subjects: readonly string[]; at: Date }): Promise<void>;
  /** Drops rows older than `before` (they no longer count); returns how many. */
  prune(before: Date): Promise<number>;
}

export function openAccessTally(db: Kysely<DirectoryDatabase>): AccessTally {
  return {
    async subjectsSince({ operatorId, purpose, since }) {
      const rows = await db
        .selectFrom('access_tally')
        .select('subject_id')
        .distinct()
        .where('operator_id', '=', operatorId)
        .where('purpose', '=', purpose)
        .where('at', '>', since.toISOString())
        .execute();
      return new Set(rows.map((r) => r.subject_id));
    },
    async add({ operatorId, purpose, subjects, at }) {
      const rows = [...new Set(subjects)].map((subject_id) => ({ operator_id: operatorId, purpose, subject_id, at: at.toISOString() }));
      if (rows.length === 0) return;
      await db.transaction().execute(async (trx) => {
        // A few hundred rows per statement keeps far below SQLite's bound-parameter limit.
        for (let i = 0; i < rows.length; i += 200) await trx.insertInto('access_tally').values(rows.slice(i, i + 200)).execute();
      });
    },
    async prune(before) {
      const result = await db.deleteFrom('access_tally').where('at', '<=', before.toISOString()).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

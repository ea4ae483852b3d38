// The tally behind the two-person rule across requests: which people each operator was released
// data about, per purpose, and when. The broker counts the distinct people over a rolling window,
// so splitting one bulk read into many small requests does not slip under the threshold. One row
// per request (migration 0029): its people as a JSON array, expanded only when counted.
import { SqliteAdapter, sql, type Kysely } from 'kysely';
import type { DirectoryDatabase } from '../../cells/cell.database.js';

export interface AccessTally {
  /**
   * Distinct subjects released to this operator for this purpose since `since`; at most `limit`
   * of them when given (the rule only asks whether a count passes its threshold).
   */
  subjectsSince(props: { operatorId: string; purpose: string; since: Date; limit?: number }): Promise<Set<string>>;
  /** Records the subjects released by one request (before the data leaves), in one row. */
  add(props: { operatorId: string; purpose: string; subjects: readonly string[]; at: Date }): Promise<void>;
  /** Drops requests older than `before` (they no longer count); returns how many. */
  prune(before: Date): Promise<number>;
}

export function openAccessTally(db: Kysely<DirectoryDatabase>): AccessTally {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  return {
    async subjectsSince({ operatorId, purpose, since, limit }) {
      const ids = sqlite
        ? sql`select distinct person.value as subject_id from access_tally as t, json_each(t.subjects) as person`
        : sql`select distinct person as subject_id from access_tally as t, jsonb_array_elements_text(cast(t.subjects as jsonb)) as person`;
      const rows = await sql<{ subject_id: string }>`${ids}
        where t.operator_id = ${operatorId} and t.purpose = ${purpose} and t.at > ${since.toISOString()}${limit === undefined ? sql`` : sql` limit ${limit}`}`.execute(db);
      return new Set(rows.rows.map((r) => r.subject_id));
    },
    async add({ operatorId, purpose, subjects, at }) {
      if (subjects.length === 0) return;
      // A repeated id is harmless: the count takes distinct people.
      await db.insertInto('access_tally').values({ operator_id: operatorId, purpose, at: at.toISOString(), subjects: JSON.stringify(subjects) }).execute();
    },
    async prune(before) {
      const result = await db.deleteFrom('access_tally').where('at', '<=', before.toISOString()).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

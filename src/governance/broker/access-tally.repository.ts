// The tally behind the two-person rule across requests: which people each operator was released
// data about, per purpose, and when. The broker counts the distinct people over a rolling window,
// so splitting one bulk read into many small requests does not slip under the threshold.
import { SqliteAdapter, sql, type Kysely } from 'kysely';
import type { DirectoryDatabase } from '../../cells/cell.database.js';

export interface AccessTally {
  /**
   * Distinct subjects released to this operator for this purpose since `since`; at most `limit`
   * of them when given (the rule only asks whether a count passes its threshold).
   */
  subjectsSince(props: { operatorId: string; purpose: string; since: Date; limit?: number }): Promise<Set<string>>;
  /** Records the subjects released by one request (before the data leaves). */
  add(props: { operatorId: string; purpose: string; subjects: readonly string[]; at: Date }): Promise<void>;
  /** Drops rows older than `before` (they no longer count); returns how many. */
  prune(before: Date): Promise<number>;
}

export function openAccessTally(db: Kysely<DirectoryDatabase>): AccessTally {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  return {
    async subjectsSince({ operatorId, purpose, since, limit }) {
      let query = db
        .selectFrom('access_tally')
        .select('subject_id')
        .distinct()
        .where('operator_id', '=', operatorId)
        .where('purpose', '=', purpose)
        .where('at', '>', since.toISOString());
      if (limit !== undefined) query = query.limit(limit);
      const rows = await query.execute();
      return new Set(rows.map((r) => r.subject_id));
    },
    async add({ operatorId, purpose, subjects, at }) {
      const ids = [...new Set(subjects)];
      if (ids.length === 0) return;
      // One short statement for a bulk read's thousands of people (a JSON array on SQLite, an
      // array parameter on PostgreSQL) instead of many multi-row inserts built one by one.
      const list = sqlite ? sql`select value from json_each(${JSON.stringify(ids)})` : sql`select unnest(cast(${ids} as text[])) as value`;
      await sql`insert into access_tally (operator_id, purpose, subject_id, at)
        select ${operatorId}, ${purpose}, subject.value, ${at.toISOString()} from (${list}) as subject`.execute(db);
    },
    async prune(before) {
      const result = await db.deleteFrom('access_tally').where('at', '<=', before.toISOString()).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

// The directory's change epoch: one row whose counters move in the same transaction as every write
// a serving process must pick up from other processes — the governance journal, blocks and grants
// (`governance`), placement versions and migration jobs (`placement`). Triggers bump them, so no
// writer (the CLI, another node, a future use case) can forget to; an idle node reads this one row
// instead of each table it caches (src/governance/change-epoch.repository.ts).
import { PostgresAdapter, sql } from 'kysely';
import type { Migration } from 'kysely/migration';
import type { AnyDb } from '../../cells/cell.schema.js';

/** Which counter each table's writes move, and on which statements. */
export const changeEpochTriggers = [
  { table: 'governance_event', topic: 'governance', on: ['INSERT'] },
  { table: 'jurisdiction_block', topic: 'governance', on: ['INSERT', 'DELETE'] },
  { table: 'access_grant', topic: 'governance', on: ['INSERT', 'UPDATE'] },
  { table: 'placement_version', topic: 'placement', on: ['INSERT'] },
  { table: 'migration_job', topic: 'placement', on: ['INSERT', 'UPDATE'] },
] as const;

export const migration0024ChangeEpoch: Migration = {
  async up(db: AnyDb) {
    const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
    await db.schema
      .createTable('change_epoch')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('governance', 'bigint', (c) => c.notNull().defaultTo(0))
      .addColumn('placement', 'bigint', (c) => c.notNull().defaultTo(0))
      .execute();
    await sql`insert into change_epoch (id, governance, placement) values (1, 0, 0)`.execute(db);
    if (postgres) {
      await sql
        .raw(
          `create function change_epoch_bump() returns trigger language plpgsql as $$
           begin
             if tg_argv[0] = 'governance' then update change_epoch set governance = governance + 1 where id = 1;
             else update change_epoch set placement = placement + 1 where id = 1;
             end if;
             return null;
           end $$`,
        )
        .execute(db);
    }
    for (const t of changeEpochTriggers) {
      for (const op of t.on) {
        const name = `change_epoch_${t.table}_${op.toLowerCase()}`;
        // PostgreSQL: deferred to the commit, so the epoch row is the last lock a writer takes
        // (writers locking it mid-transaction, before other rows, could deadlock each other).
        await sql
          .raw(
            postgres
              ? `create constraint trigger ${name} after ${op} on ${t.table} deferrable initially deferred for each row execute function change_epoch_bump('${t.topic}')`
              : `create trigger ${name} after ${op} on ${t.table} begin update change_epoch set ${t.topic} = ${t.topic} + 1 where id = 1; end`,
          )
          .execute(db);
      }
    }
  },
};

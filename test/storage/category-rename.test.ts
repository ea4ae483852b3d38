// Migration 0005 on both dialects: a cell that ran 0001–0004 with the old category names has
// its personal rows (and transfer records' data_category) renamed to fideslang's, other rows
// left alone, and its access-log entries untouched (the log is immutable).
import { afterEach, describe, expect, it } from 'vitest';
import type { Kysely } from 'kysely';
import { renamedCategories } from '../../src/cells/categories.js';
import { createPlacement } from '../../src/cells/placement.js';
import { openDatabase } from '../../src/db/connect.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { cellSchema } from '../../src/app/schema.js';
import { ResidencyGuardPlugin } from '../../src/cells/residency.plugin.js';
import { dialects, freshDatabaseUrl } from '../support/databases.js';

// Migrations describe the schema as it was, so this test speaks to it untyped as they do.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyDb = Kysely<any>;

const at = '2026-01-01T00:00:00.000Z';
const personal = (subject: string, category: string) => ({ subject_id: subject, subject_home: 'JP', category, cell_id: 'jp', scope_home: 'JP', scope_class: 'consumer' });

/** The cell's database as a running process opens it: with the residency guard. */
function openGuarded(url: string): AnyDb {
  const placement = createPlacement([{ id: 'jp', jurisdiction: 'JP' }], []);
  return openDatabase<Record<string, never>>({ url, plugins: [new ResidencyGuardPlugin('jp', () => placement, cellSchema)] }) as AnyDb;
}

function before(): ReturnType<typeof cellSchema.migrations> {
  const all = cellSchema.migrations('jp');
  return Object.fromEntries(Object.entries(all).filter(([name]) => name < '0005'));
}

async function seedOldNames(db: AnyDb): Promise<string> {
  await db
    .insertInto('contact_point')
    .values([
      { id: 'cp1', kind: 'phone', value: '+81 90-1234-5678', created_at: at, ...personal('hanako', 'user.contact.phone') },
      { id: 'cp2', kind: 'email', value: 'hanako@example.jp', created_at: at, ...personal('hanako', 'user.contact.email') },
    ])
    .execute();
  await db
    .insertInto('consent_event')
    .values({ id: 'ce1', seq: 1, kind: 'given', notice_id: 'kr-messages-jp', notice_version: 1, receipt_id: 'r1', receipt: null, at, ...personal('hanako', 'user.privacy.consent') })
    .execute();
  await db
    .insertInto('transfer_record')
    .values({
      id: 'tr1',
      day: '2026-01-01',
      destination: 'KR',
      recipient_id: 'seoul-cloud',
      recipient_name: 'Seoul Cloud Co.',
      data_category: 'user.contact.phone',
      purpose: 'SUPPORT_CASE',
      basis: 'conforming-system',
      basis_ref: 'contract',
      consent_ref: null,
      item_count: 1,
      first_at: at,
      last_at: at,
      keep_until: '2029-01-01T00:00:00.000Z',
      ...personal('hanako', 'user.privacy.transfer_record'),
    })
    .execute();
  const entry = JSON.stringify({ categories: ['user.contact.phone'], subjects: ['hanako'] });
  await db.insertInto('log_entry').values({ idx: 0, entry }).execute();
  return entry;
}

describe.each(dialects)('category rename migration on %s', (dialect) => {
  let db: AnyDb | null = null;
  afterEach(async () => {
    await db?.destroy();
    db = null;
  });

  it('renames old category names in personal rows and transfer records, and leaves the log alone', async () => {
    const url = await freshDatabaseUrl(dialect, 'rename');
    db = openDatabase<Record<string, never>>({ url }) as AnyDb;
    await migrateToLatest(db, before());
    const entry = await seedOldNames(db);
    await db.destroy();

    db = openGuarded(url);
    await migrateToLatest(db, cellSchema.migrations('jp'));

    const points = await db.selectFrom('contact_point').select(['id', 'category']).orderBy('id').execute();
    expect(points).toEqual([
      { id: 'cp1', category: 'user.contact.phone_number' },
      { id: 'cp2', category: 'user.contact.email' },
    ]);
    expect(await db.selectFrom('consent_event').select('category').executeTakeFirstOrThrow()).toEqual({ category: 'user.privacy_preferences.consent' });
    expect(await db.selectFrom('transfer_record').select(['category', 'data_category']).executeTakeFirstOrThrow()).toEqual({
      category: 'user.privacy_preferences.transfer_record',
      data_category: 'user.contact.phone_number',
    });
    expect((await db.selectFrom('log_entry').select('entry').executeTakeFirstOrThrow()).entry).toBe(entry);
    // Nothing is left under a name the list retired.
    for (const old of Object.keys(renamedCategories)) {
      for (const table of ['contact_point', 'consent_event', 'transfer_record']) {
        expect(await db.selectFrom(table).select('category').where('category', '=', old).execute()).toEqual([]);
      }
    }
  });

  it('runs on an empty cell, and a second start does not run it again', async () => {
    db = openGuarded(await freshDatabaseUrl(dialect, 'rename'));
    await migrateToLatest(db, cellSchema.migrations('jp'));
    await migrateToLatest(db, cellSchema.migrations('jp'));
    const ran = await db.selectFrom('kysely_migration').select('name').orderBy('name').execute();
    expect(ran.map((r) => r.name)).toContain('0005_fideslang_categories');
  });
});

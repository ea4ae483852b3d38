// Factories for test data: build what a test needs, named for what it is.
import crypto from 'node:crypto';
import type { CellConfig } from '../../src/config/config.js';
import { createPlacement, type PlacementRule } from '../../src/cells/placement.js';
import { openCells, type Cell, type CellRegistry } from '../../src/cells/cell.registry.js';
import { categories, personalColumns } from '../../src/cells/records.js';
import type { Dialect } from '../../src/db/connect.js';
import { freshDatabaseUrl, tempDir } from './databases.js';
import { freshMigratedPostgresUrl, hasTemplate } from './pg-template.js';
import { cellSchema } from '../../src/app/schema.js';

export const storyRules: PlacementRule[] = [{ home: 'JP', category: 'user.content.media', cell: 'kr' }];

export async function buildCellConfigs(dialect: Dialect, ids: [string, string][] = [['jp', 'JP'], ['kr', 'KR']]): Promise<CellConfig[]> {
  const dir = tempDir('domicile-cells');
  return Promise.all(
    ids.map(async ([id, jurisdiction]) => ({
      id,
      jurisdiction,
      database:
        dialect === 'postgres' && hasTemplate({ cell: id }) ? await freshMigratedPostgresUrl({ cell: id }, `cell_${id}`) : await freshDatabaseUrl(dialect, `cell_${id}`),
      blobDir: `${dir}/blobs/${id}`,
    })),
  );
}

export async function buildCells(dialect: Dialect, rules: PlacementRule[] = storyRules): Promise<CellRegistry> {
  const cells = await buildCellConfigs(dialect);
  return openCells({ cells, placement: createPlacement(cells, rules) }, cellSchema);
}

export function randomId(prefix = 'id'): string {
  return `${prefix}${crypto.randomBytes(6).toString('hex')}`;
}

/** A conversation of `subject` in `cell`, and plaintext message rows in it as an older version stored them. */
export async function plaintextMessages(cell: Cell, subject: string, bodies: string[]): Promise<string[]> {
  const scope = { home: 'JP', class: 'consumer' as const };
  const at = new Date().toISOString();
  const conversationId = `c${subject}`;
  await cell.db
    .insertInto('conversation')
    .values({ id: conversationId, kind: 'group', title: null, owner_id: subject, direct_key: null, last_seq: bodies.length, created_at: at, updated_at: at, ...personalColumns({ subject: { id: subject, home: 'JP' }, scope, category: categories.conversation, cell }) })
    .execute();
  const ids = bodies.map((_, i) => `msg${subject}${String(i).padStart(6, '0')}`);
  const rows = bodies.map((body, i) => ({
    id: ids[i] as string,
    conversation_id: conversationId,
    seq: i + 1,
    kind: 'text',
    client_id: `k${i}`,
    text: body,
    media_id: null,
    media_type: null,
    media_size: null,
    created_at: at,
    ...personalColumns({ subject: { id: subject, home: 'JP' }, scope, category: categories.message, cell }),
  }));
  for (let i = 0; i < rows.length; i += 500) await cell.db.insertInto('message').values(rows.slice(i, i + 500)).execute();
  return ids;
}

/** A raw `media` row of `home`'s consumer (or `cls`) data for cell `cellId`: for tests of the storage guard itself. */
export function buildMediaRow(cellId: string, home = 'JP', cls = 'consumer') {
  return {
    id: `m${Math.random().toString(36).slice(2)}`,
    conversation_id: null,
    content_type: 'image/png',
    size: 1,
    sha256: 'x',
    created_at: new Date().toISOString(),
    subject_id: 'hanako',
    subject_home: home,
    category: 'user.content.media',
    cell_id: cellId,
    scope_home: home,
    scope_class: cls,
  };
}

// Factories for test data: build what a test needs, named for what it is.
import crypto from 'node:crypto';
import type { CellConfig } from '../../src/config/config.js';
import { createPlacement, type PlacementRule } from '../../src/cells/placement.js';
import { openCells, type CellRegistry } from '../../src/cells/cell.registry.js';
import type { Dialect } from '../../src/db/connect.js';
import { freshDatabaseUrl, tempDir } from './databases.js';
import { cellSchema } from '../../src/app/schema.js';

export const storyRules: PlacementRule[] = [{ home: 'JP', category: 'user.content.media', cell: 'kr' }];

export async function buildCellConfigs(dialect: Dialect, ids: [string, string][] = [['jp', 'JP'], ['kr', 'KR']]): Promise<CellConfig[]> {
  const dir = tempDir('domicile-cells');
  return Promise.all(
    ids.map(async ([id, jurisdiction]) => ({
      id,
      jurisdiction,
      database: await freshDatabaseUrl(dialect, `cell_${id}`),
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

// The cells domain's own part of the schema: the cell's identity, the renames of the category
// list it owns, the key ring's data keys and a region migration's change log and seal, and in the directory the subjects, logins, record locations and placement versions.
import type { CellSchemaPart, DirectorySchemaPart } from './cell.schema.js';
import { migration0000CellMeta } from './migrations/0000_cell_meta.js';
import { migration0001Directory } from './migrations/0001_directory.js';
import { migration0004RecordLocations } from './migrations/0004_record_locations.js';
import { migration0005FideslangCategories } from './migrations/0005_fideslang_categories.js';
import { migration0012KeyRing } from './migrations/0012_key_ring.js';
import { migration0013PlacementVersions } from './migrations/0013_placement_versions.js';
import { migration0026MigrationChanges } from './migrations/0026_migration_changes.js';
import { migration0030MigrationSeal } from './migrations/0030_migration_seal.js';

export const cellsCellSchema: CellSchemaPart = {
  name: 'cells',
  migrations: () => ({ '0000_cell_meta': migration0000CellMeta, '0005_fideslang_categories': migration0005FideslangCategories, '0012_key_ring': migration0012KeyRing, '0026_migration_changes': migration0026MigrationChanges, '0030_migration_seal': migration0030MigrationSeal }),
};

export const cellsDirectorySchema: DirectorySchemaPart = {
  name: 'cells',
  migrations: { '0001_directory': migration0001Directory, '0004_record_locations': migration0004RecordLocations, '0013_placement_versions': migration0013PlacementVersions },
};

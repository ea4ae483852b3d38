// The schema of this deployment's cells and directory: every domain's part, in one list each.
// A new domain adds its part here — one line — and owns the rest in its own folder.
import { composeCellSchema, composeDirectoryMigrations } from '../cells/cell.schema.js';
import { cellsCellSchema, cellsDirectorySchema } from '../cells/cells.schema.js';
import { accessLogSchema, casesSchema, governanceDirectorySchema, transfersSchema } from '../governance/governance.schema.js';
import { messagingSchema } from '../messaging/messaging.schema.js';
import { paySchema } from '../pay/pay.schema.js';

export const cellSchema = composeCellSchema([cellsCellSchema, messagingSchema, accessLogSchema, casesSchema, transfersSchema, paySchema]);

export const directoryMigrations = composeDirectoryMigrations([cellsDirectorySchema, governanceDirectorySchema]);

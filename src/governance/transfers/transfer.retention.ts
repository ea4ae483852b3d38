// Retention of transfer records: each cell's records past their three years are deleted. A serving
// process runs this from the governance poller (at start, then hourly); one cell failing does not
// stop the others, and it is tried again at the next run.
import type { CellRegistry } from '../../cells/cell.registry.js';
import { purgeExpiredTransferRecords } from './transfer.repository.js';

/** How often a serving process purges transfer records past their retention. */
export const TRANSFER_PURGE_INTERVAL_MS = 60 * 60 * 1000;

export interface PurgeOutcome {
  /** Records deleted, by cell id. */
  readonly purged: Readonly<Record<string, number>>;
  /** Cells whose purge failed; their records wait for the next run. */
  readonly failed: readonly string[];
}

/** Deletes, in every cell, the transfer records whose `keep_until` is before the (UTC) day of `at`. */
export async function purgeExpiredTransfers(props: { cells: Pick<CellRegistry, 'all'>; at: Date }): Promise<PurgeOutcome> {
  const today = props.at.toISOString().slice(0, 10);
  const purged: Record<string, number> = {};
  const failed: string[] = [];
  await Promise.all(
    props.cells.all().map(async (cell) => {
      try {
        purged[cell.id] = await purgeExpiredTransferRecords(cell.db, today);
      } catch {
        failed.push(cell.id);
      }
    }),
  );
  return { purged, failed };
}

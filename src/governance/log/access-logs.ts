// The access logs of every cell, and the one governance door the broker calls: recordAccess
// routes an entry to the log of its subjects' home cell, so entries about a cell's subjects stay
// in that cell, and resolves only once the entry is durable (no log, no data).
import type { CellRegistry } from '../../cells/cell.registry.js';
import { DomainError, isDomainError } from '../../errors/catalogue.js';
import { openAccessLog, type AccessLog } from './access-log.js';
import type { AccessEntry } from './entry.js';
import { loadOrCreateLogKey, logOrigin } from './log-keys.js';

export interface RecordedAccess {
  readonly cellId: string;
  readonly index: number;
}

/** What the broker (and any system job) needs from governance to record a decision. */
export interface AccessRecorder {
  /** Durably records one decision; rejects, and nothing may be released, if it cannot. */
  recordAccess(entry: AccessEntry): Promise<RecordedAccess>;
}

export interface AccessLogs extends AccessRecorder {
  get(cellId: string): AccessLog;
  /** The log of the home cell of `jurisdiction`. */
  forJurisdiction(jurisdiction: string): AccessLog;
  all(): readonly AccessLog[];
  close(): Promise<void>;
}

export interface OpenAccessLogsProps {
  cells: CellRegistry;
  dataDir: string;
  deployment: string;
  /** Each known subject with its home jurisdiction (unknown ones absent): one call per entry. */
  homesOf?: (subjectIds: readonly string[]) => Promise<ReadonlyMap<string, { readonly home: string }>>;
  checkpointIntervalMs?: number;
}

export async function openAccessLogs(props: OpenAccessLogsProps): Promise<AccessLogs> {
  const logs = new Map<string, AccessLog>();
  try {
    for (const cell of props.cells.all()) {
      const key = loadOrCreateLogKey({ dataDir: props.dataDir, cellId: cell.id, origin: logOrigin(props.deployment, cell.id) });
      // Other writers append to the same log: app nodes sharing a PostgreSQL cell, the CLI (a
      // migration, `domicile access`) beside a serving process on a SQLite one.
      logs.set(cell.id, await openAccessLog({ cellId: cell.id, db: cell.db, key, checkpointIntervalMs: props.checkpointIntervalMs, shared: cell.dialect }));
    }
  } catch (err) {
    await Promise.all([...logs.values()].map((log) => log.close()));
    throw err;
  }

  function get(cellId: string): AccessLog {
    const log = logs.get(cellId);
    if (!log) throw new DomainError('NOT_FOUND', `no access log for cell "${cellId}"`);
    return log;
  }

  const forJurisdiction = (jurisdiction: string): AccessLog => get(props.cells.home(jurisdiction).id);

  return {
    get,
    forJurisdiction,
    all: () => [...logs.values()],

    async recordAccess(entry) {
      const log = forJurisdiction(entry.subjectJurisdiction);
      if (props.homesOf) {
        const homes = await props.homesOf(entry.subjects);
        for (const subject of entry.subjects) {
          const home = homes.get(subject)?.home;
          if (home !== undefined && home !== entry.subjectJurisdiction) {
            throw new DomainError(
              'WRONG_CELL',
              `an access to ${subject} (home ${home}) belongs in the ${home} log, not the ${entry.subjectJurisdiction} one; record one entry per jurisdiction`,
              { subjectId: subject },
            );
          }
        }
      }
      try {
        const { index } = await log.append(entry);
        return { cellId: log.cellId, index };
      } catch (err) {
        if (isDomainError(err)) throw err;
        throw new DomainError('LOG_UNAVAILABLE', `the access could not be recorded, so it is refused: ${err instanceof Error ? err.message : String(err)}`);
      }
    },

    async close() {
      await Promise.all([...logs.values()].map((log) => log.close()));
    },
  };
}

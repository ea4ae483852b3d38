// What the reports read from the access logs: entries about the subjects of one home jurisdiction
// within a time window (for the foreign-handling statement), and the entries naming one subject
// (for their disclosure). An interface, so the reports do not depend on how the log stores them;
// the adapter below reads each home cell's log through the log's own repository.

import type { CellRegistry } from '../../cells/cell.registry.js';
import type { AccessLogs } from '../log/access-logs.js';
import { assertAccessEntry, type AccessEntry } from '../log/entry.js';
import { entryExtent, readEntries } from '../log/log.repository.js';

export interface LoggedAccess {
  /** Which cell's log holds the entry, and its index there (for inclusion proofs). */
  readonly cellId: string;
  readonly index: number;
  readonly entry: AccessEntry;
}

export interface AccessHistory {
  /** Entries about subjects of `home` with since ≤ time < until, oldest first. */
  accessesAbout(props: { home: string; since: Date; until: Date }): Promise<readonly LoggedAccess[]>;
  /** Entries naming `subjectId` (of home `home`), newest first, at most `limit`. */
  accessesOfSubject(props: { home: string; subjectId: string; limit: number }): Promise<readonly LoggedAccess[]>;
}

const PAGE = 2000;

function parse(text: string): AccessEntry | null {
  try {
    const value: unknown = JSON.parse(text);
    assertAccessEntry(value);
    return value;
  } catch {
    // An unreadable entry is the verifier's finding to report; a report skips it.
    return null;
  }
}

/** Reads the access logs of this deployment: entries about a home live in its home cell's log. */
export function accessHistoryFromLogs(props: { logs: AccessLogs; cells: CellRegistry }): AccessHistory {
  const { logs, cells } = props;
  const homeLog = (home: string) => (cells.jurisdictions().includes(home) ? logs.forJurisdiction(home) : null);
  return {
    async accessesAbout({ home, since, until }) {
      const log = homeLog(home);
      if (log === null) return [];
      const db = cells.get(log.cellId).db;
      const { maxIdx } = await entryExtent(db);
      const out: LoggedAccess[] = [];
      const from = since.getTime();
      const to = until.getTime();
      for (let start = 0; maxIdx !== null && start <= maxIdx; start += PAGE) {
        for (const row of await readEntries(db, start, start + PAGE)) {
          const entry = parse(row.entry);
          if (entry === null || entry.subjectJurisdiction !== home) continue;
          const time = Date.parse(entry.time);
          if (time >= from && time < to) out.push({ cellId: log.cellId, index: row.idx, entry });
        }
      }
      return out;
    },
    async accessesOfSubject({ home, subjectId, limit }) {
      const log = homeLog(home);
      if (log === null) return [];
      const stored = await log.entriesAbout({ subjectId, limit });
      const out: LoggedAccess[] = [];
      for (const s of stored) {
        const entry = parse(s.canonical);
        if (entry !== null) out.push({ cellId: log.cellId, index: s.index, entry });
      }
      return out;
    },
  };
}

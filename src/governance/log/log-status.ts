// The governance console's view of the access logs: for each cell, its origin, verifier key,
// size and latest signed checkpoint, and the result of the last full verification run from the
// console (kept in this process; `domicile log verify` is the offline equivalent).
import type { CellRegistry } from '../../cells/cell.registry.js';
import type { AccessLogs } from './access-logs.js';
import { readLogKey } from './log-keys.js';
import { verifyCellLog } from './log.verify.js';

export interface LogVerificationResult {
  readonly at: string;
  readonly ok: boolean;
  readonly entries: number;
  readonly checkpoints: number;
  readonly problem: string | null;
}

export interface LogStatus {
  readonly cell: string;
  readonly jurisdiction: string;
  readonly origin: string;
  readonly verifierKey: string;
  readonly size: number;
  readonly checkpoint: { readonly size: number; readonly rootHash: string };
  readonly lastVerification: LogVerificationResult | null;
}

export interface LogDesk {
  list(): LogStatus[];
  verify(cellId: string): Promise<LogStatus>;
}

export function logDesk(props: { logs: AccessLogs; cells: CellRegistry; dataDir: string; now: () => Date }): LogDesk {
  const last = new Map<string, LogVerificationResult>();
  const status = (cellId: string): LogStatus => {
    const log = props.logs.get(cellId);
    const latest = log.latestCheckpoint();
    return {
      cell: cellId,
      jurisdiction: props.cells.get(cellId).jurisdiction,
      origin: log.origin,
      verifierKey: log.verifierKey,
      size: log.size(),
      checkpoint: { size: latest.size, rootHash: latest.rootHash.toString('base64') },
      lastVerification: last.get(cellId) ?? null,
    };
  };
  return {
    list: () => props.logs.all().map((log) => status(log.cellId)),
    async verify(cellId) {
      props.logs.get(cellId); // NOT_FOUND for an unknown cell
      const verifierKey = readLogKey({ dataDir: props.dataDir, cellId })?.verifierKey;
      const result = await verifyCellLog({ cellId, db: props.cells.get(cellId).db, verifierKey });
      last.set(cellId, {
        at: props.now().toISOString(),
        ok: result.problem === null,
        entries: result.entries,
        checkpoints: result.checkpoints,
        problem: result.problem === null ? null : result.problem.message,
      });
      return status(cellId);
    },
  };
}

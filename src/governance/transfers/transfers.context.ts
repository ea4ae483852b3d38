// What the transfer use cases need, built once per process: the cells, the registries, the
// notices that may be shown, the gate, a clock, and a per-subject lock that keeps each person's
// consent history strictly ordered.

import type { CellRegistry } from '../../cells/cell.registry.js';
import { loadNoticeCatalogue, type NoticeCatalogue } from './notice.catalogue.js';
import { defaultRegistryFiles, loadRegistries, type Registries } from './registry.js';
import type { VerdictCache } from '../verdicts/verdict.cache.js';
import { createTransferGate, type TransferGate } from './transfer.gate.js';

/** Runs work for one key at a time, in call order; different keys run concurrently. */
export interface KeyedLock {
  run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

export function createKeyedLock(): KeyedLock {
  const tails = new Map<string, Promise<unknown>>();
  return {
    run(key, work) {
      const previous = tails.get(key) ?? Promise.resolve();
      const result = previous.then(work, work);
      const tail = result.catch(() => undefined);
      tails.set(key, tail);
      void tail.then(() => {
        if (tails.get(key) === tail) tails.delete(key);
      });
      return result;
    },
  };
}

export interface TransfersContext {
  readonly cells: CellRegistry;
  readonly registries: Registries;
  readonly notices: NoticeCatalogue;
  readonly gate: TransferGate;
  readonly now: () => Date;
  readonly consentLocks: KeyedLock;
}

export interface OpenTransfersProps {
  cells: CellRegistry;
  /** The repository's registries and notices by default; tests pass their own. */
  registries?: Registries;
  notices?: NoticeCatalogue;
  now?: () => Date;
  /** Verdicts of the registry checks kept across processes (`<dataDir>/cache/`); none by default. */
  verdicts?: VerdictCache;
}

export function createTransfersContext(props: OpenTransfersProps): TransfersContext {
  const registries = props.registries ?? loadRegistries(defaultRegistryFiles(), props.verdicts);
  const notices = props.notices ?? loadNoticeCatalogue(registries);
  const now = props.now ?? (() => new Date());
  return {
    cells: props.cells,
    registries,
    notices,
    gate: createTransferGate({ cells: props.cells, registries, notices, now }),
    now,
    consentLocks: createKeyedLock(),
  };
}

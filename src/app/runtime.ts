// The running system without its HTTP edge: cells, directory, messaging, realtime and each
// cell's access log, opened from a configuration. The server, the CLI and the tests all start
// from here.
import path from 'node:path';
import { openCells, type CellRegistry } from '../cells/cell.registry.js';
import { openDirectory, type Directory } from '../cells/directory.js';
import { backfillRecordLocations } from '../cells/record-location.repository.js';
import { ensurePlacementHistory, syncPlacement } from '../cells/placement-version.repository.js';
import { startMigrationRunner, type MigrationRunner } from '../governance/migration/migration.runner.js';
import type { Config } from '../config/config.js';
import { watchChangeEpoch, type ChangeEpochWatch } from '../governance/change-epoch.repository.js';
import { openGovernance, type Governance, type SharedChange } from '../governance/governance.js';
import { openAccessLogs, type AccessLogs } from '../governance/log/access-logs.js';
import { createTransfersContext, type OpenTransfersProps, type TransfersContext } from '../governance/transfers/transfers.context.js';
import { openBus, type Bus } from '../cluster/bus.js';
import { openLease, type Lease } from '../db/lease.js';
import { createClusterEvents, createClusterSessionEvents } from '../messaging/cluster.events.js';
import { createMessagingContext, type MessagingContext } from '../messaging/messaging.context.js';
import { createSessionEvents } from '../messaging/session.events.js';
import { createRealtimeHub, type RealtimeHub } from '../messaging/realtime.hub.js';
import { registerMessagingSources } from '../messaging/subject-data.source.js';
import { checkPaymentChat, postPaymentCard } from '../messaging/message.service.js';
import { recoverPendingPayments, type PayContext, type PaymentChat } from '../pay/pay.service.js';
import { registerPaySources } from '../pay/pay.source.js';
import { recoverAcceptingRequests } from '../pay/request.service.js';
import { cellSchema, directoryMigrations } from './schema.js';
import { openVerdictCache } from '../governance/verdicts/verdict.cache.js';
import { DomainError } from '../errors/catalogue.js';

export interface Runtime {
  config: Config;
  cells: CellRegistry;
  directory: Directory;
  messaging: MessagingContext;
  hub: RealtimeHub;
  /** One access log per cell; `logs.recordAccess` is the broker's door to them. */
  logs: AccessLogs;
  /** Registries, notices, consents and the transfer gate every cross-border write passes. */
  transfers: TransfersContext;
  /** Operator access: operators, cases, grants, the cut-off and the broker (the one door to data). */
  governance: Governance;
  /** Domicile Pay: wallets and the ledger. */
  pay: PayContext;
  /** The bus to the other nodes sharing these cells (`bus.url`), or null for a single node. */
  bus: Bus | null;
  close(): Promise<void>;
}

/** Where nodes announce grant and block changes to each other. */
const governanceSubject = 'domicile.governance.changed';

export interface RuntimeOptions {
  /** Other registries, notices or clock for the transfer gate (tests); the repository's by default. */
  transfers?: Omit<OpenTransfersProps, 'cells'>;
  /**
   * A serving process (not a one-shot CLI command): polls for blocks made by the CLI, expires
   * grants and writes pending governance events to the access logs.
   */
  serving?: boolean;
  /** Errors of background work (a region migration run by this serving process): logged by `serve`, silent without. */
  onBackgroundError?: (err: unknown, what: string) => void;
}

/** How often a serving process looks for a new placement version (a migration waits twice this after its switch). */
export const placementPollMs = 500;

export async function openRuntime(config: Config, options: RuntimeOptions = {}): Promise<Runtime> {
  // Checks that are pure functions of shipped texts (policies, registries) are remembered by hash.
  const verdicts = openVerdictCache(path.join(config.dataDir, 'cache'));
  const cells = await openCells(config, cellSchema);
  let directory: Directory;
  try {
    directory = await openDirectory(config.directoryDatabase, directoryMigrations);
  } catch (err) {
    await cells.close();
    throw err;
  }
  let transfers: TransfersContext;
  try {
    await backfillRecordLocations(directory.db, cells);
    // The directory's latest placement version is the one in force (version 1 = the configuration).
    await ensurePlacementHistory(directory.db, config.placement.rules);
    await syncPlacement(directory.db, cells);
    transfers = createTransfersContext({ verdicts, ...options.transfers, cells });
  } catch (err) {
    await directory.close();
    await cells.close();
    throw err;
  }
  let logs: AccessLogs;
  try {
    logs = await openAccessLogs({
      cells,
      dataDir: config.dataDir,
      deployment: config.deployment,
      homesOf: (ids) => directory.findMany(ids),
    });
  } catch (err) {
    await directory.close();
    await cells.close();
    throw err;
  }
  let bus: Bus | null = null;
  if (config.bus && options.serving) {
    try {
      bus = await openBus({ url: config.bus.url });
    } catch (err) {
      await logs.close();
      await directory.close();
      await cells.close();
      throw err;
    }
  }
  // Nodes sharing a PostgreSQL directory: one of them at a time writes the governance journal to the logs.
  let journalLease: Lease | null = null;
  if (options.serving) journalLease = await openLease({ url: config.directoryDatabase, name: 'domicile.governance_journal' }).catch(() => null);
  const hub = createRealtimeHub();
  const sessionEvents = bus ? createClusterSessionEvents({ bus, local: createSessionEvents() }) : undefined;
  const messaging = createMessagingContext({ cells, directory, events: hub, transfers: transfers.gate, limits: config.limits, sessionEvents, deferSync: config.deferSync });
  // With a bus, committed events also reach the other nodes' sockets (ids on the bus, records from the cell).
  const clusterEvents = bus ? createClusterEvents({ ctx: messaging, hub, bus }) : null;
  if (clusterEvents) messaging.events = clusterEvents;
  // A revoked session's sockets close at once; a bus between nodes would deliver the same event.
  messaging.sessionEvents.subscribe((event) => hub.endSessions(event.subjectId, new Set(event.sessionIds), event.reason));
  let governance: Governance;
  // A serving process's one poll of what other processes change in the directory (blocks, journal,
  // grants, placement, migration jobs); read once here, before the caches it drives load.
  let changes: ChangeEpochWatch | null = null;
  try {
    if (options.serving) changes = await watchChangeEpoch({ db: directory.db });
    governance = await openGovernance({
      cells,
      directoryDb: directory.db,
      directory,
      recorder: logs,
      transfers: transfers.gate,
      policyDir: config.policyDir,
      verdicts,
      trustedProxies: config.trustedProxies,
      demo: config.demo,
      watchPolicies: options.serving ?? false,
      serving: options.serving ?? false,
      ...(changes ? { changes } : {}),
      ...(journalLease ? { holdsJournalLease: () => journalLease?.held() ?? false } : {}),
      ...(bus ? { onSharedChange: (kind: SharedChange) => bus?.publish(governanceSubject, { kind }) } : {}),
    });
  } catch (err) {
    changes?.close();
    await journalLease?.close();
    await bus?.close();
    await logs.close();
    await directory.close();
    await cells.close();
    throw err;
  }
  const stopGovernanceNotices = bus?.subscribe(governanceSubject, () => void governance.refreshShared().catch(() => undefined));
  registerMessagingSources(governance.sources, messaging);
  // Pay writes its cards into chats through this port only; neither side reads the other's tables.
  const chat: PaymentChat = {
    check: (p) => checkPaymentChat({ ctx: messaging, ...p }),
    post: async (p) => {
      await postPaymentCard({ ctx: messaging, ...p });
    },
  };
  const pay: PayContext = { cells, directory, chat, gate: transfers.gate, simulatedFunding: config.simulatedFunding };
  // Money moving between cells needs recovery at start: a serving process applies every payment
  // left pending by a crash before it answers anything, then keeps retrying those whose
  // payee's cell was unavailable.
  registerPaySources(governance.sources, pay);
  let payRecovery: NodeJS.Timeout | undefined;
  if (options.serving) {
    await recoverPendingPayments({ ctx: pay });
    await recoverAcceptingRequests({ ctx: pay });
    let recovering = false;
    payRecovery = setInterval(() => {
      if (recovering) return;
      recovering = true;
      recoverPendingPayments({ ctx: pay, olderThanMs: 5_000 })
        .catch(() => undefined)
        .finally(() => (recovering = false));
    }, 5_000);
    payRecovery.unref();
  }
  // Keys shredded or rotated by the CLI (another process) leave this process's cache within a second.
  const keyRefresh = options.serving
    ? setInterval(() => {
        for (const cell of cells.all()) cell.keys.refresh().catch(() => undefined);
      }, 1_000)
    : undefined;
  keyRefresh?.unref();
  // A placement version written by a migration in another process holds here within half a
  // second; cached record locations are dropped with it, since the switch moved records. The same
  // poll beats this process's heartbeat and runs the region migrations queued or left unfinished.
  let migrations: MigrationRunner | null = null;
  if (options.serving) {
    migrations = await startMigrationRunner({
      parts: { cells, directoryDb: directory.db, locations: directory.locations, logs, gate: transfers.gate, deployment: config.deployment, operators: governance.operators },
      journal: governance.journal,
      ...(changes ? { changes } : {}),
      onPlacementChanged: () => directory.locations.invalidate(),
      // A job another process (or a start in this one) holds is not an error: it is tried again at the next poll.
      onError: (err) => {
        if (!(err instanceof DomainError && err.code === 'MIGRATION_CONFLICT')) options.onBackgroundError?.(err, 'region migration');
      },
    });
  }
  const placementSync = migrations
    ? setInterval(() => {
        migrations?.tick().catch(() => undefined);
      }, placementPollMs)
    : undefined;
  placementSync?.unref();
  return {
    config,
    cells,
    directory,
    messaging,
    hub,
    logs,
    transfers,
    governance,
    pay,
    bus,
    async close() {
      clearInterval(payRecovery);
      clearInterval(keyRefresh);
      stopGovernanceNotices?.();
      clusterEvents?.close();
      sessionEvents?.close();
      clearInterval(placementSync);
      changes?.close();
      await migrations?.close();
      hub.closeAll();
      await governance.close();
      await Promise.all([...messaging.messageWriters.values()].map((w) => w.close()));
      await bus?.close();
      await transfers.gate.drain();
      await logs.close();
      await journalLease?.close();
      await directory.close();
      await cells.close();
    },
  };
}

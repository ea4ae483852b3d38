// Operator-access governance composed for one process: the operator directory, cases, grants,
// the cut-off, the policy engine, the IP-to-country lookup and the broker over the data sources
// registered at composition time. In a serving process a poller (every 250 ms) picks up blocks
// made by the CLI, expires grants, writes pending journal events to the access logs and, at start
// and then hourly, purges transfer records past their retention.
import crypto from 'node:crypto';
import type { Kysely } from 'kysely';
import { oneAtATime, type ChangeEpochWatch } from './change-epoch.repository.js';
import type { CellRegistry } from '../cells/cell.registry.js';
import type { DirectoryDatabase } from '../cells/cell.database.js';
import type { Directory } from '../cells/directory.js';
import { openAccessTally } from './broker/access-tally.repository.js';
import { createBroker, TALLY_WINDOW_MS, type Broker, type PolicyState } from './broker/broker.js';
import { createSubjectDataSources, type SubjectDataSources, type SubjectRef } from './broker/subject-data.js';
import { transfersThroughGate } from './broker/transfer-basis.js';
import { openCases, type Cases } from './cases/cases.js';
import { openCutoff, type Cutoff } from './cutoff/cutoff.js';
import { trustedProxies as compileTrustedProxies, type TrustedProxies } from './geo/client-address.js';
import { createGeoLookup, sharedGeoLookup, type GeoLookup } from './geo/geo.lookup.js';
import { openGrants, type Grants } from './grants/grants.js';
import { createGovernanceJournal, type EventActor, type GovernanceJournal } from './journal.js';
import type { AccessRecorder } from './log/access-logs.js';
import { createOperators, type Operator, type Operators } from './operators/operators.js';
import { resolveOrigin, type RequestOrigin } from './operators/origin.js';
import { blocksChanged } from './operators/operator.events.js';
import { createOperatorPresence, SESSION_ENDED_CLOSE_CODE, type OperatorPresence } from './operators/presence.js';
import { PolicyEngine } from './policy/policy.engine.js';
import { applyPolicyDraft, type PolicyDiffEntry, type PolicyFile } from './policy/policy.console.js';
import { defaultPolicyDir } from './policy/policy.files.js';
import type { TransferGate } from './transfers/transfer.gate.js';
import { purgeExpiredTransfers, TRANSFER_PURGE_INTERVAL_MS } from './transfers/transfer.retention.js';
import type { VerdictCache } from './verdicts/verdict.cache.js';

export interface Governance {
  readonly operators: Operators;
  readonly cases: Cases;
  readonly grants: Grants;
  readonly cutoff: Cutoff;
  readonly broker: Broker;
  readonly presence: OperatorPresence;
  /** Where personal data comes from; sources are registered at composition (runtime.ts). */
  readonly sources: SubjectDataSources;
  readonly journal: GovernanceJournal;
  /** True in demo mode: operators on loopback may simulate a source address. */
  readonly demo: boolean;
  policy(): PolicyState;
  /** The physical origin of a request (X-Forwarded-For only from trusted proxies). */
  origin(props: { peer: string | undefined; forwardedFor: string | readonly string[] | undefined; simulatedAddress?: string | undefined }): RequestOrigin;
  /** The subjects of these ids known to the directory. */
  subjectsOf(ids: readonly string[]): Promise<Map<string, SubjectRef>>;
  /** How an operator appears in the journal. */
  actorOf(operator: Operator, origin: RequestOrigin): EventActor;
  /**
   * Closes (4401) live operator sockets whose session is over — signed out, expired, or the
   * operator disabled — by this process or another (the CLI); every poll runs it.
   */
  closeEndedSessions(): Promise<number>;
  /** Ends live sessions and sockets affected by a block; also run after every poll that finds one. */
  enforceBlocks(countries: readonly string[]): Promise<void>;
  /**
   * Another node changed grants or blocks: forget cached decisions, apply blocks now (not at the
   * next poll) and close the sockets of sessions that ended.
   */
  refreshShared(): Promise<void>;
  /**
   * Puts a console change of the policy files in force (see policy.console.ts), journals it for
   * every jurisdiction's access log and announces it to the other nodes, which reload.
   */
  applyPolicies(props: { files: readonly PolicyFile[]; baseDigest: string; actor: EventActor }): Promise<{ digest: string; changed: PolicyDiffEntry[] }>;
  close(): Promise<void>;
}

export interface OpenGovernanceProps {
  cells: CellRegistry;
  directoryDb: Kysely<DirectoryDatabase>;
  /** The subjects' homes and classes, as the directory knows them. */
  directory: Pick<Directory, 'findMany'>;
  /** The access logs; null where the process may not write them (what-if, CLI). */
  recorder: AccessRecorder | null;
  /** The transfer gate: bases for viewing from abroad, and their records. */
  transfers: TransferGate;
  /** Policy directory; null or absent for the project's `policies/`. */
  policyDir?: string | null;
  /** Verdicts of the policy checks kept across processes (`<dataDir>/cache/`); none by default. */
  verdicts?: VerdictCache;
  trustedProxies: readonly string[];
  demo: boolean;
  watchPolicies?: boolean;
  /**
   * A serving process owns the access logs: it writes governance events to them and polls for
   * blocks made elsewhere. A one-shot command leaves its events in the journal for the server,
   * so two processes never append to one log.
   */
  serving: boolean;
  /** Poll interval of a serving process (blocks made elsewhere, expiries, journal events). */
  pollMs?: number;
  /**
   * The directory's change epoch (serving processes): the cut-off, journal and grant expiries are
   * then re-read only when it moved, instead of every poll.
   */
  changes?: ChangeEpochWatch;
  /**
   * Told after this node changed something other nodes cache (grants, blocks, policies), so a
   * bus between nodes can announce it; each other node then runs `refreshShared`.
   */
  onSharedChange?: (kind: SharedChange) => void;
  /** With several nodes on one directory: whether this node holds the journal-writer lease. */
  holdsJournalLease?: () => boolean;
  /** How often, by `now`, a serving process purges expired transfer records; hourly by default. */
  transferPurgeEveryMs?: number;
  now?: () => Date;
}

/** What one node changed that the others cache. */
export type SharedChange = 'grants' | 'cutoff' | 'policies';

const NO_COUNTRY_GEO: GeoLookup = createGeoLookup({ get: () => null });

async function maskKey(db: Kysely<DirectoryDatabase>): Promise<Buffer> {
  const read = async () => (await db.selectFrom('directory_meta').select('value').where('key', '=', 'mask_key_secret').executeTakeFirst())?.value;
  let secret = await read();
  if (!secret) {
    await db
      .insertInto('directory_meta')
      .values({ key: 'mask_key_secret', value: crypto.randomBytes(32).toString('base64') })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    secret = await read();
  }
  return Buffer.from(secret ?? '', 'base64');
}

export async function openGovernance(props: OpenGovernanceProps): Promise<Governance> {
  const { cells, directoryDb: db } = props;
  const now = props.now ?? (() => new Date());

  let policy: PolicyState;
  try {
    const engine = await PolicyEngine.open({ dir: props.policyDir ?? defaultPolicyDir(), watch: props.watchPolicies ?? false, ...(props.verdicts ? { verdicts: props.verdicts } : {}) });
    policy = { engine, problem: null };
  } catch (err) {
    // Fail closed: the service runs, and every operator access is refused until policies load.
    policy = { engine: null, problem: err instanceof Error ? err.message : String(err) };
  }
  const geo = await sharedGeoLookup().catch(() => NO_COUNTRY_GEO);
  const trusted: TrustedProxies = compileTrustedProxies(props.trustedProxies);
  // The directory's own cache (refreshed when a subject's home or class changes), not a second one here.
  const subjectsOf = (ids: readonly string[]): Promise<Map<string, SubjectRef>> => props.directory.findMany(ids);

  const jurisdictions = cells.jurisdictions();
  const journal = createGovernanceJournal({ db, recorder: props.serving ? props.recorder : null, ...(props.holdsJournalLease ? { holdsLease: props.holdsJournalLease } : {}), now });
  const cutoff = await openCutoff({ db, journal, jurisdictions, now });
  const operators = createOperators({ db, journal, jurisdictions, now });
  const homesOf = async (ids: readonly string[]): Promise<Map<string, string>> => new Map([...(await subjectsOf(ids))].map(([id, s]) => [id, s.home]));
  const cases = openCases({ cells, directoryDb: db, journal, homesOf, now });
  const flushDecisions = (): void => policy.engine?.flush();
  const grants = openGrants({
    db,
    journal,
    homesOf,
    jurisdictions,
    onChange: () => {
      flushDecisions();
      props.onSharedChange?.('grants');
    },
    now,
  });
  const sources = createSubjectDataSources();
  sources.register(cases.source);
  const presence = createOperatorPresence();
  const tally = openAccessTally(db);
  const broker = createBroker({
    findOperator: (id) => operators.find(id),
    subjectsOf,
    findCase: (ref) => cases.find(ref),
    grants,
    blocked: () => cutoff.list(),
    policy: () => policy,
    transfers: transfersThroughGate(props.transfers),
    sources,
    recorder: props.recorder,
    jurisdictions,
    tally,
    maskKey: await maskKey(db),
    now,
  });

  async function enforceBlocks(countries: readonly string[]): Promise<void> {
    if (countries.length === 0) return;
    const set = new Set(countries);
    // Sockets first: closing them needs no I/O, so it happens within the poll that saw the block.
    presence.cutOff(set, 'operator access from this jurisdiction has been cut off');
    const revoked = await operators.revokeFrom(countries, `cut-off of ${countries.join(', ')}`);
    presence.endSessions(new Set(revoked.map((r) => r.id)), 'operator access from this jurisdiction has been cut off');
  }

  async function closeEndedSessions(): Promise<number> {
    const live = presence.sessionIds();
    if (live.length === 0) return 0;
    const ended = await operators.endedSessions(live);
    if (ended.length === 0) return 0;
    // A cut-off revokes its sessions right after the block commits, and this check runs every tick
    // while the block is read when the change epoch says so: read it now, so that sockets of a
    // blocked country close as cut off (4403), not as merely ended.
    await cutoff.refresh();
    return presence.endSessions(new Set(ended), 'operator session ended (signed out, expired or operator disabled); sign in again', SESSION_ENDED_CLOSE_CODE);
  }

  cutoff.onChange((change) => {
    flushDecisions();
    presence.broadcast(blocksChanged(change.blocked));
    void enforceBlocks(change.added).catch(() => undefined);
    props.onSharedChange?.('cutoff');
  });

  // Blocks made before this start take effect on sessions that outlived them.
  await enforceBlocks(cutoff.list());
  if (props.serving) await journal.flush().catch(() => undefined);

  // The purge runs beside the poll, not in it: a long delete must not hold up the next cut-off check.
  const purgeEveryMs = props.transferPurgeEveryMs ?? TRANSFER_PURGE_INTERVAL_MS;
  let lastPurgeAt = Number.NEGATIVE_INFINITY;
  let purging: Promise<void> | null = null;
  function purgeTransfersIfDue(): void {
    const at = now();
    if (purging || at.getTime() - lastPurgeAt < purgeEveryMs) return;
    lastPurgeAt = at.getTime();
    purging = purgeExpiredTransfers({ cells, at })
      .then(() => tally.prune(new Date(at.getTime() - TALLY_WINDOW_MS)))
      .then(() => undefined, () => undefined)
      .finally(() => {
        purging = null;
      });
  }

  let timer: NodeJS.Timeout | null = null;
  let ticks = 0;
  const pollMs = props.serving ? (props.pollMs ?? 250) : 0;

  /** Without a change epoch: every table each tick (the cut-off), each second (expiries, the journal). */
  async function pollTables(): Promise<void> {
    ticks += 1;
    await cutoff.refresh();
    await closeEndedSessions();
    if (ticks % 4 === 0) await grants.expireDue();
    if (ticks % 4 === 2) await journal.flush();
  }

  // With the directory's change epoch, the cut-off, the journal and the next grant expiry are read
  // again only when the epoch moved, the last read failed, or this node just took the journal
  // lease (events its predecessor left); expiries come by the clock, so the first one is kept.
  const changes = pollMs > 0 ? props.changes : undefined;
  let changed = true;
  let recordingBefore = journal.recording;
  let nextExpiry: string | null = null;
  async function pollChanges(): Promise<void> {
    if (journal.recording !== recordingBefore) {
      recordingBefore = journal.recording;
      changed = true;
    }
    if (changed) {
      changed = false;
      try {
        await cutoff.refresh();
        await journal.flush();
        nextExpiry = await grants.nextExpiry();
      } catch (err) {
        changed = true;
        throw err;
      }
    }
    await closeEndedSessions();
    if (nextExpiry !== null && nextExpiry <= now().toISOString()) {
      await grants.expireDue();
      nextExpiry = await grants.nextExpiry();
    }
  }

  const runPoll = oneAtATime(() => (changes ? pollChanges() : pollTables()));
  function poll(announced: boolean): void {
    purgeTransfersIfDue();
    runPoll(announced).catch(() => undefined);
  }
  const stopWatching = changes?.onChange('governance', () => {
    changed = true;
    poll(true);
  });
  if (pollMs > 0) {
    purgeTransfersIfDue();
    timer = setInterval(() => poll(false), pollMs);
    timer.unref();
  }

  return {
    operators,
    cases,
    grants,
    cutoff,
    broker,
    presence,
    sources,
    journal,
    demo: props.demo,
    policy: () => policy,
    origin: ({ peer, forwardedFor, simulatedAddress }) => resolveOrigin({ peer, forwardedFor, simulatedAddress, trusted, demo: props.demo, geo }),
    subjectsOf,
    actorOf: (operator, origin) => ({
      id: operator.id,
      employer: operator.employer.entity,
      employerCountry: operator.employer.country,
      officeCountry: operator.officeCountry,
      physicalCountry: origin.country,
    }),
    enforceBlocks,
    closeEndedSessions,
    async refreshShared() {
      // A policy set applied on another node: its files are in the shared directory (a watching
      // node may have reloaded already; an unchanged digest makes this free).
      await policy.engine?.reload().catch(() => undefined);
      flushDecisions();
      await cutoff.refresh();
      await closeEndedSessions();
    },
    async applyPolicies({ files, baseDigest, actor }) {
      const applied = await applyPolicyDraft({
        engine: policy.engine,
        files,
        baseDigest,
        record: async ({ digest, changed }) => {
          await journal.record({ kind: 'policy-apply', actor, digest, changedPolicyIds: changed.map((c) => c.id), jurisdictions }, now().toISOString());
        },
      });
      if (applied.changed.length > 0) {
        if (props.serving) await journal.flush().catch(() => undefined);
        props.onSharedChange?.('policies');
      }
      return applied;
    },
    async close() {
      stopWatching?.();
      if (timer) clearInterval(timer);
      timer = null;
      await purging;
      presence.closeAll();
      policy.engine?.close();
      if (props.serving) await journal.flush().catch(() => undefined);
    },
  };
}

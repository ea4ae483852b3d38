// The crash harness's parts: load lanes that drive one real server process with every kind of
// acknowledged write at once (chat sends, operator accesses that must be logged before release,
// consent changes, payments) while a region migration runs, a record of what was acknowledged,
// and the checks run after each restart against the cells' files.
import crypto from 'node:crypto';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openCheckpoint } from '../../src/governance/log/checkpoint.js';
import { parseVerifierKey } from '../../src/governance/log/note.js';
import { bytesEqual, leafHash, rootOf } from '../../src/governance/log/merkle.js';
import { freshCode } from '../broker/support.js';
import { demoOperatorPassword } from '../../src/demo/demo.operators.js';
import { runDomicile } from '../support/cli.js';
import { spawnDomicile, type ServerProcess } from '../support/process.js';
import { rawRows } from '../support/raw-file.js';
import { ApiClient, RealtimeClient } from '../support/server.js';

/** In demo mode an operator on loopback may appear from Japan. */
export const fromJapan = { 'x-domicile-simulated-address': '133.242.0.1' };

/** Everything the server acknowledged, across all cycles. */
export interface Acknowledged {
  /** clientId → message id */
  messages: Map<string, string>;
  payments: Map<string, string>;
  /** requestIds of released operator accesses */
  accesses: Set<string>;
  consentsGiven: Set<string>;
  consentsWithdrawn: Set<string>;
}

export function noAcks(): Acknowledged {
  return { messages: new Map(), payments: new Map(), accesses: new Set(), consentsGiven: new Set(), consentsWithdrawn: new Set() };
}

export interface Sessions {
  user: string;
  operator: string;
  groupId: string;
}

/** Signs hanako and a Tokyo support operator in once; sessions outlive restarts. */
export async function openSessions(server: ServerProcess): Promise<Sessions> {
  const hanako = new ApiClient(server.url);
  await hanako.signIn('hanako', 'domicile-demo');
  const list = (await hanako.request('GET', '/v1/conversations')).body as { conversations: { id: string; kind: string }[] };
  const groupId = list.conversations.find((c) => c.kind === 'group')?.id ?? '';
  const topup = await hanako.request('POST', '/v1/pay/topups', { amount: 900_000, idempotencyKey: 'crash-topup' });
  if (topup.status !== 201) throw new Error(`top-up failed: ${topup.status}`);
  const operator = new ApiClient(server.url);
  const signin = await operator.request('POST', '/v1/ops/auth/signin', { operatorId: 'op-tokyo-support', password: demoOperatorPassword, code: await freshCode('op-tokyo-support') }, fromJapan);
  if (signin.status !== 200) throw new Error(`operator sign-in failed: ${signin.status} ${JSON.stringify(signin.body)}`);
  return { user: hanako.token ?? '', operator: (signin.body as { token: string }).token, groupId };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface JobStatus {
  id: string;
  phase: string;
  to: string;
  startedAt: string;
  error: string | null;
}
const ended = new Set(['done', 'aborted', 'failed']);
/** The records of the moved categories, by table, for the check that a finished move left none behind. */
const movedTables = ['payment', 'posting', 'wallet', 'media'];

/**
 * The migration lane: in each cycle one region migration of JP's images and payment data between
 * cells kr and jp (to jp, back to kr, …), started by `domicile migrate start` in its own process
 * and killed together with the server; after the restart `migrate resume` finishes it. It drives
 * the engine through the CLI only (`migrate start|resume|status --json`) and checks the files,
 * so it holds whichever process runs the job.
 */
export class MigrationLane {
  private run: ReturnType<typeof spawnDomicile> | undefined;
  /** The cell JP's images and payment data are in: the last finished move's destination. */
  private placedIn = 'kr';
  private moves = 0;
  /** Jobs a kill -9 left unfinished, resumed after the restart. */
  interrupted = 0;
  constructor(private readonly props: { config: string; dataDir: string }) {}

  async jobs(): Promise<JobStatus[]> {
    const res = await runDomicile(['migrate', 'status', '--json', '--config', this.props.config]);
    if (res.code !== 0) throw new Error(`migrate status: ${res.stdout}${res.stderr}`);
    return (JSON.parse(res.stdout) as JobStatus[]).sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  }

  /** Starts the next move (to the other cell) in its own process. */
  start(): void {
    const to = this.placedIn === 'kr' ? 'jp' : 'kr';
    this.run = spawnDomicile(['migrate', 'start', '--home', 'JP', '--category', 'user.content.media,user.financial', '--to', to, '--actor', 'op-tokyo-admin', '--yes', '--json', '--config', this.props.config]);
  }

  /**
   * True once the started job is under way, or the CLI has ended. Read from the directory's file
   * (`migrate status` opens the whole runtime, ~0.8 s a call: too slow to poll).
   */
  underWay(): boolean {
    if (!this.run?.running()) return true;
    return rawRows<{ phase: string }>(path.join(this.props.dataDir, 'directory.sqlite'), 'select phase from migration_job').some((j) => !ended.has(j.phase));
  }

  async kill9(): Promise<void> {
    await this.run?.kill9();
  }

  /** After a restart: resumes every unfinished job to its end; problems, or none. */
  async finish(): Promise<string[]> {
    const problems: string[] = [];
    const exited = this.run?.running() === false ? await this.run.wait() : undefined;
    if (exited && exited.code !== 0 && exited.code !== null) problems.push(`migrate start exited ${exited.code}: ${exited.stderr}`);
    const jobs = await this.jobs();
    for (const [i, job] of jobs.entries()) {
      if (ended.has(job.phase)) continue;
      this.interrupted += 1;
      const res = await runDomicile(['migrate', 'resume', job.id, '--json', '--config', this.props.config]);
      jobs[i] = res.code === 0 ? (JSON.parse(res.stdout) as JobStatus) : { ...job, error: `resume exited ${res.code}: ${res.stderr}` };
    }
    for (const job of jobs) if (job.phase !== 'done') problems.push(`migration ${job.id} to ${job.to} is ${job.phase} (${job.error})`);
    if (jobs.length === this.moves) return problems; // killed before the job was written: nothing moved
    this.moves = jobs.length;
    this.placedIn = jobs.at(-1)?.to ?? this.placedIn;
    // A finished move leaves nothing of the moved data in the cell it left (a move covers the home's
    // people and companies; government records such as Minato City's wallet stay in their home cell).
    const left = this.placedIn === 'kr' ? 'jp' : 'kr';
    for (const table of movedTables) {
      const n = rawRows<{ n: number }>(path.join(this.props.dataDir, `${left}.sqlite`), `select count(*) as n from ${table} where scope_home = 'JP' and scope_class <> 'government'`)[0]?.n;
      if (n !== 0) problems.push(`${n} JP ${table} rows left in ${left} after the move to ${this.placedIn}`);
    }
    return problems;
  }
}

export interface BurstResult {
  /** The last checkpoint note of each cell fetched before the kill. */
  checkpoints: Map<string, string>;
  /** Writes acknowledged per lane; for the migration lane, 1 if its job was under way at the kill. */
  acked: { messages: number; payments: number; accesses: number; consents: number; migrations: number };
}

/**
 * Runs every lane against `server`, then kills it with SIGKILL at a random moment once each lane
 * has had at least one acknowledgement (or after `maxMs`). With a migration lane, the moment falls
 * anywhere in the job's next two seconds (the demo move takes about that long), and the job's
 * process is killed with the server.
 */
export async function burstThenKill(props: { server: ServerProcess; sessions: Sessions; acks: Acknowledged; cycle: number; cells: string[]; migration?: MigrationLane; maxMs?: number }): Promise<BurstResult> {
  const { server, sessions, acks, cycle } = props;
  const user = new ApiClient(server.url);
  user.token = sessions.user;
  const operator = new ApiClient(server.url);
  operator.token = sessions.operator;
  const counts = { messages: 0, payments: 0, accesses: 0, consents: 0, migrations: props.migration ? 0 : 1 };
  const checkpoints = new Map<string, string>();
  let alive = true;
  const tag = `c${cycle}-${crypto.randomBytes(3).toString('hex')}`;
  const guarded = async (lane: () => Promise<void>): Promise<void> => {
    try {
      while (alive) await lane();
    } catch {
      // the server is gone
    }
  };

  const ws = await RealtimeClient.connect(server.wsUrl, sessions.user);
  ws.socket.on('error', () => undefined);
  ws.socket.on('message', (data) => {
    const frame = JSON.parse(String(data)) as { type: string; clientId?: string; message?: { id: string } };
    if (frame.type === 'ack' && frame.clientId && frame.message) {
      acks.messages.set(frame.clientId, frame.message.id);
      counts.messages += 1;
    }
  });
  let sent = 0;
  const pump = setInterval(() => {
    for (let i = 0; i < 10 && ws.socket.readyState === ws.socket.OPEN; i += 1) {
      ws.send({ type: 'send', clientId: `${tag}-m${sent}`, conversationId: sessions.groupId, text: `crash ${tag} ${sent}` });
      sent += 1;
    }
  }, 5);

  let payment = 0;
  const payLane = (to: string) => async (): Promise<void> => {
    const key = `${tag}-p${(payment += 1)}`;
    const res = await user.request('POST', '/v1/pay/payments', { to, amount: 1, currency: 'JPY', idempotencyKey: key });
    if (res.status === 201) {
      acks.payments.set(key, (res.body as { payment: { id: string } }).payment.id);
      counts.payments += 1;
    }
  };
  const accessLane = async (): Promise<void> => {
    const res = await operator.request('POST', '/v1/ops/access', { purpose: 'SUPPORT_CASE', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.contact'] }, fromJapan);
    if (res.status === 200) {
      acks.accesses.add((res.body as { requestId: string }).requestId);
      counts.accesses += 1;
    } else throw new Error(`operator access refused: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const consentLane = async (): Promise<void> => {
    const given = await user.request('POST', '/v1/me/consents', { noticeId: 'jp-media-storage-kr' });
    const receiptId = (given.body as { consent?: { receiptId: string } } | null)?.consent?.receiptId;
    if (given.status === 201 && receiptId) {
      acks.consentsGiven.add(receiptId);
      counts.consents += 1;
    }
    if (!receiptId) return;
    const withdrawn = await user.request('POST', `/v1/me/consents/${receiptId}/withdraw`);
    if (withdrawn.status === 200) {
      acks.consentsWithdrawn.add(receiptId);
      counts.consents += 1;
    }
  };
  const checkpointLane = async (): Promise<void> => {
    for (const cell of props.cells) {
      const res = await fetch(`${server.url}/log/${cell}/checkpoint`);
      if (res.ok) checkpoints.set(cell, await res.text());
    }
    await sleep(50);
  };

  const { migration } = props;
  migration?.start();
  const migrationLane = async (): Promise<void> => {
    if (counts.migrations === 0 && migration?.underWay()) counts.migrations = 1;
    await sleep(50);
  };

  const lanes = [guarded(payLane('taro')), guarded(payLane('minato-city')), guarded(accessLane), guarded(consentLane), guarded(checkpointLane), guarded(migrationLane)];
  const started = Date.now();
  // The CLI that starts a move opens the whole runtime first: seconds of CPU on a busy machine.
  const maxMs = props.maxMs ?? (migration ? 60_000 : 10_000);
  while (Date.now() - started < maxMs && Object.values(counts).some((n) => n === 0)) await sleep(10);
  // A random moment: mid-commit, mid-response or between requests; with a migration, in any of its phases (a move of
  // this data lasts about a second now, session 9: a later kill would mostly find it done).
  await sleep(crypto.randomInt(0, migration ? 600 : 300));
  await Promise.all([server.kill9(), migration?.kill9()]);
  alive = false;
  clearInterval(pump);
  await Promise.all(lanes);
  return { checkpoints, acked: counts };
}

export interface LogKeys {
  /** cell → its verifier key and origin, from /.well-known/domicile/log-keys.json */
  [cell: string]: { key: string; origin: string };
}

export async function fetchLogKeys(server: ServerProcess): Promise<LogKeys> {
  const body = (await (await fetch(`${server.url}/.well-known/domicile/log-keys.json`)).json()) as { logs: { cell: string; key: string; origin: string }[] };
  return Object.fromEntries(body.logs.map((l) => [l.cell, { key: l.key, origin: l.origin }]));
}

/** Problems with the cells' files after a restart, or none. */
export function checkStores(props: { dataDir: string; acks: Acknowledged; groupId: string; checkpoints: Map<string, string>; keys: LogKeys; cells: string[] }): string[] {
  const { acks } = props;
  const problems: string[] = [];
  const open = (cell: string) => new Database(path.join(props.dataDir, `${cell}.sqlite`), { readonly: true });

  const jp = open('jp');
  try {
    // Messages: each acknowledged one is there once; the conversation's seqs have no hole.
    const rows = jp.prepare('select id, client_id, seq from message where conversation_id = ? order by seq').all(props.groupId) as { id: string; client_id: string; seq: number }[];
    const byClient = new Map<string, number>();
    for (const r of rows) byClient.set(r.client_id, (byClient.get(r.client_id) ?? 0) + 1);
    const ids = new Set(rows.map((r) => r.id));
    for (const [clientId, id] of acks.messages) {
      if (!ids.has(id) || byClient.get(clientId) !== 1) problems.push(`message ${clientId} (${id}) stored ${byClient.get(clientId) ?? 0} times`);
    }
    const gaps = rows.filter((r, i) => r.seq !== (rows[0]?.seq ?? 1) + i);
    if (gaps.length > 0) problems.push(`message seqs have a hole at ${gaps[0]?.seq}`);

    // Consents: each acknowledged change is one event.
    const events = jp.prepare('select kind, receipt_id from consent_event').all() as { kind: string; receipt_id: string }[];
    const count = (kind: string, receipt: string) => events.filter((e) => e.kind === kind && e.receipt_id === receipt).length;
    for (const r of acks.consentsGiven) if (count('given', r) !== 1) problems.push(`consent ${r} given ${count('given', r)} times`);
    for (const r of acks.consentsWithdrawn) if (count('withdrawn', r) !== 1) problems.push(`consent ${r} withdrawn ${count('withdrawn', r)} times`);

    // Operator accesses: each released one was logged (allowed) exactly once, before release.
    const eventIds = new Map<string, number>();
    for (const row of jp.prepare('select entry from log_entry').all() as { entry: string }[]) {
      const entry = JSON.parse(row.entry) as { eventId?: string; decision: string };
      if (entry.decision !== 'allow' || !entry.eventId) continue;
      const requestId = entry.eventId.replace(/-\d+$/, '');
      eventIds.set(requestId, (eventIds.get(requestId) ?? 0) + 1);
    }
    for (const r of acks.accesses) if (eventIds.get(r) !== 1) problems.push(`released access ${r} logged ${eventIds.get(r) ?? 0} times`);
  } finally {
    jp.close();
  }

  // Payments: each acknowledged one is there once, in whichever cell the payer's wallet is now
  // (the migration lane moves it): a row in two cells is a duplicate.
  const rows = props.cells.flatMap((cell) => rawRows<{ id: string; idempotency_key: string }>(path.join(props.dataDir, `${cell}.sqlite`), "select id, idempotency_key from payment where payer_id = 'hanako'"));
  const byKey = new Map(rows.map((r) => [r.idempotency_key, r.id]));
  if (byKey.size !== rows.length) problems.push(`${rows.length - byKey.size} payments stored twice (same idempotency key)`);
  for (const [key, id] of acks.payments) if (byKey.get(key) !== id) problems.push(`payment ${key} (${id}) is ${byKey.has(key) ? `stored as ${byKey.get(key)}` : 'missing'}`);

  // Each log is consistent with the last checkpoint published before the crash: the signed root
  // of its first N entries is the root of the first N entries stored now.
  for (const [cell, note] of props.checkpoints) {
    const key = props.keys[cell];
    if (!key) continue;
    const { checkpoint } = openCheckpoint(note, [parseVerifierKey(key.key)], key.origin);
    const db = open(cell);
    try {
      const entries = db.prepare('select entry from log_entry where idx < ? order by idx').all(checkpoint.treeSize) as { entry: string }[];
      if (entries.length !== checkpoint.treeSize) problems.push(`log ${cell}: checkpoint of ${checkpoint.treeSize} entries but ${entries.length} stored`);
      else if (!bytesEqual(rootOf(entries.map((e) => leafHash(Buffer.from(e.entry)))), checkpoint.rootHash)) problems.push(`log ${cell}: stored entries do not match the checkpoint of size ${checkpoint.treeSize}`);
    } finally {
      db.close();
    }
  }
  return problems;
}

// Several nodes, one service (issue 13): two `domicile serve` processes on the same PostgreSQL
// cells and directory, joined by a throwaway nats-server. What someone on node B sends reaches a
// person on node A in order and exactly once; resume after switching node is exact; sequence
// numbers stay gap-free with writers on both nodes; a cut-off closes operator sockets on every
// node within a second; a node killed -9 during sends loses no acknowledged message.
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config/config.js';
import { freshCode } from '../broker/support.js';
import { demoOperatorPassword } from '../../src/demo/demo.operators.js';
import { runDomicile } from '../support/cli.js';
import { freshDatabaseUrl, tempDir } from '../support/databases.js';
import { storyRules } from '../support/factories.js';
import { startNatsServer, type NatsServer } from '../support/nats.server.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { ApiClient, RealtimeClient, testLimits } from '../support/server.js';
import { operatorSocketAt } from './support.js';

let nats: NatsServer;
let configFile = '';
let jpUrl = '';
let nodeA: ServerProcess;
let nodeB: ServerProcess;
let tripId = '';

const demoPassword = 'domicile-demo';
const cn = { 'x-forwarded-for': '1.2.4.8' };
const jp = { 'x-forwarded-for': '133.242.0.1' };

async function signedIn(node: ServerProcess, handle: string): Promise<ApiClient> {
  const client = new ApiClient(node.url);
  await client.signIn(handle, demoPassword);
  return client;
}

/** Sends `count` messages over a socket and resolves with the acknowledged messages, in ack order. */
async function sendMany(ws: RealtimeClient, conversationId: string, label: string, count: number): Promise<{ id: string; seq: number }[]> {
  const acked: { id: string; seq: number }[] = [];
  const done = new Promise<void>((resolve) => {
    ws.socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; clientId?: string; message?: { id: string; seq: number } };
      if (frame.type === 'ack' && frame.message && frame.clientId?.startsWith(label)) {
        acked.push(frame.message);
        if (acked.length === count) resolve();
      }
    });
  });
  for (let i = 0; i < count; i += 1) ws.send({ type: 'send', clientId: `${label}-${i}`, conversationId, text: `${label} ${i}` });
  await done;
  return acked;
}

async function waitFor(test: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function storedSeqs(conversationId: string): Promise<{ id: string; seq: number }[]> {
  const client = new pg.Client({ connectionString: jpUrl });
  await client.connect();
  try {
    const res = await client.query<{ id: string; seq: number }>('select id, seq::int as seq from message where conversation_id = $1 order by seq', [conversationId]);
    return res.rows;
  } finally {
    await client.end();
  }
}

/** The indices of the JP cell's access log, in order. */
async function storedLog(): Promise<number[]> {
  const client = new pg.Client({ connectionString: jpUrl });
  await client.connect();
  try {
    return (await client.query<{ idx: number }>('select idx::int as idx from log_entry order by idx')).rows.map((r) => r.idx);
  } finally {
    await client.end();
  }
}

function expectConsecutive(seqs: readonly number[]): void {
  expect(seqs.length).toBeGreaterThan(0);
  const first = seqs[0] as number;
  expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => first + i));
}

beforeAll(async () => {
  nats = await startNatsServer();
  const dir = tempDir('domicile-cluster');
  const dataDir = path.join(dir, 'data');
  jpUrl = await freshDatabaseUrl('postgres', 'jp');
  const config: ConfigFile = {
    deployment: 'domicile.test',
    dataDir,
    trustedProxies: ['127.0.0.1'],
    cells: [
      { id: 'jp', jurisdiction: 'JP', database: jpUrl },
      { id: 'kr', jurisdiction: 'KR', database: await freshDatabaseUrl('postgres', 'kr') },
    ],
    directory: { database: await freshDatabaseUrl('postgres', 'directory') },
    placement: { rules: storyRules },
    limits: testLimits,
    bus: { url: nats.url },
  };
  configFile = path.join(dir, 'domicile.config.json');
  fs.writeFileSync(configFile, JSON.stringify(config, null, 2));
  // Node A seeds the demo world, then node B joins the same cells.
  nodeA = await spawnServer({ configFile, demo: true });
  nodeB = await spawnServer({ configFile });
  const hanako = await signedIn(nodeA, 'hanako');
  const list = (await hanako.request('GET', '/v1/conversations')).body as { conversations: { id: string; kind: string; title: string | null }[] };
  tripId = list.conversations.find((c) => c.title === 'Tokyo trip')?.id ?? '';
  expect(tripId).not.toBe('');
}, 180_000);

afterAll(async () => {
  await nodeA?.stop();
  await nodeB?.stop();
  await nats?.stop();
});

describe('two nodes on one bus', () => {
  it('delivers what each node commits to the other node in order and exactly once, with gap-free seqs', async () => {
    const hanako = await signedIn(nodeA, 'hanako');
    const taro = await signedIn(nodeB, 'taro');
    const minjunOnA = await RealtimeClient.connect(nodeA.wsUrl, (await signedIn(nodeA, 'minjun')).token ?? '');
    // The same member on both nodes (Ji-woo is only invited to the trip: she has not consented).
    const minjunOnB = await RealtimeClient.connect(nodeB.wsUrl, (await signedIn(nodeB, 'minjun')).token ?? '');
    const hanakoWs = await RealtimeClient.connect(nodeA.wsUrl, hanako.token ?? '');
    const taroWs = await RealtimeClient.connect(nodeB.wsUrl, taro.token ?? '');

    // Writers on both nodes at once, into one conversation.
    const [fromA, fromB] = await Promise.all([sendMany(hanakoWs, tripId, 'a', 150), sendMany(taroWs, tripId, 'b', 150)]);
    const all = new Set([...fromA, ...fromB].map((m) => m.id));
    expect(all.size).toBe(300);

    for (const [who, ws] of [['minjun on A', minjunOnA], ['minjun on B', minjunOnB]] as const) {
      await waitFor(() => ws.messages(tripId).length >= 300, 10_000, `${who} to receive 300 messages`);
      await new Promise((r) => setTimeout(r, 200));
      const got = ws.messages(tripId);
      expect(got.length, `${who}: exactly once`).toBe(300);
      expect(new Set(got.map((m) => m.id))).toEqual(all);
      expectConsecutive(got.map((m) => m.seq));
    }
    // Each sender sees the other node's messages, in order, once; its own come back as acks.
    for (const [ws, others] of [[hanakoWs, fromB], [taroWs, fromA]] as const) {
      await waitFor(() => ws.messages(tripId).length >= 150, 10_000, 'the other node’s messages');
      const got = ws.messages(tripId);
      expect(got.map((m) => m.id).sort()).toEqual(others.map((m) => m.id).sort());
      const seqs = got.map((m) => m.seq);
      expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    }
    const stored = await storedSeqs(tripId);
    expectConsecutive(stored.map((r) => r.seq));
    expect(stored.filter((r) => all.has(r.id))).toHaveLength(300);
    for (const ws of [minjunOnA, minjunOnB, hanakoWs, taroWs]) await ws.close();
  }, 60_000);

  it('resumes exactly after switching from node A to node B', async () => {
    const hanakoWs = await RealtimeClient.connect(nodeA.wsUrl, (await signedIn(nodeA, 'hanako')).token ?? '');
    const minjun = await signedIn(nodeA, 'minjun');
    const onA = await RealtimeClient.connect(nodeA.wsUrl, minjun.token ?? '');
    await sendMany(hanakoWs, tripId, 'r1', 20);
    await waitFor(() => onA.messages(tripId).length >= 20, 5000, 'the first 20');
    const cursor = onA.messages(tripId).at(-1)?.seq ?? 0;
    await onA.close();
    const missed = await sendMany(hanakoWs, tripId, 'r2', 30);
    const onB = await RealtimeClient.connect(nodeB.wsUrl, minjun.token ?? '', { [tripId]: cursor });
    expect(onB.messages(tripId).map((m) => m.id)).toEqual(missed.map((m) => m.id));
    const live = await sendMany(hanakoWs, tripId, 'r3', 10);
    await waitFor(() => onB.messages(tripId).length >= 40, 5000, 'live messages after the resume');
    await new Promise((r) => setTimeout(r, 200));
    expect(onB.messages(tripId).map((m) => m.id)).toEqual([...missed, ...live].map((m) => m.id));
    await onB.close();
    await hanakoWs.close();
  }, 60_000);

  it('closes operator sockets from a blocked country on every node within a second', async () => {
    const operatorId = 'op-shanghai-eng2';
    // One session (signed in on node A) with a console open on each node.
    const client = new ApiClient(nodeA.url);
    const res = await client.request('POST', '/v1/ops/auth/signin', { operatorId, password: demoOperatorPassword, code: await freshCode(operatorId) }, cn);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const token = (res.body as { token: string }).token;
    const onA = await operatorSocketAt(nodeA.wsUrl, token, cn);
    const onB = await operatorSocketAt(nodeB.wsUrl, token, cn);
    const started = Date.now();
    const blocked = await runDomicile(['access', 'block', 'CN', '--config', configFile]);
    expect(blocked.code, blocked.stderr).toBe(0);
    const [closedA, closedB] = await Promise.all([onA.closed, onB.closed]);
    expect(closedA.code).toBe(4403);
    expect(closedB.code).toBe(4403);
    expect(closedA.at - started).toBeLessThan(1000);
    expect(closedB.at - started).toBeLessThan(1000);
    const unblocked = await runDomicile(['access', 'unblock', 'CN', '--config', configFile]);
    expect(unblocked.code, unblocked.stderr).toBe(0);

    // Both nodes apply the block, but only the journal's lease holder logs it: once per log.
    const logged = async (action: string): Promise<number> => {
      const client = new pg.Client({ connectionString: jpUrl });
      await client.connect();
      try {
        const like = [`%"action":"${action}"%`, '%"caseRef":"cutoff:CN"%'];
        return (await client.query<{ n: number }>('select count(*)::int as n from log_entry where entry like $1 and entry like $2', like)).rows[0]?.n ?? 0;
      } finally {
        await client.end();
      }
    };
    const deadline = Date.now() + 5000;
    while ((await logged('unblock')) < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    await new Promise((r) => setTimeout(r, 1500));
    expect(await logged('block')).toBe(1);
    expect(await logged('unblock')).toBe(1);
  }, 60_000);

  it('loses no acknowledged message when a node is killed -9 during sends, and the other node keeps serving', async () => {
    const victim = await spawnServer({ configFile });
    const taroWs = await RealtimeClient.connect(victim.wsUrl, (await signedIn(victim, 'taro')).token ?? '');
    const acked = new Set<string>();
    taroWs.socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string; message?: { id: string } };
      if (frame.type === 'ack' && frame.message) acked.add(frame.message.id);
    });
    taroWs.socket.on('error', () => undefined);
    let sent = 0;
    const pump = setInterval(() => {
      for (let i = 0; i < 20 && taroWs.socket.readyState === taroWs.socket.OPEN; i += 1) {
        taroWs.send({ type: 'send', clientId: `k9-${sent}`, conversationId: tripId, text: `kill ${sent}` });
        sent += 1;
      }
    }, 2);
    await waitFor(() => acked.size >= 200, 20_000, '200 acknowledgements');
    await victim.kill9();
    clearInterval(pump);
    expect(sent).toBeGreaterThan(acked.size);

    const stored = await storedSeqs(tripId);
    const ids = stored.map((r) => r.id);
    expect([...acked].filter((id) => !ids.includes(id))).toEqual([]);
    expect(new Set(ids).size).toBe(ids.length);
    expectConsecutive(stored.map((r) => r.seq));

    // Node A still takes sends into the same conversation, right after the last seq.
    const hanakoWs = await RealtimeClient.connect(nodeA.wsUrl, (await signedIn(nodeA, 'hanako')).token ?? '');
    const [after] = await sendMany(hanakoWs, tripId, 'after-kill', 1);
    expect(after?.seq).toBe((stored.at(-1)?.seq ?? 0) + 1);
    await hanakoWs.close();
  }, 90_000);

  it('keeps one access log when a node appending to it is killed -9 mid-stream: it verifies and no index is reused', async () => {
    const victim = await spawnServer({ configFile });
    const operatorId = 'op-tokyo-support';
    const signIn = await new ApiClient(nodeA.url).request('POST', '/v1/ops/auth/signin', { operatorId, password: demoOperatorPassword, code: await freshCode(operatorId) }, jp);
    expect(signIn.status, JSON.stringify(signIn.body)).toBe(200);
    const token = (signIn.body as { token: string }).token;
    const access = { purpose: 'SUPPORT_CASE', caseRef: 'T-1001', subjects: ['hanako'], categories: ['user.contact'] };
    const logSize = async (): Promise<number> => (await storedLog()).length;
    const before = await logSize();
    let answered = 0;
    let stop = false;
    // Appenders on both nodes at once; every answered request was logged first (no log, no data).
    const stream = async (node: ServerProcess): Promise<void> => {
      const client = new ApiClient(node.url);
      client.token = token;
      while (!stop) {
        const res = await client.request('POST', '/v1/ops/access', access, jp).catch(() => null);
        if (!res) return;
        expect([200, 403]).toContain(res.status);
        answered += 1;
      }
    };
    const streams = [stream(nodeA), stream(victim), stream(nodeA), stream(victim)];
    await waitFor(() => answered >= 60, 30_000, '60 logged accesses');
    await victim.kill9();
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(streams);

    const indices = await storedLog();
    expect(indices.length - before).toBeGreaterThanOrEqual(answered);
    expect(indices).toEqual(Array.from({ length: indices.length }, (_, i) => i));
    const verified = await runDomicile(['log', 'verify', '--cell', 'jp', '--config', configFile]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);
    expect(verified.stdout).toContain(`OK — ${indices.length} entries`);
    // The surviving node goes on appending after the last index.
    const after = new ApiClient(nodeA.url);
    after.token = token;
    expect([200, 403]).toContain((await after.request('POST', '/v1/ops/access', access, jp)).status);
    expect((await storedLog()).length).toBe(indices.length + 1);
  }, 90_000);
});

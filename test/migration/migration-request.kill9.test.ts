// Invariant 7 for the console's migration requests: a serving process acknowledges requests for a
// move that needs a second admin (threshold 0 by configuration) and is killed with -9 right after
// the last acknowledgement. After a restart every acknowledged request is there exactly once,
// still pending, and each one's journal event reaches the JP access log exactly once.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoOperatorPassword } from '../../src/demo/demo.operators.js';
import { freshCode } from '../broker/support.js';
import { writeTestConfig } from '../support/cli.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { rawRows } from '../support/raw-file.js';
import { ApiClient, testLimits } from '../support/server.js';

const move = { home: 'JP', categories: ['user.content.media', 'user.financial'], to: 'jp' };
// Demo mode: the operators appear from a Japanese address (their office country).
const fromJapan = { 'x-domicile-simulated-address': '133.242.0.1' };

async function operator(server: ServerProcess, id: string): Promise<ApiClient> {
  const client = new ApiClient(server.url);
  const res = await client.request('POST', '/v1/ops/auth/signin', { operatorId: id, password: demoOperatorPassword, code: await freshCode(id) }, fromJapan);
  if (res.status !== 200) throw new Error(`sign-in of ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  client.token = (res.body as { token: string }).token;
  return client;
}

describe('migration requests across kill -9', () => {
  it('keeps every acknowledged request once, and logs each once', async () => {
    const { file, dataDir } = writeTestConfig({ limits: { ...testLimits, migrationApprovalSubjects: 0 }, demo: true });
    let server = await spawnServer({ configFile: file, demo: true });
    const acknowledged: string[] = [];
    try {
      const admin = await operator(server, 'op-tokyo-admin');
      for (let i = 0; i < 5; i++) {
        const res = await admin.request('POST', '/v1/ops/migrations', move, fromJapan);
        expect(res.status).toBe(202);
        acknowledged.push((res.body as { request: { id: string } }).request.id);
      }
      await server.kill9();
      // The demo world is already seeded: the restart only opens it.
      server = await spawnServer({ configFile: file });
      const officer = await operator(server, 'op-tokyo-privacy');
      const { requests } = (await officer.request('GET', '/v1/ops/migrations/requests', undefined, fromJapan)).body as { requests: { id: string; status: string }[] };
      expect(requests.map((r) => r.id).sort()).toEqual([...acknowledged].sort());
      expect(requests.every((r) => r.status === 'pending')).toBe(true);

      // The restarted server writes journal events left pending at its start.
      const jp = path.join(dataDir, 'jp.sqlite');
      const logged = () => rawRows<{ entry: string }>(jp, 'select entry from log_entry').map((r) => JSON.parse(r.entry) as { action: string; caseRef: string | null }).filter((e) => e.action === 'migration-request');
      const deadline = Date.now() + 20_000;
      while (logged().length < acknowledged.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      expect(logged().map((e) => e.caseRef).sort()).toEqual([...acknowledged].sort());
    } finally {
      await server.stop();
    }
  }, 120_000);
});

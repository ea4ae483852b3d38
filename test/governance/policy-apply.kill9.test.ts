// Invariant 7 (and "no change without its log entry") for a policy set applied from the console: a
// serving process acknowledges the apply and is killed with -9 at once. After a restart the set is
// in force and its `policy-apply` entry reaches the JP access log exactly once — the journal event
// is written before any policy file, so no acknowledged (or even half-done) change goes unlogged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoOperatorPassword } from '../../src/demo/demo.operators.js';
import { freshCode } from '../broker/support.js';
import { writeTestConfig } from '../support/cli.js';
import { spawnServer, type ServerProcess } from '../support/process.js';
import { rawRows } from '../support/raw-file.js';
import { ApiClient } from '../support/server.js';

const fromJapan = { 'x-domicile-simulated-address': '133.242.0.1' };
const EXTRA = '@id("kill9-no-support")\nforbid (principal, action, resource)\nwhen { context.purpose == Purpose::"SUPPORT_CASE" };\n';

async function admin(server: ServerProcess): Promise<ApiClient> {
  const client = new ApiClient(server.url);
  const res = await client.request('POST', '/v1/ops/auth/signin', { operatorId: 'op-tokyo-admin', password: demoOperatorPassword, code: await freshCode('op-tokyo-admin') }, fromJapan);
  if (res.status !== 200) throw new Error(`sign-in: ${res.status} ${JSON.stringify(res.body)}`);
  client.token = (res.body as { token: string }).token;
  return client;
}

describe('a policy change across kill -9', () => {
  it('is in force after the restart and logged exactly once', async () => {
    const policyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-policies-'));
    fs.cpSync(path.join(import.meta.dirname, '../../policies'), policyDir, { recursive: true });
    const { file, dataDir } = writeTestConfig({ demo: true, policyDir });
    let server = await spawnServer({ configFile: file, demo: true });
    try {
      let client = await admin(server);
      const status = (await client.request('GET', '/v1/ops/policies', undefined, fromJapan)).body as { digest: string; files: { name: string; text: string }[] };
      const res = await client.request('POST', '/v1/ops/policies/apply', { files: [...status.files, { name: 'extra.cedar', text: EXTRA }], baseDigest: status.digest }, fromJapan);
      expect(res.status).toBe(200);
      await server.kill9();
      const { digest } = res.body as { digest: string };

      server = await spawnServer({ configFile: file });
      client = await admin(server);
      const after = (await client.request('GET', '/v1/ops/policies', undefined, fromJapan)).body as { digest: string };
      expect(after.digest).toBe(digest);

      // The restarted server writes journal events left pending at its start.
      const jp = path.join(dataDir, 'jp.sqlite');
      const logged = () => rawRows<{ entry: string }>(jp, 'select entry from log_entry').map((r) => JSON.parse(r.entry) as { action: string; caseRef: string | null }).filter((e) => e.action === 'policy-apply');
      const deadline = Date.now() + 20_000;
      while (logged().length < 1 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
      await new Promise((r) => setTimeout(r, 500));
      expect(logged().map((e) => e.caseRef)).toEqual([`policy:${digest.slice(0, 16)}`]);
    } finally {
      await server.stop();
      fs.rmSync(policyDir, { recursive: true, force: true });
    }
  }, 120_000);
});

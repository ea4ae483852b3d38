// The directory's change epoch (migration 0024): an idle serving process reads one row instead of
// polling the journal, the cut-off, grants and the placement; what another process changes still
// holds on the serving node within the old bounds (cut-off 250 ms, placement 500 ms; the checks
// allow 250 ms more for a loaded machine), and grant expiries, which no write announces, still come.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import { appendPlacementVersion, latestPlacementVersion } from '../../src/cells/placement-version.repository.js';
import { dialects, tempDir } from '../support/databases.js';
import { spawnDomicile } from '../support/process.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { makeOperator } from '../broker/support.js';

async function until<T>(read: () => T | Promise<T>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe.each(dialects)('the change epoch on %s', (dialect) => {
  let server: TestServer;
  /** Another process's view: a one-shot runtime like the CLI's, on the same cells and directory. */
  let other: Runtime;
  let configFile = '';

  beforeAll(async () => {
    server = await startTestServer({ dialect, directoryOnDialect: true });
    const { config } = server.runtime;
    other = await openRuntime(config, { serving: false });
    configFile = path.join(tempDir('domicile-epoch'), 'domicile.config.json');
    const cells = config.cells.map((c) => ({ id: c.id, jurisdiction: c.jurisdiction, database: c.database }));
    fs.writeFileSync(configFile, JSON.stringify({ dataDir: config.dataDir, cells, directory: { database: config.directoryDatabase } }));
  });

  afterAll(async () => {
    await other?.close();
    await server?.close();
  });

  it('a block made by `domicile access block` in another process holds on the serving node within 500 ms', async () => {
    let seenAt = 0;
    const stop = server.runtime.governance.cutoff.onChange((change) => {
      if (change.added.includes('CN')) seenAt = Date.now();
    });
    try {
      const cli = spawnDomicile(['access', 'block', 'CN', '--config', configFile]);
      const { code, stderr } = await cli.wait();
      const exitedAt = Date.now();
      expect(code, stderr).toBe(0);
      await until(() => seenAt > 0, 5000, 'the block on the serving node');
      // The CLI's commit comes before its exit: the block may be in force before the process is gone.
      expect(seenAt - exitedAt).toBeLessThan(500);
    } finally {
      stop();
    }
  }, 60_000);

  it('a placement version appended elsewhere is in force on the serving node within 750 ms', async () => {
    const latest = await latestPlacementVersion(other.directory.db);
    if (!latest) throw new Error('no placement version');
    const appendedAt = Date.now();
    expect(await appendPlacementVersion(other.directory.db, { after: latest.version, rules: latest.rules, staging: [], reason: 'test: change epoch' })).toBe(true);
    await until(() => server.runtime.cells.placement.version === latest.version + 1, 5000, 'the new placement version');
    expect(Date.now() - appendedAt).toBeLessThan(750);
  });

  it('expires an approved grant by the clock although no write announces its expiry', async () => {
    const requester = await makeOperator(server, { roles: ['support'] });
    const id = `grant-epoch-${dialect}`;
    const at = new Date();
    await other.directory.db
      .insertInto('access_grant')
      .values({
        id,
        requester_id: requester,
        subjects: '[]',
        categories: '["user.content.message"]',
        fields: '[]',
        purpose: 'SUPPORT_CASE',
        case_ref: 'T-1',
        duration_seconds: 1,
        requested_location: 'JP',
        required_approvals: 1,
        status: 'approved',
        created_at: at.toISOString(),
        approved_at: at.toISOString(),
        expires_at: new Date(at.getTime() + 400).toISOString(),
      })
      .execute();
    const status = async () => (await other.directory.db.selectFrom('access_grant').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
    expect(await status()).toBe('approved');
    await until(async () => (await status()) === 'expired', 3000, 'the grant to expire');
  });
});

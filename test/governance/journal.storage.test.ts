// The governance journal into the access logs, exactly once (issue 14's known gap): an event's
// entries carry ids made from the event's id, and a log answers an id it already holds with the
// stored entry. So a crash after the entries were appended but before the event was marked
// logged (the restart appends them again) leaves one entry each, on both dialects.
import { afterEach, describe, expect, it } from 'vitest';
import { createGovernanceJournal, entriesOf, systemActor, type GovernanceEvent } from '../../src/governance/journal.js';
import type { AccessEntry } from '../../src/governance/log/entry.js';
import { dialects } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

const event: GovernanceEvent = {
  kind: 'operator-add',
  actor: systemActor('system:cli'),
  operatorId: 'op-second-approver',
  roles: ['approver'],
  jurisdictions: ['JP', 'KR'],
};

describe.each(dialects)('the governance journal on %s', (dialect) => {
  let server: TestServer | null = null;
  afterEach(async () => {
    await server?.close();
    server = null;
  });

  it('writes an event appended before a crash, but not marked logged, once', async () => {
    server = await startTestServer({ dialect, directoryOnDialect: true, serving: false });
    const { runtime } = server;
    const at = new Date().toISOString();
    const journal = createGovernanceJournal({ db: runtime.directory.db, recorder: runtime.logs });
    const id = await runtime.directory.db.transaction().execute((trx) => journal.add(trx, event, at));

    // The first flush's appends committed, then the process died before marking the event.
    const first = await Promise.all(entriesOf(id, at, event).map((entry) => runtime.logs.recordAccess(entry)));
    expect(await journal.pending()).toBe(1);
    const sizes = runtime.logs.all().map((log) => log.size());

    await journal.flush();
    expect(await journal.pending()).toBe(0);
    expect(runtime.logs.all().map((log) => log.size())).toEqual(sizes);
    for (const { cellId, index } of first) {
      const rows = await runtime.cells.get(cellId).db.selectFrom('log_entry').select(['idx', 'entry']).execute();
      const about = rows.map((r) => ({ idx: Number(r.idx), entry: JSON.parse(r.entry) as AccessEntry })).filter((r) => r.entry.caseRef === 'operator:op-second-approver');
      expect(about.map((r) => r.idx), cellId).toEqual([index]);
    }
  });
});

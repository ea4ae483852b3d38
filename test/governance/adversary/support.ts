// Shared by the adversarial suite: a demo server on either dialect (its directory too, so the
// tally and case approvals are proven on PostgreSQL), people registered in bulk, and the
// operators an attacker and the two approvers need.
import { dialects } from '../../support/databases.js';
import { startTestServer, type ApiClient, type TestServer } from '../../support/server.js';
import { from, makeOperator, signInOperator } from '../../broker/support.js';
import type { OperatorRole } from '../../../src/governance/policy/policy.request.js';

export { dialects };

export async function adversaryServer(dialect: (typeof dialects)[number]): Promise<TestServer> {
  return startTestServer({ dialect, directoryOnDialect: true, demo: true, trustedProxies: ['127.0.0.1'] });
}

/** A new operator with these roles, signed in from Japan. */
export async function operatorIn(server: TestServer, roles: OperatorRole[]): Promise<{ id: string; client: ApiClient }> {
  const id = await makeOperator(server, { roles });
  return { id, client: await signInOperator(server, id, from('JP')) };
}

/** Registers `count` Japanese consumers named `${prefix}000`…; returns their ids. */
export async function registerPeople(server: TestServer, prefix: string, count: number): Promise<string[]> {
  const ids = Array.from({ length: count }, (_, i) => `${prefix}${String(i).padStart(3, '0')}`);
  for (const id of ids) await server.runtime.directory.register({ id, kind: 'user', home: 'JP', class: 'consumer' }, []);
  return ids;
}

/** Tickets the people open themselves (the app's path), one each; returns their refs. */
export async function ticketsOpenedBy(server: TestServer, ids: readonly string[]): Promise<string[]> {
  const { governance } = server.runtime;
  const subjects = await governance.subjectsOf(ids);
  const refs: string[] = [];
  for (const id of ids) {
    const subject = subjects.get(id);
    if (!subject) throw new Error(`no subject ${id}`);
    refs.push((await governance.cases.openSupportTicket({ subject, reason: 'account' })).ref);
  }
  return refs;
}

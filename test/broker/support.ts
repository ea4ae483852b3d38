// Helpers for the operator-access tests: operators made on the spot, sign-in with a fresh TOTP
// code each time (a code works once), posing as a country through a trusted proxy header,
// reading the access-log entries a request left, and the CLI-beside-a-runtime setup of the
// operator-journal tests.
import { afterAll, afterEach, beforeAll } from 'vitest';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import { OPERATOR_PASSWORD_ENV } from '../../src/cli/operator.command.js';
import { loadConfig } from '../../src/config/config.js';
import { demoOperatorPassword, demoTotpSecret } from '../../src/demo/demo.operators.js';
import { createGovernanceJournal, systemActor } from '../../src/governance/journal.js';
import type { AccessEntry } from '../../src/governance/log/entry.js';
import { readOpenedEntries } from '../../src/governance/log/log.openings.js';
import type { Employer } from '../../src/governance/operators/operators.js';
import type { OperatorRole } from '../../src/governance/policy/policy.request.js';
import { base32Decode, hotp, totpStep } from '../../src/governance/totp.js';
import WebSocket from 'ws';
import { writeTestConfig } from '../support/cli.js';
import { ApiClient, type TestServer } from '../support/server.js';

/** Public addresses of known countries (see MACHINE-NOTES.md). */
export const addresses = { JP: '133.242.0.1', KR: '211.43.0.1', CN: '1.2.4.8', US: '8.8.8.8' } as const;
export const from = (country: keyof typeof addresses): Record<string, string> => ({ 'x-forwarded-for': addresses[country] });

export const employers = {
  nihonTalk: { id: 'nihon-talk', entity: 'Nihon Talk Corp', country: 'JP', tier: 'own' },
  seoulCloud: { id: 'seoul-cloud', entity: 'Seoul Cloud Co.', country: 'KR', tier: 'contractor' },
  shanghaiDev: { id: 'shanghai-dev', entity: 'Shanghai Dev Ltd.', country: 'CN', tier: 'contractor' },
} as const satisfies Record<string, Employer>;

const secret = base32Decode(demoTotpSecret) as Buffer;
const usedSteps = new Map<string, number>();

/** A one-time code this operator has not used yet (waits for the next step when it must). */
export async function freshCode(operatorId: string): Promise<string> {
  for (;;) {
    const now = totpStep(Date.now() / 1000);
    // Never now - 1: a step boundary passing before the server checks would make it stale.
    const step = Math.max(now, (usedSteps.get(operatorId) ?? -1) + 1);
    if (step <= now + 1) {
      usedSteps.set(operatorId, step);
      return hotp(secret, step);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** A valid code that is not marked used: for a request refused before its code is checked. */
export function unusedCode(operatorId: string): string {
  return hotp(secret, Math.max(totpStep(Date.now() / 1000), (usedSteps.get(operatorId) ?? -1) + 1));
}

let counter = 0;

/** Creates an operator with the demo password and TOTP secret. */
export async function makeOperator(server: TestServer, props: { roles: OperatorRole[]; employer?: Employer; office?: string; id?: string }): Promise<string> {
  counter += 1;
  const id = props.id ?? `op-test-${process.pid}-${counter}`;
  const employer = props.employer ?? employers.nihonTalk;
  await server.runtime.governance.operators.create({
    id,
    name: `Test operator ${counter}`,
    employer,
    officeCountry: props.office ?? employer.country,
    roles: props.roles,
    password: demoOperatorPassword,
    totpSecret: demoTotpSecret,
    actor: systemActor('system:test'),
  });
  return id;
}

/** An API client signed in as this operator from `country`. */
export async function signInOperator(server: TestServer, operatorId: string, headers: Record<string, string>): Promise<ApiClient> {
  const client = new ApiClient(server.url);
  const res = await client.request('POST', '/v1/ops/auth/signin', { operatorId, password: demoOperatorPassword, code: await freshCode(operatorId) }, headers);
  if (res.status !== 200) throw new Error(`operator sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  client.token = (res.body as { token: string }).token;
  return client;
}

/** Entries naming `subjectId` in its home log, newest first, opened (operator-side: ids in clear). */
export async function entriesAbout(server: TestServer, subjectId: string, limit = 20): Promise<AccessEntry[]> {
  const subject = await server.runtime.directory.get(subjectId);
  const log = server.runtime.logs.forJurisdiction(subject.home);
  const db = server.runtime.cells.get(log.cellId).db;
  const stored = await log.entriesAbout({ subjectId, before: null, limit });
  const opened = await Promise.all(stored.map(async (s) => (await readOpenedEntries(db, s.index, s.index + 1))[0]?.entry));
  return opened.filter((e) => e !== undefined);
}

/** Every entry of a jurisdiction's log from index `from` on, opened (operator-side: ids in clear). */
export async function entriesSince(server: TestServer, jurisdiction: string, fromIndex: number): Promise<AccessEntry[]> {
  const log = server.runtime.logs.forJurisdiction(jurisdiction);
  return (await readOpenedEntries(server.runtime.cells.get(log.cellId).db, fromIndex, Number.MAX_SAFE_INTEGER)).map((r) => r.entry);
}

export function logSize(server: TestServer, jurisdiction: string): number {
  return server.runtime.logs.forJurisdiction(jurisdiction).size();
}

export type ErrorBody = { error: { code: string; message: string; details?: Record<string, unknown> } };

export interface LiveSocket {
  socket: WebSocket;
  closed: Promise<{ code: number; at: number }>;
  /** Every frame the server pushed, in order. */
  frames: Record<string, unknown>[];
}

/** An operator WebSocket signed in with `token` from `headers`' address, recording what it is sent. */
export async function operatorSocket(target: TestServer, token: string, headers: Record<string, string>): Promise<LiveSocket> {
  const socket = new WebSocket(target.wsUrl.replace('/v1/ws', '/v1/ops/ws'), { headers });
  const closed = new Promise<{ code: number; at: number }>((resolve) => socket.once('close', (code) => resolve({ code, at: Date.now() })));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const frames: Record<string, unknown>[] = [];
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as Record<string, unknown>;
      frames.push(frame);
      if (frame.type === 'ready') resolve(frame);
      if (frame.type === 'error') reject(new Error(JSON.stringify(frame)));
    });
  });
  socket.send(JSON.stringify({ type: 'hello', token }));
  await ready;
  return { socket, closed, frames };
}

/**
 * The operator-journal tests' setup: a CLI configuration with a runtime open beside the commands
 * (as a server would be), and the operator password variable cleared after each test. Call at
 * the top of a test file; the fields are set once `beforeAll` has run.
 */
export function cliWithRuntime(): { file: string; runtime: Runtime } {
  const context = { file: '', runtime: undefined as unknown as Runtime };
  beforeAll(async () => {
    context.file = writeTestConfig().file;
    // Creates the databases before any command runs.
    context.runtime = await openRuntime(loadConfig({ file: context.file }));
  });
  afterAll(async () => {
    await context.runtime.close();
  });
  afterEach(() => {
    delete process.env[OPERATOR_PASSWORD_ENV];
  });
  return context;
}

/** `domicile operator add` arguments: a Nihon Talk Corp operator in Japan unless `fields` say otherwise. */
export function operatorAddArgs(id: string, fields: Record<string, string> = {}): string[] {
  return Object.entries({ id, name: 'Tokyo night desk', employer: 'Nihon Talk Corp', 'employer-country': 'JP', office: 'JP', roles: 'support,moderator', ...fields }).flatMap(([k, v]) => [`--${k}`, v]);
}

/** What a serving process does with pending journal events: writes them to the access logs. */
export async function flushJournal(runtime: Runtime): Promise<void> {
  await createGovernanceJournal({ db: runtime.directory.db, recorder: runtime.logs }).flush();
}

/** Entries of a jurisdiction's log about one operator (caseRef `operator:<id>`), from index `fromIndex` on, in order. */
export async function operatorEntries(runtime: Runtime, jurisdiction: string, operatorId: string, fromIndex = 0): Promise<AccessEntry[]> {
  const log = runtime.logs.forJurisdiction(jurisdiction);
  const rows = await runtime.cells.get(log.cellId).db.selectFrom('log_entry').select('entry').where('idx', '>=', fromIndex).orderBy('idx').execute();
  return rows.map((r) => JSON.parse(r.entry) as AccessEntry).filter((e) => e.caseRef === `operator:${operatorId}`);
}

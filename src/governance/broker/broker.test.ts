import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { DomainError, isDomainError } from '../../errors/catalogue.js';
import type { Case } from '../cases/cases.js';
import type { Grant } from '../grants/grants.js';
import type { AccessRecorder } from '../log/access-logs.js';
import type { AccessEntry } from '../log/entry.js';
import type { Operator } from '../operators/operators.js';
import { PolicyEngine } from '../policy/policy.engine.js';
import { defaultPolicyDir } from '../policy/policy.files.js';
import { createBroker, type BrokerDeps, type BrokerRequest } from './broker.js';
import { createSubjectDataSources, type SubjectDataSource, type SubjectRef } from './subject-data.js';

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await PolicyEngine.open({ dir: defaultPolicyDir() });
});

const operator: Operator = {
  id: 'op-jp',
  name: 'JP support',
  employer: { id: 'nihon-talk', entity: 'Nihon Talk Corp', country: 'JP', tier: 'own' },
  officeCountry: 'JP',
  roles: ['support'],
  disabled: false,
};

function world(subjectCount = 1, grants: Grant[] = []) {
  const subjects = new Map<string, SubjectRef>(Array.from({ length: subjectCount }, (_, i) => [`u${i}`, { id: `u${i}`, home: 'JP', class: 'consumer' as const }]));
  const ticket: Case = {
    ref: 'T-1001',
    kind: 'support',
    status: 'open',
    reason: 'account',
    cellId: 'jp',
    conversationId: null,
    records: [],
    subjects: [...subjects.keys()].map((id) => ({ id, role: 'customer' as const })),
    openedBy: 'op-jp',
    createdAt: '2026-01-01T00:00:00.000Z',
    closedAt: null,
    requiredApprovals: 0,
    approvals: [],
  };
  const contact: SubjectDataSource = {
    category: 'user.contact',
    fields: ['email', 'phone'],
    fieldCategories: { email: 'user.contact.email', phone: 'user.contact.phone_number' },
    read: vi.fn(async ({ subjects: wanted }: { subjects: readonly SubjectRef[] }) =>
      wanted.map((s) => ({ subjectId: s.id, recordId: `c/${s.id}`, values: { email: `${s.id}@example.jp`, phone: '+81 90-1234-5678' } })),
    ),
  };
  const sources = createSubjectDataSources();
  sources.register(contact);
  const entries: AccessEntry[] = [];
  const tallied = new Set<string>();
  const recorder: AccessRecorder = {
    recordAccess: vi.fn(async (entry: AccessEntry) => {
      entries.push(entry);
      return { cellId: 'jp', index: entries.length - 1 };
    }),
  };
  const deps: BrokerDeps = {
    findOperator: async (id) => (id === operator.id ? operator : null),
    subjectsOf: async (ids) => new Map(ids.flatMap((id) => (subjects.has(id) ? [[id, subjects.get(id) as SubjectRef] as const] : []))),
    findCase: async (ref) => (ref === ticket.ref ? ticket : null),
    grants: { usable: async () => grants, get: async (id) => grants.find((g) => g.id === id) ?? null },
    blocked: () => [],
    policy: () => ({ engine, problem: null }),
    transfers: { basisCountries: async () => [], record: async () => undefined },
    sources,
    recorder,
    jurisdictions: ['JP', 'KR'],
    tally: { subjectsSince: async () => new Set(tallied), add: async ({ subjects: read }) => void read.forEach((id) => tallied.add(id)) },
    maskKey: Buffer.alloc(32, 1),
  };
  return { deps, contact, entries, recorder, subjects: [...subjects.keys()] };
}

const request = (subjects: string[]): BrokerRequest => ({
  operatorId: 'op-jp',
  origin: { address: '133.242.0.1', country: 'JP', simulated: false },
  action: 'read',
  purpose: 'SUPPORT_CASE',
  caseRef: 'T-1001',
  subjects,
  categories: ['user.contact'],
});

describe('the broker', () => {
  it('logs one entry per decision, then releases masked', async () => {
    const { deps, entries } = world();
    const result = await createBroker(deps).access(request(['u0']));
    expect(result.decision).toBe('allow');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ decision: 'allow', released: 1, subjects: ['u0'], categories: ['user.contact'], fields: ['email', 'phone'], policyIds: ['support-case'] });
    expect(result.records).toEqual([{ subjectId: 'u0', category: 'user.contact', recordId: 'c/u0', fields: { email: 'u0@example.jp', phone: '••••5678' } }]);
  });

  it('releases nothing when the log cannot record', async () => {
    const { deps, recorder } = world();
    vi.mocked(recorder.recordAccess).mockRejectedValue(new DomainError('LOG_UNAVAILABLE', 'disk full'));
    const outcome = await createBroker(deps).access(request(['u0'])).catch((err: unknown) => err);
    expect(isDomainError(outcome) && outcome.code).toBe('LOG_UNAVAILABLE');
  });

  it('logs a refusal without reading any data', async () => {
    const { deps, entries, contact } = world();
    const result = await createBroker(deps).access({ ...request(['u0']), origin: { address: '1.2.4.8', country: 'CN', simulated: false } });
    expect(result.decision).toBe('deny');
    expect(result.records).toEqual([]);
    expect(entries[0]).toMatchObject({ decision: 'deny', released: 0, actorPhysicalCountry: 'CN' });
    expect(contact.read).not.toHaveBeenCalled();
  });

  it('refuses more than 100 subjects without two approvals, and splits a large decision into entries of 1,000 subjects', async () => {
    const denied = world(2500);
    const refused = await createBroker(denied.deps).access(request(denied.subjects));
    expect(refused.decisions[0]?.policyIds).toEqual(['broker:two-approvers']);
    expect(denied.entries.map((e) => e.subjects.length)).toEqual([1000, 1000, 500]);

    const grant = buildGrant({
      id: 'gr-1',
      subjects: denied.subjects,
      categories: ['user.contact'],
      requiredApprovals: 2,
      approvals: [
        { approverId: 'a1', decision: 'approve', at: '2026-01-01T00:00:00.000Z' },
        { approverId: 'a2', decision: 'approve', at: '2026-01-01T00:00:00.000Z' },
      ],
    });
    const allowed = world(2500, [grant]);
    const result = await createBroker(allowed.deps).access(request(allowed.subjects));
    expect(result.decision).toBe('allow');
    expect(result.records).toHaveLength(2500);
    // The grant names no fields, so every field is in clear.
    expect(result.records[0]?.fields.phone).toBe('+81 90-1234-5678');
    expect(allowed.entries.map((e) => [e.subjects.length, e.released, e.grantId])).toEqual([
      [1000, 1000, 'gr-1'],
      [1000, 1000, 'gr-1'],
      [500, 500, 'gr-1'],
    ]);
  });

  it('counts each entry\'s released records exactly, whatever order the source returns them in', async () => {
    const ids = Array.from({ length: 2500 }, (_, i) => `u${i}`);
    const approvals = [
      { approverId: 'a1', decision: 'approve' as const, at: '2026-01-01T00:00:00.000Z' },
      { approverId: 'a2', decision: 'approve' as const, at: '2026-01-01T00:00:00.000Z' },
    ];
    const grant = buildGrant({ id: 'gr-1', subjects: ids, categories: ['user.contact'], requiredApprovals: 2, approvals });
    // Records per subject: none for every third, two for every seventh, else one.
    const recordsOf = (i: number): number => (i % 3 === 0 ? 0 : i % 7 === 0 ? 2 : 1);
    const expected = [0, 1, 2].map((entry) => ids.slice(entry * 1000, (entry + 1) * 1000).reduce((n, id) => n + recordsOf(Number(id.slice(1))), 0));
    const rowsFor = (wanted: readonly SubjectRef[]) =>
      wanted.flatMap((s) => Array.from({ length: recordsOf(Number(s.id.slice(1))) }, (_, k) => ({ subjectId: s.id, recordId: `c/${s.id}/${k}`, values: { email: `${s.id}@example.jp`, phone: null } })));
    // In the subjects' order (one walk counts them), reversed, and in order but for one record at the end out of place.
    const orders: ((wanted: readonly SubjectRef[]) => ReturnType<typeof rowsFor>)[] = [
      (wanted) => rowsFor(wanted),
      (wanted) => rowsFor(wanted).reverse(),
      (wanted) => {
        const rows = rowsFor(wanted);
        return [...rows.slice(1), ...rows.slice(0, 1)];
      },
    ];
    for (const order of orders) {
      const { deps, contact, entries } = world(2500, [grant]);
      vi.mocked(contact.read).mockImplementation(async ({ subjects: wanted }) => order(wanted));
      const result = await createBroker(deps).access(request(ids));
      expect(result.records).toHaveLength(expected.reduce((a, b) => a + b, 0));
      expect(entries.map((e) => e.released)).toEqual(expected);
    }
  });

  it('names each subject once, whether the request lists them sorted, sorted with a repeat, or in any order', async () => {
    for (const asked of [['u0', 'u1', 'u2'], ['u0', 'u1', 'u1', 'u2'], ['u2', 'u0', 'u2', 'u1', 'u0']]) {
      const { deps, entries, contact } = world(3);
      const result = await createBroker(deps).access(request(asked));
      const once = [...new Set(asked)];
      expect(entries.map((e) => e.subjects)).toEqual([once]);
      expect(vi.mocked(contact.read).mock.calls[0]?.[0].subjects.map((s) => s.id)).toEqual(once);
      expect(result.records.map((r) => r.subjectId)).toEqual(once);
    }
  });

  it('keeps each grant\'s people apart when one broker uses several grants in turn, named or found', async () => {
    // The broker keeps a set of each grant's people: a grant must never answer with another's.
    const ids = Array.from({ length: 150 }, (_, i) => `u${i}`);
    const approvals = [
      { approverId: 'a1', decision: 'approve' as const, at: '2026-01-01T00:00:00.000Z' },
      { approverId: 'a2', decision: 'approve' as const, at: '2026-01-01T00:00:00.000Z' },
    ];
    const first = buildGrant({ id: 'gr-first', subjects: ids.slice(0, 120), categories: ['user.contact'], requiredApprovals: 2, approvals });
    const second = buildGrant({ id: 'gr-second', subjects: ids.slice(30), categories: ['user.contact'], requiredApprovals: 2, approvals });
    const { deps } = world(150, [first, second]);
    let offered: Grant[] = [first, second];
    const broker = createBroker({ ...deps, grants: { ...deps.grants, usable: async () => offered } });
    const named = async (grantId: string, asked: string[]) => (await broker.access({ ...request(asked), grantId })).decisions.map((d) => [d.decision, d.grantId, d.policyIds]);
    for (let round = 0; round < 2; round++) {
      expect(await named('gr-first', ids.slice(0, 120))).toEqual([['allow', 'gr-first', ['support-case']]]);
      expect(await named('gr-second', ids.slice(30))).toEqual([['allow', 'gr-second', ['support-case']]]);
      expect(await named('gr-second', ids.slice(0, 120))).toEqual([['deny', null, ['broker:unusable-grant']]]);
      expect(await named('gr-first', ids.slice(30))).toEqual([['deny', null, ['broker:unusable-grant']]]);
      // Found rather than named: only the grant holding all of them passes the two-person rule.
      offered = [second];
      expect((await broker.access(request(ids.slice(0, 120)))).decisions[0]?.policyIds).toEqual(['broker:two-approvers']);
      offered = [first, second];
      expect((await broker.access(request(ids.slice(0, 120)))).decision).toBe('allow');
    }
  });

  it('groups a mixed bulk request exactly as it decides each subject alone (classes, homes and grants interleaved)', async () => {
    // Subjects alternate grant cover (phone in clear for two in four) and class (in runs of three), some live abroad
    // (which turns the class shortcut off for that request), so a subject is often unlike the one
    // before: each must land in the group its own decision makes. Then the same with all at home.
    const ids = Array.from({ length: 60 }, (_, i) => `u${i}`);
    const grant = buildGrant({ id: 'gr-phone', subjects: ids.filter((_, i) => i % 4 < 2), categories: ['user.contact'], fields: ['phone'] });
    const { deps } = world(60, [grant]);
    const known = deps.subjectsOf;
    const variant = (s: SubjectRef): SubjectRef => {
      const i = Number(s.id.slice(1));
      return { ...s, home: i % 20 >= 15 ? 'KR' : 'JP', class: i % 6 >= 3 ? 'government' : 'consumer' };
    };
    const broker = createBroker({ ...deps, subjectsOf: async (wanted) => new Map([...(await known(wanted))].map(([id, s]) => [id, variant(s)])) });
    const shape = (g: { decision: string; jurisdiction: string; grantId: string | null; policyIds: readonly string[]; masking: unknown }) =>
      JSON.stringify([g.decision, g.jurisdiction, g.grantId, g.policyIds, g.masking]);
    for (const asked of [ids, ids.slice(0, 15)]) {
      const bulk = await broker.evaluate(request(asked));
      const alone = new Map<string, string>();
      for (const id of asked) {
        const single = await broker.evaluate(request([id]));
        alone.set(id, shape(single.groups[0] as (typeof single.groups)[number]));
      }
      expect(new Set(alone.values()).size).toBeGreaterThan(1);
      // Each subject in exactly one group, whose decision is the one it gets alone; in request order.
      expect(bulk.groups.flatMap((g) => g.subjects).sort()).toEqual([...asked].sort());
      for (const group of bulk.groups) {
        expect(group.subjects).toEqual(asked.filter((id) => group.subjects.includes(id)));
        for (const id of group.subjects) expect([id, shape(group)]).toEqual([id, alone.get(id)]);
      }
    }
  });

  it('refuses malformed requests before deciding anything', async () => {
    const { deps, entries } = world();
    const broker = createBroker(deps);
    for (const bad of [{ purpose: 'CURIOSITY' }, { categories: ['user.secrets'] }, { subjects: [] }, { caseRef: '' }]) {
      const outcome = await broker.access({ ...request(['u0']), ...bad }).catch((err: unknown) => err);
      expect(isDomainError(outcome), JSON.stringify(bad)).toBe(true);
    }
    expect(entries).toHaveLength(0);
  });

  it('refuses an id nobody holds like a person outside the case, and logs it in every jurisdiction naming no one', async () => {
    const { deps, entries } = world();
    const broker = createBroker(deps);
    const probe = await broker.access(request(['u0', 'nobody']));
    expect(probe.decision).toBe('deny');
    expect(probe.decisions.map((d) => [d.jurisdiction, d.subjects, d.policyIds])).toEqual([
      ['JP', ['u0'], ['broker:case-scope']],
      ['JP', [], ['broker:case-scope']],
      ['KR', [], ['broker:case-scope']],
    ]);
    expect(entries.map((e) => [e.subjectJurisdiction, e.subjects, e.decision])).toEqual([
      ['JP', ['u0'], 'deny'],
      ['JP', [], 'deny'],
      ['KR', [], 'deny'],
    ]);
  });
});

/** The world above plus a message source, and an approved one-approver grant builder. */
function worldWithMessages(grants: Grant[] = []) {
  const w = world(1, grants);
  const messages: SubjectDataSource = {
    category: 'user.content.message',
    fields: ['conversationId', 'text'],
    read: vi.fn(async ({ subjects: wanted }: { subjects: readonly SubjectRef[] }) =>
      wanted.map((s) => ({ subjectId: s.id, recordId: `m/${s.id}`, values: { conversationId: 'jp_c1', text: 'hello' } })),
    ),
  };
  w.deps.sources.register(messages);
  return { ...w, messages };
}

/** An approved grant for T-1001; a test names only what differs. */
function buildGrant(overrides: Partial<Grant> = {}): Grant {
  return {
    id: 'gr-content',
    requesterId: 'op-jp',
    subjects: ['u0'],
    categories: ['user.content.message'],
    fields: [],
    purpose: 'SUPPORT_CASE',
    caseRef: 'T-1001',
    durationSeconds: 600,
    requestedLocation: 'JP',
    requiredApprovals: 1,
    status: 'approved',
    createdAt: '2026-01-01T00:00:00.000Z',
    approvedAt: '2026-01-01T00:00:00.000Z',
    expiresAt: '2099-01-01T00:00:00.000Z',
    endedAt: null,
    endedBy: null,
    approvals: [{ approverId: 'a1', decision: 'approve', at: '2026-01-01T00:00:00.000Z' }],
    ...overrides,
  };
}

describe('categories of the tree', () => {
  it('serves a child category from its parent’s source, narrowed to its fields, and logs what was asked and released', async () => {
    const { deps, entries, contact } = world();
    const result = await createBroker(deps).access({ ...request(['u0']), categories: ['user.contact.phone_number'] });
    expect(result.decision).toBe('allow');
    expect(contact.read).toHaveBeenCalledTimes(1);
    expect(result.records).toEqual([{ subjectId: 'u0', category: 'user.contact.phone_number', recordId: 'c/u0', fields: { phone: '••••5678' } }]);
    expect(result.decisions[0]).toMatchObject({ category: 'user.contact.phone_number', requested: ['user.contact.phone_number'], masking: { phone: 'last4' } });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ categories: ['user.contact.phone_number'], requestedCategories: ['user.contact.phone_number'], fields: ['phone'], released: 1 });
  });

  it('covers every child when a parent is asked, deciding each leaf: content stays behind a grant when asked as `user`', async () => {
    const { deps, entries, messages } = worldWithMessages();
    const result = await createBroker(deps).access({ ...request(['u0']), categories: ['user'] });
    expect(result.decision).toBe('partial');
    expect(result.decisions.map((d) => [d.category, d.requested, d.decision, d.policyIds])).toEqual([
      ['user.contact', ['user'], 'allow', ['support-case']],
      ['user.content.message', ['user'], 'deny', ['content-needs-grant']],
    ]);
    expect(messages.read).not.toHaveBeenCalled();
    expect(result.records.map((r) => r.category)).toEqual(['user.contact']);
    expect(entries.map((e) => [e.categories, e.requestedCategories, e.decision])).toEqual([
      [['user.contact'], ['user'], 'allow'],
      [['user.content.message'], ['user'], 'deny'],
    ]);
  });

  it('releases content asked as `user.content` under a grant for the leaf, with the grant on record', async () => {
    const { deps, entries } = worldWithMessages([buildGrant({ categories: ['user.content.message'] })]);
    const result = await createBroker(deps).access({ ...request(['u0']), categories: ['user.content'] });
    expect(result.decision).toBe('allow');
    expect(result.records).toEqual([{ subjectId: 'u0', category: 'user.content.message', recordId: 'm/u0', fields: { conversationId: 'jp_c1', text: 'hello' } }]);
    expect(entries[0]).toMatchObject({ categories: ['user.content.message'], requestedCategories: ['user.content'], grantId: 'gr-content', decision: 'allow' });
  });

  it('answers a category asked twice (as itself and through a parent) with one decision naming both', async () => {
    const { deps, entries } = world();
    const result = await createBroker(deps).access({ ...request(['u0']), categories: ['user.contact.email', 'user.contact'] });
    expect(result.decisions.map((d) => [d.category, d.requested])).toEqual([['user.contact', ['user.contact.email', 'user.contact']]]);
    expect(entries).toHaveLength(1);
  });

  it('refuses an unknown category naming the valid ones, and a category nothing holds, logging neither', async () => {
    const { deps, entries } = world();
    const broker = createBroker(deps);
    const unknown = await broker.access({ ...request(['u0']), categories: ['user.contacts'] }).catch((err: unknown) => err);
    expect(isDomainError(unknown) && unknown.code).toBe('UNKNOWN_CATEGORY');
    expect((unknown as Error).message).toMatch(/no data category "user\.contacts"; name one of user, user\.account, .*user\.contact\.phone_number/);
    const renamed = await broker.access({ ...request(['u0']), categories: ['user.contact.phone'] }).catch((err: unknown) => err);
    expect(isDomainError(renamed) && renamed.code).toBe('UNKNOWN_CATEGORY');
    expect((renamed as Error).message).toBe('no data category "user.contact.phone": it is now called "user.contact.phone_number" (fideslang\'s name)');
    const notHeld = await broker.evaluate({ ...request(['u0']), categories: ['user.financial'] }).catch((err: unknown) => err);
    expect(isDomainError(notHeld) && notHeld.code).toBe('CATEGORY_NOT_HELD');
    expect((notHeld as Error).message).toMatch(/user\.financial.*serves user\.contact/);
    expect(entries).toHaveLength(0);
  });

  it('decides a parent on each leaf it releases, so a policy written for a leaf holds when the parent is asked', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-policies-'));
    fs.cpSync(defaultPolicyDir(), dir, { recursive: true });
    fs.writeFileSync(
      path.join(dir, 'phone.cedar'),
      '@id("no-phone-numbers")\nforbid (principal, action, resource) when { resource.category == "user.contact.phone_number" };\n',
    );
    const strict = await PolicyEngine.open({ dir });
    const { deps, contact } = world();
    const broker = createBroker({ ...deps, policy: () => ({ engine: strict, problem: null }) });
    for (const category of ['user.contact', 'user', 'user.contact.phone_number']) {
      const evaluation = await broker.evaluate({ ...request(['u0']), categories: [category] });
      expect(evaluation.groups.map((g) => [g.decision, g.policyIds]), category).toEqual([['deny', ['no-phone-numbers']]]);
    }
    // The e-mail address alone is still served.
    const email = await broker.access({ ...request(['u0']), categories: ['user.contact.email'] });
    expect(email.records).toEqual([{ subjectId: 'u0', category: 'user.contact.email', recordId: 'c/u0', fields: { email: 'u0@example.jp' } }]);
    expect(contact.read).toHaveBeenCalledTimes(1);
  });
});

describe('data source registration', () => {
  it('refuses a source whose category, or a field’s category, is outside the list or not below it', () => {
    const read = async () => [];
    const sources = createSubjectDataSources();
    expect(() => sources.register({ category: 'user.secrets', fields: ['x'], read })).toThrow(/not in src\/cells\/categories\.ts/);
    expect(() => sources.register({ category: 'user.contact', fields: ['x'], fieldCategories: { x: 'user.content.message' }, read })).toThrow(/below user\.contact/);
    expect(() => sources.register({ category: 'user.contact', fields: ['x'], fieldCategories: { x: 'user.contact.phone' }, read })).toThrow(/below user\.contact/);
  });
});

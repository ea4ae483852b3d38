// A governed bulk read against the same read without the broker. The raw read is the data
// source itself (the SQL a direct query would run, for the same subjects); the governed read is
// the whole broker path: subjects, case and grants looked up, one policy decision per subject
// (cached after the first), access-log entries written durably, records masked.
//
//   npx tsx bench/broker/bulk.ts [--runs 30] [--phases] [--profile FILE]
//
// --profile FILE: after the measured runs, a V8 CPU profile of 10 more governed reads of the last
// shape (each followed by its index build) is written to FILE (.cpuprofile, for DevTools).
//
// Prints wall-time and CPU-time medians (CPU: user + system of this process, which moves less
// than wall time when the machine is shared). The access log builds its per-subject index behind
// the appends (a timer after the commit); here it is built after each governed read, outside both
// measured windows, and its CPU is printed on its own line and in the "with index" ratio.
//
// Two shapes of 10,000 records: 100 people × 100 messages each (content, under a grant), and
// 10,000 people × 1 contact record (beyond 100 people: a grant approved by two approvers).
import crypto from 'node:crypto';
import fs from 'node:fs';
import inspector from 'node:inspector/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openRuntime, type Runtime } from '../../src/app/runtime.js';
import { finishConfig } from '../../src/config/config.js';
import { TALLY_WINDOW_MS, type BrokerRequest } from '../../src/governance/broker/broker.js';
import type { SubjectRef } from '../../src/governance/broker/subject-data.js';
import { openAccessTally } from '../../src/governance/broker/access-tally.repository.js';
import { sealAccessEntry, type AccessEntry } from '../../src/governance/log/entry.js';
import { systemActor } from '../../src/governance/journal.js';
import type { Operator } from '../../src/governance/operators/operators.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '30' }, phases: { type: 'boolean', default: false }, profile: { type: 'string' } } });
const runs = Number(values.runs);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-bench-broker-'));
const config = finishConfig({ deployment: 'domicile.bench', dataDir: dir, cells: [{ id: 'jp', jurisdiction: 'JP' }, { id: 'kr', jurisdiction: 'KR' }] }, {}, process.cwd(), null);
const runtime: Runtime = await openRuntime(config);
const { governance } = runtime;
const jp = runtime.cells.get('jp');
const now = new Date().toISOString();
const personal = (subjectId: string, category: string) => ({ subject_id: subjectId, subject_home: 'JP', category, cell_id: 'jp', scope_home: 'JP', scope_class: 'consumer' });

async function seedSubjects(prefix: string, count: number): Promise<SubjectRef[]> {
  const subjects = Array.from({ length: count }, (_, i) => ({ id: `${prefix}${String(i).padStart(5, '0')}`, home: 'JP', class: 'consumer' as const }));
  await runtime.directory.db.transaction().execute(async (trx) => {
    for (let i = 0; i < subjects.length; i += 500) {
      await trx
        .insertInto('subject')
        .values(subjects.slice(i, i + 500).map((s) => ({ id: s.id, kind: 'user', home: 'JP', class: 'consumer', created_at: now })))
        .execute();
    }
  });
  return subjects;
}

// 100 people with 100 messages each, in one conversation per person.
const writers = await seedSubjects('writer', 100);
await jp.db.transaction().execute(async (trx) => {
  for (const [w, writer] of writers.entries()) {
    const conversationId = `jp_benchconv${String(w).padStart(5, '0')}`;
    await trx
      .insertInto('conversation')
      .values({ id: conversationId, kind: 'group', title: null, owner_id: writer.id, direct_key: null, last_seq: 100, created_at: now, updated_at: now, ...personal(writer.id, 'user.content.conversation') })
      .execute();
    const rows = Array.from({ length: 100 }, (_, m) => ({
      id: `jp_benchmsg${String(w).padStart(4, '0')}x${String(m).padStart(4, '0')}`,
      conversation_id: conversationId,
      seq: m + 1,
      kind: 'text',
      client_id: `c${m}`,
      text: `message ${m} of ${writer.id}: the quick brown fox jumps over the lazy dog`,
      media_id: null,
      media_type: null,
      media_size: null,
      created_at: now,
      ...personal(writer.id, 'user.content.message'),
    }));
    await trx.insertInto('message').values(rows.slice(0, 50)).execute();
    await trx.insertInto('message').values(rows.slice(50)).execute();
  }
});

// 10,000 people with an e-mail address and a phone number each.
const people = await seedSubjects('person', 10_000);
await jp.db.transaction().execute(async (trx) => {
  for (let i = 0; i < people.length; i += 200) {
    await trx
      .insertInto('contact_point')
      .values(
        people.slice(i, i + 200).flatMap((p) => [
          { id: `jp_benchmail${p.id}`, kind: 'email', value: `${p.id}@example.jp`, created_at: now, ...personal(p.id, 'user.contact.email') },
          { id: `jp_benchtel${p.id}`, kind: 'phone', value: `+81 90-${p.id.slice(-4)}-0000`, created_at: now, ...personal(p.id, 'user.contact.phone_number') },
        ]),
      )
      .execute();
  }
});

const employer = { id: 'nihon-talk', entity: 'Nihon Talk Corp', country: 'JP', tier: 'own' } as const;
const make = (id: string, roles: Operator['roles']) =>
  governance.operators.create({ id, name: id, employer, officeCountry: 'JP', roles, password: 'bench-password-1234', totpSecret: 'DOMICILEDEMOTOTPSECRETFOROPSDEMO', actor: systemActor('system:bench') });
// A bulk read is an incident: its case is opened by security and approved by two approvers.
const support = await make('op-bench-security', ['security']);
const approvers = [await make('op-bench-approver1', ['approver']), await make('op-bench-approver2', ['approver'])];
const origin = { address: '133.242.0.1', country: 'JP', simulated: false };
const actor = (operator: Operator) => governance.actorOf(operator, origin);

async function grantFor(subjects: readonly SubjectRef[], category: string): Promise<string> {
  let ticket = await governance.cases.openCase({ kind: 'incident', subjects, reason: 'breach', opener: support, actor: actor(support) });
  for (const approver of approvers.slice(0, ticket.requiredApprovals)) ticket = await governance.cases.approve({ ref: ticket.ref, approver, actor: actor(approver) });
  const grant = await governance.grants.request({
    requester: support,
    actor: actor(support),
    subjects: subjects.map((s) => s.id),
    categories: [category],
    fields: [],
    purpose: 'INCIDENT_RESPONSE',
    case: ticket,
    caseRef: ticket.ref,
    durationMinutes: 480,
    requestedLocation: 'JP',
  });
  for (const approver of approvers.slice(0, grant.requiredApprovals)) await governance.grants.approve({ grantId: grant.id, approver, actor: actor(approver) });
  return ticket.ref;
}

const scenarios: { label: string; subjects: SubjectRef[]; category: string; caseRef: string }[] = [
  { label: '100 people × 100 messages (user.content.message, grant)', subjects: writers, category: 'user.content.message', caseRef: await grantFor(writers, 'user.content.message') },
  { label: '10,000 people × 1 contact record (user.contact, 2 approvers)', subjects: people, category: 'user.contact', caseRef: await grantFor(people, 'user.contact') },
];


// --phases: the parts of the governed read, each timed alone (10 runs after 3 warm-ups), wall
// and CPU time (user + system of this process: the machine is shared, CPU time moves less).
if (values.phases) {
  const tally = openAccessTally(runtime.directory.db);
  const since = new Date(Date.now() - TALLY_WINDOW_MS);
  for (const sc of scenarios) {
    const ids = sc.subjects.map((s) => s.id);
    const req: BrokerRequest = { operatorId: support.id, origin, action: 'read', purpose: 'INCIDENT_RESPONSE', caseRef: sc.caseRef, subjects: ids, categories: [sc.category] };
    const time = async (label: string, f: () => Promise<unknown>) => {
      for (let i = 0; i < 3; i++) await f();
      const cpu = process.cpuUsage();
      const t = process.hrtime.bigint();
      for (let i = 0; i < 10; i++) await f();
      const used = process.cpuUsage(cpu);
      console.log(`${label.padEnd(24)} wall ${(Number(process.hrtime.bigint() - t) / 1e7).toFixed(1).padStart(7)} ms   cpu ${((used.user + used.system) / 1e4).toFixed(1).padStart(7)} ms`);
    };
    console.log(`\n${sc.label}`);
    await time('subjectsOf', () => governance.subjectsOf(ids));
    await time('cases.find', () => governance.cases.find(sc.caseRef));
    await time('grants.usable', () => governance.grants.usable({ operatorId: support.id, purpose: 'INCIDENT_RESPONSE', caseRef: sc.caseRef }));
    await time('tally.subjectsSince', () => tally.subjectsSince({ operatorId: support.id, purpose: 'INCIDENT_RESPONSE', since }));
    await time('tally.add', () => tally.add({ operatorId: 'op-bench-phases', purpose: 'INCIDENT_RESPONSE', subjects: ids, at: new Date() }));
    await time('evaluate', () => governance.broker.evaluate(req));
    await time('source.read', async () => governance.sources.get(sc.category)?.read({ subjects: sc.subjects, limit: 10000 }));
    const entry = (n: number, chunk: readonly string[]): AccessEntry => ({
      eventId: `phase-${crypto.randomUUID()}-${n}`, time: new Date().toISOString(), actor: support.id, actorEmployer: employer.entity, actorEmployerCountry: 'JP', actorOfficeCountry: 'JP',
      actorPhysicalCountry: 'JP', subjectJurisdiction: 'JP', subjects: chunk, categories: [sc.category], requestedCategories: [sc.category], fields: [], action: 'read',
      purpose: 'INCIDENT_RESPONSE', caseRef: sc.caseRef, grantId: null, decision: 'allow', policyIds: ['bench'], released: chunk.length,
    });
    const entries = () => Array.from({ length: Math.ceil(ids.length / 1000) }, (_, n) => entry(n, ids.slice(n * 1000, (n + 1) * 1000)));
    await time('seal entries', async () => entries().map((e) => sealAccessEntry(e).canonical));
    await time('logs.recordAccess', () => Promise.all(entries().map((e) => runtime.logs.recordAccess(e))));
    await time('access', () => governance.broker.access(req));
  }
  await runtime.close();
  fs.rmSync(dir, { recursive: true, force: true });
  process.exit(0);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
}

console.log(`node ${process.version}, ${runs} runs per mode after 3 warm-up runs, SQLite (WAL, synchronous=FULL), data in ${dir}`);
for (const scenario of scenarios) {
  const source = governance.sources.get(scenario.category);
  if (!source) throw new Error(`no source for ${scenario.category}`);
  const request: BrokerRequest = {
    operatorId: support.id,
    origin,
    action: 'read',
    purpose: 'INCIDENT_RESPONSE',
    caseRef: scenario.caseRef,
    subjects: scenario.subjects.map((s) => s.id),
    categories: [scenario.category],
  };
  const raw = async () => (await source.read({ subjects: scenario.subjects, limit: 10_000 })).length;
  const governed = async () => {
    const result = await governance.broker.access(request);
    if (result.decision !== 'allow') throw new Error(`not allowed: ${JSON.stringify(result.decisions.map((d) => d.policyIds))}`);
    return result.records.length;
  };
  const samples: Record<'raw' | 'governed', number[]> = { raw: [], governed: [] };
  const cpu: Record<'raw' | 'governed', number[]> = { raw: [], governed: [] };
  const indexCpu: number[] = [];
  const jpLog = runtime.logs.get('jp');
  // The index the background job would build for the access just made, timed apart.
  const buildIndex = async (): Promise<number> => {
    const used = process.cpuUsage();
    await jpLog.indexSubjects();
    const { user, system } = process.cpuUsage(used);
    return (user + system) / 1e3;
  };
  for (let i = 0; i < 3; i += 1) {
    await raw();
    await governed();
    await buildIndex();
  }
  // Interleaved, so both see the same machine load.
  let records = 0;
  for (let i = 0; i < runs; i += 1) {
    for (const mode of ['raw', 'governed'] as const) {
      const start = process.hrtime.bigint();
      const used = process.cpuUsage();
      records = await (mode === 'raw' ? raw() : governed());
      samples[mode].push(Number(process.hrtime.bigint() - start) / 1e6);
      const { user, system } = process.cpuUsage(used);
      cpu[mode].push((user + system) / 1e3);
      if (mode === 'governed') indexCpu.push(await buildIndex());
    }
  }
  const raws = [...samples.raw].sort((a, b) => a - b);
  const govs = [...samples.governed].sort((a, b) => a - b);
  console.log(`\n${scenario.label}: ${records} records`);
  console.log(`  raw read       p50 ${percentile(raws, 0.5).toFixed(1)} ms   p90 ${percentile(raws, 0.9).toFixed(1)} ms`);
  console.log(`  through broker p50 ${percentile(govs, 0.5).toFixed(1)} ms   p90 ${percentile(govs, 0.9).toFixed(1)} ms`);
  console.log(`  ratio (p50)    ${(percentile(govs, 0.5) / percentile(raws, 0.5)).toFixed(2)}×`);
  // CPU time of this process (user + system) moves less than wall time on a shared machine.
  const [rawCpu, govCpu] = [percentile([...cpu.raw].sort((a, b) => a - b), 0.5), percentile([...cpu.governed].sort((a, b) => a - b), 0.5)];
  console.log(`  cpu p50        raw ${rawCpu.toFixed(1)} ms   through broker ${govCpu.toFixed(1)} ms   ratio ${(govCpu / rawCpu).toFixed(2)}×`);
  // The fastest tenth moves least with other work on the machine (contention only adds time).
  const [rawLow, govLow] = [percentile([...cpu.raw].sort((a, b) => a - b), 0.1), percentile([...cpu.governed].sort((a, b) => a - b), 0.1)];
  console.log(`  cpu p10        raw ${rawLow.toFixed(1)} ms   through broker ${govLow.toFixed(1)} ms   ratio ${(govLow / rawLow).toFixed(2)}×`);
  const idxCpu = percentile([...indexCpu].sort((a, b) => a - b), 0.5);
  console.log(`  subject index  cpu p50 ${idxCpu.toFixed(1)} ms per access, built behind it   ratio with index ${((govCpu + idxCpu) / rawCpu).toFixed(2)}×`);
}
console.log(`\ndecision cache: ${JSON.stringify(governance.policy().engine?.cacheStats)}`);
if (values.profile) {
  const scenario = scenarios[scenarios.length - 1] as (typeof scenarios)[number];
  const request: BrokerRequest = { operatorId: support.id, origin, action: 'read', purpose: 'INCIDENT_RESPONSE', caseRef: scenario.caseRef, subjects: scenario.subjects.map((s) => s.id), categories: [scenario.category] };
  const session = new inspector.Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  for (let i = 0; i < 10; i += 1) {
    await governance.broker.access(request);
    await runtime.logs.get('jp').indexSubjects();
  }
  const { profile } = await session.post('Profiler.stop');
  fs.writeFileSync(values.profile, JSON.stringify(profile));
  session.disconnect();
  console.log(`profile of 10 governed reads (${scenario.label}) in ${values.profile}`);
}
await runtime.close();
fs.rmSync(dir, { recursive: true, force: true });

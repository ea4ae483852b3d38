// The demo's access history, as in the story of DESIGN.md: engineers of Shanghai Dev Ltd. (CN)
// read Japanese users' data remotely under an old permissive policy; later a Tokyo support
// operator handles ticket T-1001 for hanako under a grant. The story took 2018–2021; the demo
// replays it within the 12 months before seeding, so the foreign-handling statement (which
// covers the last 12 months) shows it. Written into the JP cell's log, in time order.
import type { Runtime } from '../app/runtime.js';
import { categories } from '../cells/categories.js';
import type { AccessEntry } from '../governance/log/entry.js';

const remoteCategories = [
  { category: categories.phone, fields: ['phone'] },
  { category: categories.message, fields: ['text', 'conversation_id'] },
  { category: categories.media, fields: ['image'] },
  { category: categories.ipAddress, fields: ['ip_address'] },
  { category: categories.payment, fields: ['amount', 'counterparty'] },
] as const;

const remoteSubjects = [['hanako'], ['taro'], ['hanako', 'taro'], ['minato-city'], ['taro'], ['hanako']] as const;

const day = 24 * 60 * 60 * 1000;

/** The entries, oldest first; the same history relative to `now` on every demo. */
export function demoAccessEntries(now: Date = new Date()): AccessEntry[] {
  const entries: AccessEntry[] = [];
  const base = Math.floor(now.getTime() / 60_000) * 60_000;
  const start = base - 330 * day;
  const end = base - 45 * day;
  const count = 36;
  for (let i = 0; i < count; i++) {
    const at = new Date(start + Math.round(((end - start) * i) / (count - 1)) + ((i * 7919) % 3600) * 1000);
    const what = remoteCategories[(i * 3) % remoteCategories.length] as (typeof remoteCategories)[number];
    const subjects = remoteSubjects[i % remoteSubjects.length] as readonly string[];
    entries.push({
      eventId: `demo-remote-${String(i + 1).padStart(3, '0')}`,
      time: at.toISOString(),
      actor: `op-shanghai-eng${(i % 4) + 1}`,
      actorEmployer: 'Shanghai Dev Ltd.',
      actorEmployerCountry: 'CN',
      actorOfficeCountry: 'CN',
      actorPhysicalCountry: 'CN',
      subjectJurisdiction: 'JP',
      subjects,
      categories: [what.category],
      fields: what.fields,
      action: 'read',
      purpose: 'SERVICE_OPERATION',
      caseRef: null,
      grantId: null,
      decision: 'allow',
      policyIds: ['legacy-remote-dev-2018'],
      released: 1 + ((i * 5) % 40),
    });
  }

  const support = {
    actor: 'op-tokyo-support',
    actorEmployer: 'Nihon Talk Corp',
    actorEmployerCountry: 'JP',
    actorOfficeCountry: 'JP',
    actorPhysicalCountry: 'JP',
    subjectJurisdiction: 'JP',
    subjects: ['hanako'],
    action: 'read',
    purpose: 'SUPPORT_CASE',
    caseRef: 'T-1001',
  } as const;
  const at = (offsetSeconds: number): string => new Date(base - 20 * day + offsetSeconds * 1000).toISOString();
  entries.push(
    { ...support, eventId: 'demo-t1001-1', time: at(0), categories: [categories.email], fields: ['email'], grantId: 'grant-t1001', decision: 'allow', policyIds: ['support-case'], released: 1 },
    { ...support, eventId: 'demo-t1001-2', time: at(83), categories: [categories.message], fields: ['text'], grantId: 'grant-t1001', decision: 'allow', policyIds: ['support-case', 'content-needs-grant'], released: 3 },
    { ...support, eventId: 'demo-t1001-3', time: at(228), categories: [categories.payment], fields: ['amount'], grantId: null, decision: 'deny', policyIds: ['support-case'], released: 0 },
  );
  return entries;
}

/** Appends the demo history to the JP log in one group commit; no-op without a JP cell. */
export async function seedDemoAccesses(runtime: Runtime): Promise<number> {
  if (!runtime.cells.jurisdictions().includes('JP')) return 0;
  const log = runtime.logs.forJurisdiction('JP');
  // Appended in one synchronous pass so they share a commit and keep their time order.
  const entries = demoAccessEntries();
  await Promise.all(entries.map((entry) => log.append(entry)));
  await log.checkpoint();
  return entries.length;
}

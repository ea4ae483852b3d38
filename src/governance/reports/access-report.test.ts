import { describe, expect, it } from 'vitest';
import type { AccessEntry } from '../log/entry.js';
import { loadRegistries } from '../transfers/registry.js';
import { accessFigures, inScope } from './access-report.js';
import { buildIncidentReport } from './incident-report.js';
import type { AccessScope, Incident } from './incidents.js';

function entry(over: Partial<AccessEntry> = {}): AccessEntry {
  return {
    eventId: 'e1',
    time: '2026-06-01T10:00:00.000Z',
    actor: 'op-sh-1',
    actorEmployer: 'Shanghai Dev Ltd.',
    actorEmployerCountry: 'CN',
    actorOfficeCountry: 'CN',
    actorPhysicalCountry: 'CN',
    subjectJurisdiction: 'JP',
    subjects: ['hanako'],
    categories: ['user.content.message'],
    fields: ['text'],
    action: 'read',
    purpose: 'SERVICE_OPERATION',
    caseRef: null,
    grantId: null,
    decision: 'allow',
    policyIds: [],
    released: 2,
    ...over,
  };
}

const scope: AccessScope = { home: 'JP', actorOutside: 'JP', actorCountry: null, employer: null, from: '2026-01-01', to: '2026-06-30' };
const tokyo = { actorEmployer: 'Nihon Talk Corp', actorEmployerCountry: 'JP', actorOfficeCountry: 'JP', actorPhysicalCountry: 'JP' };

describe('inScope', () => {
  it.each<[string, Partial<AccessEntry>, Partial<AccessScope>, boolean]>([
    ['an engineer in China', {}, {}, true],
    ['Tokyo staff in Tokyo', tokyo, {}, false],
    ['Tokyo staff travelling abroad', { ...tokyo, actorPhysicalCountry: 'US' }, {}, true],
    ['an operator whose location was not observed', { ...tokyo, actorPhysicalCountry: null }, {}, true],
    ['a system job (no countries)', { actor: 'system:retention', actorEmployer: null, actorEmployerCountry: null, actorOfficeCountry: null, actorPhysicalCountry: null }, {}, false],
    ['the last day of the window, late', { time: '2026-06-30T23:59:59.000Z' }, {}, true],
    ['the day after the window', { time: '2026-07-01T00:00:00.000Z' }, {}, false],
    ['another home', { subjectJurisdiction: 'KR' }, {}, false],
    ['by actor country CN', {}, { actorOutside: null, actorCountry: 'CN' }, true],
    ['Tokyo staff by actor country CN', tokyo, { actorOutside: null, actorCountry: 'CN' }, false],
    ['another employer', {}, { employer: 'Seoul Cloud Co.' }, false],
  ])('%s', (_, over, scopeOver, expected) => {
    expect(inScope(entry(over), { ...scope, ...scopeOver })).toBe(expected);
  });
});

describe('accessFigures', () => {
  it('counts denied entries but not their subjects, splits by month, and names categories by today’s names', () => {
    const figures = accessFigures(
      [
        entry(),
        entry({ time: '2026-03-02T00:00:00.000Z', subjects: ['hanako', 'taro', 'taro'], categories: ['user.contact.phone'], released: 5 }),
        entry({ actor: 'op-sh-2', decision: 'deny', released: 0, subjects: ['jiro'] }),
        entry({ subjects: ['saburo'], released: 0 }),
        entry(tokyo),
      ],
      scope,
    );
    expect(figures).toMatchObject({ entries: 4, allowedEntries: 3, deniedEntries: 1, subjects: 2, contentAccessed: true });
    expect(figures.categories).toEqual({ 'user.contact.phone_number': 5, 'user.content.message': 2 });
    expect(figures.subjectsByCategory).toEqual({ 'user.contact.phone_number': 2, 'user.content.message': 1 });
    expect(figures.actors.map((a) => [a.actor, a.entries, a.subjects])).toEqual([
      ['op-sh-1', 3, 2],
      ['op-sh-2', 1, 0],
    ]);
    expect(figures.byMonth.map((m) => [m.month, m.entries, m.subjects])).toEqual([
      ['2026-01', 0, 0],
      ['2026-02', 0, 0],
      ['2026-03', 1, 2],
      ['2026-04', 0, 0],
      ['2026-05', 0, 0],
      ['2026-06', 3, 1],
    ]);
  });

  it('says no content was accessed when only contact data was released', () => {
    expect(accessFigures([entry({ categories: ['user.contact.email'] }), entry({ decision: 'deny', released: 0 })], scope).contentAccessed).toBe(false);
  });
});

describe('buildIncidentReport', () => {
  const incident = (wrongfulPurpose: boolean): Incident => ({ id: 'inc-1', title: 'Remote access', knownAt: '2026-07-01T00:00:00.000Z', scope, wrongfulPurpose, createdAt: '', createdBy: 'x' });
  const regime = loadRegistries().regimeOf('JP');
  const now = new Date('2026-07-02T12:00:00.000Z');
  const report = (entries: AccessEntry[], wrongful: boolean) =>
    buildIncidentReport({ report: { generatedAt: now.toISOString(), scope, checkpoint: [], ...accessFigures(entries, scope) }, incident: incident(wrongful), regime, stage: 'preliminary', now });

  it('runs the 60-day final clock for a wrongful purpose and the 30-day one otherwise, with time left from now', () => {
    const find = (r: ReturnType<typeof report>, id: string) => r.deadlines.find((d) => d.rule === id);
    const wrongful = report([entry({ categories: ['user.contact.email'] })], true);
    expect(find(wrongful, 'jp-ppc-preliminary')).toMatchObject({ applies: true, due: '2026-07-06T00:00:00.000Z', daysLeft: 3, hoursLeft: 84 });
    expect(find(wrongful, 'jp-ppc-final-wrongful')).toMatchObject({ applies: true, due: '2026-08-30T00:00:00.000Z' });
    expect(find(wrongful, 'jp-ppc-final')?.applies).toBe(false);
    expect(find(wrongful, 'jp-telecom-first')?.applies).toBe(false);
    const plain = report([entry({ categories: ['user.financial.payment'] })], false);
    expect(plain.triggers).toMatchObject({ financialLoss: true, wrongfulPurpose: false });
    expect(find(plain, 'jp-ppc-final')).toMatchObject({ applies: true, due: '2026-07-31T00:00:00.000Z' });
    expect(find(plain, 'jp-ppc-final-wrongful')?.applies).toBe(false);
  });

  it('requires no report when no trigger holds, and marks the items only a person can write', () => {
    const quiet = report([entry({ categories: ['user.contact.email'] })], false);
    expect(quiet.reportRequired).toBe(false);
    expect(quiet.deadlines.filter((d) => d.applies)).toEqual([]);
    expect(quiet.items.filter((i) => i.toBeWritten).map((i) => i.id)).toEqual(['cause', 'secondary-damage', 'response-to-people', 'publication', 'recurrence', 'other']);
    expect(report([entry()], false).deadlines.find((d) => d.rule === 'jp-telecom-detailed')?.applies).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import type { AccessEntry } from '../log/entry.js';
import type { Incident } from './incidents.js';
import { incidentsOfPerson, personIncidentEntryLimit, type ResponseFacts } from './person-incidents.js';

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
    subjects: ['hanako', 'taro'],
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

const incident: Incident = {
  id: 'inc-0123456789',
  title: 'Remote access from China',
  knownAt: '2026-11-30T00:00:00.000Z',
  scope: { home: 'JP', actorOutside: 'JP', actorCountry: null, employer: null, from: '2026-01-01', to: '2026-06-30' },
  wrongfulPurpose: false,
  createdAt: '2026-11-30T01:00:00.000Z',
  createdBy: 'op-tokyo-privacy',
};
const facts: ResponseFacts = { operator: 'Nihon Talk Corp', authority: 'Personal Information Protection Commission (PPC)', blocked: ['CN'] };

function run(entries: AccessEntry[], subjectId = 'hanako') {
  return incidentsOfPerson({ incidents: [incident], entries, indexes: entries.map((_, i) => 100 + i), cell: 'jp', subjectId, facts });
}

describe('incidentsOfPerson', () => {
  it('keeps only released, in-scope entries naming the person, and says nothing of anyone else', () => {
    const result = run([
      entry(),
      entry({ subjects: ['taro'], categories: ['user.contact.phone_number'] }),
      entry({ decision: 'deny', released: 0, categories: ['user.financial.payment'] }),
      entry({ time: '2025-12-31T23:59:59.000Z', categories: ['user.device.ip_address'] }),
      entry({ actorEmployer: 'Nihon Talk Corp', actorEmployerCountry: 'JP', actorOfficeCountry: 'JP', actorPhysicalCountry: 'JP', categories: ['user.account'] }),
      entry({ time: '2026-03-01T00:00:00.000Z', categories: ['user.content.media'], actorPhysicalCountry: 'US' }),
    ]);
    expect(result).toHaveLength(1);
    const [mine] = result;
    expect(mine).toMatchObject({
      id: incident.id,
      categories: ['user.content.media', 'user.content.message'],
      organisations: [{ name: 'Shanghai Dev Ltd.', country: 'CN' }],
      actorCountries: ['CN', 'US'],
      entries: 2,
      firstAt: '2026-03-01T00:00:00.000Z',
      lastAt: '2026-06-01T10:00:00.000Z',
      log: { cell: 'jp', indexes: [100, 105] },
    });
    expect(JSON.stringify(mine)).not.toMatch(/taro|op-sh-1/);
    expect(mine?.response.join(' ')).toMatch(/Nihon Talk Corp recorded this incident on 2026-11-30[\s\S]*Personal Information Protection Commission[\s\S]*from CN is cut off/);
  });

  it('lists no incident for a person none of whose data was released in scope', () => {
    expect(run([entry({ subjects: ['taro'] })])).toEqual([]);
  });

  it('counts every entry but lists at most the limit of log positions', () => {
    const many = Array.from({ length: personIncidentEntryLimit + 5 }, () => entry());
    const [mine] = run(many);
    expect(mine?.entries).toBe(personIncidentEntryLimit + 5);
    expect(mine?.log.indexes).toHaveLength(personIncidentEntryLimit);
  });
});

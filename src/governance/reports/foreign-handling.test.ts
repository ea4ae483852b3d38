import { describe, expect, it } from 'vitest';
import type { AccessEntry } from '../log/entry.js';
import { foreignHandlingStatement, monthsBefore, renderForeignHandling, type ForeignHandlingInput } from './foreign-handling.js';

const AT = new Date('2026-11-27T12:00:00.000Z');
const names: Record<string, string> = { JP: 'Japan', KR: 'South Korea', CN: 'China' };

function access(over: Partial<AccessEntry> = {}): AccessEntry {
  return {
    eventId: 'e1',
    time: '2026-06-01T00:00:00.000Z',
    actor: 'op-1',
    actorEmployer: 'Nihon Talk Corp',
    actorEmployerCountry: 'JP',
    actorOfficeCountry: 'JP',
    actorPhysicalCountry: 'JP',
    subjectJurisdiction: 'JP',
    subjects: ['hanako'],
    categories: ['user.content.message'],
    fields: ['text'],
    action: 'read',
    purpose: 'SUPPORT_CASE',
    caseRef: 'T-1',
    grantId: null,
    decision: 'allow',
    policyIds: [],
    released: 1,
    ...over,
  };
}

function input(over: Partial<ForeignHandlingInput> = {}): ForeignHandlingInput {
  return {
    at: AT,
    since: monthsBefore(AT, 12),
    homes: ['JP'],
    countryName: (c) => names[c] ?? c,
    placement: [
      { home: 'JP', class: 'consumer', category: 'user.content.media', cell: 'jp', country: 'JP' },
      { home: 'JP', class: 'consumer', category: 'user.content.message', cell: 'jp', country: 'JP' },
    ],
    stored: [{ home: 'JP', category: 'user.content.media', cell: 'jp', country: 'JP', rows: 3 }],
    accesses: [access()],
    transfers: [],
    ...over,
  };
}

const ONLY_JAPAN = 'All personal data of users in Japan is stored and handled only in Japan.';

describe('foreignHandlingStatement', () => {
  it('says "only in Japan" when storage, access and transfers are all Japanese', () => {
    const jp = foreignHandlingStatement(input()).jurisdictions[0];
    expect(jp?.onlyHome).toBe(true);
    expect(jp?.statement).toBe(ONLY_JAPAN);
    expect(jp?.foreignCountries).toEqual([]);
  });

  it.each<[string, Partial<ForeignHandlingInput>]>([
    ['a placement rule keeps images abroad', { placement: [{ home: 'JP', class: 'consumer', category: 'user.content.media', cell: 'kr', country: 'KR' }] }],
    ['rows sit in a cell abroad', { stored: [{ home: 'JP', category: 'user.content.message', cell: 'kr', country: 'KR', rows: 1 }] }],
    ['an operator viewed data from abroad', { accesses: [access({ actorPhysicalCountry: 'CN' })] }],
    ['the accessing country is unknown', { accesses: [access({ actorPhysicalCountry: null })] }],
    ['a transfer record names another country', { transfers: [{ home: 'JP', category: 'user.content.media', destination: 'KR', items: 2 }] }],
  ])('does not say it when %s', (_, over) => {
    const jp = foreignHandlingStatement(input(over)).jurisdictions[0];
    expect(jp?.onlyHome).toBe(false);
    expect(jp?.statement).not.toContain('only in Japan');
  });

  it('lists storage and access countries per category as country codes, and names them in the sentence', () => {
    const report = foreignHandlingStatement(
      input({
        placement: [{ home: 'JP', class: 'consumer', category: 'user.content.media', cell: 'kr', country: 'KR' }],
        stored: [{ home: 'JP', category: 'user.content.media', cell: 'kr', country: 'KR', rows: 4 }],
        accesses: [access({ actorPhysicalCountry: 'CN', categories: ['user.content.media', 'user.contact.phone_number'] })],
      }),
    );
    const jp = report.jurisdictions[0];
    const media = jp?.categories.find((c) => c.category === 'user.content.media');
    expect(media).toMatchObject({ storedIn: ['KR'], accessedFrom: ['CN'], storage: [{ country: 'KR', byRule: ['consumer'], rows: 4 }] });
    expect(jp?.accessedFrom).toEqual(['CN']);
    expect(jp?.statement).toBe('Personal data of users in Japan is stored in South Korea (KR). In the last 12 months it was accessed from China (CN).');
    expect(renderForeignHandling(report)).toContain('China (CN): accessed user.contact.phone_number, user.content.media');
  });

  it('tells a move home from the transfers out: the data stored abroad before, moved home in the window', () => {
    const report = foreignHandlingStatement(
      input({
        transfers: [
          { home: 'JP', category: 'user.content.media', destination: 'KR', items: 3 },
          { home: 'JP', category: 'user.content.media', destination: 'JP', origin: 'KR', items: 3 },
        ],
      }),
    );
    const jp = report.jurisdictions[0];
    expect(jp?.categories.find((c) => c.category === 'user.content.media')).toMatchObject({ storedIn: ['JP'], transferredTo: ['KR'], returnedFrom: ['KR'] });
    expect(jp?.transferredTo).toEqual(['KR']);
    expect(jp?.statement).toBe('Personal data of users in Japan is stored in Japan (JP). In the last 12 months it was accessed from Japan (JP), and sent to South Korea (KR), and moved home from South Korea (KR).');
    expect(renderForeignHandling(report)).toContain('moved home from KR');
  });

  it('reports accesses logged under a retired category name under today’s name', () => {
    const jp = foreignHandlingStatement(
      input({ accesses: [access({ actorPhysicalCountry: 'CN', categories: ['user.contact.phone'] }), access({ actorPhysicalCountry: 'KR', categories: ['user.contact.phone_number'] })] }),
    ).jurisdictions[0];
    expect(jp?.categories.map((c) => c.category)).not.toContain('user.contact.phone');
    expect(jp?.categories.find((c) => c.category === 'user.contact.phone_number')).toMatchObject({ accessedFrom: ['CN', 'KR'], accesses: 2 });
  });

  it('counts only allowed accesses inside the window, and only about subjects of that home', () => {
    const jp = foreignHandlingStatement(
      input({
        accesses: [
          access(),
          access({ actorPhysicalCountry: 'CN', decision: 'deny', released: 0 }),
          access({ actorPhysicalCountry: 'CN', time: '2021-02-26T08:40:00.000Z' }),
          access({ actorPhysicalCountry: 'US', subjectJurisdiction: 'KR' }),
          access({ actorPhysicalCountry: 'CN', time: '2026-11-27T12:00:00.000Z' }),
        ],
      }),
    ).jurisdictions[0];
    expect(jp?.accessedFrom).toEqual(['JP']);
    expect(jp?.onlyHome).toBe(true);
  });

  it('describes a window that is not whole months by its dates', () => {
    const report = foreignHandlingStatement(input({ since: new Date('2018-01-01T00:00:00Z'), accesses: [access({ actorPhysicalCountry: 'CN', time: '2019-01-01T00:00:00.000Z' })] }));
    expect(report.window.months).toBeNull();
    expect(report.jurisdictions[0]?.statement).toContain('Between 2018-01-01 and 2026-11-27 it was accessed from China (CN).');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { consentGiven, consentStandings, consentWithdrawn, type ConsentEvent } from './consent.history.js';
import { buildConsentReceipt, type ConsentReceipt } from './consent.receipt.js';
import { loadRegistries } from './registry.js';
import { readJsonFile, repoPath } from './repo-files.js';
import { validNotice } from './transfers.test-support.js';

const registries = loadRegistries();
const notice = validNotice(readJsonFile(repoPath('registries', 'notices', 'jp-media-storage-kr.json')), registries);
const SUBJECT = 'user-jp-0001';

function receiptAt(iso: string, id: string, subject = SUBJECT): ConsentReceipt {
  return buildConsentReceipt({ notice, subject: { id: subject }, at: new Date(iso), id, separateConsent: true });
}

const given = (iso: string, id = `cr-${iso}`, subject = SUBJECT): ConsentEvent => consentGiven(receiptAt(iso, id, subject), new Date(iso));
const withdrawn = (iso: string, subject = SUBJECT): ConsentEvent => consentWithdrawn({ subjectId: subject, noticeId: notice.noticeId, at: new Date(iso) });

describe('consentStandings', () => {
  it('has no standing before any event', () => {
    expect(consentStandings([given('2026-12-02T00:00:00Z')], new Date('2026-12-01T12:00:00Z'))).toEqual([]);
  });

  it('lets the latest event per notice win, withdrawal taking effect at its own instant', () => {
    const history = [given('2026-12-02T00:00:00Z', 'cr-a'), withdrawn('2026-12-05T00:00:00Z'), given('2026-12-09T00:00:00Z', 'cr-b')];
    const at = (iso: string) => consentStandings(history, new Date(iso))[0];
    expect(at('2026-12-04T23:59:59.999Z')).toMatchObject({ status: 'given', receipt: { consentReceiptID: 'cr-a' } });
    expect(at('2026-12-05T00:00:00.000Z')).toMatchObject({ status: 'withdrawn', since: '2026-12-05T00:00:00.000Z', withdrawnReceipt: { consentReceiptID: 'cr-a' } });
    expect(at('2026-12-09T00:00:00.000Z')).toMatchObject({ status: 'given', receipt: { consentReceiptID: 'cr-b' } });
  });

  it('orders by time, not by position, and breaks ties by position', () => {
    const outOfOrder = [withdrawn('2026-12-05T00:00:00Z'), given('2026-12-02T00:00:00Z')];
    expect(consentStandings(outOfOrder, new Date('2026-12-06T00:00:00Z'))[0]?.status).toBe('withdrawn');
    const tie = [given('2026-12-05T00:00:00Z'), withdrawn('2026-12-05T00:00:00Z')];
    expect(consentStandings(tie, new Date('2026-12-05T00:00:00Z'))[0]?.status).toBe('withdrawn');
  });

  it("ignores other subjects' events when asked about one subject", () => {
    const history = [given('2026-12-02T00:00:00Z'), withdrawn('2026-12-03T00:00:00Z', 'someone-else')];
    expect(consentStandings(history, new Date('2026-12-04T00:00:00Z'), SUBJECT)[0]?.status).toBe('given');
  });

  it('fails closed on an event with an unreadable time', () => {
    const broken: ConsentEvent = { kind: 'withdrawn', at: 'yesterday', subjectId: SUBJECT, noticeId: notice.noticeId };
    expect(consentStandings([given('2026-12-02T00:00:00Z'), broken], new Date('2026-12-04T00:00:00Z'))[0]?.status).toBe('unreadable');
    expect(consentStandings([broken, given('2026-12-02T00:00:00Z')], new Date('2026-12-04T00:00:00Z'))[0]?.status).toBe('unreadable');
  });

  it('matches a simple model: the last event at or before the moment decides (property)', () => {
    const start = Date.parse('2026-12-01T00:00:00Z');
    const event = fc.record({ kind: fc.constantFrom('given' as const, 'withdrawn' as const), offset: fc.integer({ min: 0, max: 1000 }) });
    fc.assert(
      fc.property(fc.array(event, { maxLength: 12 }), fc.integer({ min: 0, max: 1000 }), (events, probe) => {
        const history = events.map((e, i) => {
          const iso = new Date(start + e.offset * 60_000).toISOString();
          return e.kind === 'given' ? given(iso, `cr-${i}`) : withdrawn(iso);
        });
        const indexed = events.map((e, i) => ({ ...e, i })).filter((e) => e.offset <= probe);
        const last = indexed.sort((a, b) => a.offset - b.offset || a.i - b.i).at(-1);
        const standing = consentStandings(history, new Date(start + probe * 60_000))[0];
        expect(standing?.status).toBe(last?.kind);
      }),
    );
  });
});

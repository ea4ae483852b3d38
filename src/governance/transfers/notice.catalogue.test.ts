import { describe, expect, it } from 'vitest';
import { createNoticeCatalogue, loadNoticeCatalogue } from './notice.catalogue.js';
import { loadRegistries } from './registry.js';
import { readJsonFile, repoPath } from './repo-files.js';

const registries = loadRegistries();
const notice = (name: string): unknown => readJsonFile(repoPath('registries', 'notices', `${name}.json`));

describe('the notice catalogue', () => {
  const catalogue = loadNoticeCatalogue(registries);

  it('keeps the valid notices and sets the "third countries" one aside with its problems', () => {
    expect(catalogue.all().map((n) => n.noticeId)).toEqual(['jp-abuse-review-country-unknown', 'jp-media-storage-kr', 'kr-messages-jp']);
    const refused = catalogue.refused().find((r) => r.source === 'third-countries.json');
    expect(refused?.problems.map((p) => p.code)).toEqual(expect.arrayContaining(['NOTICE_NO_COUNTRY', 'NOTICE_VAGUE_DESTINATION']));
    expect(catalogue.latest('jp-third-countries')).toBeUndefined();
  });

  it('finds the notice that covers a transfer: home, destination with recipient, purpose, category, in effect', () => {
    const cover = { home: 'KR', destination: 'JP', recipient: 'nihon-talk', purpose: 'MESSAGING', category: 'user.content.message', at: new Date('2026-11-28T00:00:00Z') };
    expect(catalogue.covering(cover)?.noticeId).toBe('kr-messages-jp');
    expect(catalogue.covering({ ...cover, purpose: 'MEDIA_STORAGE' })).toBeUndefined();
    expect(catalogue.covering({ ...cover, recipient: 'seoul-cloud' })).toBeUndefined();
    expect(catalogue.covering({ ...cover, category: 'user.contact.phone_number' })).toBeUndefined();
    expect(catalogue.covering({ ...cover, home: 'JP' })).toBeUndefined();
    expect(catalogue.covering({ ...cover, at: new Date('2026-11-26T23:59:59Z') })).toBeUndefined();
    // Version 2 (from 2026-12-01) also asks for consent to memberships of conversations in Japan.
    const membership = { ...cover, category: 'user.content.conversation.membership' };
    expect(catalogue.covering(membership)).toBeUndefined();
    expect(catalogue.covering({ ...membership, at: new Date('2026-12-01T00:00:00Z') })).toMatchObject({ noticeId: 'kr-messages-jp', version: 2 });
  });

  it('serves a notice before it takes effect as the latest, but not as current', () => {
    expect(catalogue.latest('jp-media-storage-kr')?.effectiveFrom).toBe('2026-12-01');
    expect(catalogue.current('jp-media-storage-kr', new Date('2026-11-30T23:59:59Z'))).toBeUndefined();
    expect(catalogue.current('jp-media-storage-kr', new Date('2026-12-01T00:00:00Z'))?.version).toBe(1);
  });

  it('picks the highest version in effect, and refuses two files with the same id and version', () => {
    const v1 = notice('kr-messages-jp') as Record<string, unknown>;
    const v2 = { ...v1, version: 2, effectiveFrom: '2027-01-01' };
    const c = createNoticeCatalogue([{ source: 'a', json: v1 }, { source: 'b', json: v2 }, { source: 'c', json: v1 }], registries);
    expect(c.current('kr-messages-jp', new Date('2026-12-15T00:00:00Z'))?.version).toBe(1);
    expect(c.current('kr-messages-jp', new Date('2027-01-01T00:00:00Z'))?.version).toBe(2);
    expect(c.latest('kr-messages-jp')?.version).toBe(2);
    expect(c.refused().map((r) => r.source)).toEqual(['c']);
  });
});

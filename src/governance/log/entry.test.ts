import crypto from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../errors/catalogue.js';
import { canonicalJson } from './canonical.js';
import { assertAccessEntry, canonicalAccessEntry, COMMITMENT, commitmentTo, decodeAccessEntry, encodeAccessEntry, leafHashOfCanonical, openAccessEntry, sealAccessEntry, sortCommitments, type AccessEntry } from './entry.js';
import { leafHash } from './merkle.js';

const sampleEntry: AccessEntry = {
  eventId: 'evt-1',
  time: '2019-04-01T03:04:05.000Z',
  actor: 'op-shanghai-eng1',
  actorEmployer: 'Shanghai Dev Ltd.',
  actorEmployerCountry: 'CN',
  actorOfficeCountry: 'CN',
  actorPhysicalCountry: 'CN',
  subjectJurisdiction: 'JP',
  subjects: ['hanako'],
  categories: ['user.contact.phone'],
  fields: ['phone'],
  action: 'read',
  purpose: 'SERVICE_OPERATION',
  caseRef: null,
  grantId: null,
  decision: 'allow',
  policyIds: ['legacy-remote-dev-2018'],
  released: 3,
};

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err.code;
    throw err;
  }
  return 'ok';
}

const id = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9_.:@/-]{0,20}$/);
const country = fc.stringMatching(/^[A-Z]{2}$/);
const entries: fc.Arbitrary<AccessEntry> = fc
  .record({
    eventId: id,
    time: fc.date({ min: new Date(0), max: new Date(4e12), noInvalidDate: true }).map((d) => d.toISOString()),
    actor: id,
    actorEmployer: fc.option(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9 .,&'()-]{0,30}$/), { nil: null }),
    actorEmployerCountry: fc.option(country, { nil: null }),
    actorOfficeCountry: fc.option(country, { nil: null }),
    actorPhysicalCountry: fc.option(country, { nil: null }),
    subjectJurisdiction: country,
    subjects: fc.array(id, { maxLength: 5 }),
    categories: fc.array(fc.stringMatching(/^[a-z_]{1,8}(\.[a-z_]{1,8}){0,3}$/), { maxLength: 4 }),
    fields: fc.array(fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.]{0,12}$/), { maxLength: 4 }),
    action: fc.constantFrom('read', 'write', 'export'),
    purpose: fc.constantFrom('SUPPORT_CASE', 'ABUSE_REPORT', 'LEGAL_REQUEST'),
    caseRef: fc.option(id, { nil: null }),
    grantId: fc.option(id, { nil: null }),
    decision: fc.constantFrom('allow' as const, 'deny' as const),
    policyIds: fc.array(id, { maxLength: 3 }),
    released: fc.nat({ max: 1_000_000 }),
  })
  .map((e) => (e.decision === 'deny' ? { ...e, released: 0 } : e));

describe('access-log entries', () => {
  it('encode to exactly the RFC 8785 canonical JSON, and decode back', () => {
    fc.assert(
      fc.property(entries, (entry) => {
        const text = canonicalAccessEntry(entry);
        expect(text).toBe(canonicalJson(entry));
        expect(leafHashOfCanonical(text)).toEqual(leafHash(Buffer.from(text, 'utf8')));
        expect(decodeAccessEntry(encodeAccessEntry(entry))).toEqual(entry);
      }),
      { numRuns: 300 },
    );
  });

  it('hashes non-ASCII text as its UTF-8 bytes', () => {
    const text = canonicalAccessEntry({ ...sampleEntry, actorEmployer: 'ライン株式会社 Tsūshin' });
    expect(leafHashOfCanonical(text)).toEqual(leafHash(Buffer.from(text, 'utf8')));
    expect(decodeAccessEntry(Buffer.from(text, 'utf8')).actorEmployer).toBe('ライン株式会社 Tsūshin');
  });

  it('is independent of member order', () => {
    const reversed = Object.fromEntries(Object.entries(sampleEntry).reverse()) as unknown as AccessEntry;
    expect(canonicalAccessEntry(reversed)).toBe(canonicalAccessEntry(sampleEntry));
    expect(canonicalAccessEntry(sampleEntry).startsWith('{"action":"read","actor":"op-shanghai-eng1","actorEmployer":')).toBe(true);
  });

  it('holds ids only: names, free text and contents are refused', () => {
    expect(code(() => assertAccessEntry({ ...sampleEntry, subjects: ['Hanako Sato'] }))).toBe('INVALID_ACCESS_ENTRY');
    expect(code(() => assertAccessEntry({ ...sampleEntry, caseRef: 'customer said: my phone is +81 90' }))).toBe('INVALID_ACCESS_ENTRY');
    expect(code(() => assertAccessEntry({ ...sampleEntry, fields: ['phone=090-1234-5678'] }))).toBe('INVALID_ACCESS_ENTRY');
    expect(code(() => assertAccessEntry({ ...sampleEntry, note: 'hello' }))).toBe('INVALID_ACCESS_ENTRY');
    expect(code(() => assertAccessEntry({ ...sampleEntry, actorPhysicalCountry: 'Japan' }))).toBe('INVALID_ACCESS_ENTRY');
  });

  it('refuses incomplete or contradictory decisions', () => {
    const { grantId: _omitted, ...missing } = sampleEntry;
    expect(code(() => assertAccessEntry(missing))).toBe('INVALID_ACCESS_ENTRY');
    expect(code(() => assertAccessEntry({ ...sampleEntry, decision: 'deny', released: 2 }))).toBe('INVALID_ACCESS_ENTRY');
    expect(code(() => assertAccessEntry({ ...sampleEntry, released: -1 }))).toBe('INVALID_ACCESS_ENTRY');
    expect(code(() => assertAccessEntry({ ...sampleEntry, time: '2019-02-28T00:00:00Z' }))).toBe('ok');
    expect(code(() => assertAccessEntry({ ...sampleEntry, time: '2019-02-30T00:00:00Z' }))).toBe('INVALID_ACCESS_ENTRY');
    expect(code(() => assertAccessEntry({ ...sampleEntry, time: 'yesterday' }))).toBe('INVALID_ACCESS_ENTRY');
    expect(code(() => encodeAccessEntry({ ...sampleEntry, subjects: Array.from({ length: 1000 }, (_, i) => `${'s'.repeat(100)}${i}`) }))).toBe('INVALID_ACCESS_ENTRY');
  });

  it('decodes only canonical bytes', () => {
    const bytes = encodeAccessEntry(sampleEntry);
    expect(code(() => decodeAccessEntry(Buffer.from(JSON.stringify(sampleEntry))))).toBe('INVALID_ACCESS_ENTRY');
    expect(code(() => decodeAccessEntry(Buffer.concat([bytes, Buffer.from(' ')])))).toBe('INVALID_ACCESS_ENTRY');
    expect(code(() => decodeAccessEntry(Buffer.from('not json')))).toBe('INVALID_ACCESS_ENTRY');
  });

  it('sorts commitments exactly as Array.prototype.sort does, however they fall into its buckets', () => {
    const commitment = () => commitmentTo(crypto.randomBytes(16).toString('base64url'), `u${crypto.randomInt(1e9)}`);
    const random = Array.from({ length: 1000 }, commitment);
    // Every base64url character in the first places, many sharing a bucket (more than the
    // insertion pass takes: the general sort), a few sharing one, and short lists.
    const alphabet = '-0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz';
    const spread = [...alphabet].flatMap((a) => [...alphabet].slice(0, 4).map((b) => `c1:${a}${b}${commitment().slice(5)}`));
    const crowded = Array.from({ length: 200 }, () => `c1:Aa${commitment().slice(5)}`);
    const some = [...random.slice(0, 300), ...Array.from({ length: 12 }, () => `c1:zz${commitment().slice(5)}`)];
    for (const list of [random, spread, crowded, some, random.slice(0, 63), random.slice(0, 64), [], [random[0] as string]]) {
      const before = [...list];
      expect(sortCommitments(list)).toEqual([...list].sort());
      expect(list).toEqual(before);
    }
    fc.assert(
      fc.property(fc.array(fc.stringMatching(/^c1:[A-Za-z0-9_-]{43}$/), { maxLength: 300 }), (list) => {
        expect(sortCommitments(list)).toEqual([...list].sort());
      }),
    );
  });

  it('seals: the leaf holds sorted commitments, the openings are the JSON pairs that open each of them once', () => {
    const subjects = ['hanako', 'taro', 'hanako', 'a/b:c@d.e-f_g', 's'.repeat(128)];
    const sealed = sealAccessEntry({ ...sampleEntry, subjects });
    expect(sealed.canonical).toBe(canonicalAccessEntry(sealed.leaf));
    const pairs = JSON.parse(sealed.openings ?? 'null') as [string, string][];
    // Exactly JSON.stringify's text, one pair per distinct subject, in the order first named.
    expect(sealed.openings).toBe(JSON.stringify(pairs));
    expect(pairs.map(([id]) => id)).toEqual(['hanako', 'taro', 'a/b:c@d.e-f_g', 's'.repeat(128)]);
    for (const [, salt] of pairs) expect(Buffer.from(salt, 'base64url')).toHaveLength(16);
    expect(new Set(pairs.map(([, salt]) => salt)).size).toBe(pairs.length);
    expect(sealed.leaf.subjects).toEqual(pairs.map(([id, salt]) => commitmentTo(salt, id)).sort());
    expect(sealed.leaf.subjects.every((c) => COMMITMENT.test(c))).toBe(true);
    expect(sealed.leaf.actor).toBe(commitmentTo(sealed.actor?.salt ?? '', 'op-shanghai-eng1'));
    expect(openAccessEntry(sealed.leaf, { actor: sealed.actor, subjects: pairs.map(([id, salt]) => ({ id, salt })) })).toEqual({ ...sampleEntry, subjects: [...new Set(subjects)].sort() });
    // The commitment's definition (docs/access-log.md), computed the long way.
    const [id, salt] = pairs[0] as [string, string];
    const long = crypto.createHash('sha256').update('domicile/access-log/commitment/v1\n').update(Buffer.from(salt, 'base64url')).update(id).digest('base64url');
    expect(commitmentTo(salt, id)).toBe(`c1:${long}`);
    // Sorted ids (no set is built for them) and sorted ids with one repeated: each opened once.
    const idsOf = (named: string[]) => (JSON.parse(sealAccessEntry({ ...sampleEntry, subjects: named }).openings ?? '[]') as [string, string][]).map(([one]) => one);
    expect(idsOf(['a', 'b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(idsOf(['a', 'b', 'b', 'c'])).toEqual(['a', 'b', 'c']);
    expect(sealAccessEntry({ ...sampleEntry, subjects: ['a', 'b', 'b', 'c'] }).leaf.subjects).toHaveLength(3);
    expect(sealAccessEntry({ ...sampleEntry, subjects: [] }).openings).toBeNull();
    expect(code(() => sealAccessEntry({ ...sampleEntry, subjects: [sealed.leaf.subjects[0] as string] }))).toBe('INVALID_ACCESS_ENTRY');
    expect(code(() => sealAccessEntry({ ...sampleEntry, actor: sealed.leaf.actor }))).toBe('INVALID_ACCESS_ENTRY');
  });
});

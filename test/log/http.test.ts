// The access logs over HTTP: checkpoint and hash tiles for anyone, entry bundles only for
// auditors, the verifier keys, and a signed-in person's own accesses with inclusion proofs that
// an independent client verifies against the signed checkpoint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { gunzipSync } from 'node:zlib';
import { addAuditor } from '../../src/governance/log/auditors.js';
import { COMMITMENT, commitmentTo } from '../../src/governance/log/entry.js';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';
import { checkInclusion, openSignedNote, parseCheckpointBody, parseClientKey, verifyTiledLog } from './tlog-client.js';

let server: TestServer;
let keys: { cell: string; jurisdiction: string; origin: string; key: string; prefix: string }[];

beforeAll(async () => {
  server = await startTestServer({ demo: true });
  const res = await new ApiClient(server.url).request('GET', '/.well-known/domicile/log-keys.json');
  expect(res.status).toBe(200);
  keys = (res.body as { logs: typeof keys }).logs;
});
afterAll(async () => {
  await server.close();
});

const keyOf = (cell: string): string => keys.find((k) => k.cell === cell)?.key ?? '';

type ErrorBody = { error: { code: string; message: string } };

interface Accesses {
  cell: string;
  origin: string;
  checkpoint: { size: number; rootHash: string; note: string };
  accesses: { index: number; entry: Record<string, unknown>; canonical: string; leafHash: string; inclusionProof: string[] | null; subjectSalt: string | null }[];
  nextBefore: number | null;
}

describe('log routes', () => {
  it('publishes one verifier key per cell', () => {
    expect(keys.map((k) => [k.cell, k.jurisdiction, k.origin, k.prefix])).toEqual([
      ['jp', 'JP', 'domicile.test/log/jp', '/log/jp/'],
      ['kr', 'KR', 'domicile.test/log/kr', '/log/kr/'],
    ]);
    for (const k of keys) expect(() => parseClientKey(k.key)).not.toThrow();
  });

  it('serves checkpoint and hash tiles to anyone and entry bundles only to auditors', async () => {
    const anyone = new ApiClient(server.url);
    const checkpoint = await anyone.request('GET', '/log/jp/checkpoint');
    expect(checkpoint.status).toBe(200);
    expect(checkpoint.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    const { size } = parseCheckpointBody(openSignedNote(checkpoint.raw.toString(), parseClientKey(keyOf('jp'))));
    expect(size).toBeGreaterThanOrEqual(39);

    const tile = await anyone.request('GET', `/log/jp/tile/0/000.p/${size}`);
    expect(tile.status).toBe(200);
    expect(tile.headers.get('content-type')).toBe('application/octet-stream');
    expect(tile.raw.length).toBe(size * 32);

    const bundle = await anyone.request('GET', `/log/jp/tile/entries/000.p/${size}`);
    expect(bundle.status).toBe(401);
    expect((bundle.body as ErrorBody).error.code).toBe('AUDITOR_REQUIRED');
    const hanako = new ApiClient(server.url);
    await hanako.signIn('hanako', 'domicile-demo');
    expect((await hanako.request('GET', `/log/jp/tile/entries/000.p/${size}`)).status).toBe(401);

    const { token } = await addAuditor({ db: server.runtime.directory.db, name: 'PPC inspector' });
    const auditor = { authorization: `Bearer ${token}` };
    const plain = await anyone.request('GET', `/log/jp/tile/entries/000.p/${size}`, undefined, { ...auditor, 'accept-encoding': 'identity' });
    expect(plain.status).toBe(200);
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(plain.headers.get('vary')).toMatch(/accept-encoding/i);
    // Entry bundles are gzipped for a client that accepts it (tlog-tiles SHOULD), bytes intact.
    const zipped = await rawGet(`${server.url}/log/jp/tile/entries/000.p/${size}`, { ...auditor, 'accept-encoding': 'gzip, br;q=0' });
    expect(zipped.headers['content-encoding']).toBe('gzip');
    expect(String(zipped.headers.vary)).toMatch(/accept-encoding/i);
    expect(zipped.body.length).toBeLessThan(plain.raw.length);
    expect(gunzipSync(zipped.body).equals(plain.raw)).toBe(true);
    const hashTile = await rawGet(`${server.url}/log/jp/tile/0/000.p/${size}`, { 'accept-encoding': 'gzip' });
    expect(hashTile.headers['content-encoding']).toBeUndefined();

    // The whole log, fetched over HTTP like any tlog-tiles client would.
    const fetchTile = async (p: string): Promise<Uint8Array | null> => {
      const res = await fetch(`${server.url}/log/jp/${p}`, { headers: p.startsWith('tile/entries/') ? auditor : {} });
      return res.status === 200 ? new Uint8Array(await res.arrayBuffer()) : null;
    };
    const verified = await verifyTiledLog({ fetch: fetchTile, verifierKey: keyOf('jp'), origin: 'domicile.test/log/jp' });
    expect(verified.entries.filter((e) => e.toString().includes('"actorEmployer":"Shanghai Dev Ltd."'))).toHaveLength(36);
  });

  it('answers bad or missing tiles and cells with clear errors', async () => {
    const anyone = new ApiClient(server.url);
    const cases: [string, number, string][] = [
      ['/log/jp/tile/0/999', 404, 'NOT_FOUND'],
      ['/log/jp/tile/0/0001', 400, 'BAD_REQUEST'],
      ['/log/jp/tile/zz/000', 400, 'BAD_REQUEST'],
      ['/log/us/checkpoint', 404, 'NOT_FOUND'],
      ['/log/JP/checkpoint', 400, 'VALIDATION_FAILED'],
    ];
    for (const [url, status, code] of cases) {
      const res = await anyone.request('GET', url);
      expect([url, res.status, (res.body as ErrorBody).error.code]).toEqual([url, status, code]);
    }
  });

  it('shows a person the accesses to their data, each provably in the signed log', async () => {
    const anonymous = await new ApiClient(server.url).request('GET', '/v1/me/accesses');
    expect(anonymous.status).toBe(401);

    const log = server.runtime.logs.get('jp');
    await log.checkpoint();
    const hanako = new ApiClient(server.url);
    await hanako.signIn('hanako', 'domicile-demo');
    const res = await hanako.request('GET', '/v1/me/accesses');
    expect(res.status).toBe(200);
    const body = res.body as Accesses;
    expect(body.cell).toBe('jp');

    const key = parseClientKey(keyOf('jp'));
    const { size, root } = parseCheckpointBody(openSignedNote(body.checkpoint.note, key));
    expect(size).toBe(body.checkpoint.size);
    expect(body.accesses.length).toBeGreaterThan(3);
    for (const access of body.accesses) {
      // Hanako's own commitment opens with her salt; no id is in clear.
      expect((access.entry.subjects as string[]).includes(commitmentTo(access.subjectSalt ?? '', 'hanako'))).toBe(true);
      expect((access.entry.subjects as string[]).every((s) => COMMITMENT.test(s))).toBe(true);
      const leaf = Buffer.from(access.leafHash, 'base64');
      const proof = (access.inclusionProof ?? []).map((h) => Buffer.from(h, 'base64'));
      expect(checkInclusion(leaf, access.index, size, proof, root)).toBe(true);
      expect(JSON.parse(access.canonical)).toEqual(access.entry);
    }
    const entries = body.accesses.map((a) => a.entry);
    expect(entries.find((e) => e.eventId === 'demo-t1001-3')).toMatchObject({ actor: expect.stringMatching(COMMITMENT) as unknown, caseRef: 'T-1001', decision: 'deny', released: 0 });
    expect(entries.filter((e) => e.actorEmployerCountry === 'CN').length).toBeGreaterThan(10);

    const page = (await hanako.request('GET', '/v1/me/accesses?limit=2')).body as Accesses;
    expect(page.accesses.map((a) => a.index)).toEqual(body.accesses.slice(0, 2).map((a) => a.index));
    const next = (await hanako.request('GET', `/v1/me/accesses?limit=2&before=${page.nextBefore}`)).body as Accesses;
    expect(next.accesses.map((a) => a.index)).toEqual(body.accesses.slice(2, 4).map((a) => a.index));
    expect((await hanako.request('GET', '/v1/me/accesses?limit=0')).status).toBe(400);

    const minjun = new ApiClient(server.url);
    await minjun.signIn('minjun', 'domicile-demo');
    const korean = (await minjun.request('GET', '/v1/me/accesses')).body as Accesses;
    // Only the opening of his own ticket: no operator has touched his data.
    expect(korean.cell).toBe('kr');
    expect(korean.accesses.map((a) => [a.entry.action, a.entry.caseRef, a.entry.actor])).toEqual([['case-open', 'T-2001', expect.stringMatching(/^c1:/)]]);
  });
});

/** A GET without the automatic decompression of fetch, to see the bytes as sent. */
function rawGet(url: string, headers: Record<string, string>): Promise<{ headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    http.get(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    }).on('error', reject);
  });
}

// The browser's own access-log verifier (web/src/proof.ts) against a real server's answers: every
// entry about hanako on the demo verifies against the signed checkpoint and the published key, and
// any change — to an entry, its proof, the checkpoint or the key — is caught.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sharedVectorPath } from '../../src/governance/log/log.test-support.js';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';
import {
  decodeBase64,
  encodeBase64,
  leafHash,
  parseVerifierKey,
  rootFromInclusionProof,
  verifyAccessesPage,
  verifyCheckpoint,
} from '../../web/src/proof.js';
import type { AccessesPage, LogKeys } from '../../web/src/types.js';

let srv: TestServer | undefined;
let page: AccessesPage;
let keys: LogKeys;

beforeAll(async () => {
  srv = await startTestServer({ demo: true });
  const hanako = new ApiClient(srv.url);
  await hanako.signIn('hanako', 'domicile-demo');
  keys = (await hanako.request('GET', '/.well-known/domicile/log-keys.json')).body as LogKeys;
  // Entries newer than the checkpoint get their proof with the next one (≤ 1 s): wait until all have one.
  for (let i = 0; i < 40; i++) {
    page = (await hanako.request('GET', '/v1/me/accesses?limit=500')).body as AccessesPage;
    if (page.accesses.every((a) => a.inclusionProof !== null)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
}, 120_000);

afterAll(async () => {
  await srv?.close();
});

const clone = (p: AccessesPage): AccessesPage => JSON.parse(JSON.stringify(p)) as AccessesPage;

describe('access-log proofs verified like the browser does', () => {
  it('verifies every entry about hanako, including the Shanghai Dev Ltd. accesses from China', async () => {
    expect(page.accesses.length).toBeGreaterThan(5);
    const result = await verifyAccessesPage(page, keys);
    expect(result.checkpointError).toBeNull();
    expect(result.checkpoint?.size).toBe(page.checkpoint.size);
    expect(result.entries.map((e) => e.status)).toEqual(page.accesses.map(() => 'verified'));
    const fromChina = page.accesses.filter((a) => a.entry.actorEmployer === 'Shanghai Dev Ltd.' && a.entry.actorPhysicalCountry === 'CN');
    expect(fromChina.length).toBeGreaterThan(0);
  });

  it('fails an entry whose bytes were changed (the country it was read from rewritten)', async () => {
    const tampered = clone(page);
    const target = tampered.accesses.find((a) => a.entry.actorPhysicalCountry === 'CN');
    if (!target) throw new Error('no entry from CN on the demo');
    target.canonical = target.canonical.replace('"actorPhysicalCountry":"CN"', '"actorPhysicalCountry":"JP"');
    const result = await verifyAccessesPage(tampered, keys);
    const verdict = result.entries.find((e) => e.index === target.index);
    expect(verdict?.status).toBe('failed');
    // Recomputing the leaf hash to match does not help: the proof no longer reaches the signed root.
    target.leafHash = encodeBase64(await leafHash(new TextEncoder().encode(target.canonical)));
    const again = await verifyAccessesPage(tampered, keys);
    expect(again.entries.find((e) => e.index === target.index)).toMatchObject({ status: 'failed', reason: expect.stringMatching(/signed root/) });
    // The others still verify.
    expect(again.entries.filter((e) => e.status === 'verified').length).toBe(page.accesses.length - 1);
  });

  it('fails an entry moved to another index, or with a changed proof', async () => {
    const moved = clone(page);
    const first = moved.accesses[0];
    if (!first || !first.inclusionProof) throw new Error('no entry');
    first.index = first.index === 0 ? 1 : first.index - 1;
    expect((await verifyAccessesPage(moved, keys)).entries[0]?.status).toBe('failed');

    const bent = clone(page);
    const proof = bent.accesses[0]?.inclusionProof;
    if (!proof || proof.length === 0) throw new Error('no proof');
    // The page is a parsed copy: its arrays may be bent here, though the wire type is read-only.
    const p = proof as string[];
    p[0] = encodeBase64(new Uint8Array(32).fill(7));
    expect((await verifyAccessesPage(bent, keys)).entries[0]?.status).toBe('failed');
    p.pop();
    expect((await verifyAccessesPage(bent, keys)).entries[0]?.status).toBe('failed');
  });

  it('fails everything when the checkpoint is not signed by the published key', async () => {
    const forged = clone(page);
    // A different root with the old signature.
    forged.checkpoint.note = forged.checkpoint.note.replace(forged.checkpoint.rootHash, encodeBase64(new Uint8Array(32).fill(1)));
    forged.checkpoint.rootHash = encodeBase64(new Uint8Array(32).fill(1));
    const result = await verifyAccessesPage(forged, keys);
    expect(result.checkpointError).toMatch(/does not verify/);
    expect(result.entries.every((e) => e.status === 'failed')).toBe(true);

    // Another cell's key does not vouch for this log.
    const otherKeys: LogKeys = { ...keys, logs: keys.logs.map((l) => (l.cell === page.cell ? { ...l, key: keys.logs.find((k) => k.cell !== page.cell)?.key ?? '' } : l)) };
    expect((await verifyAccessesPage(page, otherKeys)).checkpointError).not.toBeNull();

    // A summary that disagrees with the signed note is refused too.
    const lying = clone(page);
    lying.checkpoint.size += 1;
    expect((await verifyAccessesPage(lying, keys)).checkpointError).toMatch(/does not match/);
  });

  it('rejects a verifier key whose id does not match its name and key', async () => {
    const log = keys.logs[0];
    if (!log) throw new Error('no log');
    const [name, , data] = [log.key.slice(0, log.key.indexOf('+')), '', log.key.slice(log.key.indexOf('+', log.key.indexOf('+') + 1) + 1)];
    await expect(parseVerifierKey(`${name}+00000000+${data}`)).rejects.toThrow(/key id/);
    const parsed = await parseVerifierKey(log.key);
    await expect(verifyCheckpoint(page.checkpoint.note, parsed, 'someone-else/log/jp')).rejects.toThrow();
  });
});

describe('RFC 9162 inclusion vectors', () => {
  // ../shared/vectors/rfc9162/inclusion/**.json: each case with its expected outcome (wantErr).
  // A missing folder fails the test, naming where the vectors are expected; it never skips.
  it('agrees with every shared inclusion vector', async () => {
    const dir = sharedVectorPath('rfc9162', 'inclusion');
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.json'));
    expect(files.length, `no inclusion vectors under ${dir}`).toBeGreaterThan(0);
    for (const f of files) {
      const v = JSON.parse(readFileSync(join(dir, f), 'utf8')) as {
        leafIdx: number;
        treeSize: number;
        root: string | null;
        leafHash: string | null;
        proof: string[] | null;
        wantErr: boolean;
      };
      let ok = false;
      try {
        const leaf = decodeBase64(v.leafHash ?? '');
        const root = decodeBase64(v.root ?? '');
        const proof = (v.proof ?? []).map((p) => decodeBase64(p));
        if (leaf && root && proof.every((p) => p !== undefined)) {
          const r = await rootFromInclusionProof(leaf, v.leafIdx, v.treeSize, proof as Uint8Array[]);
          ok = encodeBase64(r) === encodeBase64(root);
        }
      } catch {
        ok = false;
      }
      expect(ok, f).toBe(!v.wantErr);
    }
  });
});

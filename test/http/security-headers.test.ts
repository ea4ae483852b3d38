// Security headers and image uploads (issue 14.5): every response carries a strict CSP that
// forbids framing, nosniff and a referrer policy; stored images come back inline in a sandbox; an
// upload must decode in full, and what is stored has no metadata (EXIF location, PNG text chunks)
// and no bytes after the image.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { gradientPng, pngChunk } from '../../src/demo/png.js';
import { ApiClient, startTestServer, type TestServer } from '../support/server.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({ web: true });
});
afterAll(async () => {
  await server.close();
});

type ErrorBody = { error: { code: string } };

function expectPageHeaders(headers: Headers): void {
  const csp = headers.get('content-security-policy') ?? '';
  expect(csp).toContain("default-src 'none'");
  expect(csp).toContain("script-src 'self'");
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain('unsafe-inline');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('referrer-policy')).toBe('no-referrer');
}

async function chat(prefix: string) {
  const alice = new ApiClient(server.url);
  await alice.signUp({ handle: `${prefix}-a` });
  await new ApiClient(server.url).signUp({ handle: `${prefix}-b` });
  const created = await alice.request('POST', '/v1/conversations', { kind: 'direct', memberIds: [`${prefix}-b`] });
  const id = (created.body as { id: string }).id;
  const upload = (bytes: Buffer, type: string) => alice.request('POST', `/v1/conversations/${id}/media`, bytes, { 'content-type': type });
  const fetchImage = (mediaId: string) => alice.request('GET', `/v1/conversations/${id}/media/${mediaId}`);
  return { upload, fetchImage };
}

describe('security headers', () => {
  it('are on pages, the console, API answers, errors and the API document', async () => {
    const client = new ApiClient(server.url);
    for (const path of ['/', '/ops', '/v1/health', '/openapi.json', '/v1/no-such-route', '/v1/me']) {
      const res = await client.request('GET', path);
      expectPageHeaders(res.headers);
    }
  });

  it('the built pages have no inline script or style, so the strict policy does not break them', async () => {
    const client = new ApiClient(server.url);
    for (const path of ['/', '/ops']) {
      const html = (await client.request('GET', path)).raw.toString();
      expect(html).toMatch(/<script type="module" crossorigin src="\/assets\//);
      expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
      expect(html).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    }
  });

  it('serve stored images inline, sandboxed, never sniffed', async () => {
    const { upload, fetchImage } = await chat('hdr');
    const stored = await upload(gradientPng(4, 4, [0, 0, 0], [255, 0, 0]), 'image/png');
    expect(stored.status).toBe(201);
    const image = await fetchImage((stored.body as { id: string }).id);
    expect(image.headers.get('content-disposition')).toBe('inline');
    expect(image.headers.get('content-security-policy')).toMatch(/^sandbox/);
    expect(image.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('image uploads', () => {
  it('refuse a PNG header followed by HTML', async () => {
    const { upload } = await chat('poly');
    const fake = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.from('<html><script>alert(document.cookie)</script></html>')]);
    const res = await upload(fake, 'image/png');
    expect(res.status).toBe(415);
    expect((res.body as ErrorBody).error.code).toBe('NOT_AN_IMAGE');
    const truncated = gradientPng(16, 16, [0, 0, 0], [255, 255, 255]).subarray(0, 60);
    expect((await upload(truncated, 'image/png')).status).toBe(415);
  });

  it('store a PNG without its text chunks or anything after its end', async () => {
    const { upload, fetchImage } = await chat('pngmeta');
    const png = gradientPng(8, 8, [0, 0, 255], [255, 255, 0]);
    const iend = png.length - 12;
    const withText = Buffer.concat([
      png.subarray(0, iend),
      pngChunk('tEXt', Buffer.from('Comment\u0000home: 35.6586 N 139.7454 E', 'latin1')),
      png.subarray(iend),
      Buffer.from('<html>trailing page</html>'),
    ]);
    const res = await upload(withText, 'image/png');
    expect(res.status).toBe(201);
    const image = await fetchImage((res.body as { id: string }).id);
    expect(image.raw.includes('35.6586')).toBe(false);
    expect(image.raw.includes('<html>')).toBe(false);
    expect((await sharp(image.raw).raw().toBuffer()).equals(await sharp(png).raw().toBuffer())).toBe(true);
  });

  it('store a JPEG without its EXIF (GPS position, camera), turned the way its orientation said', async () => {
    const { upload, fetchImage } = await chat('exif');
    const jpeg = await sharp({ create: { width: 20, height: 10, channels: 3, background: { r: 200, g: 30, b: 30 } } })
      .jpeg()
      .withExif({ IFD0: { Make: 'DomicileCam' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '35/1 39/1 31/1' } })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const before = await sharp(jpeg).metadata();
    expect([before.exif?.includes('DomicileCam'), before.orientation]).toEqual([true, 6]);
    const res = await upload(jpeg, 'image/jpeg');
    expect(res.status).toBe(201);
    const image = await fetchImage((res.body as { id: string }).id);
    const after = await sharp(image.raw).metadata();
    expect(after.exif).toBeUndefined();
    expect(image.raw.includes('DomicileCam')).toBe(false);
    expect([after.width, after.height]).toEqual([10, 20]);
  });
});

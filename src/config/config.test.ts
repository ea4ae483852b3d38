import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.js';

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'domicile-config-'));
}

function writeConfig(dir: string, body: unknown): string {
  const file = path.join(dir, 'domicile.config.json');
  fs.writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
  return file;
}

describe('loadConfig', () => {
  it('uses the built-in default with one SQLite file per cell under ./data', () => {
    const cwd = tmpDir();
    const config = loadConfig({ cwd, env: {} });
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe(path.join(cwd, 'data'));
    expect(config.cells.map((c) => [c.id, c.jurisdiction, c.database])).toEqual([
      ['jp', 'JP', `sqlite:${path.join(cwd, 'data', 'jp.sqlite')}`],
      ['kr', 'KR', `sqlite:${path.join(cwd, 'data', 'kr.sqlite')}`],
    ]);
  });

  it('names the deployment (the log origin prefix) after the public host name, without scheme', () => {
    const cwd = tmpDir();
    writeConfig(cwd, { publicUrl: 'https://chat.example.jp/', cells: [{ id: 'jp', jurisdiction: 'JP' }] });
    expect(loadConfig({ cwd, env: {} })).toMatchObject({ deployment: 'chat.example.jp', publicUrl: 'https://chat.example.jp/' });
    expect(loadConfig({ cwd, env: { DOMICILE_PUBLIC_URL: 'https://talk.example.kr' } }).deployment).toBe('talk.example.kr');
    writeConfig(cwd, { publicUrl: 'https://chat.example.jp', deployment: 'domicile.jp', cells: [{ id: 'jp', jurisdiction: 'JP' }] });
    expect(loadConfig({ cwd, env: {} }).deployment).toBe('domicile.jp');
    writeConfig(cwd, { publicUrl: 'chat.example.jp/path?x', cells: [{ id: 'jp', jurisdiction: 'JP' }] });
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/publicUrl/);
  });

  it('has no bus by default; takes bus.url from the file or DOMICILE_BUS_URL and refuses anything but nats://', () => {
    const cwd = tmpDir();
    expect(loadConfig({ cwd, env: {} }).bus).toBeNull();
    writeConfig(cwd, { bus: { url: 'nats://127.0.0.1:4222' }, cells: [{ id: 'jp', jurisdiction: 'JP' }] });
    expect(loadConfig({ cwd, env: {} }).bus).toEqual({ url: 'nats://127.0.0.1:4222' });
    expect(loadConfig({ cwd, env: { DOMICILE_BUS_URL: 'nats://10.0.0.5:4223' } }).bus).toEqual({ url: 'nats://10.0.0.5:4223' });
    writeConfig(cwd, { bus: { url: 'http://127.0.0.1:4222' }, cells: [{ id: 'jp', jurisdiction: 'JP' }] });
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/bus\.url/);
  });

  it('lets PORT and DOMICILE_DATA_DIR override the file', () => {
    const cwd = tmpDir();
    writeConfig(cwd, { port: 9000, dataDir: './x', cells: [{ id: 'jp', jurisdiction: 'JP' }] });
    const config = loadConfig({ cwd, env: { PORT: '9191', DOMICILE_DATA_DIR: '/srv/domicile' } });
    expect(config.port).toBe(9191);
    expect(config.dataDir).toBe('/srv/domicile');
    expect(config.cells[0]?.blobDir).toBe('/srv/domicile/blobs/jp');
  });

  it.each([
    [{ cells: [{ id: 'jp', jurisdiction: 'Japan' }] }, /cells\[0\]\.jurisdiction/],
    [{ cells: [] }, /cells/],
    [{ cells: [{ id: 'jp', jurisdiction: 'JP' }], colour: 'red' }, /colour|root/],
    [{ cells: [{ id: 'jp', jurisdiction: 'JP' }, { id: 'jp', jurisdiction: 'KR' }] }, /cells\[1\]\.id: duplicate/],
    [
      { cells: [{ id: 'jp', jurisdiction: 'JP' }], placement: { rules: [{ category: 'user', cell: 'kr' }] } },
      /placement\.rules\[0\]\.cell/,
    ],
    [
      { cells: [{ id: 'jp', jurisdiction: 'JP' }], placement: { rules: [{ category: 'user.contact.phone', cell: 'jp' }] } },
      /placement\.rules\[0\]\.category: "user\.contact\.phone" is now called "user\.contact\.phone_number"/,
    ],
    [
      { cells: [{ id: 'jp', jurisdiction: 'JP' }], placement: { rules: [{ category: 'user.photos', cell: 'jp' }] } },
      /placement\.rules\[0\]\.category: "user\.photos" is not a data category; use one of user, user\.account/,
    ],
    [{ cells: [{ id: 'jp', jurisdiction: 'JP', database: 'mysql://x' }] }, /cells\[0\]\.database/],
    [{ cells: [{ id: 'jp', jurisdiction: 'JP' }], trustedProxies: ['10.0.0.0/99'] }, /trustedProxies\[0\]/],
  ])('names the field of an invalid configuration (%j)', (body, pattern) => {
    const cwd = tmpDir();
    writeConfig(cwd, body);
    expect(() => loadConfig({ cwd, env: {} })).toThrow(ConfigError);
    expect(() => loadConfig({ cwd, env: {} })).toThrow(pattern);
  });

  it('refuses a port that is not a number', () => {
    expect(() => loadConfig({ cwd: tmpDir(), env: { PORT: 'eighty' } })).toThrow(/PORT: must be a port number/);
  });

  it('refuses a file that is not JSON', () => {
    const cwd = tmpDir();
    writeConfig(cwd, '{ nope');
    expect(() => loadConfig({ cwd, env: {} })).toThrow(/not valid JSON/);
  });
});

import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PolicyEngine, policyVerdictKey } from '../policy/policy.engine.js';
import { PolicyError } from '../policy/policy.errors.js';
import { readPolicySources } from '../policy/policy.files.js';
import { copyDefaultPolicies } from '../policy/policy.test-support.js';
import { defaultRegistryFiles, loadRegistries } from '../transfers/registry.js';
import { openVerdictCache, verdictKey } from './verdict.cache.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempCache(): string {
  const dir = mkdtempSync(join(tmpdir(), 'domicile-verdicts-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return join(dir, 'cache');
}

function tempPolicies(): string {
  const { dir, cleanup } = copyDefaultPolicies();
  cleanups.push(cleanup);
  return dir;
}

/** A warning no real check produces: seen in `engine.warnings` only when the verdict came from the cache. */
const PLANTED = { file: 'planted', line: 7, column: 1, message: 'planted by the test' };

describe('verdict cache', () => {
  it('stores and returns a payload, and only under its own key', () => {
    const cache = openVerdictCache(tempCache());
    const key = verdictKey(['a', 'b']);
    cache.write(key, { n: 1 });
    expect(cache.read(key, (p) => p)).toEqual({ n: 1 });
    expect(cache.read(verdictKey(['ab']), (p) => p)).toBeUndefined();
    expect(cache.read('../../etc/passwd', (p) => p)).toBeUndefined();
  });

  it('ignores a torn, edited or renamed file', () => {
    const dir = tempCache();
    const cache = openVerdictCache(dir);
    const key = verdictKey(['x']);
    cache.write(key, { ok: true });
    const file = join(dir, `${key}.verdict.json`);
    const sound = readFileSync(file, 'utf8');
    writeFileSync(file, sound.slice(0, sound.length - 5));
    expect(cache.read(key, (p) => p)).toBeUndefined();
    writeFileSync(file, sound.replace('"ok\\":true', '"ok\\":false'));
    expect(cache.read(key, (p) => p)).toBeUndefined();
    const other = verdictKey(['y']);
    writeFileSync(join(dir, `${other}.verdict.json`), sound);
    expect(cache.read(other, (p) => p)).toBeUndefined();
  });

  it('keeps no more than 32 verdicts', () => {
    const dir = tempCache();
    const cache = openVerdictCache(dir);
    for (let i = 0; i < 40; i++) cache.write(verdictKey([String(i)]), i);
    expect(readdirSync(dir)).toHaveLength(32);
  });
});

describe('policy checks through the verdict cache', () => {
  it('hits for the same sources, misses when a text changes, and ignores a corrupt file', async () => {
    const dir = tempPolicies();
    const cacheDir = tempCache();
    const verdicts = openVerdictCache(cacheDir);
    const first = await PolicyEngine.open({ dir, verdicts });
    const key = policyVerdictKey(await readPolicySources(dir));
    expect(verdicts.read(key, (p) => p)).toEqual({ warnings: [...first.warnings] });

    // Hit: a verdict planted under the same key is what the next start believes.
    verdicts.write(key, { warnings: [PLANTED] });
    const hit = await PolicyEngine.open({ dir, verdicts });
    expect(hit.warnings).toEqual([PLANTED]);
    expect(hit.digest).toBe(first.digest);

    // Corrupt: ignored, the checks run, and a sound verdict replaces it.
    appendFileSync(join(cacheDir, `${key}.verdict.json`), 'garbage');
    const recomputed = await PolicyEngine.open({ dir, verdicts });
    expect(recomputed.warnings).toEqual(first.warnings);
    expect(verdicts.read(key, (p) => p)).toEqual({ warnings: [...first.warnings] });

    // Miss: a changed policy text is checked again, even with a planted verdict for the old text.
    verdicts.write(key, { warnings: [PLANTED] });
    writeFileSync(join(dir, 'zz-extra.cedar'), '@id("extra") forbid (principal, action, resource) when { principal.officeCountry == "ZZ" };\n');
    const changed = await PolicyEngine.open({ dir, verdicts });
    expect(changed.warnings).not.toContainEqual(PLANTED);
    expect(changed.digest).not.toBe(first.digest);
    expect(changed.policyIds).toContain('extra');
  });

  it('never stores a failure', async () => {
    const dir = tempPolicies();
    const cacheDir = tempCache();
    const verdicts = openVerdictCache(cacheDir);
    writeFileSync(join(dir, 'extra.cedar'), 'permit(principal, action, resource) when { principal.nosuch == "x" };\n');
    await expect(PolicyEngine.open({ dir, verdicts })).rejects.toBeInstanceOf(PolicyError);
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);
  });
});

describe('registry checks through the verdict cache', () => {
  it('remembers documents that passed the schema check, and never ones that failed', () => {
    const cacheDir = tempCache();
    const verdicts = openVerdictCache(cacheDir);
    const files = defaultRegistryFiles();
    const bad = join(mkdtempSync(join(tmpdir(), 'domicile-registry-')), 'jurisdictions.json');
    cleanups.push(() => rmSync(join(bad, '..'), { recursive: true, force: true }));
    writeFileSync(bad, JSON.stringify({ ...(JSON.parse(readFileSync(files.jurisdictions, 'utf8')) as object), unexpected: true }));
    expect(() => loadRegistries({ ...files, jurisdictions: bad }, verdicts)).toThrow(/unknown field "unexpected"/);
    expect(existsSync(cacheDir) ? readdirSync(cacheDir) : []).toEqual([]);

    const fresh = loadRegistries(files, verdicts);
    expect(readdirSync(cacheDir)).toHaveLength(1);
    const remembered = loadRegistries(files, verdicts);
    expect(remembered.jurisdictionsFile).toEqual(fresh.jurisdictionsFile);
    expect(remembered.recipientsFile).toEqual(fresh.recipientsFile);
    // The bad document is still refused after the good pair was remembered.
    expect(() => loadRegistries({ ...files, jurisdictions: bad }, verdicts)).toThrow(/unknown field "unexpected"/);
  });
});

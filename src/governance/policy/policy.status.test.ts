import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PolicyEngine } from './policy.engine.js';
import { policyStatus } from './policy.status.js';
import { copyDefaultPolicies } from './policy.test-support.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

async function engineOnCopy() {
  const copy = copyDefaultPolicies();
  cleanups.push(copy.cleanup);
  const engine = await PolicyEngine.open({ dir: copy.dir });
  cleanups.push(() => engine.close());
  return { engine, dir: copy.dir };
}

describe('policyStatus', () => {
  it('shows the set in force, and the files on disk as valid and the same', async () => {
    const { engine } = await engineOnCopy();
    const status = await policyStatus({ engine, problem: null });
    expect(status).toMatchObject({ inForce: true, digest: engine.digest, onDisk: { valid: true, sameAsInForce: true, problems: [] } });
    expect(status.policies.map((p) => p.id)).toEqual(engine.policyIds);
    expect(status.policies.every((p) => !p.file.includes('/'))).toBe(true);
  });

  it('tells a valid change on disk (the next reload) from the set in force', async () => {
    const { engine, dir } = await engineOnCopy();
    appendFileSync(join(dir, 'blocked.cedar'), '\n@id("test-extra")\nforbid (principal, action, resource) when { context.physicalCountry == "ZZ" };\n');
    const status = await policyStatus({ engine, problem: null });
    expect(status.onDisk).toMatchObject({ valid: true, sameAsInForce: false });
    expect(status.digest).toBe(engine.digest);
  });

  it('names the problem of files that no longer validate, while the old set stays in force', async () => {
    const { engine, dir } = await engineOnCopy();
    const file = join(dir, 'base.cedar');
    writeFileSync(file, `${readFileSync(file, 'utf8')}\npermit (principal, action, resource) when { principal.nonsense == 1 };\n`);
    const status = await policyStatus({ engine, problem: null });
    expect(status.inForce).toBe(true);
    expect(status.onDisk?.valid).toBe(false);
    expect(status.onDisk?.problems[0]?.file).toBe('base.cedar');
  });

  it('says nothing is in force when the policies did not load (every access refused)', async () => {
    expect(await policyStatus({ engine: null, problem: 'schema.cedarschema: bad' })).toMatchObject({ inForce: false, problem: 'schema.cedarschema: bad', onDisk: null, policies: [] });
  });
});

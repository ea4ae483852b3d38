import { appendFileSync, readFileSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { schemaToJson } from '@cedar-policy/cedar-wasm/nodejs';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PolicyEngine, type PolicyReloadEvent } from './policy.engine.js';
import { PolicyError } from './policy.errors.js';
import { defaultPolicyDir } from './policy.files.js';
import { OPERATOR_ROLES, PURPOSES, SUBJECT_CLASSES, type AccessRequest } from './policy.request.js';
import { JP_SUPPORT_REQUEST, copyDefaultPolicies, withRequest } from './policy.test-support.js';

const CN_ENGINEER: AccessRequest['operator'] = {
  id: 'op-cn-1',
  employer: { entity: 'Domicile China Ltd', country: 'CN' },
  officeCountry: 'CN',
  roles: ['engineer'],
};
const KR_SUPPORT: AccessRequest['operator'] = {
  id: 'op-kr-1',
  employer: { entity: 'Domicile Korea Inc', country: 'KR' },
  officeCountry: 'KR',
  roles: ['support'],
};

let engine: PolicyEngine;
beforeAll(async () => {
  engine = await PolicyEngine.open({ dir: defaultPolicyDir() });
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function tempPolicies(): string {
  const { dir, cleanup } = copyDefaultPolicies();
  cleanups.push(cleanup);
  return dir;
}

async function openTemp(dir: string, extra: Partial<Parameters<typeof PolicyEngine.open>[0]> = {}): Promise<PolicyEngine> {
  const opened = await PolicyEngine.open({ dir, ...extra });
  cleanups.push(() => opened.close());
  return opened;
}

async function loadError(promise: Promise<unknown>): Promise<PolicyError> {
  const error: unknown = await promise.then(
    () => undefined,
    (cause: unknown) => cause,
  );
  expect(error).toBeInstanceOf(PolicyError);
  return error as PolicyError;
}

describe('default policies: scenarios', () => {
  it('allows a JP operator in JP on a JP consumer subject’s contact data', () => {
    expect(engine.decide(JP_SUPPORT_REQUEST)).toEqual({ decision: 'allow', policyIds: ['support-case'], errors: [] });
  });

  it('denies a CN engineer on a JP subject', () => {
    const result = engine.decide(withRequest({ operator: CN_ENGINEER, physicalCountry: 'CN', purpose: 'SERVICE_OPERATION' }));
    expect(result.decision).toBe('deny');
    expect(result.policyIds).toEqual(['residency']);
    expect(result.errors).toEqual([]);
  });

  it('allows the same engineer work when employed, seated and present in JP', () => {
    const jpEngineer = { ...CN_ENGINEER, employer: { entity: 'Domicile KK', country: 'JP' }, officeCountry: 'JP' };
    const result = engine.decide(withRequest({ operator: jpEngineer, purpose: 'SERVICE_OPERATION' }));
    expect(result).toMatchObject({ decision: 'allow', policyIds: ['service-operation'] });
  });

  it('denies message content without a grant and allows it with an approved grant', () => {
    const content = withRequest({ category: 'user.content.message' });
    expect(engine.decide(content)).toMatchObject({ decision: 'deny', policyIds: ['content-needs-grant'] });
    expect(engine.decide({ ...content, category: 'user.content.media' })).toMatchObject({ decision: 'deny' });
    expect(engine.decide({ ...content, grant: { id: 'grant-1', approved: false } })).toMatchObject({ decision: 'deny' });
    expect(engine.decide({ ...content, grant: { id: 'grant-1', approved: true } })).toEqual({
      decision: 'allow',
      policyIds: ['support-case'],
      errors: [],
    });
  });

  it('denies a government subject to a KR-employed operator, even sitting in JP', () => {
    const krEmployedInJp = { ...KR_SUPPORT, officeCountry: 'JP' };
    const government = withRequest({ subject: { id: 'city-1', jurisdiction: 'JP', class: 'government' } });
    expect(engine.decide({ ...government, operator: krEmployedInJp })).toMatchObject({
      decision: 'deny',
      policyIds: ['government-home-only'],
    });
    // A transfer basis or a grant does not open government data to foreign staff abroad either.
    const abroad = { ...government, operator: KR_SUPPORT, physicalCountry: 'KR', transferBasisCountries: ['KR'] };
    expect(engine.decide({ ...abroad, grant: { id: 'g', approved: true } })).toMatchObject({
      decision: 'deny',
      policyIds: ['government-home-only'],
    });
    expect(engine.decide(government)).toMatchObject({ decision: 'allow' });
  });

  it('denies a blocked jurisdiction even with a grant and a transfer basis', () => {
    const request = withRequest({
      operator: { ...CN_ENGINEER, roles: ['support'] },
      physicalCountry: 'CN',
      category: 'user.content.message',
      grant: { id: 'grant-2', approved: true },
      transferBasisCountries: ['CN'],
    });
    expect(engine.decide(request)).toMatchObject({ decision: 'allow' });
    expect(engine.decide({ ...request, blockedJurisdictions: ['CN'] })).toMatchObject({
      decision: 'deny',
      policyIds: ['blocked-employer', 'blocked-location'],
    });
  });

  it('denies staff of an entity in a blocked country wherever they sit', () => {
    const seatedInJp = { ...CN_ENGINEER, officeCountry: 'JP', roles: ['support' as const] };
    const request = withRequest({ operator: seatedInJp, blockedJurisdictions: ['CN'] });
    expect(engine.decide(request)).toMatchObject({ decision: 'deny', policyIds: ['blocked-employer'] });
  });

  it('allows from a country for which the subject has a transfer basis, and only then', () => {
    const fromKorea = withRequest({ operator: KR_SUPPORT, physicalCountry: 'KR' });
    expect(engine.decide(fromKorea)).toMatchObject({ decision: 'deny', policyIds: ['residency'] });
    expect(engine.decide({ ...fromKorea, transferBasisCountries: ['DE', 'KR'] })).toEqual({
      decision: 'allow',
      policyIds: ['support-case'],
      errors: [],
    });
  });

  it('denies when observed and declared locations disagree', () => {
    const travelling = withRequest({ physicalCountry: 'KR', transferBasisCountries: ['KR'] });
    expect(engine.decide(travelling)).toMatchObject({ decision: 'deny', policyIds: ['declared-location'] });
  });

  it('denies by default: a role without a matching purpose, approvers and admins', () => {
    expect(engine.decide(withRequest({ purpose: 'ABUSE_REPORT' }))).toEqual({ decision: 'deny', policyIds: [], errors: [] });
    const approver = { ...JP_SUPPORT_REQUEST.operator, roles: ['approver', 'admin'] as const };
    expect(engine.decide(withRequest({ operator: { ...approver, roles: [...approver.roles] } }))).toMatchObject({
      decision: 'deny',
      policyIds: [],
    });
    expect(engine.decide(withRequest({ operator: { ...JP_SUPPORT_REQUEST.operator, roles: [] } }))).toMatchObject({
      decision: 'deny',
    });
  });

  it('keeps legal requests read-only', () => {
    const security = { ...JP_SUPPORT_REQUEST.operator, roles: ['security' as const] };
    const legal = withRequest({ operator: security, purpose: 'LEGAL_REQUEST' });
    expect(engine.decide(legal)).toMatchObject({ decision: 'allow', policyIds: ['legal-request'] });
    expect(engine.decide({ ...legal, action: 'write' })).toMatchObject({ decision: 'deny' });
  });
});

describe('fail closed', () => {
  it('denies an unknown physical country', () => {
    const result = engine.decide(withRequest({ physicalCountry: null }));
    expect(result.decision).toBe('deny');
    expect(result.errors.join()).toMatch(/physicalCountry: unknown/);
  });

  it('denies a request with a missing attribute', () => {
    const { purpose: _purpose, ...withoutPurpose } = JP_SUPPORT_REQUEST;
    const result = engine.decide(withoutPurpose as AccessRequest);
    expect(result).toMatchObject({ decision: 'deny', policyIds: [] });
    expect(result.errors).toEqual(['purpose: missing or unknown value']);
    const noOffice = { ...JP_SUPPORT_REQUEST.operator, officeCountry: undefined } as unknown as AccessRequest['operator'];
    expect(engine.decide(withRequest({ operator: noOffice })).decision).toBe('deny');
  });

  it('denies an unknown operator, role, purpose or malformed country', () => {
    expect(engine.decide(withRequest({ operator: undefined as unknown as AccessRequest['operator'] })).errors).toEqual([
      'operator: missing (unknown operator)',
    ]);
    const badRole = { ...JP_SUPPORT_REQUEST.operator, roles: ['root'] } as unknown as AccessRequest['operator'];
    expect(engine.decide(withRequest({ operator: badRole })).decision).toBe('deny');
    expect(engine.decide(withRequest({ purpose: 'CURIOSITY' as AccessRequest['purpose'] })).decision).toBe('deny');
    expect(engine.decide(withRequest({ physicalCountry: 'jp' })).decision).toBe('deny');
    expect(engine.decide(withRequest({ transferBasisCountries: ['Japan'] })).decision).toBe('deny');
  });

  it('denies when a policy fails to evaluate, even though Cedar alone would allow', async () => {
    const dir = tempPolicies();
    // Validates (the entity type exists) but errors at run time: that entity is never supplied.
    writeFileSync(
      join(dir, 'ghost.cedar'),
      '@id("ghost")\nforbid (principal, action, resource) when { Operator::"ghost".officeCountry == "XX" };\n',
    );
    const withGhost = await openTemp(dir);
    const result = withGhost.decide(JP_SUPPORT_REQUEST);
    expect(result.decision).toBe('deny');
    expect(result.errors).toEqual([expect.stringMatching(/^ghost: entity `Operator::"ghost"` does not exist/)]);
    // An erroring evaluation is not cached.
    expect(withGhost.cacheStats.size).toBe(0);
    // A literal of an attribute-carrying entity type makes the whole request the cache key.
    expect(withGhost.readAttributes).toEqual(['*']);
  });

  it('property: never allows without a known country, a matching role and a residency basis', () => {
    const country = fc.constantFrom('JP', 'KR', 'CN', 'US', 'DE');
    const arbitraryRequest = fc.record({
      operator: fc.record({
        id: fc.constantFrom('a', 'b'),
        employer: fc.record({ entity: fc.constant('E'), country }),
        officeCountry: country,
        roles: fc.subarray([...OPERATOR_ROLES]),
      }),
      action: fc.constantFrom('read' as const, 'write' as const),
      subject: fc.record({ id: fc.constant('s'), jurisdiction: country, class: fc.constantFrom(...SUBJECT_CLASSES) }),
      category: fc.constantFrom('user.contact.phone_number', 'user.content.message', 'user.financial.payment'),
      physicalCountry: fc.option(country, { nil: null }),
      purpose: fc.constantFrom(...PURPOSES),
      grant: fc.option(fc.record({ id: fc.constant('g'), approved: fc.boolean() }), { nil: null }),
      transferBasisCountries: fc.subarray(['JP', 'KR', 'CN', 'US', 'DE']),
      blockedJurisdictions: fc.subarray(['CN', 'US']),
    });
    fc.assert(
      fc.property(arbitraryRequest, (request) => {
        const result = engine.decide(request);
        if (result.decision === 'allow') {
          const where = request.physicalCountry;
          expect(where).not.toBeNull();
          expect(where === request.subject.jurisdiction || request.transferBasisCountries.includes(where ?? '')).toBe(true);
          expect(request.blockedJurisdictions).not.toContain(where);
          expect(request.blockedJurisdictions).not.toContain(request.operator.employer.country);
          if (request.category.startsWith('user.content.')) expect(request.grant?.approved).toBe(true);
          if (request.subject.class === 'government') {
            expect(request.operator.employer.country).toBe(request.subject.jurisdiction);
          }
        }
        // Cached and fresh decisions agree.
        engine.flush();
        expect(engine.decide(request)).toEqual(result);
      }),
      { numRuns: 300 },
    );
  });
});

describe('loading and reloading', () => {
  it('gives every default policy a stable id from its @id annotation', () => {
    expect([...engine.policyIds].sort()).toEqual([
      'abuse-report',
      'blocked-employer',
      'blocked-location',
      'content-needs-grant',
      'declared-location',
      'government-home-only',
      'incident-response',
      'legal-request',
      'residency',
      'service-operation',
      'support-case',
    ]);
  });

  it('keeps the schema enums and the request vocabulary in step', () => {
    const schema = schemaToJson(readFileSync(join(defaultPolicyDir(), 'schema.cedarschema'), 'utf8'));
    if (schema.type !== 'success') throw new Error('schema does not parse');
    const types = schema.json['']?.entityTypes ?? {};
    const enumOf = (name: string): string[] => {
      const type = types[name];
      return type !== undefined && 'enum' in type ? [...type.enum] : [];
    };
    expect(enumOf('Role')).toEqual([...OPERATOR_ROLES]);
    expect(enumOf('Purpose')).toEqual([...PURPOSES]);
    expect(enumOf('SubjectClass')).toEqual([...SUBJECT_CLASSES]);
  });

  it('names unannotated policies <file>#<n>, unaffected by other files', async () => {
    const dir = tempPolicies();
    writeFileSync(
      join(dir, 'extra.cedar'),
      '// two policies without ids\nforbid (principal, action == Action::"write", resource) when { resource.category == "user.device.ip_address" };\n\n' +
        'forbid (principal, action, resource) when { context.purpose == Purpose::"ABUSE_REPORT" && resource.category like "user.financial.*" };\n',
    );
    const first = await openTemp(dir);
    expect(first.policyIds).toContain('extra.cedar#1');
    expect(first.policyIds).toContain('extra.cedar#2');
    writeFileSync(join(dir, 'aaa.cedar'), 'forbid (principal, action, resource) when { context.physicalCountry == "ZZ" };\n');
    const second = await openTemp(dir);
    expect(second.policyIds).toContain('extra.cedar#1');
    expect(second.policyIds).toContain('aaa.cedar#1');
    const write = withRequest({ action: 'write', category: 'user.device.ip_address' });
    expect(second.decide(write)).toMatchObject({ decision: 'deny', policyIds: ['extra.cedar#1'] });
  });

  it('refuses an unparsable policy file with file:line:column', async () => {
    const dir = tempPolicies();
    writeFileSync(join(dir, 'broken.cedar'), '// ünïcode comment — before the error\npermit (principal, action, resource)\nwhen { context.purpose == };\n');
    const error = await loadError(PolicyEngine.open({ dir }));
    expect(error.code).toBe('POLICY_SYNTAX_ERROR');
    expect(error.problems[0]).toMatchObject({ file: join(dir, 'broken.cedar'), line: 3, column: 27 });
    expect(error.message).toContain(`${join(dir, 'broken.cedar')}:3:27`);
  });

  it('refuses a policy that does not validate against the schema, located in its file', async () => {
    const dir = tempPolicies();
    appendFileSync(
      join(dir, 'content.cedar'),
      '\n// a typo in an attribute name\n@id("typo")\nforbid (principal, action, resource)\n  when { resource.catgory == "user.content.media" };\n',
    );
    const error = await loadError(PolicyEngine.open({ dir }));
    expect(error.code).toBe('POLICY_INVALID');
    const contentLines = readFileSync(join(dir, 'content.cedar'), 'utf8').split('\n');
    const line = contentLines.findIndex((text) => text.includes('resource.catgory')) + 1;
    expect(error.problems[0]).toMatchObject({
      file: join(dir, 'content.cedar'),
      policyId: 'typo',
      line,
      column: contentLines[line - 1]!.indexOf('resource.catgory') + 1,
    });
    expect(error.problems[0]?.message).toMatch(/catgory/);
  });

  it('refuses a misspelt role or purpose, because they are schema enums', async () => {
    const dir = tempPolicies();
    writeFileSync(join(dir, 'typo.cedar'), 'permit (principal, action, resource) when { principal.roles.contains(Role::"suport") };\n');
    const error = await loadError(PolicyEngine.open({ dir }));
    expect(error.code).toBe('POLICY_INVALID');
    // Column of `Role::"suport"`.
    expect(error.problems[0]).toMatchObject({ file: join(dir, 'typo.cedar'), line: 1, column: 70 });
  });

  it('refuses duplicate ids, templates, an unparsable schema and an empty directory', async () => {
    const dupDir = tempPolicies();
    writeFileSync(join(dupDir, 'dup.cedar'), '\n@id("residency")\nforbid (principal, action, resource);\n');
    const dup = await loadError(PolicyEngine.open({ dir: dupDir }));
    expect(dup.code).toBe('POLICY_INVALID');
    // Files load in name order, so the copy in residency.cedar is the second use of the id.
    expect(dup.problems[0]).toMatchObject({ file: join(dupDir, 'residency.cedar'), line: 4, column: 1, policyId: 'residency' });
    expect(dup.problems[0]?.message).toContain(`${join(dupDir, 'dup.cedar')}:2:1`);

    const templateDir = tempPolicies();
    writeFileSync(join(templateDir, 'tpl.cedar'), 'permit (principal == ?principal, action, resource);\n');
    const template = await loadError(PolicyEngine.open({ dir: templateDir }));
    expect(template.code).toBe('POLICY_INVALID');
    expect(template.problems[0]).toMatchObject({ file: join(templateDir, 'tpl.cedar'), line: 1, column: 22 });

    const schemaDir = tempPolicies();
    appendFileSync(join(schemaDir, 'schema.cedarschema'), '\nentity Broken = {\n');
    const schema = await loadError(PolicyEngine.open({ dir: schemaDir }));
    expect(schema.code).toBe('POLICY_SCHEMA_INVALID');
    expect(schema.problems[0]?.file).toBe(join(schemaDir, 'schema.cedarschema'));

    const typeDir = tempPolicies();
    writeFileSync(join(typeDir, 'schema.cedarschema'), 'entity Operator = {\n  officeCountry: Strin,\n};\n');
    const unresolved = await loadError(PolicyEngine.open({ dir: typeDir }));
    expect(unresolved.code).toBe('POLICY_SCHEMA_INVALID');
    expect(unresolved.problems[0]).toMatchObject({ file: join(typeDir, 'schema.cedarschema'), line: 2, column: 18 });

    const emptyDir = tempPolicies();
    for (const name of ['base.cedar', 'blocked.cedar', 'content.cedar', 'government.cedar', 'residency.cedar']) {
      unlinkSync(join(emptyDir, name));
    }
    expect((await loadError(PolicyEngine.open({ dir: emptyDir }))).code).toBe('POLICY_INVALID');

    const missing = await loadError(PolicyEngine.open({ dir: join(emptyDir, 'nope') }));
    expect(missing.code).toBe('POLICY_SOURCE_UNREADABLE');
  });

  it('keeps the previous set in force when a reload fails', async () => {
    const dir = tempPolicies();
    const reloading = await openTemp(dir);
    const digest = reloading.digest;
    expect(reloading.decide(JP_SUPPORT_REQUEST).decision).toBe('allow');
    writeFileSync(join(dir, 'base.cedar'), 'permit (principal, action, resource) when {\n');
    const error = await loadError(reloading.reload());
    expect(error.code).toBe('POLICY_SYNTAX_ERROR');
    expect(error.problems[0]?.file).toBe(join(dir, 'base.cedar'));
    expect(reloading.digest).toBe(digest);
    reloading.flush();
    expect(reloading.decide(JP_SUPPORT_REQUEST)).toEqual({ decision: 'allow', policyIds: ['support-case'], errors: [] });
  });

  it('puts a good reload in force and flushes the cache; an unchanged directory is a no-op', async () => {
    const dir = tempPolicies();
    const reloading = await openTemp(dir);
    expect(await reloading.reload()).toBe('unchanged');
    expect(reloading.decide(JP_SUPPORT_REQUEST).decision).toBe('allow');
    const generation = reloading.generation;
    writeFileSync(join(dir, 'freeze.cedar'), '@id("freeze-contact")\nforbid (principal, action, resource) when { resource.category like "user.contact.*" };\n');
    expect(await reloading.reload()).toBe('reloaded');
    expect(reloading.generation).toBe(generation + 1);
    expect(reloading.decide(JP_SUPPORT_REQUEST)).toMatchObject({ decision: 'deny', policyIds: ['freeze-contact'] });
    rmSync(join(dir, 'freeze.cedar'));
    expect(await reloading.reload()).toBe('reloaded');
    expect(reloading.decide(JP_SUPPORT_REQUEST).decision).toBe('allow');
  });

  it('watches the directory: reloads on change and reports refused sets', async () => {
    const dir = tempPolicies();
    const events: PolicyReloadEvent[] = [];
    const watched = await openTemp(dir, { watch: true, debounceMs: 20, onReload: (event) => events.push(event) });
    // Editors and file systems may report one save as several events; wait for the one we want.
    const waitFor = async (matches: (event: PolicyReloadEvent) => boolean): Promise<PolicyReloadEvent> => {
      const from = events.length;
      for (let waited = 0; waited < 5_000; waited += 10) {
        const found = events.slice(from).find(matches);
        if (found !== undefined) return found;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      throw new Error(`no matching reload event; saw ${JSON.stringify(events)}`);
    };

    let arrived = waitFor((event) => event.ok && event.status === 'reloaded');
    writeFileSync(join(dir, 'freeze.cedar'), '@id("freeze")\nforbid (principal, action, resource);\n');
    expect(await arrived).toMatchObject({ digest: watched.digest });
    expect(watched.decide(JP_SUPPORT_REQUEST)).toMatchObject({ decision: 'deny', policyIds: ['freeze'] });

    arrived = waitFor((event) => !event.ok);
    writeFileSync(join(dir, 'freeze.cedar'), '@id("freeze")\nforbid (principal, action, resource) when {\n');
    const refused = await arrived;
    if (refused.ok) throw new Error('expected a refused reload');
    expect(refused.error.code).toBe('POLICY_SYNTAX_ERROR');
    expect(refused.error.problems[0]?.file).toBe(join(dir, 'freeze.cedar'));
    expect(watched.decide(JP_SUPPORT_REQUEST)).toMatchObject({ decision: 'deny', policyIds: ['freeze'] });
  });
});

describe('decision cache', () => {
  it('answers repeats from the cache, across attributes no policy reads', async () => {
    const cached = await openTemp(defaultPolicyDir());
    cached.decide(JP_SUPPORT_REQUEST);
    expect(cached.cacheStats).toEqual({ size: 1, hits: 0, misses: 1 });
    cached.decide(JP_SUPPORT_REQUEST);
    // Another operator and subject with the same attributes, another grant id: same decision.
    cached.decide(
      withRequest({
        operator: { ...JP_SUPPORT_REQUEST.operator, id: 'op-jp-2', employer: { entity: 'Other KK', country: 'JP' } },
        subject: { ...JP_SUPPORT_REQUEST.subject, id: 'user-jp-2' },
        grant: { id: 'grant-x', approved: false },
      }),
    );
    expect(cached.cacheStats).toEqual({ size: 1, hits: 2, misses: 1 });
    // Set order is not meaningful.
    cached.decide(withRequest({ transferBasisCountries: ['KR', 'DE'] }));
    cached.decide(withRequest({ transferBasisCountries: ['DE', 'KR', 'KR'] }));
    expect(cached.cacheStats).toEqual({ size: 2, hits: 3, misses: 2 });
  });

  it('misses when any attribute a policy reads changes', async () => {
    const cached = await openTemp(defaultPolicyDir());
    cached.decide(JP_SUPPORT_REQUEST);
    expect(cached.decide(withRequest({ grant: { id: 'g', approved: true } })).decision).toBe('allow');
    expect(cached.decide(withRequest({ blockedJurisdictions: ['JP'] })).decision).toBe('deny');
    expect(cached.cacheStats.misses).toBe(3);
  });

  it('flush empties the cache and advances the generation', async () => {
    const cached = await openTemp(defaultPolicyDir());
    cached.decide(JP_SUPPORT_REQUEST);
    const generation = cached.generation;
    cached.flush();
    expect(cached.generation).toBe(generation + 1);
    expect(cached.cacheStats.size).toBe(0);
    cached.decide(JP_SUPPORT_REQUEST);
    expect(cached.cacheStats).toMatchObject({ size: 1, misses: 2, hits: 0 });
  });

  it('stays within its bound', async () => {
    const bounded = await openTemp(defaultPolicyDir(), { cacheMaxEntries: 3 });
    for (const country of ['DE', 'FR', 'IT', 'ES', 'KR']) bounded.decide(withRequest({ transferBasisCountries: [country] }));
    expect(bounded.cacheStats.size).toBe(3);
  });

  it('keys on exactly the attributes the default policies read', () => {
    expect(engine.readAttributes).toEqual([
      'context.blockedJurisdictions',
      'context.grantApproved',
      'context.physicalCountry',
      'context.purpose',
      'context.transferBasisCountries',
      'principal.employerCountry',
      'principal.officeCountry',
      'principal.roles',
      'resource.category',
      'resource.subjectClass',
      'resource.subjectJurisdiction',
    ]);
  });
});

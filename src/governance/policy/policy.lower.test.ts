import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isAuthorized, policyToJson, type Expr } from '@cedar-policy/cedar-wasm/nodejs';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { PolicyEngine } from './policy.engine.js';
import { PolicyError } from './policy.errors.js';
import { compilePolicySet } from './policy.compile.js';
import { defaultPolicyDir, readPolicySources } from './policy.files.js';
import { EnumLowering } from './policy.lower.js';
import { OPERATOR_ROLES, PURPOSES, SUBJECT_CLASSES, toCedarEntities, toSchemaView, type AccessRequest } from './policy.request.js';
import { copyDefaultPolicies } from './policy.test-support.js';

const lowering = new EnumLowering(new Set(['Role', 'Purpose', 'SubjectClass']));

function condition(text: string): Expr {
  const answer = policyToJson(`permit (principal, action, resource) when { ${text} };`);
  if (answer.type !== 'success') throw new Error(JSON.stringify(answer.errors));
  const first = answer.json.conditions[0];
  if (first === undefined) throw new Error('no condition');
  return first.body;
}

describe('EnumLowering', () => {
  it('turns enum literals into type-qualified strings', () => {
    expect(lowering.lowerExpr(condition('context.purpose == Purpose::"SUPPORT_CASE"'))).toEqual(
      condition('context.purpose == "Purpose::SUPPORT_CASE"'),
    );
    expect(lowering.lowerExpr(condition('principal.roles.contains(Role::"support")'))).toEqual(
      condition('principal.roles.contains("Role::support")'),
    );
  });

  it('rewrites `in` on enum literals to membership and equality', () => {
    expect(lowering.lowerExpr(condition('context.purpose in [Purpose::"A", Purpose::"B"]'))).toEqual(
      condition('["Purpose::A", "Purpose::B"].contains(context.purpose)'),
    );
    expect(lowering.lowerExpr(condition('context.purpose in Purpose::"A"'))).toEqual(condition('context.purpose == "Purpose::A"'));
  });

  it('leaves entity operations on principal, resource and action alone', () => {
    for (const text of ['principal in Operator::"x"', 'resource is SubjectData', 'action in [Action::"read"]', 'principal == Operator::"x"']) {
      expect(lowering.lowerExpr(condition(text)), text).toEqual(condition(text));
    }
  });

  it('keeps different enum types apart', () => {
    const lowered = lowering.lowerExpr(condition('Role::"x" == Purpose::"x"'));
    expect(lowered).toEqual(condition('"Role::x" == "Purpose::x"'));
  });

  it('refuses `in` and `is` forms it cannot lower faithfully', () => {
    expect(() => lowering.lowerExpr(condition('Role::"support" in principal.roles'))).toThrow(/contains/);
    expect(() => lowering.lowerExpr(condition('context.purpose is Purpose'))).toThrow(/`is`/);
  });

  it('reaches inside records, sets, conditionals and extension calls', () => {
    const text = '{r: Role::"a"} == {r: Role::"a"} && (if [Role::"a"].isEmpty() then false else ip("10.0.0.1").isLoopback())';
    const lowered = lowering.lowerExpr(condition(text));
    expect(JSON.stringify(lowered)).not.toContain('__entity');
    expect(JSON.stringify(lowered)).toContain('"ip"');
  });
});

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

describe('lowered evaluation agrees with Cedar on the schema', () => {
  const country = fc.constantFrom('JP', 'KR', 'CN', 'DE');
  const arbitraryRequest: fc.Arbitrary<AccessRequest> = fc.record({
    operator: fc.record({
      id: fc.constantFrom('a', 'b'),
      employer: fc.record({ entity: fc.constantFrom('E', 'F'), country }),
      officeCountry: country,
      roles: fc.subarray([...OPERATOR_ROLES]),
    }),
    action: fc.constantFrom('read' as const, 'write' as const),
    subject: fc.record({ id: fc.constant('s'), jurisdiction: country, class: fc.constantFrom(...SUBJECT_CLASSES) }),
    category: fc.constantFrom('user.contact.phone_number', 'user.content', 'user.content.message', 'user.financial.payment'),
    physicalCountry: country,
    purpose: fc.constantFrom(...PURPOSES),
    grant: fc.option(fc.record({ id: fc.constantFrom('g1', 'g2'), approved: fc.boolean() }), { nil: null }),
    transferBasisCountries: fc.subarray(['JP', 'KR', 'CN', 'DE']),
    blockedJurisdictions: fc.subarray(['CN', 'KR']),
  });

  /** Reference: the original text policies, schema-validated request, enum entity references. */
  function referenceDecision(dir: string, policies: Record<string, string>, request: AccessRequest): { decision: string; policyIds: string[] } {
    const view = toSchemaView(request);
    const answer = isAuthorized({
      principal: { type: 'Operator', id: view.principal.id },
      action: { type: 'Action', id: view.action },
      resource: { type: 'SubjectData', id: view.resource.id },
      context: { ...view.context },
      entities: toCedarEntities(view),
      schema: readFileSync(join(dir, 'schema.cedarschema'), 'utf8'),
      validateRequest: true,
      policies: { staticPolicies: policies },
    });
    if (answer.type !== 'success' || answer.response.diagnostics.errors.length > 0) throw new Error(JSON.stringify(answer));
    return { decision: answer.response.decision, policyIds: [...answer.response.diagnostics.reason].sort() };
  }

  async function checkAgreement(dir: string): Promise<void> {
    const engine = await PolicyEngine.open({ dir });
    // The engine's own ids and texts, so that the reference names policies the same way.
    const policies = { ...compilePolicySet(await readPolicySources(dir)).staticPolicies };
    fc.assert(
      fc.property(arbitraryRequest, (request) => {
        engine.flush();
        const actual = engine.decide(request);
        expect(actual.errors).toEqual([]);
        expect({ decision: actual.decision, policyIds: [...actual.policyIds] }).toEqual(referenceDecision(dir, policies, request));
      }),
      { numRuns: 400 },
    );
  }

  it('on the default policies', async () => {
    await checkAgreement(defaultPolicyDir());
  });

  it('on policies using every lowered form, action groups, records and optional attributes', async () => {
    const { dir, cleanup } = copyDefaultPolicies();
    cleanups.push(cleanup);
    const schemaPath = join(dir, 'schema.cedarschema');
    writeFileSync(
      schemaPath,
      readFileSync(schemaPath, 'utf8').replace('action read, write appliesTo', 'action touch;\naction read, write in [touch] appliesTo'),
    );
    writeFileSync(
      join(dir, 'exotic.cedar'),
      [
        '@id("group") forbid (principal, action in Action::"touch", resource) when { context.purpose in Purpose::"LEGAL_REQUEST" && resource.subjectClass != SubjectClass::"business" };',
        '@id("in-set") forbid (principal, action, resource) when { resource.subjectClass in [SubjectClass::"business"] && !principal.roles.containsAny([Role::"admin", Role::"security"]) };',
        '@id("records") permit (principal, action == Action::"read", resource) when { {p: context.purpose, c: resource.subjectClass} == {p: Purpose::"ABUSE_REPORT", c: SubjectClass::"consumer"} && principal.roles.contains(Role::"admin") };',
        '@id("has") forbid (principal, action, resource) when { context has grantId && context.grantId == "g2" && context.purpose == Purpose::"INCIDENT_RESPONSE" };',
        '',
      ].join('\n'),
    );
    await checkAgreement(dir);
  });
});

describe('schema contract', () => {
  it('refuses a schema that would not accept the requests the broker builds', async () => {
    const { dir, cleanup } = copyDefaultPolicies();
    cleanups.push(cleanup);
    const schemaPath = join(dir, 'schema.cedarschema');
    writeFileSync(schemaPath, readFileSync(schemaPath, 'utf8').replace('"approver", ', ''));
    const error: unknown = await PolicyEngine.open({ dir }).catch((cause: unknown) => cause);
    expect(error).toBeInstanceOf(PolicyError);
    expect((error as PolicyError).code).toBe('POLICY_SCHEMA_INVALID');
    expect((error as PolicyError).message).toMatch(/approver/);
  });

  it('refuses a schema that renames an attribute the broker sends', async () => {
    const { dir, cleanup } = copyDefaultPolicies();
    cleanups.push(cleanup);
    const schemaPath = join(dir, 'schema.cedarschema');
    writeFileSync(schemaPath, readFileSync(schemaPath, 'utf8').replace('officeCountry: Country', 'office: Country'));
    const error: unknown = await PolicyEngine.open({ dir }).catch((cause: unknown) => cause);
    // The policies reading officeCountry fail validation first; either way the set is refused.
    expect(error).toBeInstanceOf(PolicyError);
  });
});


import { policyToJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { describe, expect, it } from 'vitest';
import { canonicalValue, decisionKeyFunction, describeReadPath, project, projectionOf, readSetOf } from './policy.read-set.js';
import { toCedarView } from './policy.request.js';
import { JP_SUPPORT_REQUEST, withRequest } from './policy.test-support.js';

const ENUMS = new Set(['Role', 'Purpose', 'SubjectClass']);

function json(text: string): PolicyJson {
  const answer = policyToJson(text);
  if (answer.type !== 'success') throw new Error(JSON.stringify(answer.errors));
  return answer.json;
}

function readOf(...texts: string[]): string[] {
  const set = readSetOf(texts.map(json), ENUMS);
  return set.everything ? ['*'] : set.paths.map(describeReadPath);
}

describe('readSetOf', () => {
  it('collects attribute reads, including `has` and enum literals that read nothing', () => {
    expect(
      readOf(
        'permit (principal, action, resource) when { principal.roles.contains(Role::"support") && context has grantId };',
        'forbid (principal, action, resource) unless { context.physicalCountry == resource.subjectJurisdiction };',
      ),
    ).toEqual(['context.grantId', 'context.physicalCountry', 'principal.roles', 'resource.subjectJurisdiction']);
  });

  it('reads the uid when a policy names the principal or resource itself', () => {
    expect(readOf('permit (principal == Operator::"alice", action, resource);')).toEqual(['principal']);
    expect(readOf('permit (principal, action, resource) when { principal == Operator::"alice" };')).toEqual(['*']);
    expect(readOf('permit (principal, action, resource) when { resource is SubjectData };')).toEqual(['resource']);
  });

  it('reads the whole context when a policy does, and drops paths it covers', () => {
    expect(readOf('permit (principal, action, resource) when { context == {} || context.purpose == Purpose::"SUPPORT_CASE" };')).toEqual([
      'context',
    ]);
  });

  it('reads everything when a policy reaches an entity by literal', () => {
    expect(readOf('forbid (principal, action, resource) when { Operator::"x".officeCountry == "JP" };')).toEqual(['*']);
  });
});

describe('decision keys', () => {
  const keyOf = decisionKeyFunction(
    readSetOf([json('permit (principal, action, resource) when { context.physicalCountry == principal.officeCountry && context.transferBasisCountries.isEmpty() };')], ENUMS),
  );

  it('ignores attributes no policy reads and the order of sets', () => {
    const base = keyOf(toCedarView(JP_SUPPORT_REQUEST));
    expect(keyOf(toCedarView(withRequest({ purpose: 'ABUSE_REPORT', grant: { id: 'g', approved: true } })))).toBe(base);
    expect(keyOf(toCedarView(withRequest({ transferBasisCountries: ['KR', 'DE'] })))).toBe(
      keyOf(toCedarView(withRequest({ transferBasisCountries: ['DE', 'KR'] }))),
    );
    expect(keyOf(toCedarView(withRequest({ physicalCountry: 'KR' })))).not.toBe(base);
    expect(keyOf(toCedarView(withRequest({ action: 'write' })))).not.toBe(base);
  });

  it('serialises values canonically and cannot be confused by separators in strings', () => {
    expect(canonicalValue(['b', 'a'])).toBe('["a","b"]');
    expect(canonicalValue({ __entity: { type: 'Role', id: 'x' } })).toBe('Role::"x"');
    expect(canonicalValue({ b: 1, a: true })).toBe('{"a":true,"b":1}');
    expect(canonicalValue(undefined)).not.toBe(canonicalValue('~'));
    expect(canonicalValue(['a,b'])).not.toBe(canonicalValue(['a', 'b']));
  });
});

describe('projection', () => {
  it('sends Cedar only what the policies read', () => {
    const readSet = readSetOf(
      [json('permit (principal, action, resource) when { principal.roles.contains(Role::"support") && context has grantId && resource.category like "user.*" };')],
      ENUMS,
    );
    const projection = projectionOf(readSet);
    expect(projection).toEqual({ principal: ['roles'], resource: ['category'], context: ['grantId'] });
    const view = toCedarView(withRequest({ grant: { id: 'g-7', approved: true } }));
    expect(project(view.context, projection.context)).toEqual({ grantId: 'g-7' });
    expect(project(view.principal.attrs, projection.principal)).toEqual({ roles: ['Role::support'] });
  });

  it('sends everything when a policy reads the whole context or an entity literal', () => {
    expect(projectionOf(readSetOf([json('permit (principal, action, resource) when { context == {} };')], ENUMS)).context).toBe('all');
    expect(projectionOf(readSetOf([json('permit (principal, action, resource) when { Operator::"x".roles.isEmpty() };')], ENUMS))).toEqual({
      principal: 'all',
      resource: 'all',
      context: 'all',
    });
  });
});

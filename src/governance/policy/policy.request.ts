// The access request the broker hands to the policy engine, its fail-closed shape check, and
// its translation into the Cedar entities and context declared in policies/schema.cedarschema.
// Pure: no I/O, no Cedar calls.

import type { CedarValueJson, Context, EntityJson } from '@cedar-policy/cedar-wasm/nodejs';
import { enumValue } from './policy.lower.js';

export const OPERATOR_ROLES = ['support', 'moderator', 'engineer', 'security', 'approver', 'admin', 'privacy-officer'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

export const PURPOSES = [
  'SUPPORT_CASE',
  'ABUSE_REPORT',
  'INCIDENT_RESPONSE',
  'LEGAL_REQUEST',
  'SERVICE_OPERATION',
  'PAYMENT_SUPPORT',
  // A person's request for what is held about them (APPI Art. 33), answered by the deployment's
  // own tools (`domicile report disclosure`); no policy lets an operator use it through the broker.
  'DATA_SUBJECT_REQUEST',
] as const;
export type Purpose = (typeof PURPOSES)[number];

export const SUBJECT_CLASSES = ['consumer', 'government', 'business'] as const;
export type SubjectClass = (typeof SUBJECT_CLASSES)[number];

export const ACCESS_ACTIONS = ['read', 'write'] as const;
export type AccessAction = (typeof ACCESS_ACTIONS)[number];

/** ISO 3166-1 alpha-2, upper case. */
export type CountryCode = string;

export interface OperatorAttributes {
  readonly id: string;
  readonly employer: { readonly entity: string; readonly country: CountryCode };
  readonly officeCountry: CountryCode;
  readonly roles: readonly OperatorRole[];
}

export interface SubjectAttributes {
  readonly id: string;
  readonly jurisdiction: CountryCode;
  readonly class: SubjectClass;
}

export interface GrantAttributes {
  readonly id: string;
  /** Approved, unexpired, unrevoked, and covering this subject, category and purpose. */
  readonly approved: boolean;
}

/** Everything a decision may depend on; the broker resolves it all before asking. */
export interface AccessRequest {
  readonly operator: OperatorAttributes;
  readonly action: AccessAction;
  readonly subject: SubjectAttributes;
  /** fideslang-style dot path, e.g. `user.contact.phone_number` (src/cells/categories.ts). */
  readonly category: string;
  /** Observed from the source address; null when the address has no known country. */
  readonly physicalCountry: CountryCode | null;
  readonly purpose: Purpose;
  /** The grant considered for this request, or null when there is none. */
  readonly grant: GrantAttributes | null;
  /** Countries for which this subject has a recorded transfer basis. */
  readonly transferBasisCountries: readonly CountryCode[];
  /** Jurisdictions currently cut off. */
  readonly blockedJurisdictions: readonly CountryCode[];
}

/** A Cedar entity as the engine sees it before it is turned into Cedar's JSON. */
export interface CedarEntityView {
  readonly type: string;
  readonly id: string;
  readonly attrs: Readonly<Record<string, CedarValueJson>>;
}

export interface CedarRequestView {
  readonly action: AccessAction;
  readonly principal: CedarEntityView;
  readonly resource: CedarEntityView;
  readonly context: Readonly<Context>;
}

const COUNTRY = /^[A-Z]{2}$/;
const CATEGORY = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;
const ROLE_SET: ReadonlySet<string> = new Set(OPERATOR_ROLES);
const PURPOSE_SET: ReadonlySet<string> = new Set(PURPOSES);
const CLASS_SET: ReadonlySet<string> = new Set(SUBJECT_CLASSES);
const ACTION_SET: ReadonlySet<string> = new Set(ACCESS_ACTIONS);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function checkString(problems: string[], path: string, value: unknown): void {
  if (typeof value !== 'string' || value.length === 0) problems.push(`${path}: missing or not a non-empty string`);
}

function checkCountry(problems: string[], path: string, value: unknown): void {
  if (typeof value !== 'string' || !COUNTRY.test(value)) problems.push(`${path}: missing or not an ISO 3166-1 alpha-2 code`);
}

function checkMember(problems: string[], path: string, value: unknown, allowed: ReadonlySet<string>): void {
  if (typeof value !== 'string' || !allowed.has(value)) problems.push(`${path}: missing or unknown value`);
}

function checkCountries(problems: string[], path: string, value: unknown): void {
  if (!Array.isArray(value)) {
    problems.push(`${path}: missing or not a list`);
    return;
  }
  for (const item of value) checkCountry(problems, `${path}[]`, item);
}

/**
 * Every problem that makes the request undecidable. The request type already says all this,
 * but requests are built from stored rows and headers at run time, and a missing attribute
 * must deny rather than reach a cached decision made for a complete one.
 */
export function checkAccessRequest(request: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(request)) return ['request: not an object'];
  const { operator, subject, grant } = request;
  if (isRecord(operator)) {
    checkString(problems, 'operator.id', operator.id);
    if (isRecord(operator.employer)) {
      checkString(problems, 'operator.employer.entity', operator.employer.entity);
      checkCountry(problems, 'operator.employer.country', operator.employer.country);
    } else {
      problems.push('operator.employer: missing');
    }
    checkCountry(problems, 'operator.officeCountry', operator.officeCountry);
    if (Array.isArray(operator.roles)) {
      for (const role of operator.roles) checkMember(problems, 'operator.roles[]', role, ROLE_SET);
    } else {
      problems.push('operator.roles: missing or not a list');
    }
  } else {
    problems.push('operator: missing (unknown operator)');
  }
  checkMember(problems, 'action', request.action, ACTION_SET);
  if (isRecord(subject)) {
    checkString(problems, 'subject.id', subject.id);
    checkCountry(problems, 'subject.jurisdiction', subject.jurisdiction);
    checkMember(problems, 'subject.class', subject.class, CLASS_SET);
  } else {
    problems.push('subject: missing');
  }
  if (typeof request.category !== 'string' || !CATEGORY.test(request.category)) {
    problems.push('category: missing or not a dot path');
  }
  if (request.physicalCountry === null) {
    problems.push('physicalCountry: unknown (the source address has no known country)');
  } else {
    checkCountry(problems, 'physicalCountry', request.physicalCountry);
  }
  checkMember(problems, 'purpose', request.purpose, PURPOSE_SET);
  if (grant !== null) {
    if (isRecord(grant)) {
      checkString(problems, 'grant.id', grant.id);
      if (typeof grant.approved !== 'boolean') problems.push('grant.approved: missing or not a boolean');
    } else {
      problems.push('grant: missing (pass null when there is no grant)');
    }
  }
  checkCountries(problems, 'transferBasisCountries', request.transferBasisCountries);
  checkCountries(problems, 'blockedJurisdictions', request.blockedJurisdictions);
  return problems;
}

/** How an enum value travels: a schema-form entity reference, or its lowered string. */
type EnumEncoder = (type: string, id: string) => CedarValueJson;

const asEntityRef: EnumEncoder = (type, id) => ({ __entity: { type, id } });
const asLoweredString: EnumEncoder = enumValue;

/** Sorted and de-duplicated, so equal sets look equal to the decision cache. */
function canonicalSet(values: readonly string[]): string[] {
  return values.length < 2 ? [...values] : [...new Set(values)].sort();
}

function viewOf(request: AccessRequest, encode: EnumEncoder): CedarRequestView {
  const context: Record<string, CedarValueJson> = {
    physicalCountry: request.physicalCountry ?? '',
    purpose: encode('Purpose', request.purpose),
    grantApproved: request.grant?.approved === true,
    transferBasisCountries: canonicalSet(request.transferBasisCountries),
    blockedJurisdictions: canonicalSet(request.blockedJurisdictions),
  };
  if (request.grant !== null) context.grantId = request.grant.id;
  return {
    action: request.action,
    principal: {
      type: 'Operator',
      id: request.operator.id,
      attrs: {
        employerEntity: request.operator.employer.entity,
        employerCountry: request.operator.employer.country,
        officeCountry: request.operator.officeCountry,
        roles: canonicalSet(request.operator.roles).map((role) => encode('Role', role)),
      },
    },
    resource: {
      type: 'SubjectData',
      id: `${request.subject.id}/${request.category}`,
      attrs: {
        subjectJurisdiction: request.subject.jurisdiction,
        subjectClass: encode('SubjectClass', request.subject.class),
        category: request.category,
      },
    },
    context,
  };
}

/**
 * The Cedar view of a request that passed `checkAccessRequest`, in the lowered form the engine
 * evaluates: enum values are strings such as `Purpose::SUPPORT_CASE` (see policy.lower.ts).
 */
export function toCedarView(request: AccessRequest): CedarRequestView {
  return viewOf(request, asLoweredString);
}

/** The same request as the schema types it (enum values as entity references). */
export function toSchemaView(request: AccessRequest): CedarRequestView {
  return viewOf(request, asEntityRef);
}

export function toCedarEntities(view: CedarRequestView): EntityJson[] {
  return [
    { uid: { type: view.principal.type, id: view.principal.id }, attrs: { ...view.principal.attrs }, parents: [] },
    { uid: { type: view.resource.type, id: view.resource.id }, attrs: { ...view.resource.attrs }, parents: [] },
  ];
}

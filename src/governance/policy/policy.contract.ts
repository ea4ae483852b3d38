// The contract between the schema and the requests the engine builds: the schema must accept
// every request the broker can send, with every role, purpose and subject class. Requests are
// evaluated without the schema (for speed), so this is checked once per load instead, by having
// Cedar parse sample requests against the schema. Pure.

import { createHash } from 'node:crypto';
import { checkParseContext, checkParseEntities, type DetailedError } from '@cedar-policy/cedar-wasm/nodejs';
import type { PolicyProblem } from './policy.errors.js';
import {
  ACCESS_ACTIONS,
  OPERATOR_ROLES,
  PURPOSES,
  SUBJECT_CLASSES,
  toCedarEntities,
  toSchemaView,
  type AccessRequest,
} from './policy.request.js';

function sampleRequests(): AccessRequest[] {
  const base: AccessRequest = {
    operator: { id: 'probe', employer: { entity: 'probe', country: 'JP' }, officeCountry: 'JP', roles: [...OPERATOR_ROLES] },
    action: 'read',
    subject: { id: 'probe', jurisdiction: 'JP', class: 'consumer' },
    category: 'user.contact.phone_number',
    physicalCountry: 'JP',
    purpose: 'SUPPORT_CASE',
    grant: { id: 'probe', approved: true },
    transferBasisCountries: ['KR'],
    blockedJurisdictions: ['CN'],
  };
  const samples: AccessRequest[] = [{ ...base, grant: null }];
  for (const action of ACCESS_ACTIONS) samples.push({ ...base, action });
  for (const purpose of PURPOSES) samples.push({ ...base, purpose });
  for (const subjectClass of SUBJECT_CLASSES) samples.push({ ...base, subject: { ...base.subject, class: subjectClass } });
  return samples;
}

/** Names the sample requests: a verdict cached for other samples (another build) does not count. */
export function contractSamplesDigest(): string {
  return createHash('sha256').update(JSON.stringify(sampleRequests().map(toSchemaView))).digest('hex');
}

/** Problems (located at the schema file) if the schema would refuse a request we can build. */
export function requestContractProblems(schemaText: string, schemaFile: string): PolicyProblem[] {
  const messages = new Set<string>();
  const note = (errors: readonly DetailedError[]): void => {
    for (const error of errors) messages.add(error.message);
  };
  for (const request of sampleRequests()) {
    const view = toSchemaView(request);
    const entities = checkParseEntities({ entities: toCedarEntities(view), schema: schemaText });
    if (entities.type === 'failure') note(entities.errors);
    const context = checkParseContext({
      context: { ...view.context },
      schema: schemaText,
      action: { type: 'Action', id: view.action },
    });
    if (context.type === 'failure') note(context.errors);
  }
  return [...messages].map((message) => ({
    file: schemaFile,
    line: 1,
    column: 1,
    message: `the schema does not accept requests the broker builds: ${message}`,
  }));
}

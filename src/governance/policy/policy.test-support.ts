// Shared fixtures for the policy tests: a baseline request and temporary policy directories.

import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defaultPolicyDir } from './policy.files.js';
import type { AccessRequest } from './policy.request.js';

/** A JP support operator in JP, on a JP consumer's phone number, for a support case. */
export const JP_SUPPORT_REQUEST: AccessRequest = {
  operator: { id: 'op-jp-1', employer: { entity: 'Domicile KK', country: 'JP' }, officeCountry: 'JP', roles: ['support'] },
  action: 'read',
  subject: { id: 'user-jp-1', jurisdiction: 'JP', class: 'consumer' },
  category: 'user.contact.phone_number',
  physicalCountry: 'JP',
  purpose: 'SUPPORT_CASE',
  grant: null,
  transferBasisCountries: [],
  blockedJurisdictions: [],
};

export function withRequest(overrides: Partial<AccessRequest>): AccessRequest {
  return { ...JP_SUPPORT_REQUEST, ...overrides };
}

/** A writable copy of the default policies; returns the directory and a cleanup function. */
export function copyDefaultPolicies(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'domicile-policies-'));
  cpSync(defaultPolicyDir(), dir, { recursive: true });
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

// Field masking for what the broker releases: a field goes out in clear only when the decision
// grants it in clear; otherwise its mask applies — redact (nothing), last four (enough to confirm
// a number with its owner) or a keyed hash (lets records be correlated without the value).
// Pure: the hash key is passed in.
import crypto from 'node:crypto';
import { categories } from '../../cells/categories.js';

export type MaskKind = 'clear' | 'redact' | 'last4' | 'hash';
export const MASK_KINDS: readonly MaskKind[] = ['clear', 'redact', 'last4', 'hash'];

export type FieldValue = string | number | boolean | null;
export type FieldValues = Readonly<Record<string, FieldValue>>;

/** How a field is released when the decision does not grant it in clear. */
export type FieldRules = Readonly<Record<string, Readonly<Record<string, MaskKind>>>>;

/**
 * Per category, the mask of each field when no grant names it. `clear` means the field is
 * released whenever the category is allowed. A field missing here is redacted: a new column
 * never leaks because nobody wrote a rule for it.
 */
export const defaultFieldRules: FieldRules = {
  [categories.account]: { handle: 'clear', displayName: 'clear', kind: 'clear', class: 'clear', home: 'clear', createdAt: 'clear' },
  // Support answers tickets by e-mail; the phone number only confirms identity ("ending 5678").
  [categories.contact]: { email: 'clear', phone: 'last4' },
  // Content is released only under a grant (policy content-needs-grant); even then, a field
  // the grant does not name stays masked.
  [categories.message]: { conversationId: 'hash', seq: 'clear', kind: 'clear', createdAt: 'clear', text: 'redact', mediaId: 'hash' },
  [categories.media]: { conversationId: 'hash', contentType: 'clear', size: 'clear', sha256: 'hash', createdAt: 'clear' },
  // Payment support confirms amounts and times with the customer; wallet and account ids of the
  // person and of whoever they paid show only their last four, a payment's note not at all.
  [categories.wallet]: { walletId: 'last4', currency: 'clear', balance: 'clear', storedIn: 'clear', createdAt: 'clear' },
  [categories.payment]: { kind: 'clear', direction: 'clear', amount: 'clear', currency: 'clear', counterparty: 'last4', status: 'clear', note: 'redact', balanceAfter: 'clear', at: 'clear' },
  [categories.supportCase]: { kind: 'clear', status: 'clear', reason: 'clear', role: 'clear', createdAt: 'clear', records: 'clear', conversationId: 'hash' },
};

/** The last four characters, the rest replaced; values of four characters or fewer are hidden. */
export function lastFour(value: FieldValue): string | null {
  if (value === null) return null;
  const text = String(value).replace(/\s+/g, '');
  if (text.length <= 4) return '••••';
  return `••••${text.slice(-4)}`;
}

/**
 * HMAC-SHA256 of the field name and value under the deployment's masking key, 96 bits in
 * base64url. Equal values of one field hash equal (records can be linked); the key keeps anyone
 * without it from confirming a guess.
 */
export function keyedHash(key: Uint8Array, field: string, value: FieldValue): string | null {
  if (value === null) return null;
  const mac = crypto.createHmac('sha256', key).update(field).update('\u0000').update(String(value)).digest();
  return `h:${mac.subarray(0, 12).toString('base64url')}`;
}

export function applyMask(kind: MaskKind, key: Uint8Array, field: string, value: FieldValue): FieldValue {
  switch (kind) {
    case 'clear':
      return value;
    case 'last4':
      return lastFour(value);
    case 'hash':
      return keyedHash(key, field, value);
    case 'redact':
      return null;
  }
}

/** The mask each requested field gets: clear when granted in clear, else the category's rule. */
export function maskPlan(props: {
  rules: FieldRules;
  category: string;
  fields: readonly string[];
  /** Fields the decision grants in clear beyond the rules' clear fields; null means all. */
  clear: ReadonlySet<string> | null;
}): Record<string, MaskKind> {
  const rules = props.rules[props.category] ?? {};
  const plan: Record<string, MaskKind> = {};
  for (const field of props.fields) {
    const rule = rules[field] ?? 'redact';
    plan[field] = rule === 'clear' || props.clear === null || props.clear.has(field) ? 'clear' : rule;
  }
  return plan;
}

export type Masker = (values: FieldValues) => Record<string, FieldValue>;

/** A function that masks one record by a plan; built once per plan, applied to every record. */
export function compileMasker(plan: Readonly<Record<string, MaskKind>>, key: Uint8Array): Masker {
  const steps = Object.entries(plan);
  if (steps.every(([, kind]) => kind === 'clear')) {
    const copy = (values: FieldValues): Record<string, FieldValue> => {
      const out: Record<string, FieldValue> = {};
      for (const [field] of steps) out[field] = values[field] ?? null;
      return out;
    };
    // A record holding exactly the planned fields goes out as it is: copying 10,000 records
    // costs more than checking their keys. Anything else is copied field by field.
    return (values) => {
      let count = 0;
      for (const field in values) {
        if (!Object.hasOwn(plan, field)) return copy(values);
        count += 1;
      }
      return count === steps.length ? (values as Record<string, FieldValue>) : copy(values);
    };
  }
  return (values) => {
    const out: Record<string, FieldValue> = {};
    for (const [field, kind] of steps) out[field] = applyMask(kind, key, field, values[field] ?? null);
    return out;
  };
}

import { describe, expect, it } from 'vitest';
import { maskingOf } from './masking.js';
import type { Decision, ReleasedRecord } from './types.js';

function decision(overrides: Partial<Decision>): Decision {
  return { category: 'user.contact', jurisdiction: 'JP', decision: 'allow', policyIds: [], reasons: [], grantId: null, subjects: ['hanako'], masking: null, released: 1, log: [], ...overrides };
}

const record: ReleasedRecord = { subjectId: 'hanako', category: 'user.contact', recordId: 'r1', fields: { phone: '•••• 5678', email: 'hanako@example.jp' } };

describe('maskingOf', () => {
  it('reads a field’s masking from the allowing decision of its record', () => {
    const decisions = [decision({ decision: 'deny', masking: { phone: 'redact' } }), decision({ masking: { phone: 'last4' } })];
    expect(maskingOf(decisions, record, 'phone')).toBe('last4');
    expect(maskingOf(decisions, record, 'email')).toBe('clear');
  });

  it('falls back to a decision on a parent category', () => {
    const decisions = [decision({ category: 'user', subjects: ['taro'], masking: { phone: 'hash' } })];
    expect(maskingOf(decisions, record, 'phone')).toBe('hash');
  });
});

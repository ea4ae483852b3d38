import { describe, expect, it } from 'vitest';
import { blocksChanged, grantChanged, reportOpened, type OperatorEvent } from '../governance/operators/operator.events.js';
import type { Grant } from '../governance/grants/grants.js';
import { encodeOpsFrame, operatorEventFrame } from './ops-frames.js';

const grant: Grant = {
  id: 'grant_1',
  requesterId: 'op-tokyo-support',
  subjects: ['hanako'],
  categories: ['user.contact'],
  fields: [],
  purpose: 'SUPPORT_CASE',
  caseRef: 'T-1001',
  durationSeconds: 900,
  requestedLocation: 'JP',
  requiredApprovals: 1,
  status: 'approved',
  createdAt: '2026-12-01T09:00:00.000Z',
  approvedAt: '2026-12-01T09:01:00.000Z',
  expiresAt: '2026-12-01T09:16:00.000Z',
  endedAt: null,
  endedBy: null,
  approvals: [{ approverId: 'op-tokyo-approver', decision: 'approve', at: '2026-12-01T09:01:00.000Z' }],
};

const wire = (event: OperatorEvent): string => encodeOpsFrame(operatorEventFrame(event));

describe('operator event frames', () => {
  it('keep the wire format the console reads (web/src/ops/socket.ts), and only its fields', () => {
    // A grant push names the grant, never its subjects or fields.
    expect(wire(grantChanged(grant))).toBe('{"type":"grant","id":"grant_1","status":"approved","requesterId":"op-tokyo-support"}');
    expect(wire(reportOpened({ ref: 'R-1', reason: 'spam' }))).toBe('{"type":"report","caseRef":"R-1","reason":"spam"}');
    expect(wire(blocksChanged(new Set(['KR', 'CN'])))).toBe('{"type":"blocks","blocked":["CN","KR"]}');
  });

  it('drop anything an event carries beyond its frame', () => {
    const widened = { type: 'report' as const, caseRef: 'R-2', reason: 'abuse', reporter: 'hanako' };
    expect(JSON.parse(wire(widened))).toEqual({ type: 'report', caseRef: 'R-2', reason: 'abuse' });
  });
});

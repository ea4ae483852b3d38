// Events governance pushes to live operator connections (the console): a grant requested or
// changed, a new abuse report, the cut-off list changed. Like messaging's events they are typed
// and carry presented fields only (ids, statuses, reason codes) — never personal data; the HTTP
// edge turns each into its WebSocket frame.
import type { Case } from '../cases/cases.js';
import type { Grant, GrantStatus } from '../grants/grants.js';

export type OperatorEvent =
  | { readonly type: 'grant'; readonly id: string; readonly status: GrantStatus; readonly requesterId: string }
  | { readonly type: 'report'; readonly caseRef: string; readonly reason: string }
  | { readonly type: 'blocks'; readonly blocked: readonly string[] };

export function grantChanged(grant: Grant): OperatorEvent {
  return { type: 'grant', id: grant.id, status: grant.status, requesterId: grant.requesterId };
}

export function reportOpened(report: Pick<Case, 'ref' | 'reason'>): OperatorEvent {
  return { type: 'report', caseRef: report.ref, reason: report.reason };
}

export function blocksChanged(blocked: Iterable<string>): OperatorEvent {
  return { type: 'blocks', blocked: [...blocked].sort() };
}

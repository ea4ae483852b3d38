// The server→client frames of the operator WebSocket (/v1/ops/ws) in one union, and the one
// function that writes them. Operator events become frames field by field, as messaging's events
// do in realtime.hub.ts: the frame is an allow-list, so a field added to an event for internal use
// does not leave the server by accident. docs/api.md documents each frame.
import type { ErrorCode } from '../errors/catalogue.js';
import type { AccessResult } from '../governance/broker/broker.js';
import type { OperatorEvent } from '../governance/operators/operator.events.js';
import type { OperatorSession, presentOperator } from '../governance/operators/operators.js';
import type { RequestOrigin } from '../governance/operators/origin.js';

export type OpsServerFrame =
  | {
      readonly type: 'ready';
      readonly operator: ReturnType<typeof presentOperator>;
      readonly session: OperatorSession;
      readonly origin: RequestOrigin;
      readonly blocked: readonly string[];
    }
  | { readonly type: 'access-result'; readonly requestId: string; readonly result: AccessResult }
  | { readonly type: 'error'; readonly code: ErrorCode; readonly message: string; readonly requestId?: string; readonly details?: Readonly<Record<string, unknown>> }
  | { readonly type: 'pong' }
  | OperatorEvent;

/** The frame announcing an operator event to the console. */
export function operatorEventFrame(event: OperatorEvent): OpsServerFrame {
  switch (event.type) {
    case 'grant':
      return { type: 'grant', id: event.id, status: event.status, requesterId: event.requesterId };
    case 'report':
      return { type: 'report', caseRef: event.caseRef, reason: event.reason };
    case 'blocks':
      return { type: 'blocks', blocked: [...event.blocked] };
  }
}

/** The text of one frame on the wire. */
export function encodeOpsFrame(frame: OpsServerFrame): string {
  return JSON.stringify(frame);
}

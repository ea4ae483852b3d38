// Live operator connections (the operator WebSocket) in this process, so a cut-off can close
// every one from a blocked country at once and the console can be told about changes (typed
// operator events; the socket's owner turns them into frames).
import type { OperatorEvent } from './operator.events.js';

export interface LiveOperatorConnection {
  readonly id: string;
  readonly operatorId: string;
  readonly sessionId: string;
  /** Country of the connection's source address (null when unknown). */
  readonly country: string | null;
  readonly officeCountry: string;
  readonly employerCountry: string;
  deliver(event: OperatorEvent): void;
  close(code: number, reason: string): void;
}

export interface OperatorPresence {
  add(connection: LiveOperatorConnection): void;
  remove(connection: LiveOperatorConnection): void;
  /** Closes every connection from, or of an operator established in, one of `countries`. */
  cutOff(countries: ReadonlySet<string>, reason: string): number;
  /** Closes every connection of these sessions (4403 for a cut-off by default; 4401 when the session itself ended). */
  endSessions(sessionIds: ReadonlySet<string>, reason: string, code?: number): number;
  /** The sessions with a live connection. */
  sessionIds(): string[];
  /** Delivers `event` to every live connection. */
  broadcast(event: OperatorEvent): void;
  count(): number;
  closeAll(): void;
}

/** WebSocket close code for a connection ended by a cut-off (the catalogue's 403 family). */
export const CUT_OFF_CLOSE_CODE = 4403;
/** WebSocket close code for a connection whose session ended: signed out, expired, operator disabled (the 401 family). */
export const SESSION_ENDED_CLOSE_CODE = 4401;

export function createOperatorPresence(): OperatorPresence {
  const connections = new Set<LiveOperatorConnection>();
  function closeWhere(test: (c: LiveOperatorConnection) => boolean, code: number, reason: string): number {
    let closed = 0;
    for (const connection of [...connections]) {
      if (!test(connection)) continue;
      connections.delete(connection);
      connection.close(code, reason);
      closed += 1;
    }
    return closed;
  }
  return {
    add: (connection) => void connections.add(connection),
    remove: (connection) => void connections.delete(connection),
    cutOff(countries, reason) {
      return closeWhere(
        (c) => (c.country !== null && countries.has(c.country)) || countries.has(c.officeCountry) || countries.has(c.employerCountry),
        CUT_OFF_CLOSE_CODE,
        reason,
      );
    },
    endSessions(sessionIds, reason, code = CUT_OFF_CLOSE_CODE) {
      return closeWhere((c) => sessionIds.has(c.sessionId), code, reason);
    },
    sessionIds: () => [...new Set([...connections].map((c) => c.sessionId))],
    broadcast(event) {
      for (const connection of connections) connection.deliver(event);
    },
    count: () => connections.size,
    closeAll() {
      closeWhere(() => true, 1001, 'server shutting down');
    },
  };
}

// Session revocation as an event: signing out, revoking one session, "sign out everywhere", a
// password change or expiry publish one `session-revoked` event; every node's session cache and
// realtime hub subscribe to it and end those sessions' sockets at once (close code 4401). In one
// process the bus is in memory; a bus between nodes (e.g. NATS) implements the same interface.

export interface SessionRevoked {
  readonly type: 'session-revoked';
  readonly subjectId: string;
  readonly sessionIds: readonly string[];
  /** Why, for the socket's close reason: signed out, revoked, password changed, expired. */
  readonly reason: string;
}

export interface SessionEvents {
  publish(event: SessionRevoked): void;
  /** Returns the unsubscribe function. */
  subscribe(listener: (event: SessionRevoked) => void): () => void;
}

export function createSessionEvents(): SessionEvents {
  const listeners = new Set<(event: SessionRevoked) => void>();
  return {
    publish(event) {
      for (const listener of listeners) listener(event);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}

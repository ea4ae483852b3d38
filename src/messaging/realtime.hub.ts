// Realtime fan-out inside one process: which sockets belong to which user (and session), delivery
// of committed messaging events to the members they concern, and ending the sockets of revoked
// sessions.
import type { MessagingEvent, MessagingEvents } from './events.js';
import type { MessageView } from './presenters.js';

export interface RealtimeConnection {
  /** Unique per socket; a message's origin connection is acknowledged instead of echoed. */
  id: string;
  userId: string;
  sessionId: string;
  deliver(event: MessagingEvent): void;
  close(code: number, reason: string): void;
}

export interface RealtimeHub extends MessagingEvents {
  add(connection: RealtimeConnection): void;
  remove(connection: RealtimeConnection): void;
  connectionsOf(userId: string): number;
  /** Closes every socket of these sessions of one user (with 4401: the session is over); returns how many. */
  endSessions(userId: string, sessionIds: ReadonlySet<string>, reason: string): number;
  closeAll(): void;
}

/** Close code of a socket whose session was revoked or expired (the catalogue's 401 family). */
export const SESSION_ENDED_CLOSE_CODE = 4401;

// A message's JSON is made once and shared by the sender's ack and every recipient's frame. It is
// kept on the view itself, under a symbol and not enumerable (JSON.stringify, spreads and test
// equality do not see it): a WeakMap from views to their JSON cost about 1 µs more per message,
// most of it the garbage collector's bookkeeping of weak entries (bench/RESULTS.md).
const jsonSlot = Symbol('messageJson');
type WithJson = MessageView & { [jsonSlot]?: string };

export function messageJson(message: MessageView): string {
  const cached = (message as WithJson)[jsonSlot];
  if (cached !== undefined) return cached;
  const json = JSON.stringify(message);
  if (Object.isExtensible(message)) Object.defineProperty(message, jsonSlot, { value: json });
  return json;
}

/** The `message` frame of a message (the same text as `JSON.stringify({ type: 'message', message })`). */
export function messageFrame(message: MessageView): string {
  return `{"type":"message","message":${messageJson(message)}}`;
}

export function frameOf(event: MessagingEvent): string {
  switch (event.type) {
    case 'message':
      return messageFrame(event.message);
    case 'receipt':
      return JSON.stringify({ type: 'receipt', conversationId: event.conversationId, userId: event.userId, seq: event.seq });
    case 'membership':
      return JSON.stringify({
        type: 'membership',
        conversationId: event.conversationId,
        userId: event.userId,
        change: event.change,
        conversation: event.conversation,
      });
  }
}

export function createRealtimeHub(): RealtimeHub {
  const byUser = new Map<string, Set<RealtimeConnection>>();
  return {
    add(connection) {
      let set = byUser.get(connection.userId);
      if (!set) {
        set = new Set();
        byUser.set(connection.userId, set);
      }
      set.add(connection);
    },
    remove(connection) {
      const set = byUser.get(connection.userId);
      set?.delete(connection);
      if (set && set.size === 0) byUser.delete(connection.userId);
    },
    connectionsOf: (userId) => byUser.get(userId)?.size ?? 0,
    emit(event) {
      for (const userId of event.recipients) {
        const set = byUser.get(userId);
        if (!set) continue;
        for (const connection of set) {
          if (event.type === 'message' && event.origin === connection.id) continue;
          connection.deliver(event);
        }
      }
    },
    endSessions(userId, sessionIds, reason) {
      const set = byUser.get(userId);
      if (!set) return 0;
      let closed = 0;
      for (const connection of [...set]) {
        if (!sessionIds.has(connection.sessionId)) continue;
        set.delete(connection);
        connection.close(SESSION_ENDED_CLOSE_CODE, reason);
        closed += 1;
      }
      if (set.size === 0) byUser.delete(userId);
      return closed;
    },
    closeAll() {
      for (const set of byUser.values()) for (const c of set) c.close(1001, 'server shutting down');
      byUser.clear();
    },
  };
}

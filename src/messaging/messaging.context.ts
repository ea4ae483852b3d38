// What the messaging use cases need: the cells (each with its group-commit queue), the directory,
// per-cell message writers, the conversation cache, the transfer gate, an event sink for
// realtime delivery, session revocation events, and the limits against abuse. Built once per process.
import type { CellRegistry } from '../cells/cell.registry.js';
import type { Directory } from '../cells/directory.js';
import { defaultLimits, type Limits } from '../config/config.js';
import type { TransferGate } from '../governance/transfers/transfer.gate.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';
import { createConversationCache, type ConversationCache } from './conversation.cache.js';
import type { MessagingEvents } from './events.js';
import { createMessageWriter, type MessageWriter } from './message.writer.js';
import { createSessionEvents, type SessionEvents } from './session.events.js';
import { createSignInGuard, type SignInGuard } from '../crypto/sign-in.guard.js';

/** A session as authentication caches it (times in ms since the epoch). */
export interface CachedSession {
  subjectId: string;
  tokenHash: Buffer;
  revoked: boolean;
  createdAt: number;
  /** Last use seen by this process. */
  usedAt: number;
  /** Last use written to the session row (at most once a minute). */
  persistedAt: number;
}

export interface MessagingContext {
  cells: CellRegistry;
  directory: Directory;
  messageWriters: Map<string, MessageWriter>;
  conversations: ConversationCache;
  events: MessagingEvents;
  /** Asked before a person's data is written into a cell in another jurisdiction (invariant 3). */
  transfers: TransferGate;
  /** Revoked sessions: the session cache and the realtime hub of every node follow them. */
  sessionEvents: SessionEvents;
  sessions: Map<string, CachedSession>;
  limits: Limits;
  signInGuard: SignInGuard;
  signupLimiter: RateLimiter;
  sendLimiter: RateLimiter;
  groupLimiter: RateLimiter;
}

export function createMessagingContext(props: {
  cells: CellRegistry;
  directory: Directory;
  events?: MessagingEvents;
  transfers: TransferGate;
  limits?: Limits;
  sessionEvents?: SessionEvents;
  /** Sync SQLite message batches on the thread pool (db/deferred-sync.ts). */
  deferSync?: boolean;
}): MessagingContext {
  const limits = props.limits ?? defaultLimits;
  const sessionEvents = props.sessionEvents ?? createSessionEvents();
  const sessions = new Map<string, CachedSession>();
  sessionEvents.subscribe((event) => {
    for (const id of event.sessionIds) {
      const cached = sessions.get(id);
      if (cached) cached.revoked = true;
    }
  });
  return {
    cells: props.cells,
    directory: props.directory,
    messageWriters: new Map(props.cells.all().map((cell) => [cell.id, createMessageWriter(cell, { deferSync: props.deferSync ?? false, cells: props.cells })])),
    conversations: createConversationCache(props.cells, props.directory.locations),
    events: props.events ?? { emit: () => undefined },
    transfers: props.transfers,
    sessionEvents,
    sessions,
    limits,
    signInGuard: createSignInGuard(),
    signupLimiter: createRateLimiter({ limit: limits.signupsPerAddressPerHour, windowMs: 3600_000 }),
    sendLimiter: createRateLimiter({ limit: limits.sendsPerMinute, windowMs: 60_000 }),
    groupLimiter: createRateLimiter({ limit: limits.groupsPerHour, windowMs: 3600_000 }),
  };
}

export function messageWriterOf(ctx: MessagingContext, cellId: string): MessageWriter {
  const writer = ctx.messageWriters.get(cellId);
  if (!writer) throw new Error(`no message writer for cell ${cellId}`);
  return writer;
}

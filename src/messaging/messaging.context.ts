// What the messaging use cases need: the cells (each with its group-commit queue), the directory,
// per-cell message writers, the conversation cache, the transfer gate and an event sink for
// realtime delivery. Built once per process.
import type { CellRegistry } from '../cells/cell.registry.js';
import type { Directory } from '../cells/directory.js';
import type { TransferGate } from '../governance/transfers/transfer.gate.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';
import { createConversationCache, type ConversationCache } from './conversation.cache.js';
import type { MessagingEvents } from './events.js';
import { createMessageWriter, type MessageWriter } from './message.writer.js';

export interface MessagingContext {
  cells: CellRegistry;
  directory: Directory;
  messageWriters: Map<string, MessageWriter>;
  conversations: ConversationCache;
  signInLimiter: RateLimiter;
  events: MessagingEvents;
  /** Asked before a person's data is written into a cell in another jurisdiction (invariant 3). */
  transfers: TransferGate;
}

export function createMessagingContext(props: {
  cells: CellRegistry;
  directory: Directory;
  events?: MessagingEvents;
  transfers: TransferGate;
}): MessagingContext {
  const ctx: MessagingContext = {
    cells: props.cells,
    directory: props.directory,
    messageWriters: new Map(props.cells.all().map((cell) => [cell.id, createMessageWriter(cell)])),
    conversations: createConversationCache(props.cells, props.directory.locations),
    signInLimiter: createRateLimiter({ limit: 5, windowMs: 15 * 60_000 }),
    events: props.events ?? { emit: () => undefined },
    transfers: props.transfers,
  };
  return ctx;
}

export function messageWriterOf(ctx: MessagingContext, cellId: string): MessageWriter {
  const writer = ctx.messageWriters.get(cellId);
  if (!writer) throw new Error(`no message writer for cell ${cellId}`);
  return writer;
}

// Messaging events between app nodes (issue 13): the adapter behind `MessagingEvents.emit` when a
// bus is configured. A committed event is delivered to this node's sockets at once and announced on
// the bus as a notice per cell and conversation carrying ids and sequence numbers only; the other
// nodes read the record from the cell and deliver it to their own sockets.
//
// Per conversation, this node hands messages to its hub in seq order and each seq once: local and
// remote notices race, so a notice ahead of the next expected seq first reads the missing ones from
// the cell (every lower seq is committed once a seq is: the writers serialise on the conversation's
// `last_seq`). The first notice of a conversation this node sees also delivers what was committed
// since the node started and not yet announced to it (at most `firstCatchUpSeqs` messages: older
// ones are for the client's resume).
//
// The per-conversation state is bounded: past `maxOrderings` conversations, the idle ones whose
// members have no socket on this node are forgotten (nothing here to deliver to; a socket that
// connects later replays from the cell), then, if still over, the least recently used idle ones.
import type { Bus, BusNotice } from '../cluster/bus.js';
import { subjectToken } from '../cluster/bus.js';
import type { MessagingEvent, MessagingEvents } from './events.js';
import type { MessagingContext } from './messaging.context.js';
import { getConversation } from './conversation.service.js';
import { openMessageRows } from './message.repository.js';
import type { MessageRow } from './messaging.tables.js';
import { presentMessage, type MessageView } from './presenters.js';
import type { RealtimeHub } from './realtime.hub.js';
import type { SessionEvents, SessionRevoked } from './session.events.js';

const prefix = 'domicile';
const sessionSubject = `${prefix}.session.revoked`;

interface Ordering {
  /** Highest seq handed to the hub, or null before the first notice. */
  delivered: number | null;
  /** The recipients of the last notice: whether anyone here still listens. */
  recipients: readonly string[];
  /** Notices waiting behind a read from the cell. */
  busy: number;
  /**
   * Recipients of the other nodes' notices not yet handed to the hub, by seq: a read from the cell
   * takes every seq noticed so far in one query (under load one read serves many notices), and each
   * message still goes to the recipients its own notice named.
   */
  noticed: Map<number, readonly string[]>;
  /** The highest seq in `noticed`. */
  highestNoticed: number;
  chain: Promise<void>;
}

interface MessageNotice {
  cellId: string;
  conversationId: string;
  seq: number;
  recipients: readonly string[];
  /** The presented message when it was committed here; otherwise read from the cell. */
  local?: MessagingEvent & { type: 'message' };
}

export interface ClusterEvents extends MessagingEvents {
  /** The conversations this node keeps delivery order for (at most `maxOrderings`). */
  trackedConversations(): string[];
  /** Resolves once every notice taken so far has been handed to the hub (or failed). */
  idle(): Promise<void>;
  close(): void;
}

/** Conversations whose delivery order a node keeps before it forgets idle ones. */
export const defaultMaxOrderings = 10_000;
/** The most messages the first notice of a conversation reads back from the cell. */
const firstCatchUpSeqs = 256;

function strings(value: unknown): string[] | null {
  return Array.isArray(value) && value.every((v) => typeof v === 'string') ? (value as string[]) : null;
}

export function createClusterEvents(props: { ctx: MessagingContext; hub: RealtimeHub; bus: Bus; maxOrderings?: number; onError?: (err: unknown) => void }): ClusterEvents {
  const { ctx, hub, bus } = props;
  const maxOrderings = props.maxOrderings ?? defaultMaxOrderings;
  const startedAt = new Date().toISOString();
  const orderings = new Map<string, Ordering>();
  const report = props.onError ?? (() => undefined);

  const subjectOf = (cellId: string, conversationId: string): string => `${prefix}.cell.${subjectToken(cellId)}.conv.${subjectToken(conversationId)}`;

  async function readMessages(cellId: string, conversationId: string, where: { afterSeq: number; upToSeq: number; since?: string }): Promise<MessageView[]> {
    const cell = ctx.cells.get(cellId);
    let query = cell.db
      .selectFrom('message')
      .selectAll()
      .where('conversation_id', '=', conversationId)
      .where('seq', '>', where.afterSeq)
      .where('seq', '<=', where.upToSeq);
    if (where.since) query = query.where('created_at', '>=', where.since);
    const rows: MessageRow[] = await query.orderBy('seq', 'asc').execute();
    return (await openMessageRows(cell, rows)).map(presentMessage);
  }

  async function deliverInOrder(notice: MessageNotice, ordering: Ordering): Promise<void> {
    const hand = (message: MessageView): void => {
      const recipients = ordering.noticed.get(message.seq) ?? notice.recipients;
      ordering.noticed.delete(message.seq);
      hub.emit({ type: 'message', recipients, message });
      ordering.delivered = message.seq;
    };
    if (ordering.delivered === null) {
      // First notice here: what was committed since this node started and not announced to it yet.
      const afterSeq = Math.max(0, notice.seq - 1 - firstCatchUpSeqs);
      for (const message of await readMessages(notice.cellId, notice.conversationId, { afterSeq, upToSeq: notice.seq - 1, since: startedAt })) hand(message);
      ordering.delivered ??= notice.seq - 1;
    }
    if (notice.seq <= ordering.delivered) {
      ordering.noticed.delete(notice.seq);
      return;
    }
    if (notice.seq > ordering.delivered + 1 || !notice.local) {
      const upTo = notice.local ? notice.seq - 1 : Math.max(notice.seq, ordering.highestNoticed);
      for (const message of await readMessages(notice.cellId, notice.conversationId, { afterSeq: ordering.delivered, upToSeq: upTo })) hand(message);
    }
    if (notice.local && notice.seq > ordering.delivered) {
      hub.emit(notice.local);
      ordering.delivered = notice.seq;
    }
    // A seq the cell no longer holds (erased meanwhile) is never handed: forget its notice.
    for (const seq of ordering.noticed.keys()) if (seq <= ordering.delivered) ordering.noticed.delete(seq);
  }

  /** Forgets idle conversations: first those nobody here listens to, then the least recently used. */
  function trim(): void {
    const listened = (o: Ordering): boolean => o.recipients.some((id) => hub.connectionsOf(id) > 0);
    for (const [id, o] of orderings) if (o.busy === 0 && !listened(o)) orderings.delete(id);
    // Map order is least recently used first (each notice moves its conversation to the end).
    for (const [id, o] of orderings) {
      if (orderings.size <= maxOrderings * 0.9) break;
      if (o.busy === 0) orderings.delete(id);
    }
  }

  function onMessage(notice: MessageNotice): void {
    let ordering = orderings.get(notice.conversationId);
    if (ordering) {
      orderings.delete(notice.conversationId);
    } else {
      ordering = { delivered: null, recipients: notice.recipients, busy: 0, noticed: new Map(), highestNoticed: 0, chain: Promise.resolve() };
      if (orderings.size >= maxOrderings) trim();
    }
    orderings.set(notice.conversationId, ordering);
    const o = ordering;
    o.recipients = notice.recipients;
    // The common case costs no I/O: the next seq, committed here, nothing waiting.
    if (notice.local && o.busy === 0 && o.delivered !== null && notice.seq === o.delivered + 1) {
      hub.emit(notice.local);
      o.delivered = notice.seq;
      return;
    }
    if (notice.local && o.busy === 0 && o.delivered !== null && notice.seq <= o.delivered) return;
    if (!notice.local) {
      o.noticed.set(notice.seq, notice.recipients);
      o.highestNoticed = Math.max(o.highestNoticed, notice.seq);
    }
    o.busy += 1;
    o.chain = o.chain
      .then(() => deliverInOrder(notice, o))
      .catch(report)
      .finally(() => {
        o.busy -= 1;
      });
  }

  async function onMembership(notice: BusNotice, recipients: string[]): Promise<void> {
    const conversationId = String(notice.conversationId);
    const userId = String(notice.userId);
    const change = notice.change === 'removed' ? 'removed' : 'added';
    // Membership changed on another node: this node's cached member list is stale.
    ctx.conversations.forget(conversationId);
    let conversation = null;
    if (change === 'added' && notice.withView === true) {
      const actor = await ctx.directory.find(userId);
      if (actor) conversation = await getConversation({ ctx, actor, conversationId }).catch(() => null);
    }
    hub.emit({ type: 'membership', recipients, conversationId, userId, change, conversation });
  }

  const unsubscribe = bus.subscribe(`${prefix}.cell.*.conv.*`, (notice) => {
    const recipients = strings(notice.recipients);
    if (!recipients || typeof notice.conversationId !== 'string') return;
    const conversationId = notice.conversationId;
    switch (notice.type) {
      case 'message':
        if (typeof notice.cellId === 'string' && typeof notice.seq === 'number') {
          onMessage({ cellId: notice.cellId, conversationId, seq: notice.seq, recipients });
        }
        return;
      case 'receipt':
        if (typeof notice.userId === 'string' && typeof notice.seq === 'number') {
          hub.emit({ type: 'receipt', recipients, conversationId, userId: notice.userId, seq: notice.seq });
        }
        return;
      case 'membership':
        onMembership(notice, recipients).catch(report);
        return;
    }
  });

  /** The cell of a conversation (cached: the use case that emitted just used it). */
  function withCell(conversationId: string, then: (cellId: string) => void): void {
    const cellId = ctx.conversations.peek(conversationId)?.cellId;
    if (cellId) return then(cellId);
    ctx.conversations
      .find(conversationId)
      .then((c) => c && then(c.cellId))
      .catch(report);
  }

  return {
    emit(event) {
      const conversationId = event.type === 'message' ? event.message.conversationId : event.conversationId;
      withCell(conversationId, (cellId) => {
        const subject = subjectOf(cellId, conversationId);
        switch (event.type) {
          case 'message': {
            const { seq, id } = event.message;
            onMessage({ cellId, conversationId, seq, recipients: event.recipients, local: event });
            bus.publish(subject, { type: 'message', cellId, conversationId, seq, id, recipients: event.recipients });
            return;
          }
          case 'receipt':
            hub.emit(event);
            bus.publish(subject, { type: 'receipt', conversationId, userId: event.userId, seq: event.seq, recipients: event.recipients });
            return;
          case 'membership':
            hub.emit(event);
            bus.publish(subject, {
              type: 'membership',
              conversationId,
              userId: event.userId,
              change: event.change,
              withView: event.conversation !== null,
              recipients: event.recipients,
            });
            return;
        }
      });
    },
    trackedConversations: () => [...orderings.keys()],
    async idle() {
      await Promise.all([...orderings.values()].map((o) => o.chain));
    },
    close: unsubscribe,
  };
}

/** Session revocations on every node: published locally and on the bus, received from the bus. */
export function createClusterSessionEvents(props: { bus: Bus; local: SessionEvents }): SessionEvents & { close(): void } {
  const { bus, local } = props;
  const unsubscribe = bus.subscribe(sessionSubject, (notice) => {
    const sessionIds = strings(notice.sessionIds);
    if (!sessionIds || typeof notice.subjectId !== 'string' || typeof notice.reason !== 'string') return;
    local.publish({ type: 'session-revoked', subjectId: notice.subjectId, sessionIds, reason: notice.reason });
  });
  return {
    publish(event: SessionRevoked) {
      local.publish(event);
      bus.publish(sessionSubject, { subjectId: event.subjectId, sessionIds: event.sessionIds, reason: event.reason });
    },
    subscribe: (listener) => local.subscribe(listener),
    close: unsubscribe,
  };
}

// The WebSocket: one per client. The first frame authenticates (`hello`) and may name the last
// seq the client has per conversation; the server replays what was missed, in order, then
// streams live events. Live events that arrive during the replay are held and de-duplicated.
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import { DomainError, errorCatalogue, isDomainError, type ErrorCode } from '../../errors/catalogue.js';
import { authenticate, sessionEndsAt } from '../../messaging/account.service.js';
import { markRead } from '../../messaging/conversation.service.js';
import type { MessagingEvent } from '../../messaging/events.js';
import type { MessageView } from '../../messaging/presenters.js';
import { getUser } from '../../messaging/account.service.js';
import { messagesAfter, queueMessageNow, type QueuedSend } from '../../messaging/message.service.js';
import { frameOf, messageFrame, messageJson, SESSION_ENDED_CLOSE_CODE, type RealtimeConnection } from '../../messaging/realtime.hub.js';
import type { Subject } from '../../cells/directory.js';
import { ClientId, Id } from '../schemas.js';
import { closeReason, errorFrame, firstProblem, handleFrames } from '../ws-frames.js';
import type { Runtime } from '../../app/runtime.js';

const Hello = Type.Object(
  {
    type: Type.Literal('hello'),
    token: Type.String({ minLength: 1, maxLength: 200 }),
    cursors: Type.Optional(Type.Record(Type.String({ maxLength: 100 }), Type.Integer({ minimum: 0 }))),
  },
  { additionalProperties: false },
);
const Send = Type.Object(
  { type: Type.Literal('send'), clientId: ClientId, conversationId: Id, text: Type.Optional(Type.String({ minLength: 1, maxLength: 4000 })), mediaId: Type.Optional(Id) },
  { additionalProperties: false },
);
const Read = Type.Object({ type: Type.Literal('read'), conversationId: Id, seq: Type.Integer({ minimum: 0 }) }, { additionalProperties: false });
const Ping = Type.Object({ type: Type.Literal('ping') }, { additionalProperties: false });
/** Every frame a client may send after hello (exported for bench/messaging/frames.ts). */
export const ClientFrame = Type.Union([Send, Read, Ping]);
// Compiled once: each frame is checked by generated code instead of a walk of the schema (a
// frame's first problem, for the error message, is still found by walking it: failures only).
const helloCheck = TypeCompiler.Compile(Hello);
const clientFrameCheck = TypeCompiler.Compile(ClientFrame);

/** Every client→server frame type, for the route inventory. */
export const clientFrameTypes = ['hello', 'send', 'read', 'ping'] as const;

const helloTimeoutMs = 10_000;
const maxBufferedBytes = 8 * 1024 * 1024;

/** The error frame answering one `send`: its clientId, and details where they help the client. */
function clientErrorFrame(code: ErrorCode, message: string, clientId?: string, details?: Record<string, unknown>): string {
  // Details help the client act (e.g. the notice to show for TRANSFER_CONSENT_REQUIRED); our own
  // faults keep theirs to the log, as over HTTP.
  const shown = details !== undefined && errorCatalogue[code].status < 500 ? { details } : {};
  return errorFrame(code, message, { ...(clientId ? { clientId } : {}), ...shown });
}

/** Only the parts of the runtime these routes use. */
export type RealtimeRoutesOptions = Pick<Runtime, 'messaging' | 'hub'>;

export const realtimeRoutes: FastifyPluginAsync<RealtimeRoutesOptions> = async (app, runtime) => {
  const ctx = runtime.messaging;
  const { socketsPerAddress, socketsPerUser } = ctx.limits;
  const openByAddress = new Map<string, number>();

  app.get('/v1/ws', { websocket: true, schema: { tags: ['realtime'], summary: 'WebSocket: see docs/api.md for frames' } }, (socket: WebSocket, request) => {
    let subject: Subject | null = null;
    let connection: RealtimeConnection | null = null;
    let held: MessagingEvent[] | null = null;
    const connectionId = randomUUID();
    const address = request.ip;
    const fromAddress = (openByAddress.get(address) ?? 0) + 1;
    openByAddress.set(address, fromAddress);
    let expiry: NodeJS.Timeout | null = null;
    const refuse = (code: 'TOO_MANY_SOCKETS', message: string): void => {
      socket.send(errorFrame(code, message));
      socket.close(errorCatalogue[code].wsClose, closeReason(message));
    };
    // The frames a socket gets in one turn (a batch's acks and messages settle together) leave in
    // one write: the TCP socket is corked at the first and uncorked once the turn's microtasks have
    // run (process.nextTick runs after them), not a turn later.
    const tcp = (socket as unknown as { _socket?: Duplex })._socket;
    let corked = false;
    const uncork = (): void => {
      corked = false;
      tcp?.uncork();
    };
    const send = (frame: string): void => {
      if (socket.readyState !== socket.OPEN) return;
      if (socket.bufferedAmount > maxBufferedBytes) {
        socket.close(1013, 'client too slow; reconnect and resume');
        return;
      }
      if (tcp && !corked) {
        corked = true;
        tcp.cork();
        process.nextTick(uncork);
      }
      socket.send(frame);
    };
    // The last message seq this socket was sent, per conversation: a message reaches a socket once,
    // in seq order, even when a replay read rows whose live events were still on their way, or
    // (with several nodes) a message is announced twice by a node's catch-up.
    const sentUpTo = new Map<string, number>();
    // This socket's own messages reach it as acks: another node's catch-up may read them back
    // from the cell and announce them again, with no origin to tell the hub whose they were. A
    // catch-up follows within seconds, so the latest acks are enough (a single node never reads
    // back): the last 1,024 to 2,048, in two generations — a full one becomes the old one, and the
    // one before is dropped whole (no eviction, and no iterator, per ack).
    let acked = new Set<string>();
    let ackedBefore = new Set<string>();
    const ackedKept = 1024;
    const sendMessage = (message: MessageView): void => {
      if (acked.delete(message.id) || ackedBefore.delete(message.id)) return;
      if (message.seq <= (sentUpTo.get(message.conversationId) ?? 0)) return;
      sentUpTo.set(message.conversationId, message.seq);
      send(messageFrame(message));
    };
    const sendEvent = (event: MessagingEvent): void => {
      if (event.type === 'message') sendMessage(event.message);
      else send(frameOf(event));
    };
    const timer = setTimeout(() => socket.close(4401, 'send hello with a token first'), helloTimeoutMs);
    if (fromAddress > socketsPerAddress) refuse('TOO_MANY_SOCKETS', `at most ${socketsPerAddress} open sockets from one address; close one first`);

    async function onHello(frame: Static<typeof Hello>): Promise<void> {
      const auth = await authenticate({ ctx, token: frame.token });
      if (runtime.hub.connectionsOf(auth.subject.id) >= socketsPerUser) {
        throw new DomainError('TOO_MANY_SOCKETS', `at most ${socketsPerUser} open sockets per person; close one (another tab or device) first`);
      }
      subject = auth.subject;
      clearTimeout(timer);
      held = [];
      connection = {
        id: connectionId,
        userId: subject.id,
        sessionId: auth.sessionId,
        deliver(event) {
          if (held) held.push(event);
          else sendEvent(event);
        },
        close: (code, reason) => socket.close(code, reason),
      };
      runtime.hub.add(connection);
      // A revocation published while hello was being checked has found no socket to close.
      if (ctx.sessions.get(auth.sessionId)?.revoked) {
        runtime.hub.remove(connection);
        socket.close(SESSION_ENDED_CLOSE_CODE, 'this session was signed out');
        return;
      }
      const endsAt = sessionEndsAt(ctx, auth.sessionId);
      // The socket ends with its session's absolute lifetime; a timer waits at most ~24 days, so
      // a longer wait is taken in steps.
      const armExpiry = (): void => {
        if (endsAt === null) return;
        const left = endsAt - Date.now();
        if (left <= 0) {
          socket.close(SESSION_ENDED_CLOSE_CODE, 'this session has expired; sign in again');
          return;
        }
        expiry = setTimeout(armExpiry, Math.min(left, 2 ** 31 - 1));
        expiry.unref();
      };
      armExpiry();
      send(JSON.stringify({ type: 'ready', user: await getUser({ ctx, userId: subject.id }) }));
      for (const [conversationId, afterSeq] of Object.entries(frame.cursors ?? {}).slice(0, 2000)) {
        try {
          sentUpTo.set(conversationId, afterSeq);
          for (const message of await messagesAfter({ ctx, actor: subject, conversationId, afterSeq })) sendMessage(message);
        } catch (err) {
          if (!isDomainError(err)) throw err;
          send(errorFrame(err.code, `${conversationId}: ${err.message}`));
        }
      }
      send(JSON.stringify({ type: 'caught-up' }));
      const pending = held;
      held = null;
      for (const event of pending) sendEvent(event);
    }

    /** A send's refusal or failure, as the error frame answering it. */
    const sendFailed = (clientId: string, err: unknown): void => {
      if (!isDomainError(err)) {
        request.log.error({ err }, 'send failed');
        send(clientErrorFrame('INTERNAL', 'the message was not stored; send it again', clientId));
        return;
      }
      send(clientErrorFrame(err.code, err.message, clientId, err.details));
    };
    /** Acks the send once it is stored (durable), or answers its failure. */
    const ackWhenStored = (clientId: string, { stored }: QueuedSend): void => {
      stored.then(
        (message) => {
          if (message.seq > (sentUpTo.get(message.conversationId) ?? 0)) {
            if (acked.size >= ackedKept) {
              ackedBefore = acked;
              acked = new Set();
            }
            acked.add(message.id);
          }
          send(`{"type":"ack","clientId":${JSON.stringify(clientId)},"message":${messageJson(message)}}`);
        },
        (err: unknown) => sendFailed(clientId, err),
      );
    };

    /** Handles one frame; a promise only while it still waits for something (the next frame waits for it). */
    function onFrame(value: unknown): Promise<void> | undefined {
      if (!subject) {
        if (!helloCheck.Check(value)) throw new DomainError('UNAUTHENTICATED', `the first frame must be hello with a token (${firstProblem(Hello, value)})`);
        return onHello(value);
      }
      if (!clientFrameCheck.Check(value)) {
        throw new DomainError('VALIDATION_FAILED', `unknown or malformed frame (${firstProblem(ClientFrame, value)}); see docs/api.md`);
      }
      switch (value.type) {
        case 'send': {
          const clientId = value.clientId;
          // The next frame may be read once this send is queued (at once, for the common send);
          // acks follow in queue order.
          let queued: QueuedSend | Promise<QueuedSend>;
          try {
            queued = queueMessageNow({ ctx, actor: subject, conversationId: value.conversationId, clientId, text: value.text, mediaId: value.mediaId, origin: connectionId });
          } catch (err) {
            sendFailed(clientId, err);
            return undefined;
          }
          if (queued instanceof Promise) {
            return queued.then(
              (q) => ackWhenStored(clientId, q),
              (err: unknown) => sendFailed(clientId, err),
            );
          }
          ackWhenStored(clientId, queued);
          return undefined;
        }
        case 'read':
          return markRead({ ctx, actor: subject, conversationId: value.conversationId, seq: value.seq });
        case 'ping':
          send('{"type":"pong"}');
          return undefined;
      }
    }

    // Frames are handled one at a time so a client's sends are acknowledged in the order sent.
    // Before hello, any refusal also ends the socket.
    handleFrames({ socket, onFrame, send, closesSocket: () => !subject, log: request.log, failureMessage: 'websocket frame failed' });
    socket.on('close', () => {
      clearTimeout(timer);
      if (expiry) clearTimeout(expiry);
      const left = (openByAddress.get(address) ?? 1) - 1;
      if (left > 0) openByAddress.set(address, left);
      else openByAddress.delete(address);
      if (connection) runtime.hub.remove(connection);
    });
  });
};

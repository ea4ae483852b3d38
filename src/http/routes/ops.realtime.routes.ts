// The operator WebSocket: a live operator session for the console. The first frame signs the
// socket in with an operator token; it must come from the operator's declared office country and
// not from a blocked one. `access` frames go through the broker exactly like POST /v1/ops/access.
// The server pushes grant changes, new abuse reports and block changes, and closes the socket
// (4403) within a second of its country being cut off.
import { randomUUID } from 'node:crypto';
import { Type, type Static } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import type { FastifyPluginAsync } from 'fastify';
import type { WebSocket } from 'ws';
import { DomainError, isDomainError } from '../../errors/catalogue.js';
import { presentOperator, type Operator } from '../../governance/operators/operators.js';
import type { RequestOrigin } from '../../governance/operators/origin.js';
import type { LiveOperatorConnection, OperatorPresence } from '../../governance/operators/presence.js';
import { encodeOpsFrame, operatorEventFrame, type OpsServerFrame } from '../ops-frames.js';
import { checkLocation, type OperatorGate } from '../operator-auth.js';
import { firstProblem, handleFrames } from '../ws-frames.js';
import type { Broker } from '../../governance/broker/broker.js';
import { deliver } from './ops.data.routes.js';
import { accessProperties } from './ops.schemas.js';

const Hello = Type.Object(
  {
    type: Type.Literal('hello'),
    token: Type.String({ minLength: 1, maxLength: 200 }),
    simulatedAddress: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'demo mode, from loopback only' })),
  },
  { additionalProperties: false },
);
const Access = Type.Object({ type: Type.Literal('access'), requestId: Type.String({ minLength: 1, maxLength: 64 }), ...accessProperties }, { additionalProperties: false });
const Ping = Type.Object({ type: Type.Literal('ping') }, { additionalProperties: false });
const ClientFrame = Type.Union([Access, Ping]);
// Compiled once: each frame is checked by generated code instead of a walk of the schema (a
// frame's first problem, for the error message, is still found by walking it: failures only).
const helloCheck = TypeCompiler.Compile(Hello);
const clientFrameCheck = TypeCompiler.Compile(ClientFrame);

/** Every client→server frame type of /v1/ops/ws, for the route inventory. */
export const opsClientFrameTypes = ['hello', 'access', 'ping'] as const;

export const OPS_WS_PATH = '/v1/ops/ws';
const helloTimeoutMs = 10_000;

export interface OpsRealtimeRoutesOptions {
  gate: OperatorGate;
  broker: Pick<Broker, 'access'>;
  presence: Pick<OperatorPresence, 'add' | 'remove'>;
}

export const opsRealtimeRoutes: FastifyPluginAsync<OpsRealtimeRoutesOptions> = async (app, { gate, broker, presence }) => {

  app.get(OPS_WS_PATH, { websocket: true, schema: { tags: ['operators'], summary: 'Operator WebSocket: see docs/api.md for frames' } }, (socket: WebSocket, request) => {
    let signedIn: { operator: Operator; token: string; origin: RequestOrigin; connection: LiveOperatorConnection } | null = null;
    const sendText = (text: string): void => {
      if (socket.readyState === socket.OPEN) socket.send(text);
    };
    // Every frame this route writes goes through here; the shared frame loop's own error frames
    // use sendText.
    const send = (frame: OpsServerFrame): void => sendText(encodeOpsFrame(frame));
    const timer = setTimeout(() => socket.close(4401, 'send hello with an operator token first'), helloTimeoutMs);
    let expiry: NodeJS.Timeout | null = null;

    async function onHello(frame: Static<typeof Hello>): Promise<void> {
      const origin = gate.origin({ peer: request.socket.remoteAddress, forwardedFor: request.headers['x-forwarded-for'], simulatedAddress: frame.simulatedAddress });
      const { operator, session } = await gate.operators.authenticate(frame.token);
      checkLocation(gate, operator, origin);
      clearTimeout(timer);
      const connection: LiveOperatorConnection = {
        id: randomUUID(),
        operatorId: operator.id,
        sessionId: session.id,
        country: origin.country,
        officeCountry: operator.officeCountry,
        employerCountry: operator.employer.country,
        deliver: (event) => send(operatorEventFrame(event)),
        close: (code, reason) => socket.close(code, reason),
      };
      signedIn = { operator, token: frame.token, origin, connection };
      // Operator sessions are short; the socket ends with its session.
      expiry = setTimeout(() => socket.close(4401, 'operator session expired; sign in again'), Math.max(0, Date.parse(session.expiresAt) - Date.now()));
      expiry.unref();
      presence.add(connection);
      send({ type: 'ready', operator: presentOperator(operator), session, origin, blocked: gate.cutoff.list() });
    }

    async function onFrame(value: unknown): Promise<void> {
      if (!signedIn) {
        if (!helloCheck.Check(value)) throw new DomainError('UNAUTHENTICATED', `the first frame must be hello with an operator token (${firstProblem(Hello, value)})`);
        await onHello(value);
        return;
      }
      if (!clientFrameCheck.Check(value)) throw new DomainError('VALIDATION_FAILED', `unknown or malformed frame (${firstProblem(ClientFrame, value)}); see docs/api.md`);
      if (value.type === 'ping') {
        send({ type: 'pong' });
        return;
      }
      // A session revoked or expired since hello ends the socket rather than serve it.
      await gate.operators.authenticate(signedIn.token);
      const { type: _type, requestId, ...access } = value;
      try {
        const result = deliver(await broker.access({ ...access, action: 'read', operatorId: signedIn.operator.id, origin: signedIn.origin }));
        send({ type: 'access-result', requestId, result });
      } catch (err) {
        if (isDomainError(err)) {
          send({ type: 'error', code: err.code, message: err.message, requestId, ...(err.details ? { details: err.details } : {}) });
          return;
        }
        throw err;
      }
    }

    // Before sign-in, or once the session has ended, a refusal also ends the socket.
    const closesSocket = (err: DomainError): boolean => !signedIn || err.code === 'UNAUTHENTICATED' || err.code === 'SESSION_REVOKED';
    handleFrames({ socket, onFrame, send: sendText, closesSocket, log: request.log, failureMessage: 'operator websocket frame failed' });
    socket.on('close', () => {
      clearTimeout(timer);
      if (expiry) clearTimeout(expiry);
      if (signedIn) presence.remove(signedIn.connection);
    });
  });
};

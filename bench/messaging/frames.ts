// Two costs of the WebSocket edge, each measured alone in CPU µs (process.cpuUsage, so little
// moved by other work on the machine): checking a `send` frame against its schema (TypeBox
// `Value.Check` per frame, or a `TypeCompiler` check compiled once), and writing a burst of frames
// to one loopback socket (one write per frame, or corked: one write for the burst).
//
//   npx tsx bench/messaging/frames.ts [--frames 200000] [--burst 8] [--bursts 20000]
import { once } from 'node:events';
import type { Duplex } from 'node:stream';
import { parseArgs } from 'node:util';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import { WebSocket, WebSocketServer } from 'ws';
import { ClientFrame } from '../../src/http/routes/realtime.routes.js';

const { values } = parseArgs({ options: { frames: { type: 'string', default: '200000' }, burst: { type: 'string', default: '8' }, bursts: { type: 'string', default: '20000' } } });

function cpuMicros<T>(work: () => T): number {
  const from = process.cpuUsage();
  work();
  const used = process.cpuUsage(from);
  return used.user + used.system;
}

const compiled = TypeCompiler.Compile(ClientFrame);
const frame = { type: 'send', clientId: 'c-123456', conversationId: 'AbCdEfGhIjKlMnOpQrSt', text: 'hello, this is a message of ordinary length' };
const n = Number(values.frames);
let ok = 0;
const valueCheck = cpuMicros(() => {
  for (let i = 0; i < n; i += 1) if (Value.Check(ClientFrame, frame)) ok += 1;
});
const compiledCheck = cpuMicros(() => {
  for (let i = 0; i < n; i += 1) if (compiled.Check(frame)) ok += 1;
});
if (ok !== 2 * n) throw new Error('a frame failed its check');

// Bursts of frames to one socket; the peer counts them, so both runs deliver everything.
const burst = Number(values.burst);
const bursts = Number(values.bursts);
const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
await once(server, 'listening');
const address = server.address();
const client = new WebSocket(`ws://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
const [peer] = (await once(server, 'connection')) as [WebSocket];
await once(client, 'open');
let received = 0;
client.on('message', () => (received += 1));
const payload = JSON.stringify({ type: 'message', message: { id: 'AbCdEfGhIjKlMnOpQrSt', seq: 1, text: 'hello, this is a message of ordinary length' } });
const tcp = (peer as unknown as { _socket: Duplex })._socket;

async function writeBursts(cork: boolean): Promise<number> {
  const target = received + burst * bursts;
  const from = process.cpuUsage();
  for (let b = 0; b < bursts; b += 1) {
    if (cork) tcp.cork();
    for (let i = 0; i < burst; i += 1) peer.send(payload);
    if (cork) tcp.uncork();
    if (b % 100 === 99) await new Promise((resolve) => setImmediate(resolve));
  }
  while (received < target) await new Promise((resolve) => setImmediate(resolve));
  const used = process.cpuUsage(from);
  // The peer's parsing is in the same process: both runs pay it alike.
  return (used.user + used.system) / (burst * bursts);
}
const plain = await writeBursts(false);
const corked = await writeBursts(true);
client.close();
server.close();
process.stdout.write(
  `${JSON.stringify({
    schemaCheckUsPerFrame: { valueCheck: Number((valueCheck / n).toFixed(3)), typeCompiler: Number((compiledCheck / n).toFixed(3)) },
    writeUsPerFrame: { burst, oneWriteEach: Number(plain.toFixed(2)), corked: Number(corked.toFixed(2)) },
  })}\n`,
);

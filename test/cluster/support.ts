// Helpers for the multi-node tests: an operator WebSocket on any node's address.
import WebSocket from 'ws';

export interface OperatorSocket {
  socket: WebSocket;
  closed: Promise<{ code: number; at: number }>;
}

export async function operatorSocketAt(wsUrl: string, token: string, headers: Record<string, string>): Promise<OperatorSocket> {
  const socket = new WebSocket(wsUrl.replace('/v1/ws', '/v1/ops/ws'), { headers });
  const closed = new Promise<{ code: number; at: number }>((resolve) => socket.once('close', (code) => resolve({ code, at: Date.now() })));
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const ready = new Promise<void>((resolve, reject) => {
    socket.on('message', (data) => {
      const frame = JSON.parse(String(data)) as { type: string };
      if (frame.type === 'ready') resolve();
      if (frame.type === 'error') reject(new Error(JSON.stringify(frame)));
    });
  });
  socket.send(JSON.stringify({ type: 'hello', token }));
  await ready;
  return { socket, closed };
}

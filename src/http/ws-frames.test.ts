import { EventEmitter } from 'node:events';
import type { FastifyBaseLogger } from 'fastify';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { DomainError, errorCatalogue } from '../errors/catalogue.js';
import { closeReason, handleFrames } from './ws-frames.js';

describe('closeReason', () => {
  it('fits any message into the 123 bytes of a close frame, never splitting a character', () => {
    const ascii = 'a'.repeat(200);
    expect(closeReason(ascii)).toBe('a'.repeat(123));
    // 120 characters of three bytes each: a cut by characters (the old way) was 360 bytes, which ws refuses.
    const kana = 'あ'.repeat(120);
    expect(Buffer.byteLength(closeReason(kana))).toBe(123);
    expect(closeReason(kana)).toBe('あ'.repeat(41));
    const emoji = `x${'😀'.repeat(40)}`;
    const cut = closeReason(emoji);
    expect(Buffer.byteLength(cut)).toBeLessThanOrEqual(123);
    expect(cut).toBe(`x${'😀'.repeat(30)}`);
    expect(closeReason('short')).toBe('short');
  });
});

describe('handleFrames', () => {
  /** A socket as handleFrames uses it: message events in, closes recorded. */
  function fakeSocket(): { socket: WebSocket; emit: (text: string) => void; closed: number[] } {
    const events = new EventEmitter();
    const closed: number[] = [];
    const socket = Object.assign(events, { close: (code: number) => closed.push(code) }) as unknown as WebSocket;
    return { socket, emit: (text) => events.emit('message', Buffer.from(text), false), closed };
  }
  const log = { error: () => undefined } as unknown as FastifyBaseLogger;

  it('handles a frame at once when none waits, and one that comes while a frame waits only after it, in order', async () => {
    const { socket, emit } = fakeSocket();
    const handled: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    handleFrames({
      socket,
      onFrame: (value) => {
        const { n, wait } = value as { n: string; wait?: boolean };
        if (!wait) {
          handled.push(n);
          return undefined;
        }
        return gate.then(() => {
          handled.push(n);
        });
      },
      send: () => undefined,
      closesSocket: () => false,
      log,
      failureMessage: 'failed',
    });
    emit('{"n":"1"}');
    expect(handled).toEqual(['1']);
    emit('{"n":"2","wait":true}');
    emit('{"n":"3"}');
    emit('{"n":"4"}');
    await new Promise((resolve) => setImmediate(resolve));
    expect(handled).toEqual(['1']);
    release();
    await new Promise((resolve) => setImmediate(resolve));
    expect(handled).toEqual(['1', '2', '3', '4']);
    // The chain is done: the next frame is handled at once again.
    emit('{"n":"5"}');
    expect(handled).toEqual(['1', '2', '3', '4', '5']);
  });

  it('answers a refusal, thrown at once or after a wait, with an error frame naming the clientId, and goes on with the next frame', async () => {
    const { socket, emit, closed } = fakeSocket();
    const sent: unknown[] = [];
    handleFrames({
      socket,
      onFrame: (value) => {
        const { kind } = value as { kind: string };
        if (kind === 'now') throw new DomainError('RATE_LIMITED', 'slow down');
        if (kind === 'later') return Promise.reject(new DomainError('NOT_A_MEMBER', 'not yours'));
        if (kind === 'bug') throw new Error('boom');
        sent.push({ ok: kind });
        return undefined;
      },
      send: (frame) => sent.push(JSON.parse(frame)),
      closesSocket: (err) => err.code === 'NOT_A_MEMBER',
      log,
      failureMessage: 'failed',
    });
    emit('{"kind":"now","clientId":"a1"}');
    emit('{"kind":"later","clientId":"a2"}');
    emit('{"kind":"bug","clientId":"a3"}');
    emit('not json');
    emit('{"kind":"fine"}');
    await new Promise((resolve) => setImmediate(resolve));
    expect(sent).toEqual([
      { type: 'error', code: 'RATE_LIMITED', message: 'slow down', clientId: 'a1' },
      { type: 'error', code: 'NOT_A_MEMBER', message: 'not yours', clientId: 'a2' },
      { type: 'error', code: 'INTERNAL', message: 'something went wrong on our side; try again', clientId: 'a3' },
      { type: 'error', code: 'MALFORMED_JSON', message: 'each frame must be one JSON object' },
      { ok: 'fine' },
    ]);
    expect(closed).toEqual([errorCatalogue.NOT_A_MEMBER.wsClose]);
  });
});

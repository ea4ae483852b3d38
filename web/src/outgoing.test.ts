import { describe, expect, it } from 'vitest';
import { ApiError } from './http.js';
import {
  consentRequiredOf,
  failureOf,
  imageProblem,
  isTransportFailure,
  outgoingReducer,
  pendingMessage,
  promptWith,
  type PendingByConversation,
} from './outgoing.js';
import { RealtimeError } from './realtime.js';
import { aMessage } from '../../test/support/web.factories.js';

const consentError = (noticeId: string) =>
  new ApiError(403, 'TRANSFER_CONSENT_REQUIRED', 'Consent needed.', { noticeId, noticeVersion: 2, destination: 'JP', recipient: 'nihon-talk' });

describe('outgoingReducer', () => {
  it('takes a send from sending to failed and back on retry, and drops it when acknowledged or discarded', () => {
    let pending: PendingByConversation = {};
    pending = outgoingReducer(pending, { type: 'pendingAdd', conversationId: 'c1', pending: pendingMessage({ clientId: 'a', kind: 'text', text: 'one', previewUrl: null }) });
    pending = outgoingReducer(pending, { type: 'pendingAdd', conversationId: 'c1', pending: pendingMessage({ clientId: 'b', kind: 'text', text: 'two', previewUrl: null }) });
    pending = outgoingReducer(pending, { type: 'pendingFailed', conversationId: 'c1', clientId: 'a', error: 'Refused.' });
    expect(pending['c1']?.map((p) => [p.clientId, p.status, p.error])).toEqual([
      ['a', 'failed', 'Refused.'],
      ['b', 'sending', null],
    ]);
    pending = outgoingReducer(pending, { type: 'pendingRetry', conversationId: 'c1', clientId: 'a' });
    expect(pending['c1']?.[0]).toMatchObject({ status: 'sending', error: null });
    pending = outgoingReducer(pending, { type: 'pendingDone', conversationId: 'c1', clientId: 'b', message: aMessage() });
    pending = outgoingReducer(pending, { type: 'pendingDiscard', conversationId: 'c1', clientId: 'a' });
    expect(pending['c1']).toEqual([]);
  });
});

describe('sending rules', () => {
  it('refuses images of another type or over 10 MB before uploading', () => {
    expect(imageProblem({ type: 'image/png', size: 1000 })).toBeNull();
    expect(imageProblem({ type: 'application/pdf', size: 1000 })).toBe('Choose a PNG, JPEG, GIF or WebP image.');
    expect(imageProblem({ type: 'image/jpeg', size: 10 * 1024 * 1024 + 1 })).toBe('Images can be at most 10 MB.');
  });

  it('retries over HTTP only when the socket itself failed', () => {
    expect(isTransportFailure(new RealtimeError('ACK_TIMEOUT', 'late'))).toBe(true);
    expect(isTransportFailure(new RealtimeError('NOT_CONNECTED', 'no socket'))).toBe(true);
    expect(isTransportFailure(new RealtimeError('TRANSFER_CONSENT_REQUIRED', 'consent'))).toBe(false);
    expect(isTransportFailure(new ApiError(0, 'NETWORK', 'offline'))).toBe(false);
  });

  it('reads the notice a consent refusal asks for, from HTTP and from the socket', () => {
    expect(consentRequiredOf(consentError('kr-messages-jp'))).toEqual({ noticeId: 'kr-messages-jp', noticeVersion: 2, destination: 'JP', recipient: 'nihon-talk' });
    expect(consentRequiredOf(new RealtimeError('TRANSFER_CONSENT_REQUIRED', 'x', { noticeId: 'n1' }))).toEqual({ noticeId: 'n1', noticeVersion: 0 });
    expect(consentRequiredOf(new ApiError(400, 'VALIDATION', 'bad'))).toBeNull();
    expect(consentRequiredOf(new ApiError(403, 'TRANSFER_CONSENT_REQUIRED', 'no details'))).toBeNull();
  });

  it('says why a send failed: the consent it waits for, or the server’s message', () => {
    const err = consentError('kr-messages-jp');
    expect(failureOf(err, consentRequiredOf(err))).toBe('Not sent: storing it in Japan needs your consent. Retry to read the notice.');
    expect(failureOf(new ApiError(404, 'NOT_FOUND', 'No such conversation.'), null)).toBe('No such conversation.');
  });

  it('gathers the sends waiting on one notice, once each', () => {
    const first = consentRequiredOf(consentError('n1'))!;
    const other = consentRequiredOf(consentError('n2'))!;
    let prompt = promptWith(null, first, 'a');
    prompt = promptWith(prompt, first, 'b');
    prompt = promptWith(prompt, first, 'a');
    prompt = promptWith(prompt, other, 'c');
    expect(prompt).toEqual({ request: first, clientIds: ['a', 'b'] });
  });
});

// The outgoing message queue's pure core: sends shown before the server has them (sending, failed),
// what a send may carry (image type and size), how a failed attempt is classified (the socket's own
// failure is retried over HTTP; a consent the person has not given waits for the notice; anything
// else is the server's answer, shown on the message), and which sends wait on one notice.
import { countryName, formatBytes } from './format.js';
import { ApiError, errorMessage } from './http.js';
import { RealtimeError } from './realtime.js';
import type { ConsentRequired, Message } from './types.js';

export interface PendingMessage {
  clientId: string;
  kind: 'text' | 'image';
  text: string;
  previewUrl: string | null;
  status: 'sending' | 'failed';
  error: string | null;
  createdAt: string;
}

/** Sends not yet acknowledged, per conversation, in the order they were made. */
export type PendingByConversation = Record<string, PendingMessage[]>;

export type OutgoingAction =
  | { type: 'pendingAdd'; conversationId: string; pending: PendingMessage }
  /** Acknowledged: the durable message replaces the pending one. */
  | { type: 'pendingDone'; conversationId: string; clientId: string; message: Message }
  | { type: 'pendingFailed'; conversationId: string; clientId: string; error: string }
  | { type: 'pendingRetry'; conversationId: string; clientId: string }
  | { type: 'pendingDiscard'; conversationId: string; clientId: string };

function update(
  pending: PendingByConversation,
  conversationId: string,
  fn: (list: PendingMessage[]) => PendingMessage[],
): PendingByConversation {
  return { ...pending, [conversationId]: fn(pending[conversationId] ?? []) };
}

export function outgoingReducer(pending: PendingByConversation, action: OutgoingAction): PendingByConversation {
  switch (action.type) {
    case 'pendingAdd':
      return update(pending, action.conversationId, (l) => [...l, action.pending]);
    case 'pendingDone':
    case 'pendingDiscard':
      return update(pending, action.conversationId, (l) => l.filter((p) => p.clientId !== action.clientId));
    case 'pendingFailed':
      return update(pending, action.conversationId, (l) =>
        l.map((p) => (p.clientId === action.clientId ? { ...p, status: 'failed', error: action.error } : p)),
      );
    case 'pendingRetry':
      return update(pending, action.conversationId, (l) =>
        l.map((p) => (p.clientId === action.clientId ? { ...p, status: 'sending', error: null } : p)),
      );
  }
}

export function pendingMessage(props: {
  clientId: string;
  kind: 'text' | 'image';
  text: string;
  previewUrl: string | null;
  now?: Date;
}): PendingMessage {
  return {
    clientId: props.clientId,
    kind: props.kind,
    text: props.text,
    previewUrl: props.previewUrl,
    status: 'sending',
    error: null,
    createdAt: (props.now ?? new Date()).toISOString(),
  };
}

export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

/** Why an image cannot be sent, before anything is uploaded; null when it can. */
export function imageProblem(file: { type: string; size: number }): string | null {
  if (!/^image\/(png|jpeg|gif|webp)$/.test(file.type)) return 'Choose a PNG, JPEG, GIF or WebP image.';
  if (file.size > MAX_IMAGE_BYTES) return `Images can be at most ${formatBytes(MAX_IMAGE_BYTES)}.`;
  return null;
}

/** Failures of the socket itself: the same send is retried over HTTP. Anything else is the server's answer. */
const TRANSPORT_CODES = new Set(['NOT_CONNECTED', 'ACK_TIMEOUT', 'DISCONNECTED', 'STOPPED']);

export function isTransportFailure(err: unknown): boolean {
  return err instanceof RealtimeError && TRANSPORT_CODES.has(err.code);
}

/** The notice a refused send asks for, when the refusal is TRANSFER_CONSENT_REQUIRED; else null. */
export function consentRequiredOf(err: unknown): ConsentRequired | null {
  if (!(err instanceof ApiError) && !(err instanceof RealtimeError)) return null;
  if (err.code !== 'TRANSFER_CONSENT_REQUIRED') return null;
  const d = err.details;
  if (!d || typeof d['noticeId'] !== 'string') return null;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const out: ConsentRequired = {
    noticeId: d['noticeId'],
    noticeVersion: typeof d['noticeVersion'] === 'number' ? d['noticeVersion'] : 0,
  };
  const destination = str(d['destination']);
  const recipient = str(d['recipient']);
  const category = str(d['category']);
  const purpose = str(d['purpose']);
  if (destination) out.destination = destination;
  if (recipient) out.recipient = recipient;
  if (category) out.category = category;
  if (purpose) out.purpose = purpose;
  return out;
}

/** What the failed send shows: the consent it waits for, or the server's message. */
export function failureOf(err: unknown, consent: ConsentRequired | null): string {
  if (!consent) return errorMessage(err);
  const where = countryName(consent.destination ?? '') || 'another country';
  return `Not sent: storing it in ${where} needs your consent. Retry to read the notice.`;
}

/** A notice to show before sends that need consent, and the sends (by clientId) waiting on it. */
export interface ConsentPrompt {
  request: ConsentRequired;
  clientIds: string[];
}

/**
 * Adds a send to the prompt of its notice. One notice is shown at a time: a send that needs another
 * notice stays failed, and its retry asks again once the first is dealt with.
 */
export function promptWith(prev: ConsentPrompt | null, request: ConsentRequired, clientId: string): ConsentPrompt {
  if (!prev) return { request, clientIds: [clientId] };
  if (prev.request.noticeId !== request.noticeId || prev.clientIds.includes(clientId)) return prev;
  return { ...prev, clientIds: [...prev.clientIds, clientId] };
}

// The outgoing message queue as a React hook: a send shows at once as pending, goes over the socket
// when it is live and falls back to HTTP with the same clientId (the server treats it idempotently),
// and ends acknowledged (replaced by the durable message) or failed (with the server's message, to
// retry or discard). A send refused for want of consent waits on the notice, and is resent once the
// person agrees. Files and preview URLs are kept here, outside React state, as they are not plain data.
import { useCallback, useRef, useState } from 'react';
import { api, newClientId } from './api.js';
import { consentRequiredOf, failureOf, imageProblem, isTransportFailure, pendingMessage, promptWith, type ConsentPrompt } from './outgoing.js';
import type { ChatSync } from './useChatSync.js';
import type { Message } from './types.js';

/** What a pending send still needs to be delivered. */
type Outgoing =
  | { conversationId: string; kind: 'text'; text: string }
  | { conversationId: string; kind: 'image'; file: File; mediaId: string | null; previewUrl: string };

function release(item: Outgoing | undefined): void {
  // The local preview is only needed until the server's copy is shown (or the send is discarded).
  if (item?.kind === 'image') URL.revokeObjectURL(item.previewUrl);
}

export interface OutgoingQueue {
  sendText: (conversationId: string, text: string) => void;
  /** Returns why the image cannot be sent, or null once it is queued. */
  sendImage: (conversationId: string, file: File) => string | null;
  retry: (conversationId: string, clientId: string) => void;
  discard: (conversationId: string, clientId: string) => void;
  /** The notice to show, with the sends waiting on it. */
  consentPrompt: ConsentPrompt | null;
  /** The person agreed: resend everything that waited on the notice. */
  consentGiven: () => void;
  dismissConsent: () => void;
}

export function useOutgoingQueue({ rt, stateRef, dispatch }: Pick<ChatSync, 'rt' | 'stateRef' | 'dispatch'>): OutgoingQueue {
  const outgoing = useRef(new Map<string, Outgoing>());
  const [consentPrompt, setConsentPrompt] = useState<ConsentPrompt | null>(null);

  const deliver = useCallback(
    async (clientId: string) => {
      const item = outgoing.current.get(clientId);
      if (!item) return;
      const { conversationId } = item;
      try {
        let content: { text: string } | { mediaId: string };
        if (item.kind === 'image') {
          if (!item.mediaId) item.mediaId = (await api.uploadMedia(conversationId, item.file)).id;
          content = { mediaId: item.mediaId };
        } else {
          content = { text: item.text };
        }
        const conv = stateRef.current.conversations[conversationId];
        let message: Message;
        if (conv?.kind === 'channel' && 'text' in content) {
          message = await api.broadcast(stateRef.current.me.id, clientId, content.text);
        } else {
          try {
            message = await rt.send(conversationId, clientId, content);
          } catch (err) {
            if (!isTransportFailure(err)) throw err;
            message =
              'text' in content
                ? await api.sendText(conversationId, clientId, content.text)
                : await api.sendMedia(conversationId, clientId, content.mediaId);
          }
        }
        rt.markSeen(message);
        outgoing.current.delete(clientId);
        dispatch({ type: 'pendingDone', conversationId, clientId, message });
        release(item);
      } catch (err) {
        // Nothing was written abroad when consent is missing; the message waits (as not sent) until
        // the person has read the notice.
        const needed = consentRequiredOf(err);
        dispatch({ type: 'pendingFailed', conversationId, clientId, error: failureOf(err, needed) });
        if (needed) setConsentPrompt((prev) => promptWith(prev, needed, clientId));
      }
    },
    [rt, stateRef, dispatch],
  );

  const sendText = useCallback(
    (conversationId: string, text: string) => {
      const clientId = newClientId();
      outgoing.current.set(clientId, { conversationId, kind: 'text', text });
      dispatch({ type: 'pendingAdd', conversationId, pending: pendingMessage({ clientId, kind: 'text', text, previewUrl: null }) });
      void deliver(clientId);
    },
    [deliver, dispatch],
  );

  const sendImage = useCallback(
    (conversationId: string, file: File): string | null => {
      const problem = imageProblem(file);
      if (problem) return problem;
      const clientId = newClientId();
      const previewUrl = URL.createObjectURL(file);
      outgoing.current.set(clientId, { conversationId, kind: 'image', file, mediaId: null, previewUrl });
      dispatch({ type: 'pendingAdd', conversationId, pending: pendingMessage({ clientId, kind: 'image', text: file.name, previewUrl }) });
      void deliver(clientId);
      return null;
    },
    [deliver, dispatch],
  );

  const retry = useCallback(
    (conversationId: string, clientId: string) => {
      dispatch({ type: 'pendingRetry', conversationId, clientId });
      void deliver(clientId);
    },
    [deliver, dispatch],
  );

  const consentGiven = useCallback(() => {
    const prompt = consentPrompt;
    setConsentPrompt(null);
    if (!prompt) return;
    // Resend with the same clientIds: the server treats them idempotently.
    for (const clientId of prompt.clientIds) {
      const item = outgoing.current.get(clientId);
      if (item) retry(item.conversationId, clientId);
    }
  }, [consentPrompt, retry]);

  const discard = useCallback(
    (conversationId: string, clientId: string) => {
      release(outgoing.current.get(clientId));
      outgoing.current.delete(clientId);
      dispatch({ type: 'pendingDiscard', conversationId, clientId });
    },
    [dispatch],
  );

  const dismissConsent = useCallback(() => setConsentPrompt(null), []);

  return { sendText, sendImage, retry, discard, consentPrompt, consentGiven, dismissConsent };
}

// A message frame is the same text as stringifying the frame object, and its JSON is made once
// per message however many sockets it goes to.
import { describe, expect, it } from 'vitest';
import { messageFrame, messageJson } from './realtime.hub.js';
import type { MessageView } from './presenters.js';

const message: MessageView = {
  id: 'AbCdEfGhIjKlMnOpQrSt',
  conversationId: 'conv1234',
  seq: 7,
  senderId: 'hanako',
  kind: 'text',
  text: 'quote " and line\nbreak',
  media: null,
  card: null,
  createdAt: '2026-12-01T21:00:00.000Z',
};

describe('message frames', () => {
  it('are the text JSON.stringify gives', () => {
    expect(messageFrame(message)).toBe(JSON.stringify({ type: 'message', message }));
    expect(JSON.parse(messageFrame(message))).toEqual({ type: 'message', message });
  });

  it('serialise a message once (views are never changed after they are presented)', () => {
    const view = { ...message };
    const first = messageJson(view);
    view.text = 'changed afterwards';
    expect(messageJson(view)).toBe(first);
    expect(messageJson({ ...view })).toContain('changed afterwards');
  });

  it('keep the JSON where nothing else sees it: the view stringifies, spreads and compares as before', () => {
    const view = { ...message };
    const json = messageJson(view);
    expect(Object.keys(view)).toEqual(Object.keys(message));
    expect(JSON.stringify(view)).toBe(json);
    expect(JSON.stringify({ ...view, text: 'x' })).toBe(JSON.stringify({ ...message, text: 'x' }));
    expect(view).toStrictEqual(message);
    // A frozen view is served too (serialised each time).
    expect(messageJson(Object.freeze({ ...message }))).toBe(json);
  });
});

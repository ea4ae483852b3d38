// "New chat": a direct chat with one person, or a titled group, chosen by contact handle.
import { useId, useState } from 'react';
import { api, normaliseHandle } from './api.js';
import { FormError, useFormSubmit } from './forms.js';
import type { Conversation, User } from './types.js';

interface NewChatPaneProps {
  contacts: User[];
  onCreated: (c: Conversation) => void;
  onClose: () => void;
}

function splitHandles(value: string): string[] {
  return [...new Set(value.split(/[\s,]+/).map(normaliseHandle).filter(Boolean))];
}

export function NewChatPane({ contacts, onCreated, onClose }: NewChatPaneProps) {
  const [kind, setKind] = useState<'direct' | 'group'>('direct');
  const [handle, setHandle] = useState('');
  const [title, setTitle] = useState('');
  const [handles, setHandles] = useState('');
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const id = useId();
  const { busy, error, onSubmit } = useFormSubmit(async () => {
    let conversation: Conversation;
    if (kind === 'direct') {
      const user = await api.userByHandle(handle);
      conversation = await api.createConversation({ kind: 'direct', memberIds: [user.id] });
    } else {
      const typed = await Promise.all(splitHandles(handles).map((h) => api.userByHandle(h)));
      const memberIds = [...new Set([...picked, ...typed.map((u) => u.id)])];
      if (memberIds.length === 0) throw new Error('Add at least one member by handle or from your contacts.');
      conversation = await api.createConversation({ kind: 'group', memberIds, title: title.trim() });
    }
    onCreated(conversation);
  });

  return (
    <section className="panel" aria-labelledby={`${id}-h`} data-testid="new-chat-pane">
      <header className="panel-header">
        <h2 id={`${id}-h`}>New chat</h2>
        <button type="button" className="button button-quiet" onClick={onClose}>
          Cancel
        </button>
      </header>
      <form className="form panel-form" onSubmit={onSubmit}>
        <fieldset className="field">
          <legend>Kind of chat</legend>
          <div className="segmented">
            <input type="radio" id={`${id}-direct`} name="kind" checked={kind === 'direct'} onChange={() => setKind('direct')} />
            <label htmlFor={`${id}-direct`}>Direct</label>
            <input
              type="radio"
              id={`${id}-group`}
              name="kind"
              checked={kind === 'group'}
              onChange={() => setKind('group')}
              data-testid="new-chat-kind-group"
            />
            <label htmlFor={`${id}-group`}>Group</label>
          </div>
        </fieldset>
        {kind === 'direct' ? (
          <div className="field">
            <label htmlFor={`${id}-handle`}>Contact handle</label>
            <div className="input-prefix">
              <span aria-hidden="true">@</span>
              <input
                id={`${id}-handle`}
                list={`${id}-contacts`}
                autoCapitalize="none"
                spellCheck={false}
                required
                autoFocus
                value={handle}
                onChange={(e) => setHandle(e.target.value)}
                data-testid="new-chat-handle"
              />
            </div>
            <datalist id={`${id}-contacts`}>
              {contacts.map((c) => (
                <option key={c.id} value={c.handle}>
                  {c.displayName}
                </option>
              ))}
            </datalist>
          </div>
        ) : (
          <>
            <div className="field">
              <label htmlFor={`${id}-title`}>Group title</label>
              <input
                id={`${id}-title`}
                required
                maxLength={100}
                value={title}
                onChange={(e) => setTitle(e.target.value)}
                data-testid="new-chat-title"
              />
            </div>
            <div className="field">
              <label htmlFor={`${id}-handles`}>Members’ handles</label>
              <input
                id={`${id}-handles`}
                autoCapitalize="none"
                spellCheck={false}
                placeholder="e.g. aiko, minjun"
                value={handles}
                onChange={(e) => setHandles(e.target.value)}
                aria-describedby={`${id}-handles-hint`}
                data-testid="new-chat-handles"
              />
              <p className="hint" id={`${id}-handles-hint`}>
                Separate handles with commas or spaces.
              </p>
            </div>
            {contacts.length > 0 && (
              <fieldset className="field">
                <legend>Or pick from contacts</legend>
                <ul className="check-list">
                  {contacts.map((c) => (
                    <li key={c.id}>
                      <input
                        type="checkbox"
                        id={`${id}-pick-${c.id}`}
                        checked={picked.has(c.id)}
                        onChange={(e) => {
                          const next = new Set(picked);
                          if (e.target.checked) next.add(c.id);
                          else next.delete(c.id);
                          setPicked(next);
                        }}
                      />
                      <label htmlFor={`${id}-pick-${c.id}`}>
                        {c.displayName} <span className="muted">@{c.handle}</span>
                      </label>
                    </li>
                  ))}
                </ul>
              </fieldset>
            )}
          </>
        )}
        <FormError error={error} />
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={busy} data-testid="new-chat-submit">
            {busy ? 'Starting…' : kind === 'direct' ? 'Start chat' : 'Create group'}
          </button>
        </div>
      </form>
    </section>
  );
}

// Contacts in the sidebar: add by handle, start a direct chat with one, or remove one.
import { useId, useState, type FormEvent } from 'react';
import { api } from './api.js';
import { errorMessage } from './http.js';
import { Avatar } from './Avatar.js';
import { countryName } from './format.js';
import type { Conversation, User } from './types.js';
import { FormError } from './forms.js';

interface ContactsPanelProps {
  contacts: User[];
  onContactsChange: (contacts: User[]) => void;
  onOpenConversation: (c: Conversation) => void;
}

export function ContactsPanel({ contacts, onContactsChange, onOpenConversation }: ContactsPanelProps) {
  const [handle, setHandle] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();

  async function add(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const user = await api.addContact(handle);
      onContactsChange([...contacts.filter((c) => c.id !== user.id), user]);
      setHandle('');
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusy(false);
    }
  }

  async function message(user: User) {
    setError(null);
    try {
      onOpenConversation(await api.createConversation({ kind: 'direct', memberIds: [user.id] }));
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  async function remove(user: User) {
    setError(null);
    try {
      await api.removeContact(user.id);
      onContactsChange(contacts.filter((c) => c.id !== user.id));
    } catch (err) {
      setError(errorMessage(err));
    }
  }

  const sorted = [...contacts].sort((a, b) => a.displayName.localeCompare(b.displayName));
  return (
    <div className="contacts" data-testid="contacts-panel">
      <form className="inline-form" onSubmit={(e) => void add(e)}>
        <label htmlFor={`${id}-handle`}>Add a contact by handle</label>
        <div className="inline-form-row">
          <div className="input-prefix">
            <span aria-hidden="true">@</span>
            <input
              id={`${id}-handle`}
              autoCapitalize="none"
              spellCheck={false}
              required
              value={handle}
              onChange={(e) => setHandle(e.target.value)}
              data-testid="add-contact-handle"
            />
          </div>
          <button type="submit" className="button" disabled={busy} data-testid="add-contact-submit">
            Add
          </button>
        </div>
      </form>
      <FormError error={error} testId="form-error" className="sidebar-error" />
      {sorted.length === 0 ? (
        <p className="list-empty muted">No contacts yet.</p>
      ) : (
        <ul className="contact-list" data-testid="contact-list">
          {sorted.map((c) => (
            <li key={c.id} className="contact-item" data-testid="contact-item">
              <Avatar user={c} size="sm" />
              <span className="contact-text">
                <span className="contact-name">{c.displayName}</span>
                <span className="contact-handle muted small" title={`@${c.handle} · ${countryName(c.home)}`}>
                  @{c.handle} · {countryName(c.home)}
                </span>
              </span>
              <span className="contact-actions">
                <button
                  type="button"
                  className="button button-small"
                  onClick={() => void message(c)}
                  aria-label={`Message ${c.displayName}`}
                  data-testid="contact-message"
                >
                  Message
                </button>
                <button
                  type="button"
                  className="icon-button"
                  onClick={() => void remove(c)}
                  aria-label={`Remove ${c.displayName} from contacts`}
                  title="Remove from contacts"
                >
                  <svg viewBox="0 0 16 16" aria-hidden="true" focusable="false">
                    <path d="m4 4 8 8M12 4l-8 8" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" />
                  </svg>
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

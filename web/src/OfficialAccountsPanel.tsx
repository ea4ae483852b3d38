// Official accounts (municipalities, ministries, companies): follow or unfollow, and open a followed
// account's channel to read its announcements in the chat pane.
import { useCallback, useEffect, useState } from 'react';
import { api } from './api.js';
import { errorMessage } from './http.js';
import { Avatar } from './Avatar.js';
import { countryName } from './format.js';
import type { OfficialAccount } from './types.js';
import { FormError } from './forms.js';

interface OfficialAccountsPanelProps {
  onOpenChannel: (channelId: string) => void;
  onUnfollowed: (channelId: string) => void;
}

export function OfficialAccountsPanel({ onOpenChannel, onUnfollowed }: OfficialAccountsPanelProps) {
  const [accounts, setAccounts] = useState<OfficialAccount[] | null>(null);
  const [busyId, setBusyId] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(() => {
    api.officialAccounts().then(
      ({ accounts: list }) => setAccounts(list),
      (err: unknown) => setError(errorMessage(err)),
    );
  }, []);

  useEffect(load, [load]);

  async function toggle(a: OfficialAccount) {
    setBusyId(a.id);
    setError(null);
    try {
      if (a.following) {
        await api.unfollow(a.id);
        if (a.channelId !== null) onUnfollowed(a.channelId);
      } else {
        await api.follow(a.id);
      }
      // Follower counts are the server's to tell; re-read rather than guess.
      setAccounts((list) =>
        (list ?? []).map((x) =>
          x.id === a.id
            ? { ...x, following: !a.following, followerCount: x.followerCount + (a.following ? -1 : 1) }
            : x,
        ),
      );
      load();
    } catch (err) {
      setError(errorMessage(err));
    } finally {
      setBusyId(null);
    }
  }

  return (
    <div className="official" data-testid="official-panel">
      <p className="sidebar-intro muted small">
        Announcements from municipalities, ministries and companies. Following one adds its channel to your chats.
      </p>
      <FormError error={error} className="sidebar-error" />
      {accounts === null ? (
        <p className="list-empty muted">Loading…</p>
      ) : accounts.length === 0 ? (
        <p className="list-empty muted">No official accounts yet.</p>
      ) : (
        <ul className="contact-list">
          {accounts.map((a) => (
            <li key={a.id} className="contact-item official-item" data-testid="official-account">
              <Avatar user={{ id: a.id, displayName: a.displayName, hasAvatar: false }} size="sm" />
              <span className="contact-text">
                <span className="contact-name">{a.displayName}</span>
                <span className="muted small">
                  <span className="kind-tag">{a.class === 'government' ? 'Government' : 'Business'}</span>@{a.handle} · {countryName(a.home)} · {a.followerCount}{' '}
                  {a.followerCount === 1 ? 'follower' : 'followers'}
                </span>
              </span>
              <span className="contact-actions">
                {a.following && (
                  <button
                    type="button"
                    className="button button-small"
                    onClick={() => a.channelId !== null && onOpenChannel(a.channelId)}
                    data-testid="open-channel"
                  >
                    Open
                  </button>
                )}
                <button
                  type="button"
                  className={a.following ? 'button button-small button-quiet' : 'button button-small button-primary'}
                  onClick={() => void toggle(a)}
                  disabled={busyId === a.id}
                  aria-pressed={a.following}
                  aria-label={`${a.following ? 'Unfollow' : 'Follow'} ${a.displayName}`}
                  data-testid="follow-toggle"
                >
                  {a.following ? 'Unfollow' : 'Follow'}
                </button>
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

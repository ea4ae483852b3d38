// The signed-in person's profile: picture upload, display name, where their data lives, password
// change, active sessions (with sign-out of other devices, or everywhere) and signing out here.
import { useEffect, useId, useState, type FormEvent } from 'react';
import { api } from './api.js';
import { errorMessage } from './http.js';
import { Avatar } from './Avatar.js';
import { countryName, formatBytes, formatFull } from './format.js';
import type { SessionInfo, User } from './types.js';

interface ProfilePaneProps {
  me: User;
  avatarVersion: number;
  onUpdated: (user: User, avatarChanged: boolean) => void;
  onSignOut: () => void;
  onOpenPrivacy: () => void;
  onClose: () => void;
}

const MAX_AVATAR_BYTES = 5 * 1024 * 1024;

export function ProfilePane({ me, avatarVersion, onUpdated, onSignOut, onOpenPrivacy, onClose }: ProfilePaneProps) {
  const [displayName, setDisplayName] = useState(me.displayName);
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const [uploading, setUploading] = useState(false);
  const [saving, setSaving] = useState(false);
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const id = useId();

  useEffect(() => {
    api.sessions().then(
      ({ sessions: list }) => setSessions(list),
      () => setSessions([]),
    );
  }, []);

  async function upload(file: File) {
    if (!/^image\/(png|jpeg|gif|webp)$/.test(file.type)) {
      setStatus({ kind: 'error', text: 'Choose a PNG, JPEG, GIF or WebP image.' });
      return;
    }
    if (file.size > MAX_AVATAR_BYTES) {
      setStatus({ kind: 'error', text: `Profile pictures can be at most ${formatBytes(MAX_AVATAR_BYTES)}.` });
      return;
    }
    setUploading(true);
    setStatus(null);
    try {
      onUpdated(await api.uploadAvatar(file), true);
      setStatus({ kind: 'ok', text: 'Profile picture updated.' });
    } catch (err) {
      setStatus({ kind: 'error', text: errorMessage(err) });
    } finally {
      setUploading(false);
    }
  }

  async function saveName(e: FormEvent) {
    e.preventDefault();
    setSaving(true);
    setStatus(null);
    try {
      onUpdated(await api.updateMe(displayName.trim()), false);
      setStatus({ kind: 'ok', text: 'Display name saved.' });
    } catch (err) {
      setStatus({ kind: 'error', text: errorMessage(err) });
    } finally {
      setSaving(false);
    }
  }

  async function signOutEverywhere() {
    try {
      await api.signoutEverywhere();
    } catch (err) {
      setStatus({ kind: 'error', text: errorMessage(err) });
      return;
    }
    onSignOut();
  }

  async function revoke(s: SessionInfo) {
    try {
      await api.revokeSession(s.id);
      setSessions((list) => (list ?? []).filter((x) => x.id !== s.id));
    } catch (err) {
      setStatus({ kind: 'error', text: errorMessage(err) });
    }
  }

  return (
    <section className="panel" aria-labelledby={`${id}-h`} data-testid="profile-pane">
      <header className="panel-header">
        <h2 id={`${id}-h`}>Profile</h2>
        <button type="button" className="button button-quiet" onClick={onClose}>
          Close
        </button>
      </header>
      <div className="panel-body">
        <div className="profile-top">
          <Avatar user={me} size="lg" version={avatarVersion} />
          <div>
            <p className="profile-name">{me.displayName}</p>
            <p className="muted">@{me.handle}</p>
            <div className="attach profile-upload">
              <input
                id={`${id}-avatar`}
                className="visually-hidden file-input"
                type="file"
                accept="image/png,image/jpeg,image/gif,image/webp"
                disabled={uploading}
                onChange={(e) => {
                  const file = e.target.files?.[0];
                  e.target.value = '';
                  if (file) void upload(file);
                }}
                data-testid="avatar-input"
              />
              <label htmlFor={`${id}-avatar`} className="button button-small">
                {uploading ? 'Uploading…' : me.hasAvatar ? 'Change picture' : 'Upload picture'}
              </label>
            </div>
          </div>
        </div>
        {status && (
          <p className={status.kind === 'ok' ? 'form-ok' : 'form-error'} role={status.kind === 'ok' ? 'status' : 'alert'} data-testid="profile-status">
            {status.text}
          </p>
        )}
        <form className="form" onSubmit={(e) => void saveName(e)}>
          <div className="field">
            <label htmlFor={`${id}-name`}>Display name</label>
            <div className="inline-form-row">
              <input
                id={`${id}-name`}
                required
                maxLength={80}
                value={displayName}
                onChange={(e) => setDisplayName(e.target.value)}
              />
              <button type="submit" className="button" disabled={saving || displayName.trim() === me.displayName}>
                Save
              </button>
            </div>
          </div>
        </form>
        <dl className="facts">
          <div>
            <dt>Home jurisdiction</dt>
            <dd data-testid="profile-home">
              {countryName(me.home)} · {me.home}
            </dd>
          </div>
          <div>
            <dt>Where your data lives</dt>
            <dd>
              Your account is kept in {countryName(me.home)}. Each chat shows the country its messages and images are
              stored in.{' '}
              <button type="button" className="link-button" onClick={onOpenPrivacy} data-testid="profile-open-privacy">
                Open the Privacy centre
              </button>{' '}
              to see where each kind of data is, your consents, transfers abroad and who accessed your data.
            </dd>
          </div>
        </dl>
        <PasswordForm onChanged={() => setSessions((list) => (list ?? []).filter((x) => x.current))} />
        <h3>Signed-in devices</h3>
        {sessions === null ? (
          <p className="muted">Loading…</p>
        ) : sessions.length === 0 ? (
          <p className="muted">No session information available.</p>
        ) : (
          <ul className="session-list">
            {sessions.map((s) => (
              <li key={s.id}>
                <span>
                  {s.current ? 'This device' : 'Another device'}
                  <span className="muted small"> · last active {formatFull(s.lastSeenAt)}</span>
                </span>
                {!s.current && (
                  <button type="button" className="button button-small button-quiet" onClick={() => void revoke(s)}>
                    Sign out
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
        <div className="form-actions">
          <button type="button" className="button" onClick={onSignOut} data-testid="sign-out">
            Sign out
          </button>
          <button type="button" className="button button-quiet" onClick={() => void signOutEverywhere()} data-testid="sign-out-everywhere">
            Sign out everywhere
          </button>
        </div>
      </div>
    </section>
  );
}

/** Changing the password: the current one, then a new one the server judges strong enough. */
function PasswordForm({ onChanged }: { onChanged: () => void }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [busy, setBusy] = useState(false);
  const [status, setStatus] = useState<{ kind: 'ok' | 'error'; text: string } | null>(null);
  const id = useId();

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setStatus(null);
    try {
      const { revokedSessions } = await api.changePassword(current, next);
      setCurrent('');
      setNext('');
      setStatus({ kind: 'ok', text: `Password changed. ${revokedSessions === 1 ? '1 other device was' : `${revokedSessions} other devices were`} signed out.` });
      onChanged();
    } catch (err) {
      setStatus({ kind: 'error', text: errorMessage(err) });
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form" onSubmit={(e) => void submit(e)} aria-labelledby={`${id}-h`} data-testid="password-form">
      <h3 id={`${id}-h`}>Password</h3>
      <div className="field">
        <label htmlFor={`${id}-current`}>Current password</label>
        <input id={`${id}-current`} type="password" autoComplete="current-password" required value={current} onChange={(e) => setCurrent(e.target.value)} data-testid="password-current" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-new`}>New password</label>
        <input
          id={`${id}-new`}
          type="password"
          autoComplete="new-password"
          required
          minLength={8}
          maxLength={200}
          aria-describedby={`${id}-hint`}
          value={next}
          onChange={(e) => setNext(e.target.value)}
          data-testid="password-new"
        />
        <p id={`${id}-hint`} className="muted small">
          A few unrelated words work well. Not your handle, name or e-mail. Your other devices will be signed out.
        </p>
      </div>
      {status && (
        <p className={status.kind === 'ok' ? 'form-ok' : 'form-error'} role={status.kind === 'ok' ? 'status' : 'alert'} data-testid="password-status">
          {status.text}
        </p>
      )}
      <div className="form-actions">
        <button type="submit" className="button" disabled={busy || !current || next.length < 8} data-testid="password-submit">
          Change password
        </button>
      </div>
    </form>
  );
}

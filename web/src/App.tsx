// Top-level session switch: restores a saved session, shows sign-in/sign-up, or the chat app.
import { useCallback, useEffect, useState } from 'react';
import { api, tokenStore } from './api.js';
import { ApiError, errorMessage } from './http.js';
import { AuthScreen } from './AuthScreen.js';
import { ChatApp } from './ChatApp.js';
import { clearMediaCache } from './media.js';
import type { User } from './types.js';

type SessionState =
  | { status: 'loading' }
  | { status: 'unreachable'; message: string }
  | { status: 'signed-out' }
  | { status: 'signed-in'; user: User };

export function App() {
  const [session, setSession] = useState<SessionState>(() =>
    tokenStore.get() ? { status: 'loading' } : { status: 'signed-out' },
  );

  const restore = useCallback(() => {
    if (!tokenStore.get()) return;
    setSession({ status: 'loading' });
    api.me().then(
      (user) => setSession({ status: 'signed-in', user }),
      (err: unknown) => {
        if (err instanceof ApiError && err.status === 401) {
          tokenStore.set(null);
          setSession({ status: 'signed-out' });
        } else {
          setSession({ status: 'unreachable', message: errorMessage(err) });
        }
      },
    );
  }, []);

  useEffect(restore, [restore]);

  const signedOut = useCallback(() => {
    tokenStore.set(null);
    clearMediaCache();
    setSession({ status: 'signed-out' });
  }, []);

  useEffect(() => {
    api.onUnauthorized(signedOut);
    return () => api.onUnauthorized(null);
  }, [signedOut]);

  switch (session.status) {
    case 'loading':
      return (
        <main className="center-page" aria-busy="true">
          <p className="muted">Loading…</p>
        </main>
      );
    case 'unreachable':
      return (
        <main className="center-page">
          <p role="alert">{session.message}</p>
          <button type="button" className="button" onClick={restore}>
            Try again
          </button>
        </main>
      );
    case 'signed-out':
      return <AuthScreen onAuthenticated={(user) => setSession({ status: 'signed-in', user })} />;
    case 'signed-in':
      return (
        <ChatApp
          key={session.user.id}
          me={session.user}
          onSessionExpired={signedOut}
          onSignOut={() => {
            api.signout().then(signedOut, signedOut);
          }}
        />
      );
  }
}

// Images behind the auth header: an <img> cannot send a Bearer token, so bytes are fetched with the
// API client and shown through object URLs, cached per key for the session and released on sign-out.
import { useEffect, useState } from 'react';
import { api } from './api.js';

const cache = new Map<string, Promise<string>>();
const resolved = new Map<string, string>();

function load(key: string, path: string): Promise<string> {
  let p = cache.get(key);
  if (!p) {
    p = api.blob(path).then((blob) => {
      const url = URL.createObjectURL(blob);
      resolved.set(key, url);
      return url;
    });
    // A failed fetch must not stay cached, or the image could never be retried.
    void p.catch(() => cache.delete(key));
    cache.set(key, p);
  }
  return p;
}

export function clearMediaCache(): void {
  for (const url of resolved.values()) URL.revokeObjectURL(url);
  resolved.clear();
  cache.clear();
}

export type AuthImageState = { status: 'loading' } | { status: 'ready'; url: string } | { status: 'error'; message: string };

/** `key` lets callers bust the cache (e.g. after an avatar upload) while fetching the same path. */
export function useAuthImage(path: string | null, key: string = path ?? ''): AuthImageState {
  const [state, setState] = useState<AuthImageState>(() => {
    const url = resolved.get(key);
    return url ? { status: 'ready', url } : { status: 'loading' };
  });

  useEffect(() => {
    if (!path) return;
    let alive = true;
    const known = resolved.get(key);
    if (known) {
      setState({ status: 'ready', url: known });
      return;
    }
    setState({ status: 'loading' });
    load(key, path).then(
      (url) => {
        if (alive) setState({ status: 'ready', url });
      },
      (err: unknown) => {
        if (alive) setState({ status: 'error', message: err instanceof Error ? err.message : 'Could not load image.' });
      },
    );
    return () => {
      alive = false;
    };
  }, [path, key]);

  return state;
}

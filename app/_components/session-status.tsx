'use client';
import { useEffect, useState } from 'react';
import * as z from 'zod/mini';
import { loginPath } from '@/lib/auth/redirects';
import { problemOf } from '@/lib/client/api';
import { authFetch } from '@/lib/client/fetch';
import { isSigningOut } from '@/lib/client/sign-out';
import { Time } from './time';

const meSchema = z.object({
  user: z.object({ email: z.string() }),
  session: z.object({ id: z.string(), expiresAt: z.string() }),
});

type Status =
  | { kind: 'loading' }
  | { kind: 'ready'; email: string; sessionId: string; expiresAt: string; checkedAt: number }
  | { kind: 'error'; message: string };

/** Asks the API once; `null` means the session is over (even a refresh could not save it). */
async function fetchStatus(): Promise<Status | null> {
  let response: Response;
  try {
    response = await authFetch('/api/auth/me', { headers: { Accept: 'application/json' }, cache: 'no-store' });
  } catch {
    return { kind: 'error', message: 'Could not reach the server. Check your connection and try again.' };
  }
  if (response.status === 401) return null;
  if (!response.ok) return { kind: 'error', message: (await problemOf(response)).message };
  const parsed = meSchema.safeParse(await response.json().catch(() => null));
  if (!parsed.success) return { kind: 'error', message: 'The server sent an answer we could not read. Please try again.' };
  const { user, session } = parsed.data;
  return { kind: 'ready', email: user.email, sessionId: session.id, expiresAt: session.expiresAt, checkedAt: Date.now() };
}

/**
 * Asks the API who we are, through authFetch: once the access token has expired, the middleware
 * or authFetch refreshes the session and the answer is still 200. When the session is really
 * over (the refresh failed too), authFetch hands back the 401 and we send the user to sign in.
 */
export function SessionStatus() {
  const [status, setStatus] = useState<Status>({ kind: 'loading' });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let current = true;
    void fetchStatus().then((next) => {
      // During a sign-out the 401 is expected, and the sign-out does its own navigation.
      if (!current || isSigningOut()) return;
      if (next === null) window.location.assign(loginPath(`${window.location.pathname}${window.location.search}`));
      else setStatus(next);
    });
    return () => {
      current = false;
    };
  }, [attempt]);

  function checkAgain(): void {
    setStatus({ kind: 'loading' });
    setAttempt((n) => n + 1);
  }

  return (
    <section className="panel" aria-labelledby="live-check-title" aria-busy={status.kind === 'loading'}>
      <div className="panel-header">
        <h2 id="live-check-title">Live check</h2>
        <button type="button" className="button button-small" onClick={checkAgain} disabled={status.kind === 'loading'}>
          Check again
        </button>
      </div>
      <p className="muted">
        Your browser asks <code>/api/auth/me</code>. After the access token expires, the session is refreshed silently and the
        answer stays the same.
      </p>
      {status.kind === 'loading' ? (
        <p className="status" data-status="loading">
          Checking your session…
        </p>
      ) : null}
      {status.kind === 'error' ? (
        <p role="alert" className="form-alert" data-status="error">
          {status.message}
        </p>
      ) : null}
      {status.kind === 'ready' ? (
        <dl className="details" data-status="ready">
          <div>
            <dt>API says you are</dt>
            <dd>{status.email}</dd>
          </div>
          <div>
            <dt>Session</dt>
            <dd>
              <code>{status.sessionId}</code>
            </dd>
          </div>
          <div>
            <dt>Refresh token valid until</dt>
            <dd>
              <Time at={status.expiresAt} />
            </dd>
          </div>
          <div>
            <dt>Checked at</dt>
            <dd>
              <Time at={status.checkedAt} />
            </dd>
          </div>
        </dl>
      ) : null}
    </section>
  );
}

'use client';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { problemOf, networkProblem } from '@/lib/client/api';
import { authFetch, isSessionExpired } from '@/lib/client/fetch';
import { goToSignIn, sendJson } from './account-api';

/**
 * `Connect <Name>`: starts a flow bound to this account and session (POST
 * /api/auth/connections/<id>), then goes to the provider. `Disconnect`: DELETE on the same path;
 * the server answers 409 `last_sign_in_method` for the last way to sign in, shown here.
 */
export function ConnectionButton({ provider, name, action, last }: { provider: string; name: string; action: 'connect' | 'disconnect'; last: boolean }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const path = `/api/auth/connections/${encodeURIComponent(provider)}`;

  function connect(): void {
    setError(null);
    startTransition(async () => {
      let response: Response;
      try {
        response = await authFetch(path, { method: 'POST', headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
      } catch {
        setError(networkProblem.message);
        return;
      }
      if (isSessionExpired(response)) return goToSignIn();
      if (!response.ok) {
        setError((await problemOf(response)).message);
        return;
      }
      const body: unknown = await response.json().catch(() => null);
      if (typeof body === 'object' && body !== null && 'url' in body && typeof body.url === 'string') window.location.assign(body.url);
    });
  }

  function disconnect(): void {
    setError(null);
    startTransition(async () => {
      const outcome = await sendJson('DELETE', path);
      if (outcome.kind === 'signed-out') return goToSignIn();
      if (outcome.kind === 'problem' && outcome.status !== 404) {
        setError(outcome.problem.message);
        return;
      }
      router.refresh();
    });
  }

  const errorId = `${provider}-connection-error`;
  return (
    <div className="session-action">
      {action === 'connect' ? (
        <button type="button" className="button button-small" onClick={connect} disabled={pending} aria-describedby={error ? errorId : undefined}>
          {pending ? `Going to ${name}…` : `Connect ${name}`}
        </button>
      ) : (
        <button
          type="button"
          className="button button-small"
          onClick={disconnect}
          disabled={pending}
          aria-label={`Disconnect ${name}`}
          title={last ? 'This is the only way to sign in to your account' : undefined}
          aria-describedby={error ? errorId : undefined}
        >
          {pending ? 'Disconnecting…' : 'Disconnect'}
        </button>
      )}
      {error ? (
        <p id={errorId} role="alert" className="form-alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

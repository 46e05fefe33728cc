'use client';
import { useState, useTransition } from 'react';
import { problemOf, networkProblem } from '@/lib/client/api';
import { authFetch, isSessionExpired } from '@/lib/client/fetch';
import { goToSignIn } from './account-api';

/**
 * `Connect <Name>`: starts a flow bound to this account and session (POST
 * /api/auth/connections/<id>), then goes to the provider. (`Disconnect` is a DeleteRowButton on
 * the same path.)
 */
export function ConnectButton({ provider, name }: { provider: string; name: string }) {
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

  const errorId = `${provider}-connection-error`;
  return (
    <div className="session-action">
      <button type="button" className="button button-small" onClick={connect} disabled={pending} aria-describedby={error ? errorId : undefined}>
        {pending ? `Going to ${name}…` : `Connect ${name}`}
      </button>
      {error ? (
        <p id={errorId} role="alert" className="form-alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

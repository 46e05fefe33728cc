'use client';
import { useState, useTransition } from 'react';
import { sendJson } from '@/lib/client/send-json';
import { goToSignIn } from './account-api';

/** The provider's authorization URL from the answer `{"url": …}`. */
const readUrl = (json: unknown): string | null => (typeof json === 'object' && json !== null && 'url' in json && typeof json.url === 'string' ? json.url : null);

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
      const outcome = await sendJson('POST', path, undefined, readUrl);
      if (outcome.kind === 'signed-out') return goToSignIn();
      if (outcome.kind === 'problem') return setError(outcome.problem.message);
      window.location.assign(outcome.body);
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

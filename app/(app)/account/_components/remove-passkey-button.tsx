'use client';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { goToSignIn, sendJson } from './account-api';

/**
 * `Remove` on a passkey's row: DELETE /api/auth/passkeys/{id}, then the list re-renders. Its
 * accessible name is exactly `Remove` (the contract's label); the row says which passkey.
 */
export function RemovePasskeyButton({ passkeyId, name }: { passkeyId: string; name: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);

  function remove(): void {
    setError(null);
    startTransition(async () => {
      const outcome = await sendJson('DELETE', `/api/auth/passkeys/${encodeURIComponent(passkeyId)}`);
      if (outcome.kind === 'signed-out') return goToSignIn();
      // 404: removed meanwhile (another tab). Either way it is gone: show the list as it is.
      if (outcome.kind === 'problem' && outcome.status !== 404) {
        setError(outcome.problem.message);
        return;
      }
      router.refresh();
    });
  }

  return (
    <div className="session-action">
      <button type="button" className="button button-small" onClick={remove} disabled={pending} aria-describedby={error ? `${passkeyId}-error` : undefined}>
        {pending ? 'Removing…' : 'Remove'}
      </button>
      {pending ? (
        <span className="visually-hidden" role="status">
          Removing the passkey {name}…
        </span>
      ) : null}
      {error ? (
        <p id={`${passkeyId}-error`} role="alert" className="form-alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

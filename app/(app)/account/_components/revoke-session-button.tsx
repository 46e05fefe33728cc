'use client';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { goToSignIn, sendJson } from './account-api';

/** `Revoke` on another session's row: DELETE /api/auth/sessions/{id}, then the list re-renders. */
export function RevokeSessionButton({ sessionId, device }: { sessionId: string; device: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);

  function revoke(): void {
    setError(null);
    startTransition(async () => {
      const outcome = await sendJson('DELETE', `/api/auth/sessions/${encodeURIComponent(sessionId)}`);
      if (outcome.kind === 'signed-out') return goToSignIn();
      // 404: it ended meanwhile (signed out there, expired). Either way it is gone: show the list as it is.
      if (outcome.kind === 'problem' && outcome.status !== 404) {
        setError(outcome.problem.message);
        return;
      }
      router.refresh();
    });
  }

  return (
    <div className="session-action">
      <button type="button" className="button button-small" onClick={revoke} disabled={pending} aria-describedby={error ? `${sessionId}-error` : undefined}>
        {pending ? 'Revoking…' : 'Revoke'}
      </button>
      {pending ? (
        <span className="visually-hidden" role="status">
          Revoking the session on {device}…
        </span>
      ) : null}
      {error ? (
        <p id={`${sessionId}-error`} role="alert" className="form-alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

'use client';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { sendJson } from '@/lib/client/send-json';
import { goToSignIn } from './account-api';

/**
 * A row's delete button on /account (`Revoke` a session or an API key, `Remove` a passkey,
 * `Disconnect` a provider):
 * DELETE `path`, then the list re-renders. A 404 means the thing is already gone (another tab,
 * housekeeping), which is what the user wanted: the list is simply shown as it now is. The
 * button's accessible name is exactly `label` (the contract's); the row says what it acts on, and
 * `status` tells a screen reader while it runs.
 */
export function DeleteRowButton({
  path,
  id,
  label,
  pendingLabel,
  status,
  accessibleName,
  title,
}: {
  path: string;
  id: string;
  label: string;
  pendingLabel: string;
  status: string;
  /** When the row alone would not say what the button acts on (`Disconnect Company SSO`). */
  accessibleName?: string;
  title?: string;
}) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [error, setError] = useState<string | null>(null);
  const errorId = `${id}-error`;

  function remove(): void {
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

  return (
    <div className="session-action">
      <button type="button" className="button button-small" onClick={remove} disabled={pending} aria-label={accessibleName} title={title} aria-describedby={error ? errorId : undefined}>
        {pending ? pendingLabel : label}
      </button>
      {pending ? (
        <span className="visually-hidden" role="status">
          {status}
        </span>
      ) : null}
      {error ? (
        <p id={errorId} role="alert" className="form-alert">
          {error}
        </p>
      ) : null}
    </div>
  );
}

'use client';
import { useState, useTransition } from 'react';
import { loginPath } from '@/lib/auth/redirects';
import { problemOf, networkProblem } from '@/lib/client/api';
import { authFetch, isSessionExpired } from '@/lib/client/fetch';

/**
 * `Resend verification email`: POST /api/auth/email/verification (signed in). The outcome shows in
 * a `role="status"` message, a problem (e.g. 429) in a `role="alert"` one.
 */
export function ResendVerificationButton({ returnTo }: { returnTo: string }) {
  const [pending, startTransition] = useTransition();
  const [result, setResult] = useState<{ ok: true } | { ok: false; message: string } | null>(null);

  function resend(): void {
    setResult(null);
    startTransition(async () => {
      let response: Response;
      try {
        response = await authFetch('/api/auth/email/verification', { method: 'POST', headers: { Accept: 'application/json' }, credentials: 'same-origin', cache: 'no-store' });
      } catch {
        setResult({ ok: false, message: networkProblem.message });
        return;
      }
      if (isSessionExpired(response)) {
        window.location.assign(loginPath(returnTo));
        return;
      }
      setResult(response.ok ? { ok: true } : { ok: false, message: (await problemOf(response)).message });
    });
  }

  return (
    <div className="stack">
      <button type="button" className="button" onClick={resend} disabled={pending}>
        {pending ? 'Sending…' : 'Resend verification email'}
      </button>
      {result?.ok ? (
        <p role="status" className="form-success">
          We have sent you a new link. Check your inbox.
        </p>
      ) : null}
      {result && !result.ok ? (
        <p role="alert" className="form-alert">
          {result.message}
        </p>
      ) : null}
    </div>
  );
}

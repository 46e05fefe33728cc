'use client';
import { useState } from 'react';
import { networkProblem } from '@/lib/client/api';

/**
 * `Sign out`: POST /api/auth/logout (revokes the session and clears both cookies), then a full
 * navigation to /login, so nothing rendered for the signed-in user stays in the router's cache.
 */
export function SignOutButton() {
  const [pending, setPending] = useState(false);
  const [failed, setFailed] = useState(false);

  async function signOut(): Promise<void> {
    setPending(true);
    setFailed(false);
    try {
      const response = await fetch('/api/auth/logout', { method: 'POST', credentials: 'same-origin', cache: 'no-store' });
      if (response.ok) {
        window.location.replace('/login');
        return;
      }
    } catch {
      // Offline: fall through and say so; the session is still live, so do not pretend otherwise.
    }
    setFailed(true);
    setPending(false);
  }

  return (
    <div className="sign-out">
      <button type="button" className="button" onClick={signOut} disabled={pending}>
        {pending ? 'Signing out…' : 'Sign out'}
      </button>
      {failed ? (
        <p role="alert" className="form-alert">
          {networkProblem.message}
        </p>
      ) : null}
    </div>
  );
}

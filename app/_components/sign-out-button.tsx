'use client';
import { useState } from 'react';
import { networkProblem } from '@/lib/client/api';
import { signOut } from '@/lib/client/sign-out';
import { useHydrated } from './use-hydrated';

/** `Sign out`: revokes this session, clears the cookies and goes to /login (lib/client/sign-out.ts). */
export function SignOutButton() {
  const hydrated = useHydrated();
  const [pending, setPending] = useState(false);
  const [failed, setFailed] = useState(false);

  async function onClick(): Promise<void> {
    setPending(true);
    setFailed(false);
    // On success the page is being replaced: stay pending.
    if (await signOut()) return;
    setFailed(true);
    setPending(false);
  }

  return (
    <div className="sign-out">
      <button type="button" className="button" onClick={onClick} disabled={pending || !hydrated}>
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

'use client';
import { useRouter } from 'next/navigation';
import { useState, useTransition } from 'react';
import { sendJson } from '@/lib/client/send-json';
import { goToSignIn } from './account-api';

/**
 * `Sign out of other sessions`: POST /api/auth/logout {"scope":"others"}; this session goes on.
 * The button shows only while there are other sessions (`hasOthers`); the outcome message stays
 * after the refreshed list has none left. Renders nothing when there is neither.
 */
export function SignOutOthersButton({ hasOthers, className }: { hasOthers: boolean; className?: string }) {
  const router = useRouter();
  const [pending, startTransition] = useTransition();
  const [result, setResult] = useState<{ ok: true } | { ok: false; message: string } | null>(null);

  function signOutOthers(): void {
    setResult(null);
    startTransition(async () => {
      const outcome = await sendJson('POST', '/api/auth/logout', { scope: 'others' });
      if (outcome.kind === 'signed-out') return goToSignIn();
      if (outcome.kind === 'problem') {
        setResult({ ok: false, message: outcome.problem.message });
        return;
      }
      setResult({ ok: true });
      router.refresh();
    });
  }

  // While pending, keep the button (disabled) even if a refresh from elsewhere removed the others.
  const showButton = hasOthers || pending;
  if (!showButton && result === null) return null;

  return (
    <div className={className ? `sign-out-others ${className}` : 'sign-out-others'}>
      {showButton ? (
        <button type="button" className="button" onClick={signOutOthers} disabled={pending}>
          {pending ? 'Signing out other sessions…' : 'Sign out of other sessions'}
        </button>
      ) : null}
      {result?.ok ? (
        <p role="status" className="form-success">
          Every other session was signed out. This one goes on.
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

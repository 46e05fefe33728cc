'use client';
import Link from 'next/link';
import { useEffect, useRef, useState } from 'react';
import { postJson } from '@/lib/client/api';
import { ResendVerificationButton } from './resend-verification';

type State = { kind: 'pending' } | { kind: 'verified' } | { kind: 'failed'; message: string };

/**
 * Verifies on opening: POSTs the link's token once (a POST, never on the GET of the page, so a mail
 * scanner fetching the link spends nothing). Then `Your email is verified` in a `role="status"`
 * message, or a `role="alert"` one with a way to get a new link.
 */
export function VerifyEmailResult({ token, signedIn }: { token: string | null; signedIn: boolean }) {
  const [state, setState] = useState<State>(token ? { kind: 'pending' } : { kind: 'failed', message: 'This verification link is incomplete.' });
  // Effects run twice in development (Strict Mode): the token is spent by the first POST only.
  const sent = useRef(false);

  useEffect(() => {
    if (!token || sent.current) return;
    sent.current = true;
    void postJson('/api/auth/email/verify', { token }).then((outcome) => {
      setState(outcome.ok ? { kind: 'verified' } : { kind: 'failed', message: outcome.problem.code === 'invalid_token' ? 'This verification link is invalid, has expired or was already used.' : outcome.problem.message });
    });
  }, [token]);

  return (
    <div className="stack">
      <div role="status">
        {state.kind === 'pending' ? <p>Verifying your email…</p> : null}
        {state.kind === 'verified' ? <p className="form-success">Your email is verified.</p> : null}
      </div>
      {state.kind === 'verified' ? <p>{signedIn ? <Link href="/dashboard">Go to your dashboard</Link> : <Link href="/login">Sign in</Link>}</p> : null}
      {state.kind === 'failed' ? (
        <div role="alert" className="form-alert">
          <p>{state.message}</p>
          {signedIn ? (
            <p>Get a new link:</p>
          ) : (
            <p>
              <Link href="/login?next=%2Fdashboard">Sign in to get a new link</Link>
            </p>
          )}
        </div>
      ) : null}
      {state.kind === 'failed' && signedIn ? <ResendVerificationButton returnTo="/dashboard" /> : null}
    </div>
  );
}

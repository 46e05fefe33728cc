'use client';
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { postJson, type Problem } from '@/lib/client/api';
import { safeNextPath, secondStepPath } from '@/lib/auth/redirects';
import { FormAlert } from './form-alert';
import { useHydrated } from './use-hydrated';

/**
 * Where a used link sends the browser: its `next` (stored with the link when it was requested from
 * /login?next=…, checked again here), or the second step on /login that goes there after the code.
 */
export async function landingAfterLink(response: Response): Promise<string> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // No readable body: the defaults below.
  }
  const fields = typeof body === 'object' && body !== null ? body : {};
  const next = safeNextPath('next' in fields && typeof fields.next === 'string' ? fields.next : null);
  const twoFactor = 'twoFactorRequired' in fields && fields.twoFactorRequired === true;
  return twoFactor ? secondStepPath(next) : next;
}

/** The `Sign in` button of an email link: its POST spends the link and signs this browser in. */
export function MagicLinkSignIn({ token }: { token: string }) {
  const hydrated = useHydrated();
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (pending) return;
    setPending(true);
    setProblem(null);
    const outcome = await postJson('/api/auth/magic-link/sign-in', { token });
    if (outcome.ok) {
      // Stay pending: the page is about to be replaced (a full load, so every server component sees the new cookies).
      // Two-factor on: no session yet, only the challenge; /login asks for the code, then goes on to `next`.
      window.location.replace(await landingAfterLink(outcome.response));
      return;
    }
    setProblem(outcome.problem);
    setPending(false);
  }

  if (problem?.code === 'invalid_token') return <BadSignInLink />;
  return (
    <form method="post" noValidate onSubmit={onSubmit} aria-busy={pending} className="stack">
      <p className="muted">Press the button to sign in on this device. The link works once.</p>
      <FormAlert problem={problem} shownFields={[]} />
      <button type="submit" className="button button-primary" disabled={pending || !hydrated}>
        {pending ? 'Signing in…' : 'Sign in'}
      </button>
    </form>
  );
}

/** A link that is unknown, expired, used or superseded: say so, and offer a new one. */
export function BadSignInLink() {
  return (
    <div role="alert" className="form-alert">
      <p>This sign-in link is invalid, has expired or was already used.</p>
      <p>
        <Link href="/login">Request a new sign-in link</Link>
      </p>
    </div>
  );
}

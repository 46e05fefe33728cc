'use client';
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { postJson, type Problem } from '@/lib/client/api';
import { PASSWORD_MIN } from '@/lib/auth/validation';
import { Field } from './field';
import { FormAlert } from './form-alert';
import { text } from './use-auth-form';
import { useHydrated } from './use-hydrated';

const FIELDS = ['newPassword'] as const;

/** Where the browser lands after a reset: the sign-in page, which then says so in a `role="status"` message. */
export const AFTER_RESET = '/login?reset=1';

/** `New password` and `Set new password` for the token of the link. */
export function ResetPasswordForm({ token }: { token: string }) {
  const hydrated = useHydrated();
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (pending) return;
    const newPassword = text(new FormData(event.currentTarget), 'newPassword');
    setPending(true);
    setProblem(null);
    const outcome = await postJson('/api/auth/password/reset', { token, newPassword });
    if (outcome.ok) {
      // Stay pending: the page is about to be replaced. Every session ended, so sign in anew.
      window.location.replace(AFTER_RESET);
      return;
    }
    setProblem(outcome.problem);
    setPending(false);
  }

  if (problem?.code === 'invalid_token') return <BadResetLink />;
  return (
    <form method="post" noValidate onSubmit={onSubmit} aria-busy={pending} className="stack">
      <FormAlert problem={problem} shownFields={FIELDS} />
      <Field
        label="New password"
        name="newPassword"
        type="password"
        autoComplete="new-password"
        required
        minLength={PASSWORD_MIN}
        hint={`At least ${PASSWORD_MIN} characters. Every device signed in to your account will be signed out.`}
        errors={problem?.fields.newPassword}
      />
      <button type="submit" className="button button-primary" disabled={pending || !hydrated}>
        {pending ? 'Saving…' : 'Set new password'}
      </button>
    </form>
  );
}

/** A link that is unknown, expired, used or superseded: say so, and offer a new one. */
export function BadResetLink() {
  return (
    <div role="alert" className="form-alert">
      <p>This password-reset link is invalid, has expired or was already used.</p>
      <p>
        <Link href="/forgot-password">Request a new reset link</Link>
      </p>
    </div>
  );
}

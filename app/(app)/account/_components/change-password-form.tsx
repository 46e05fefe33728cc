'use client';
import { useRouter } from 'next/navigation';
import { useEffect, useRef, useState, useTransition, type FormEvent } from 'react';
import { Field } from '@/app/_components/field';
import { FormAlert } from '@/app/_components/form-alert';
import { text } from '@/app/_components/use-auth-form';
import type { Problem } from '@/lib/client/api';
import { sendJson } from '@/lib/client/send-json';
import { goToSignIn } from './account-api';

const FIELDS = ['currentPassword', 'newPassword'] as const;

/** A wrong current password is a 401 from the API, but to the user it is a mistake in one field. */
const WRONG_CURRENT: Problem = {
  code: 'invalid_credentials',
  message: 'Your password was not changed.',
  fields: { currentPassword: ['The current password is incorrect.'] },
};

/**
 * `Current password`, `New password`, `Change password`. On success the API has signed out every
 * other session; the page re-renders so the sessions list and recent activity show it.
 * `email` fills a hidden username field, so password managers know which account to update.
 */
export function ChangePasswordForm({ email, passwordMin }: { email: string; passwordMin: number }) {
  const router = useRouter();
  const formRef = useRef<HTMLFormElement>(null);
  const [pending, startTransition] = useTransition();
  const [problem, setProblem] = useState<Problem | null>(null);
  const [changed, setChanged] = useState(false);

  useEffect(() => {
    if (!problem) return;
    formRef.current?.querySelector<HTMLInputElement>('input[aria-invalid="true"]')?.focus();
  }, [problem]);

  function onSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (pending) return;
    const form = event.currentTarget;
    const data = new FormData(form);
    const body = { currentPassword: text(data, 'currentPassword'), newPassword: text(data, 'newPassword') };
    setProblem(null);
    setChanged(false);
    startTransition(async () => {
      const outcome = await sendJson('POST', '/api/auth/password', body);
      if (outcome.kind === 'signed-out') return goToSignIn();
      if (outcome.kind === 'problem') {
        setProblem(outcome.problem.code === 'invalid_credentials' ? WRONG_CURRENT : outcome.problem);
        return;
      }
      form.reset();
      setChanged(true);
      router.refresh();
    });
  }

  return (
    // noValidate: the API's messages are the ones shown, next to their fields, in every browser.
    // method="post": a submit before hydration must never put passwords in the URL.
    <form ref={formRef} method="post" noValidate onSubmit={onSubmit} aria-busy={pending} className="stack">
      <FormAlert problem={problem} shownFields={FIELDS} />
      {changed ? (
        <p role="status" className="form-success">
          Your password was changed. Every other session was signed out.
        </p>
      ) : null}
      <input type="text" name="username" autoComplete="username" value={email} readOnly hidden />
      <Field
        label="Current password"
        name="currentPassword"
        type="password"
        autoComplete="current-password"
        required
        errors={problem?.fields.currentPassword}
      />
      <Field
        label="New password"
        name="newPassword"
        type="password"
        autoComplete="new-password"
        minLength={passwordMin}
        required
        hint={`At least ${passwordMin} characters. Long passphrases are welcome. Other sessions will be signed out.`}
        errors={problem?.fields.newPassword}
      />
      <button type="submit" className="button button-primary" disabled={pending}>
        {pending ? 'Changing password…' : 'Change password'}
      </button>
    </form>
  );
}

'use client';
import { useEffect, useRef, useState, useTransition, type FormEvent } from 'react';
import { Field } from '@/app/_components/field';
import { FormAlert } from '@/app/_components/form-alert';
import { text } from '@/app/_components/use-auth-form';
import { useHydrated } from '@/app/_components/use-hydrated';
import { rememberAccountDeleted } from '@/lib/client/account-deleted';
import type { Problem } from '@/lib/client/api';
import styles from '../account.module.css';
import { sendJson } from '@/lib/client/send-json';
import { goToSignIn } from './account-api';

const FIELDS = ['password'] as const;

/** A wrong password is a 401 from the API, but to the user it is a mistake in one field. */
const WRONG_PASSWORD: Problem = {
  code: 'invalid_credentials',
  message: 'Your account was not deleted.',
  fields: { password: ['The password is incorrect.'] },
};

const MISSING_PASSWORD: Problem = {
  code: 'validation_error',
  message: 'Your account was not deleted.',
  fields: { password: ['Enter your password.'] },
};

/**
 * `Password` and `Delete account`, which asks once more (`Yes, delete my account` or `Cancel`)
 * before DELETE /api/auth/account. On success the server has ended every session and cleared the
 * cookies; the browser leaves for /login, which says the account was deleted.
 * `email` fills a hidden username field, so password managers know which account this is.
 */
export function DeleteAccountForm({ email }: { email: string }) {
  const hydrated = useHydrated();
  const formRef = useRef<HTMLFormElement>(null);
  const deleteRef = useRef<HTMLButtonElement>(null);
  const cancelRef = useRef<HTMLButtonElement>(null);
  const [pending, startTransition] = useTransition();
  const [confirming, setConfirming] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  // Where focus goes after the step changes. A fresh object per request, so asking twice for the
  // same place (two wrong passwords in a row) moves focus twice.
  const [focusRequest, setFocusRequest] = useState<{ target: 'cancel' | 'delete' | 'field' } | null>(null);

  useEffect(() => {
    if (!focusRequest) return;
    // After the question, the least destructive choice has focus: Enter or Space right away cancels.
    if (focusRequest.target === 'cancel') cancelRef.current?.focus();
    if (focusRequest.target === 'delete') deleteRef.current?.focus();
    if (focusRequest.target === 'field') formRef.current?.querySelector<HTMLInputElement>('input[name="password"]')?.focus();
  }, [focusRequest]);

  /** Shows a problem and puts focus where it can be fixed (the field, or `Delete account` to try again). */
  function fail(next: Problem): void {
    setProblem(next);
    setFocusRequest({ target: next.fields.password ? 'field' : 'delete' });
  }

  function password(): string {
    return formRef.current ? text(new FormData(formRef.current), 'password') : '';
  }

  /** `Delete account` (or Enter in the field): nothing is sent yet, the question is asked first. */
  function onSubmit(event: FormEvent<HTMLFormElement>): void {
    event.preventDefault();
    if (pending || confirming) return;
    if (password() === '') {
      fail(MISSING_PASSWORD);
      return;
    }
    setProblem(null);
    setConfirming(true);
    setFocusRequest({ target: 'cancel' });
  }

  function cancel(): void {
    setConfirming(false);
    setFocusRequest({ target: 'delete' });
  }

  function confirm(): void {
    if (pending) return;
    const body = { password: password() };
    setProblem(null);
    startTransition(async () => {
      const outcome = await sendJson('DELETE', '/api/auth/account', body);
      if (outcome.kind === 'signed-out') return goToSignIn();
      if (outcome.kind === 'problem') {
        setConfirming(false);
        fail(outcome.problem.code === 'invalid_credentials' ? WRONG_PASSWORD : outcome.problem);
        return;
      }
      // A full navigation: nothing rendered for the deleted account stays in the router's cache.
      rememberAccountDeleted();
      window.location.replace('/login');
      // Stay pending: the page is about to be replaced.
      await new Promise<never>(() => undefined);
    });
  }

  return (
    // noValidate: our messages are the ones shown, next to the field, in every browser.
    // method="post": a submit before hydration must never put the password in the URL.
    <form ref={formRef} method="post" noValidate onSubmit={onSubmit} aria-busy={pending} className="stack">
      <FormAlert problem={problem} shownFields={FIELDS} />
      <input type="text" name="username" autoComplete="username" value={email} readOnly hidden />
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="current-password"
        required
        readOnly={confirming}
        hint="Your current password, to confirm it is you."
        errors={problem?.fields.password}
      />
      {confirming ? (
        <div className={styles.confirm} role="group" aria-labelledby="delete-account-question" aria-describedby="delete-account-consequences">
          <p id="delete-account-question" className={styles.question}>
            Delete your account for good?
          </p>
          <p id="delete-account-consequences">
            Every session ends, your account and its data are deleted, and this cannot be undone.
          </p>
          <div className={styles.actions}>
            <button type="button" className={`button ${styles.dangerButton}`} onClick={confirm} disabled={pending}>
              {pending ? 'Deleting account…' : 'Yes, delete my account'}
            </button>
            <button ref={cancelRef} type="button" className="button" onClick={cancel} disabled={pending}>
              Cancel
            </button>
          </div>
        </div>
      ) : (
        <button ref={deleteRef} type="submit" className={`button ${styles.dangerButton}`} disabled={!hydrated}>
          Delete account
        </button>
      )}
    </form>
  );
}

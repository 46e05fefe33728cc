'use client';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { postJson, type Problem } from '@/lib/client/api';
import { Field } from './field';
import { FormAlert } from './form-alert';
import { text } from './use-auth-form';

type Mode = 'code' | 'recovery';

const FIELDS = ['code', 'recoveryCode'] as const;

/** A wrong code is a 401 from the API, but to the user it is a mistake in one field. */
function wrongCode(mode: Mode): Problem {
  return mode === 'code'
    ? { code: 'invalid_code', message: 'That code did not work.', fields: { code: ['The code is incorrect or was already used. Wait for the next one and try again.'] } }
    : { code: 'invalid_code', message: 'That recovery code did not work.', fields: { recoveryCode: ['The recovery code is incorrect or was already used.'] } };
}

/**
 * The second step of signing in to an account with two-factor authentication: `Code` (from the
 * authenticator app) and `Verify`, or after `Use a recovery code` the field `Recovery code`.
 * The challenge of the first step is an HttpOnly cookie: nothing secret lives in this component.
 * On success the browser goes to `redirectTo` (checked on the server); when the challenge has
 * expired, `onRestart` brings the password form back.
 */
export function SecondStepForm({ redirectTo, onRestart }: { redirectTo: string; onRestart: () => void }) {
  const formRef = useRef<HTMLFormElement>(null);
  const [mode, setMode] = useState<Mode>('code');
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [expired, setExpired] = useState(false);
  // A fresh object per request, so asking twice for the same field moves focus twice.
  const [focusRequest, setFocusRequest] = useState<{ mode: Mode }>({ mode: 'code' });

  useEffect(() => {
    const name = focusRequest.mode === 'code' ? 'code' : 'recoveryCode';
    formRef.current?.querySelector<HTMLInputElement>(`input[name="${name}"]`)?.focus();
  }, [focusRequest]);

  function switchTo(next: Mode): void {
    setMode(next);
    setProblem(null);
    setFocusRequest({ mode: next });
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (pending || expired) return;
    const data = new FormData(event.currentTarget);
    const body = mode === 'code' ? { code: text(data, 'code') } : { recoveryCode: text(data, 'recoveryCode') };
    setPending(true);
    setProblem(null);
    const outcome = await postJson('/api/auth/login/two-factor', body);
    if (outcome.ok) {
      // Stay pending: the page is about to be replaced.
      window.location.replace(redirectTo);
      return;
    }
    setPending(false);
    if (outcome.problem.code === 'invalid_challenge') {
      setExpired(true);
      setProblem(outcome.problem);
      return;
    }
    setProblem(outcome.problem.code === 'invalid_code' ? wrongCode(mode) : outcome.problem);
    setFocusRequest({ mode });
  }

  return (
    <form ref={formRef} method="post" noValidate onSubmit={onSubmit} aria-busy={pending} className="stack" aria-labelledby="second-step-title">
      <h2 id="second-step-title">Two-factor authentication</h2>
      <FormAlert problem={problem} shownFields={FIELDS} />
      {expired ? (
        <button type="button" className="button button-primary" onClick={onRestart}>
          Sign in again
        </button>
      ) : (
        <>
          {mode === 'code' ? (
            <Field
              key="code"
              label="Code"
              name="code"
              type="text"
              inputMode="numeric"
              pattern="[0-9 ]*"
              autoComplete="one-time-code"
              maxLength={7}
              required
              hint="The 6-digit code your authenticator app shows for this account."
              errors={problem?.fields.code}
            />
          ) : (
            <Field
              key="recoveryCode"
              label="Recovery code"
              name="recoveryCode"
              type="text"
              autoComplete="off"
              autoCapitalize="none"
              spellCheck={false}
              maxLength={64}
              required
              hint="One of the recovery codes you saved when you turned two-factor authentication on. Each works once."
              errors={problem?.fields.recoveryCode}
            />
          )}
          <button type="submit" className="button button-primary" disabled={pending}>
            {pending ? 'Verifying…' : 'Verify'}
          </button>
          <button type="button" className="button" onClick={() => switchTo(mode === 'code' ? 'recovery' : 'code')} disabled={pending}>
            {mode === 'code' ? 'Use a recovery code' : 'Use a code from your authenticator app'}
          </button>
        </>
      )}
    </form>
  );
}

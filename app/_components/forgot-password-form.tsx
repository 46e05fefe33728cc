'use client';
import { useState, type FormEvent } from 'react';
import { postJson, type Problem } from '@/lib/client/api';
import { Field } from './field';
import { FormAlert } from './form-alert';
import { text } from './use-auth-form';
import { useHydrated } from './use-hydrated';

const FIELDS = ['email'] as const;

/**
 * `Email` and `Send reset link`. Afterwards the same `role="status"` message for every address:
 * the server's answer does not say whether an account has it, and neither does this page.
 */
export function ForgotPasswordForm() {
  const hydrated = useHydrated();
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [sent, setSent] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>): Promise<void> {
    event.preventDefault();
    if (pending) return;
    const email = text(new FormData(event.currentTarget), 'email');
    setPending(true);
    setProblem(null);
    const outcome = await postJson('/api/auth/password/forgot', { email });
    setPending(false);
    if (!outcome.ok) {
      setProblem(outcome.problem);
      return;
    }
    setSent('If an account uses this email address, we have sent it a link to reset the password. Check your inbox (and the spam folder).');
  }

  return (
    <div className="stack">
      <div role="status">{sent ? <p className="form-success">{sent}</p> : null}</div>
      <form method="post" noValidate onSubmit={onSubmit} aria-busy={pending} className="stack">
        <FormAlert problem={problem} shownFields={FIELDS} />
        <Field label="Email" name="email" type="email" autoComplete="email" autoCapitalize="none" spellCheck={false} required errors={problem?.fields.email} />
        <button type="submit" className="button button-primary" disabled={pending || !hydrated}>
          {pending ? 'Sending…' : 'Send reset link'}
        </button>
      </form>
    </div>
  );
}

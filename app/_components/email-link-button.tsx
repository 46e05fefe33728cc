'use client';
import { useState, type MouseEvent } from 'react';
import { postJson, type Problem } from '@/lib/client/api';
import { FormAlert } from './form-alert';
import { useHydrated } from './use-hydrated';

/** The id of the sign-in form, whose `Email` field this button reads (LoginForm sets it). */
export const LOGIN_FORM_ID = 'login-form';

/**
 * `Email me a sign-in link`, under the sign-in form: mails a link to the address in its `Email`
 * field. Afterwards the same `role="status"` message for every address, as the server's answer is
 * the same: neither says whether an account has it. `next`: the page's checked `?next=`, stored
 * with the link by the server, so the link lands there once used.
 */
export function EmailLinkButton({ next }: { next: string }) {
  const hydrated = useHydrated();
  const [pending, setPending] = useState(false);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [sent, setSent] = useState<string | null>(null);

  async function onClick(event: MouseEvent<HTMLButtonElement>): Promise<void> {
    if (pending) return;
    // The button belongs to the sign-in form (its `form` attribute), so it reads the same field.
    const field = event.currentTarget.form?.elements.namedItem('email');
    const email = field instanceof HTMLInputElement ? field.value : '';
    setPending(true);
    setProblem(null);
    setSent(null);
    const outcome = await postJson('/api/auth/magic-link', { email, next });
    setPending(false);
    if (!outcome.ok) {
      setProblem(outcome.problem);
      return;
    }
    setSent('If an account uses this email address, we have sent it a sign-in link. Check your inbox (and the spam folder); the link works once, for a short time.');
  }

  return (
    <div className="stack other-sign-in">
      <button type="button" form={LOGIN_FORM_ID} className="button" onClick={onClick} disabled={pending || !hydrated} aria-busy={pending}>
        {pending ? 'Sending…' : 'Email me a sign-in link'}
      </button>
      <FormAlert problem={problem} shownFields={[]} />
      {/* A live region that is always there (so the message is announced); the status role only with a message. */}
      <div aria-live="polite">
        {sent ? (
          <p role="status" className="form-success">
            {sent}
          </p>
        ) : null}
      </div>
    </div>
  );
}

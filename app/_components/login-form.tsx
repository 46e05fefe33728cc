'use client';
import { useState, type ReactNode } from 'react';
import { LOGIN_FORM_ID } from './email-link-button';
import { Field } from './field';
import { FormAlert } from './form-alert';
import { SecondStepForm } from './second-step-form';
import { text, useAuthForm } from './use-auth-form';
import { useHydrated } from './use-hydrated';

const FIELDS = ['email', 'password'] as const;

/** Whether a successful sign-in answer asks for the second step (`{"twoFactorRequired":true}`). */
export async function asksForSecondStep(response: Response): Promise<boolean> {
  try {
    const body: unknown = await response.json();
    return typeof body === 'object' && body !== null && 'twoFactorRequired' in body && body.twoFactorRequired === true;
  } catch {
    return false;
  }
}

/**
 * The sign-in form: `Email`, `Password`, `Sign in`; goes to `redirectTo` when signed in. For an
 * account with two-factor authentication on, the second step (`Code`, `Verify`) takes its place,
 * and the other ways to sign in (`alternatives`: passkeys, …) step aside until it is done.
 */
export function LoginForm({ redirectTo, alternatives = null, secondStep: startWithSecondStep = false }: { redirectTo: string; alternatives?: ReactNode; secondStep?: boolean }) {
  const hydrated = useHydrated();
  // `secondStep`: the first factor passed elsewhere (an email link, a provider) and left a challenge cookie.
  const [secondStep, setSecondStep] = useState(startWithSecondStep);
  const { formRef, pending, problem, onSubmit } = useAuthForm(
    '/api/auth/login',
    (data) => ({ email: text(data, 'email'), password: text(data, 'password') }),
    redirectTo,
    async (response) => {
      if (!(await asksForSecondStep(response))) return 'go';
      setSecondStep(true);
      return 'stay';
    },
  );
  if (secondStep) return <SecondStepForm redirectTo={redirectTo} onRestart={() => setSecondStep(false)} />;
  return (
    <>
      {/* noValidate: the API's messages are the ones we show, next to the fields, for every browser.
          method="post": a submit before hydration must never put the password in the URL. */}
      <form ref={formRef} id={LOGIN_FORM_ID} method="post" noValidate onSubmit={onSubmit} aria-busy={pending} className="stack">
        <FormAlert problem={problem} shownFields={FIELDS} />
        <Field
          label="Email"
          name="email"
          type="email"
          // `webauthn`: the browser may offer passkeys in this field's autofill list (passkey-sign-in.tsx).
          autoComplete="username webauthn"
          autoCapitalize="none"
          spellCheck={false}
          required
          errors={problem?.fields.email}
        />
        <Field label="Password" name="password" type="password" autoComplete="current-password" required errors={problem?.fields.password} />
        <button type="submit" className="button button-primary" disabled={pending || !hydrated}>
          {pending ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      {alternatives}
    </>
  );
}

'use client';
import { LOGIN_FORM_ID } from './email-link-button';
import { Field } from './field';
import { FormAlert } from './form-alert';
import { text, useAuthForm } from './use-auth-form';
import { useHydrated } from './use-hydrated';

const FIELDS = ['email', 'password'] as const;

/** The sign-in form: `Email`, `Password`, `Sign in`; goes to `redirectTo` when signed in. */
export function LoginForm({ redirectTo }: { redirectTo: string }) {
  const hydrated = useHydrated();
  const { formRef, pending, problem, onSubmit } = useAuthForm(
    '/api/auth/login',
    (data) => ({ email: text(data, 'email'), password: text(data, 'password') }),
    redirectTo,
  );
  return (
    // noValidate: the API's messages are the ones we show, next to the fields, for every browser.
    // method="post": a submit before hydration must never put the password in the URL.
    <form ref={formRef} id={LOGIN_FORM_ID} method="post" noValidate onSubmit={onSubmit} aria-busy={pending} className="stack">
      <FormAlert problem={problem} shownFields={FIELDS} />
      <Field
        label="Email"
        name="email"
        type="email"
        autoComplete="email"
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
  );
}

'use client';
import { Field } from './field';
import { FormAlert } from './form-alert';
import { text, useAuthForm } from './use-auth-form';
import { useHydrated } from './use-hydrated';

const FIELDS = ['email', 'password', 'name'] as const;

/**
 * The register form: `Email`, `Password`, optional `Name`, `Create account`. `passwordMin` comes
 * from the server page, so the browser bundle does not need the zod schemas to know it.
 */
export function RegisterForm({ redirectTo, passwordMin }: { redirectTo: string; passwordMin: number }) {
  const hydrated = useHydrated();
  const { formRef, pending, problem, onSubmit } = useAuthForm(
    '/api/auth/register',
    (data) => ({ email: text(data, 'email'), password: text(data, 'password'), name: text(data, 'name') || undefined }),
    redirectTo,
  );
  return (
    <form ref={formRef} method="post" noValidate onSubmit={onSubmit} aria-busy={pending} className="stack">
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
      <Field
        label="Password"
        name="password"
        type="password"
        autoComplete="new-password"
        minLength={passwordMin}
        required
        hint={`At least ${passwordMin} characters. Long passphrases are welcome.`}
        errors={problem?.fields.password}
      />
      <Field label="Name" name="name" type="text" autoComplete="name" hint="Optional." errors={problem?.fields.name} />
      <button type="submit" className="button button-primary" disabled={pending || !hydrated}>
        {pending ? 'Creating account…' : 'Create account'}
      </button>
    </form>
  );
}

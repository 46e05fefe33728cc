import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { AccountDeletedNotice } from '@/app/_components/account-deleted-notice';
import { EmailLinkButton } from '@/app/_components/email-link-button';
import { LoginForm } from '@/app/_components/login-form';
import { PasskeySignIn } from '@/app/_components/passkey-sign-in';
import { ProviderSignInSection } from '@/app/_components/provider-sign-in-section';
import { getCurrentUser } from '@/lib/auth/dal';
import { nextParam, safeNextPath } from '@/lib/auth/redirects';

export const metadata: Metadata = { title: 'Sign in' };

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await getCurrentUser()) redirect('/dashboard');
  const params = await searchParams;
  const next = nextParam(params.next);
  // Set by the reset page after a successful reset (every session ended, so sign in anew).
  const status = params.reset === '1' ? 'Your password was changed. Sign in with your new password.' : null;
  // Checked here, on the server: the form only ever receives a same-site path.
  const redirectTo = safeNextPath(next);
  const registerHref = next === undefined ? '/register' : `/register?next=${encodeURIComponent(redirectTo)}`;
  return (
    <section className="card" aria-labelledby="login-title">
      <h1 id="login-title">Sign in</h1>
      <p className="muted">Welcome back. Sign in to continue.</p>
      <AccountDeletedNotice message={status} />
      <LoginForm
        redirectTo={redirectTo}
        secondStep={params.second_step === '1'}
        alternatives={
          <>
            <EmailLinkButton next={redirectTo} />
            <PasskeySignIn redirectTo={redirectTo} />
            <ProviderSignInSection next={redirectTo} error={params.oauth_error} />
          </>
        }
      />
      <p>
        <Link href="/forgot-password">Forgot password?</Link>
      </p>
      <p className="card-footer">
        New here? <Link href={registerHref}>Create an account</Link>
      </p>
    </section>
  );
}

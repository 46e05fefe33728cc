import type { Metadata } from 'next';
import Link from 'next/link';
import { BadResetLink, ResetPasswordForm } from '@/app/_components/reset-password-form';
import { getAuthDeps } from '@/lib/auth/deps';
import { linkTokenId } from '@/lib/auth/link-tokens';

// The token is in this page's URL: no Referer may carry it anywhere (checklist O61). The page
// loads nothing from third parties (CSP, lib/auth/csp.ts).
export const metadata: Metadata = { title: 'Choose a new password', referrer: 'no-referrer' };

/** Whether the link is live now, looked up without using it (the form's POST uses it). */
async function isLiveLink(token: string): Promise<boolean> {
  const { store, config } = await getAuthDeps();
  const id = linkTokenId(config.refreshTokenSecret, 'password_reset', token);
  return id !== null && (await store.findOneTimeToken(id, 'password_reset', Date.now())) !== null;
}

export default async function ResetPasswordPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const raw = (await searchParams).token;
  const token = typeof raw === 'string' ? raw : null;
  const live = token !== null && (await isLiveLink(token));
  return (
    <section className="card" aria-labelledby="reset-title">
      <h1 id="reset-title">Choose a new password</h1>
      {live ? <ResetPasswordForm token={token} /> : <BadResetLink />}
      <p className="card-footer">
        <Link href="/login">Back to sign in</Link>
      </p>
    </section>
  );
}

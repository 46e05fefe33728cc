import type { Metadata } from 'next';
import Link from 'next/link';
import { BadSignInLink, MagicLinkSignIn } from '@/app/_components/magic-link-sign-in';
import { getAuthDeps } from '@/lib/auth/deps';
import { isLiveSignInLink } from '@/lib/auth/magic-link';

// The token is in this page's URL: no Referer may carry it anywhere (checklist O61). Opening the
// page (a GET, as mail scanners do) spends nothing: only the button's POST signs in.
export const metadata: Metadata = { title: 'Sign in with your email link', referrer: 'no-referrer' };

/** Whether the link is live now, looked up without using it (the button's POST uses it). */
async function isLive(token: string): Promise<boolean> {
  return isLiveSignInLink(await getAuthDeps(), token, Date.now());
}

export default async function MagicLinkPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const raw = (await searchParams).token;
  const token = typeof raw === 'string' ? raw : null;
  const live = token !== null && (await isLive(token));
  return (
    <section className="card" aria-labelledby="magic-link-title">
      <h1 id="magic-link-title">Sign in with your email link</h1>
      {live ? <MagicLinkSignIn token={token} /> : <BadSignInLink />}
      <p className="card-footer">
        <Link href="/login">Back to sign in</Link>
      </p>
    </section>
  );
}

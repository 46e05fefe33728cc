import type { Metadata } from 'next';
import { VerifyEmailResult } from '@/app/_components/verify-email-result';
import { getCurrentUser } from '@/lib/auth/dal';

// The token is in this page's URL: no Referer may carry it anywhere.
export const metadata: Metadata = { title: 'Verify your email', referrer: 'no-referrer' };

export default async function VerifyEmailPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const raw = (await searchParams).token;
  const signedIn = (await getCurrentUser()) !== null;
  return (
    <section className="card" aria-labelledby="verify-title">
      <h1 id="verify-title">Verify your email</h1>
      <VerifyEmailResult token={typeof raw === 'string' && raw !== '' ? raw : null} signedIn={signedIn} />
    </section>
  );
}

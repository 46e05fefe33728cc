import type { Metadata } from 'next';
import Link from 'next/link';
import { redirect } from 'next/navigation';
import { RegisterForm } from '@/app/_components/register-form';
import { getCurrentUser } from '@/lib/auth/dal';
import { nextParam, safeNextPath } from '@/lib/auth/redirects';
import { PASSWORD_MIN } from '@/lib/auth/validation';

export const metadata: Metadata = { title: 'Create account' };

export default async function RegisterPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  if (await getCurrentUser()) redirect('/dashboard');
  const next = nextParam((await searchParams).next);
  const redirectTo = safeNextPath(next);
  const loginHref = next === undefined ? '/login' : `/login?next=${encodeURIComponent(redirectTo)}`;
  return (
    <section className="card" aria-labelledby="register-title">
      <h1 id="register-title">Create account</h1>
      <p className="muted">One email and a password. Nothing else is required.</p>
      <RegisterForm redirectTo={redirectTo} passwordMin={PASSWORD_MIN} />
      <p className="card-footer">
        Already have an account? <Link href={loginHref}>Sign in</Link>
      </p>
    </section>
  );
}

import type { Metadata } from 'next';
import Link from 'next/link';
import { ForgotPasswordForm } from '@/app/_components/forgot-password-form';

export const metadata: Metadata = { title: 'Forgot password' };

export default function ForgotPasswordPage() {
  return (
    <section className="card" aria-labelledby="forgot-title">
      <h1 id="forgot-title">Forgot your password?</h1>
      <p className="muted">Enter the email address of your account and we will send you a link to choose a new password.</p>
      <ForgotPasswordForm />
      <p className="card-footer">
        Remembered it? <Link href="/login">Sign in</Link>
      </p>
    </section>
  );
}

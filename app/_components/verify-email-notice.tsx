import type { UserRecord } from '@/db/store';
import { ResendVerificationButton } from './resend-verification';

/** On /dashboard and /account for an account whose address is not verified yet: a notice and the resend button. */
export function VerifyEmailNotice({ user, returnTo }: { user: Pick<UserRecord, 'email' | 'emailVerifiedAt'>; returnTo: string }) {
  if (user.emailVerifiedAt !== null) return null;
  return (
    <section className="panel notice" aria-labelledby="verify-email-title">
      <h2 id="verify-email-title">Verify your email address</h2>
      <p>
        We sent a link to <strong>{user.email}</strong>. Open it to confirm that the address is yours; it lets you reset your password by email.
      </p>
      <ResendVerificationButton returnTo={returnTo} />
    </section>
  );
}

import type { Metadata } from 'next';
import { redirect } from 'next/navigation';
import { SessionStatus } from '@/app/_components/session-status';
import { Time } from '@/app/_components/time';
import { VerifyEmailNotice } from '@/app/_components/verify-email-notice';
import { getCurrentUser } from '@/lib/auth/dal';
import { loginPath } from '@/lib/auth/redirects';
import { describeUserAgent } from '@/lib/user-agent';

export const metadata: Metadata = { title: 'Dashboard' };

export default async function DashboardPage() {
  // The middleware redirects signed-out visitors already; this check is the one that counts
  // (it also sees sessions revoked since the access token was issued).
  const current = await getCurrentUser();
  if (!current) redirect(loginPath('/dashboard'));
  const { user, session } = current;

  return (
    <div className="stack-large">
      <header className="page-header">
        <div>
          <h1>Dashboard</h1>
          <p className="lead">
            Signed in as <strong>{user.email}</strong>
            {user.name ? <> ({user.name})</> : null}
          </p>
          <a href="/account">Sessions, devices and password</a>
        </div>
      </header>

      <VerifyEmailNotice user={user} returnTo="/dashboard" />

      <section className="panel" aria-labelledby="session-title">
        <h2 id="session-title">This session</h2>
        <dl className="details">
          <div>
            <dt>Device</dt>
            <dd>{describeUserAgent(session.userAgent)}</dd>
          </div>
          <div>
            <dt>Signed in</dt>
            <dd>
              <Time at={session.createdAt} />
            </dd>
          </div>
          <div>
            <dt>Last refreshed</dt>
            <dd>
              <Time at={session.lastUsedAt} />
            </dd>
          </div>
          <div>
            <dt>Access token expires</dt>
            <dd>
              <Time at={session.accessTokenExpiresAt} />
            </dd>
          </div>
          <div>
            <dt>Refresh token expires if unused</dt>
            <dd>
              <Time at={session.expiresAt} />
            </dd>
          </div>
          <div>
            <dt>Session ends at the latest</dt>
            <dd>
              <Time at={session.absoluteExpiresAt} />
            </dd>
          </div>
        </dl>
      </section>

      <SessionStatus />
    </div>
  );
}

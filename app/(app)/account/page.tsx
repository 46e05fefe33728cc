import type { Metadata } from 'next';
import { Time } from '@/app/_components/time';
import { VerifyEmailNotice } from '@/app/_components/verify-email-notice';
import { getAccountOverview } from '@/lib/auth/dal';
import { PASSWORD_MIN } from '@/lib/auth/validation';
import { getConfig } from '@/lib/config';
import { ApiKeysSection } from './_components/api-keys-section';
import { ChangePasswordForm } from './_components/change-password-form';
import { ConnectedAccounts } from './_components/connected-accounts';
import { DeleteAccountForm } from './_components/delete-account-form';
import { PasskeysSection } from './_components/passkeys-section';
import { DeleteRowButton } from './_components/delete-row-button';
import { SignOutOthersButton } from './_components/sign-out-others-button';
import { TwoFactorSection } from './_components/two-factor-section';
import styles from './account.module.css';

export const metadata: Metadata = { title: 'Account' };

/** "15 minutes", "3 seconds": how long a revoked session's last access token may still pass the edge. */
function lifetime(ms: number): string {
  const [amount, unit] = ms >= 3_600_000 ? [ms / 3_600_000, 'hour'] : ms >= 60_000 ? [ms / 60_000, 'minute'] : [ms / 1_000, 'second'];
  const rounded = Math.round(amount);
  return `${rounded} ${unit}${rounded === 1 ? '' : 's'}`;
}

export default async function AccountPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  // Checked in the database, not only the access token: a session revoked from another device
  // sees nothing here, even before its access token expires.
  const { current, sessions, activity } = await getAccountOverview();
  const others = sessions.filter((session) => !session.current).length;

  return (
    <div className="stack-large">
      <header className="page-header">
        <div>
          <h1>Account</h1>
          <p className="lead">
            Signed in as <strong>{current.user.email}</strong>
          </p>
        </div>
      </header>

      <VerifyEmailNotice user={current.user} returnTo="/account" />

      <section className="panel" aria-labelledby="sessions-title">
        <h2 id="sessions-title">Sessions</h2>
        <p className="muted">
          Where your account is signed in, newest first. Revoking a session signs that device out: it cannot refresh any more, and
          anything that checks with the server refuses it at once. Its last access token expires within{' '}
          {lifetime(getConfig().accessTokenTtlMs)}.
        </p>
        <ul className={styles.sessions} aria-label="Sessions">
          {sessions.map((session) => (
              <li key={session.id} className={styles.session} data-session-id={session.id} aria-current={session.current ? 'true' : undefined}>
                <div>
                  <p className={styles.device}>
                    <span>{session.device}</span>
                    {session.current ? <span className={styles.badge}>This device</span> : null}
                  </p>
                  <dl className={styles.meta}>
                    <div>
                      <dt>IP address</dt>
                      <dd>{session.ip ?? 'unknown'}</dd>
                    </div>
                    <div>
                      <dt>Signed in with</dt>
                      <dd>{session.signedInWith}</dd>
                    </div>
                    <div>
                      <dt>Signed in</dt>
                      <dd>
                        <Time at={session.createdAt} />
                      </dd>
                    </div>
                    <div>
                      <dt>Last active</dt>
                      <dd>
                        <Time at={session.lastUsedAt} />
                      </dd>
                    </div>
                  </dl>
                </div>
                {session.current ? null : <DeleteRowButton path={`/api/auth/sessions/${encodeURIComponent(session.id)}`} id={session.id} label="Revoke" pendingLabel="Revoking…" status={`Revoking the session on ${session.device}…`} />}
              </li>
          ))}
        </ul>
        {others === 0 ? <p className={styles.empty}>No other sessions</p> : null}
        {/* Always mounted, so its "signed out" message outlives the button it hides (nothing left to sign out). */}
        <SignOutOthersButton hasOthers={others > 0} className={styles.footer} />
      </section>

      <section className="panel" aria-labelledby="password-title">
        <h2 id="password-title">Password</h2>
        <p className="muted">Changing your password signs out every other session. This one stays signed in.</p>
        <div className={styles.narrow}>
          <ChangePasswordForm email={current.user.email} passwordMin={PASSWORD_MIN} />
        </div>
      </section>

      <TwoFactorSection />
      <PasskeysSection />
      <ApiKeysSection />
      <ConnectedAccounts userId={current.user.id} connected={params.connected === '1'} error={params.oauth_error} />

      <section className="panel" aria-labelledby="activity-title">
        <h2 id="activity-title">Recent activity</h2>
        {activity.length === 0 ? (
          <p className={styles.empty}>No recent activity</p>
        ) : (
          <table className={styles.activity}>
            <thead>
              <tr>
                <th scope="col">What happened</th>
                <th scope="col">When</th>
                <th scope="col">Device</th>
                <th scope="col">IP address</th>
              </tr>
            </thead>
            <tbody>
              {activity.map((event) => (
                <tr key={event.id}>
                  <td>{event.label}</td>
                  <td>
                    <Time at={event.at} />
                  </td>
                  <td>{event.device}</td>
                  <td>{event.ip ?? 'unknown'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className={`panel ${styles.danger}`} aria-labelledby="delete-account-title">
        <h2 id="delete-account-title">Delete account</h2>
        <p className="muted">Deleting your account signs you out everywhere and deletes your data. It cannot be undone.</p>
        <div className={styles.narrow}>
          <DeleteAccountForm email={current.user.email} />
        </div>
      </section>
    </div>
  );
}

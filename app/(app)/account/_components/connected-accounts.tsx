import Link from 'next/link';
import { Time } from '@/app/_components/time';
import { getAuthDeps } from '@/lib/auth/deps';
import { oauthErrorMessage } from '@/lib/auth/oidc/messages';
import { listConnections } from '@/lib/auth/oidc/connections';
import { ConnectButton } from './connect-button';
import { DeleteRowButton } from './delete-row-button';
import styles from '../account.module.css';

/**
 * `Connected accounts` on /account: per provider, `Connect <Name>` or `Disconnect` (the server
 * refuses to remove the last way to sign in). Shown only when a provider is configured or linked.
 */
export async function ConnectedAccounts({ userId, connected, error }: { userId: string; connected: boolean; error: string | string[] | undefined }) {
  const { connections, hasPassword } = await listConnections(await getAuthDeps(), userId);
  if (connections.length === 0) return null;
  const ways = connections.filter((row) => row.connected).length + (hasPassword ? 1 : 0);
  const message = oauthErrorMessage(error);
  return (
    <section className="panel" aria-labelledby="connected-title">
      <h2 id="connected-title">Connected accounts</h2>
      <p className="muted">Sign in with these providers instead of a password. The last way to sign in to your account cannot be removed.</p>
      {hasPassword ? null : (
        <p className="muted">
          Your account has no password. To set one (to change settings that ask for it, or to delete the account), use{' '}
          <Link href="/forgot-password">Forgot password?</Link>: the link we mail you sets your first password.
        </p>
      )}
      {message ? (
        <p role="alert" className="form-alert">
          {message}
        </p>
      ) : null}
      {connected ? (
        <p role="status" className="form-success">
          The provider is connected. You can sign in with it from now on.
        </p>
      ) : null}
      <ul className={styles.sessions} aria-label="Connected accounts">
        {connections.map((row) => (
          <li key={row.id} className={styles.session}>
            <div>
              <p className={styles.device}>{row.name}</p>
              {row.connected ? (
                <p className="muted">
                  Connected{row.connected.email ? ` as ${row.connected.email}` : ''} on <Time at={row.connected.at} />
                </p>
              ) : (
                <p className="muted">Not connected</p>
              )}
            </div>
            {row.connected ? (
              // The server answers 409 `last_sign_in_method` for the last way to sign in, shown in the row.
              <DeleteRowButton
                path={`/api/auth/connections/${encodeURIComponent(row.id)}`}
                id={`${row.id}-connection`}
                label="Disconnect"
                pendingLabel="Disconnecting…"
                status={`Disconnecting ${row.name}…`}
                accessibleName={`Disconnect ${row.name}`}
                title={ways <= 1 ? 'This is the only way to sign in to your account' : undefined}
              />
            ) : row.configured ? (
              <ConnectButton provider={row.id} name={row.name} />
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

import { Time } from '@/app/_components/time';
import { requireUser } from '@/lib/auth/dal';
import { getAuthDeps } from '@/lib/auth/deps';
import { listPasskeys } from '@/lib/auth/passkeys';
import styles from '../account.module.css';
import { AddPasskeyButton } from './add-passkey-button';
import { DeleteRowButton } from './delete-row-button';

/**
 * The account page's `Passkeys` section: one row per passkey (name, added, last used) with
 * `Remove`, an empty state, and `Add a passkey`. Loads its own data (checked against the database
 * like the rest of the page), so the page only places it.
 */
export async function PasskeysSection() {
  const { user } = await requireUser('/account');
  const passkeys = await listPasskeys(await getAuthDeps(), user);
  return (
    <section className="panel" aria-labelledby="passkeys-title">
      <h2 id="passkeys-title">Passkeys</h2>
      <p className="muted">
        A passkey signs you in with your fingerprint, face or screen lock instead of your password. It stays on your device (or in
        your password manager) and works only on this site, so it cannot be phished.
      </p>
      {passkeys.length === 0 ? (
        <p className={styles.empty}>No passkeys yet</p>
      ) : (
        <ul className={styles.sessions} aria-label="Passkeys">
          {passkeys.map((passkey) => (
            <li key={passkey.id} className={styles.session} data-passkey-id={passkey.id}>
              <div>
                <p className={styles.device}>{passkey.name}</p>
                <dl className={styles.meta}>
                  <div>
                    <dt>Added</dt>
                    <dd>
                      <Time at={passkey.createdAt} />
                    </dd>
                  </div>
                  <div>
                    <dt>Last used</dt>
                    <dd>{passkey.lastUsedAt === null ? 'Never' : <Time at={passkey.lastUsedAt} />}</dd>
                  </div>
                </dl>
              </div>
              <DeleteRowButton path={`/api/auth/passkeys/${encodeURIComponent(passkey.id)}`} id={passkey.id} label="Remove" pendingLabel="Removing…" status={`Removing the passkey ${passkey.name}…`} />
            </li>
          ))}
        </ul>
      )}
      <AddPasskeyButton className={styles.footer} />
    </section>
  );
}

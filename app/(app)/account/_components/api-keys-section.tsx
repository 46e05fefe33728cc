import { Suspense } from 'react';
import { API_KEY_EXPIRY_DAYS, API_KEY_NAME_MAX, MAX_API_KEYS } from '@/lib/auth/create-api-key';
import { requireUser } from '@/lib/auth/dal';
import { getAuthDeps } from '@/lib/auth/deps';
import { listApiKeys } from '@/lib/auth/list-api-keys';
import { ApiKeysManager } from './api-keys-manager';

/**
 * The account page's `API keys` section (contract "Machine clients"): create a key (shown once),
 * the list with name, created, last used and `Revoke`. The list streams in behind a loading
 * message, so the rest of the page never waits for it.
 */
export function ApiKeysSection() {
  return (
    <section className="panel" aria-labelledby="api-keys-title">
      <h2 id="api-keys-title">API keys</h2>
      <p className="muted">
        For scripts and other programs: send a key as <code>Authorization: Bearer &lt;key&gt;</code>. A key can read your account (who you
        are, your sessions) but never change it: no password change, no sign-outs, no new keys. Revoking a key stops it at once.
      </p>
      <Suspense
        fallback={
          <p role="status" className="muted">
            Loading API keys…
          </p>
        }
      >
        <ApiKeysLoader />
      </Suspense>
    </section>
  );
}

/** The signed-in user's keys, checked in the database (memoised with the page's own check): a revoked session sees nothing. */
async function currentUsersKeys() {
  const { user } = await requireUser('/account');
  const { store } = await getAuthDeps();
  return listApiKeys(store, user.id, Date.now());
}

async function ApiKeysLoader() {
  const keys = await currentUsersKeys();
  return <ApiKeysManager keys={keys} expiryDays={[...API_KEY_EXPIRY_DAYS]} nameMax={API_KEY_NAME_MAX} maxKeys={MAX_API_KEYS} />;
}

/**
 * A signed-in caller proving again that they know the password, before a change that needs it
 * (password change, account deletion). Shared so both keep the same two rules: the check is a
 * password guess, throttled like sign-in; and what it proved is re-checked inside the Store's
 * atomic write (a `Confirmation`), since bcrypt yields and the world may change meanwhile.
 */
import 'server-only';
import type { Confirmation, RecheckFailure } from '@/db/store';
import type { Authenticated } from './authenticate';
import type { AuthDeps } from './deps';
import { AuthError } from './errors';
import type { ClientContext } from './events';
import { verifyPassword } from './passwords';

type Caller = Pick<Authenticated, 'user' | 'session'>;

/**
 * Checks the caller's password; returns what the write must re-check. Throws 401
 * `invalid_credentials` for a wrong password and 429 `rate_limited` while the IP or account is
 * throttled. The attempt counts in the sign-in buckets before any bcrypt work, so a stolen session
 * gets no free guesses and parallel guesses cannot all slip through before the first is written.
 */
export async function confirmPassword({ store, config, limits }: AuthDeps, caller: Caller, password: string, client: ClientContext, action: string, now: number): Promise<Confirmation> {
  await limits.consumeIp(store, config, client, action, now);
  await limits.consumeAccount(store, config, caller.user.email, client, action, now);
  const credentials = await store.findCredentials({ id: caller.user.id });
  if (!credentials) throw new AuthError('unauthenticated');
  // An account without a password (made by a provider sign-in) has none to confirm: it sets one
  // first with a reset link (forgot password), which proves the mailbox.
  if (credentials.passwordHash === null || !(await verifyPassword(password, credentials.passwordHash))) throw new AuthError('invalid_credentials');
  await limits.resetAccount(caller.user.email);
  return { userId: caller.user.id, sessionId: caller.session.id, confirmedHash: credentials.passwordHash, now };
}

/**
 * The error for a failed re-check: the caller's session ended meanwhile (401 `unauthenticated`),
 * or a concurrent change won (401 `invalid_credentials`).
 */
export function recheckFailed(reason: RecheckFailure): AuthError {
  return new AuthError(reason === 'session_ended' ? 'unauthenticated' : 'invalid_credentials');
}

/**
 * A signed-in caller proving again that they know the password, before a change that needs it
 * (password change, account deletion). Shared so both keep the same two rules: the check is a
 * password guess, throttled like sign-in; and what it proved is re-checked inside the write
 * transaction, since bcrypt yields and the world may change meanwhile.
 */
import 'server-only';
import type { Db } from '@/db/client';
import { findCredentials } from '@/db/users';
import type { AuthDeps } from './account';
import type { Authenticated } from './authenticate';
import { AuthError } from './errors';
import type { ClientContext } from './events';
import { verifyPassword } from './passwords';
import { consumeAccountAttempt, consumeIpAttempt } from './rate-limit';
import { findLiveSession } from './sessions';

type Caller = Pick<Authenticated, 'user' | 'session'>;

/**
 * Checks the caller's password; returns the hash it matched, for `assertStillConfirmed`. Throws 401
 * `invalid_credentials` for a wrong password and 429 `rate_limited` while the IP or account is
 * throttled. The attempt counts in the sign-in buckets before any bcrypt work, so a stolen session
 * gets no free guesses and parallel guesses cannot all slip through before the first is written.
 */
export async function confirmPassword({ db, config }: Pick<AuthDeps, 'db' | 'config'>, caller: Caller, password: string, client: ClientContext, action: string, now: number): Promise<string> {
  consumeIpAttempt(db, config, client, action, now);
  consumeAccountAttempt(db, config, caller.user.email, client, action, now);
  const credentials = findCredentials(db, { id: caller.user.id });
  if (!credentials) throw new AuthError('unauthenticated');
  if (!(await verifyPassword(password, credentials.passwordHash))) throw new AuthError('invalid_credentials');
  return credentials.passwordHash;
}

/**
 * Inside the write transaction: the caller's session is still live (401 `unauthenticated`) and the
 * password is still the one confirmed (401 `invalid_credentials`: a concurrent change won).
 */
export function assertStillConfirmed(db: Db, caller: Caller, confirmedHash: string, now: number): void {
  if (!findLiveSession(db, caller.session.id, now)) throw new AuthError('unauthenticated');
  if (findCredentials(db, { id: caller.user.id })?.passwordHash !== confirmedHash) throw new AuthError('invalid_credentials');
}

/**
 * Deleting one's own account (contract: DELETE /api/auth/account; checklist N57, GDPR art. 17):
 * the password is required, every session ends, the user row and everything that names the person
 * goes, and the security record stays without personal data, so an audit still sees what happened
 * and when, but no longer to whom.
 */
import 'server-only';
import type { z } from 'zod';
import { anonymizeUserSecurityEvents } from '@/db/security-events';
import { deleteUserSessions } from '@/db/sessions';
import { deleteUser, findCredentials } from '@/db/users';
import type { AuthDeps } from './account';
import type { Authenticated } from './authenticate';
import { AuthError } from './errors';
import { recordSecurityEvent, type ClientContext } from './events';
import { verifyPassword } from './passwords';
import { consumeAccountAttempt, consumeIpAttempt, resetAccountAttempts } from './rate-limit';
import { findLiveSession } from './sessions';
import type { deleteAccountSchema } from './validation';

export type DeleteAccountInput = z.output<typeof deleteAccountSchema>;

/** The `account_deleted` event names nobody: no user, no session, no IP, no user agent. */
const NOBODY: ClientContext = { ip: null, userAgent: null };

/**
 * Checks the password, then deletes the caller's account in one write transaction. Throws 401
 * `invalid_credentials` for a wrong password, 429 `rate_limited` while the IP or the account is
 * throttled, and 401 `unauthenticated` when the caller's session ended meanwhile.
 */
export async function deleteAccount(
  { db, config }: Pick<AuthDeps, 'db' | 'config'>,
  caller: Pick<Authenticated, 'user' | 'session'>,
  input: DeleteAccountInput,
  client: ClientContext,
  now: number,
): Promise<void> {
  // A password check is a password guess: throttled like sign-in, in the same per-IP and
  // per-account buckets, and counted before any bcrypt work, so a stolen session gets no free
  // guesses (and parallel guesses cannot all slip through before the first failure is written).
  consumeIpAttempt(db, config, client, 'account_delete', now);
  consumeAccountAttempt(db, config, caller.user.email, client, 'account_delete', now);
  const credentials = findCredentials(db, { id: caller.user.id });
  if (!credentials) throw new AuthError('unauthenticated');
  if (!(await verifyPassword(input.password, credentials.passwordHash))) throw new AuthError('invalid_credentials');

  // bcrypt yielded: re-check the world in one write transaction (BEGIN IMMEDIATE) before deleting.
  db.transaction(
    () => {
      // A session revoked while we hashed must not get to delete the account.
      if (!findLiveSession(db, caller.session.id, now)) throw new AuthError('unauthenticated');
      // The password changed meanwhile: the one we checked no longer opens this account.
      if (findCredentials(db, { id: caller.user.id })?.passwordHash !== credentials.passwordHash) throw new AuthError('invalid_credentials');
      // Events first: once the user row is gone the foreign key has already nulled user_id, and
      // the rows with the person's IPs and devices could no longer be found.
      anonymizeUserSecurityEvents(db, caller.user.id);
      // Deleted, not just revoked: session rows hold the person's IPs and devices. Every refresh
      // token of them is refused from here on (its session is unknown), and every access token
      // at the next database check.
      deleteUserSessions(db, caller.user.id);
      // Failure counters keyed by the email: the address is personal data, and whoever registers
      // it next starts clean.
      resetAccountAttempts(db, caller.user.email);
      deleteUser(db, caller.user.id);
      recordSecurityEvent(db, { type: 'account_deleted', client: NOBODY }, now);
    },
    { behavior: 'immediate' },
  );
}

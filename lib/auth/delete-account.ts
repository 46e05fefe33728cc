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
import { deleteUser } from '@/db/users';
import type { AuthDeps } from './account';
import type { Authenticated } from './authenticate';
import { assertStillConfirmed, confirmPassword } from './confirm-password';
import { recordSecurityEvent, type ClientContext } from './events';
import { resetAccountAttempts } from './rate-limit';
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
  const confirmedHash = await confirmPassword({ db, config }, caller, input.password, client, 'account_delete', now);

  // bcrypt yielded: re-check the world in one write transaction (BEGIN IMMEDIATE) before deleting.
  db.transaction(
    () => {
      // A session revoked, or a password changed, while we hashed must not get to delete the account.
      assertStillConfirmed(db, caller, confirmedHash, now);
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

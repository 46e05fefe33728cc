/**
 * Changing the password of a signed-in user (checklist C17, ASVS 7.4.3): the current password is
 * required, the new one follows the registration rules (length, not common, not the email), and every OTHER session of the account is
 * revoked, since whoever knew the old password may hold one of them. The session making the
 * change goes on.
 */
import 'server-only';
import type { z } from 'zod';
import { revokeUserSessions } from '@/db/sessions';
import { updatePasswordHash } from '@/db/users';
import type { AuthDeps } from './account';
import type { Authenticated } from './authenticate';
import { assertStillConfirmed, confirmPassword } from './confirm-password';
import { AuthError } from './errors';
import { recordSecurityEvent, type ClientContext } from './events';
import { passwordProblems } from './password-policy';
import { hashPassword } from './passwords';
import { resetAccountAttempts } from './rate-limit';
import type { changePasswordSchema } from './validation';

export type ChangePasswordInput = z.output<typeof changePasswordSchema>;

/**
 * Checks the current password, stores a hash of the new one and revokes the caller's other
 * sessions. Throws 401 `invalid_credentials` for a wrong current password and 401
 * `unauthenticated` when the caller's own session ended meanwhile. Returns how many sessions ended.
 */
export async function changePassword(
  { db, config }: Pick<AuthDeps, 'db' | 'config'>,
  caller: Pick<Authenticated, 'user' | 'session'>,
  input: ChangePasswordInput,
  client: ClientContext,
  now: number,
): Promise<{ revokedSessions: number }> {
  const problems = passwordProblems(input.newPassword, caller.user.email);
  if (problems.length > 0) throw new AuthError('validation_error', { fields: { newPassword: problems } });
  const confirmedHash = await confirmPassword({ db, config }, caller, input.currentPassword, client, 'password_change', now);
  resetAccountAttempts(db, caller.user.email);
  const passwordHash = await hashPassword(input.newPassword, config.bcryptCost);

  // bcrypt yielded twice: re-check the world in one write transaction before committing anything.
  return db.transaction(
    () => {
      // A session revoked, or a concurrent change that won the race, while we hashed.
      assertStillConfirmed(db, caller, confirmedHash, now);
      updatePasswordHash(db, caller.user.id, passwordHash, now);
      const revoked = revokeUserSessions(db, caller.user.id, 'password_changed', now, caller.session.id);
      for (const sessionId of revoked) {
        recordSecurityEvent(db, { type: 'session_revoked', userId: caller.user.id, sessionId, client, detail: { reason: 'password_changed' } }, now);
      }
      recordSecurityEvent(db, { type: 'password_changed', userId: caller.user.id, sessionId: caller.session.id, client, detail: { revokedSessions: revoked.length } }, now);
      return { revokedSessions: revoked.length };
    },
    { behavior: 'immediate' },
  );
}

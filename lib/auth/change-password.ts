/**
 * Changing the password of a signed-in user (POST /api/auth/password; checklist C17, ASVS 7.4.3):
 * the current password is required, the new one follows the registration rules (length, not
 * common, not the email), and every OTHER session of the account is revoked, since whoever knew
 * the old password may hold one of them. The session making the change goes on.
 */
import 'server-only';
import type { z } from 'zod';
import type { Authenticated } from './authenticate';
import { confirmPassword, recheckFailed } from './confirm-password';
import type { AuthDeps } from './deps';
import { AuthError } from './errors';
import { logSecurityEvents, revocationEvent, revokedEvents, securityEvent, type ClientContext } from './events';
import { noticePasswordChanged } from './notices';
import { passwordProblems } from './password-policy';
import { hashPassword } from './passwords';
import type { changePasswordSchema } from './validation';

export type ChangePasswordInput = z.output<typeof changePasswordSchema>;

/**
 * Checks the current password, stores a hash of the new one and revokes the caller's other
 * sessions. Throws 401 `invalid_credentials` for a wrong current password and 401
 * `unauthenticated` when the caller's own session ended meanwhile. Returns how many sessions ended.
 */
export async function changePassword(
  deps: AuthDeps,
  caller: Pick<Authenticated, 'user' | 'session'>,
  input: ChangePasswordInput,
  client: ClientContext,
  now: number,
): Promise<{ revokedSessions: number }> {
  const problems = passwordProblems(input.newPassword, caller.user.email);
  if (problems.length > 0) throw new AuthError('validation_error', { fields: { newPassword: problems } });
  const confirmation = await confirmPassword(deps, caller, input.currentPassword, client, 'password_change', now);
  const passwordHash = await hashPassword(input.newPassword, deps.config.bcryptCost);

  const revokedEvent = revocationEvent(caller.user.id, 'password_changed', client, now);
  // The count of revoked sessions is known only inside the write; the event says how many ended.
  const result = await deps.store.changePassword(confirmation, passwordHash, revokedEvent, []);
  if (!result.ok) throw recheckFailed(result.reason);
  const changed = securityEvent({ type: 'password_changed', userId: caller.user.id, sessionId: caller.session.id, client, detail: { revokedSessions: result.value.length } }, now);
  await deps.store.addSecurityEvents([changed]);
  logSecurityEvents([...revokedEvents(revokedEvent, result.value), changed]);
  noticePasswordChanged(deps, caller.user, client, now);
  return { revokedSessions: result.value.length };
}

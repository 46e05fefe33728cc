/**
 * Password reset by mailed link (contract "Email"; checklist O59–O62).
 *
 * Requesting one (POST /api/auth/password/forgot) answers 202 with one fixed body whether or not
 * an account has the address (lib/auth/link-request.ts: the same rules as sign-in links). An
 * account without a password (made by a provider sign-in) can set its first one this way.
 *
 * Using one (POST /api/auth/password/reset) checks the new password like registration does,
 * then in one atomic step spends the link, stores the new hash, marks the address verified (the
 * link proved the mailbox), revokes every session and kills the account's other links.
 */
import 'server-only';
import { passwordChangedMail, passwordResetMail } from '@/lib/mail/messages';
import { sendAfterResponse } from '@/lib/mail/outbox';
import type { AuthDeps } from './deps';
import { AuthError } from './errors';
import { logSecurityEvents, revocationEvent, revokedEvents, securityEvent, unattributed, type ClientContext } from './events';
import { requestLinkByMail } from './link-request';
import { linkTokenId } from './link-tokens';
import { passwordProblems } from './password-policy';
import { hashPassword } from './passwords';

/** The one answer to every forgot-password request that passes the limits. */
export const FORGOT_PASSWORD_MESSAGE = 'If an account uses this email address, we have sent it a link to reset the password. Check your inbox.';

/** POST /api/auth/password/forgot: limits now, everything that depends on the account after the response. */
export async function requestPasswordReset(deps: AuthDeps, email: string, client: ClientContext, now: number): Promise<void> {
  await requestLinkByMail(
    deps,
    email,
    { kind: 'password_reset', action: 'password_forgot', requestedEvent: 'password_reset_requested', ttlMs: deps.config.passwordResetTtlMs, pathname: '/reset-password', mail: passwordResetMail },
    client,
    now,
  );
}

export interface ResetPasswordInput {
  token: string;
  newPassword: string;
}

/** POST /api/auth/password/reset: 400 `invalid_token` or `validation_error`; on success every session of the account ends. */
export async function resetPasswordWithLink(deps: AuthDeps, input: ResetPasswordInput, client: ClientContext, now: number): Promise<void> {
  const { store, config, limits } = deps;
  await limits.consumeIp(store, config, client, 'password_reset', now);
  const id = linkTokenId(config.refreshTokenSecret, 'password_reset', input.token);
  // Looked at (not used) first: a new password the policy refuses must not spend the link.
  const link = id === null ? null : await store.findOneTimeToken(id, 'password_reset', now);
  if (id === null || link === null) throw new AuthError('invalid_token');
  const problems = passwordProblems(input.newPassword, link.email);
  if (problems.length > 0) throw new AuthError('validation_error', { fields: { newPassword: problems } });
  const passwordHash = await hashPassword(input.newPassword, config.bcryptCost);

  const revoked = unattributed(revocationEvent(link.userId, 'password_reset', client, now));
  const event = unattributed(securityEvent({ type: 'password_reset', client }, now));
  // Used, expired, superseded or killed by a password change while the hash was computed: refused.
  const result = await store.resetPassword(id, passwordHash, now, revoked, [event]);
  if (!result) throw new AuthError('invalid_token');
  logSecurityEvents([...revokedEvents({ ...revoked, userId: result.userId }, result.revokedSessionIds), { ...event, userId: result.userId }]);
  sendAfterResponse(
    { store, config, userId: result.userId, client },
    passwordChangedMail(link.email, 'reset', now, new URL('/account', config.appOrigin).toString(), new URL('/forgot-password', config.appOrigin).toString()),
  );
}

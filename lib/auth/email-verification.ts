/**
 * Email verification: the link mailed on registration (and again on request, or after a sign-in
 * refused for an unverified address), and using it (POST /api/auth/email/verify), which works
 * signed out and on any device: the link itself is the proof.
 */
import 'server-only';
import type { UserRecord } from '@/db/store';
import { verificationMail } from '@/lib/mail/messages';
import { deliverOrRecord } from '@/lib/mail/outbox';
import { afterResponse } from '@/lib/background';
import type { Authenticated } from './authenticate';
import type { AuthDeps } from './deps';
import { AuthError } from './errors';
import { logSecurityEvents, securityEvent, unattributed, type ClientContext } from './events';
import { linkTokenId, linkUrl, newLinkToken } from './link-tokens';

/** The answer to every resend request that passes the limits. */
export const VERIFICATION_SENT_MESSAGE = 'If your address is not verified yet, we have sent you a new link. Check your inbox.';

type LinkDeps = Pick<AuthDeps, 'store' | 'config'>;

/**
 * Issues a verification link (superseding the user's older one) and mails it. Runs after the
 * response (callers wrap it in afterResponse); a user deleted meanwhile gets nothing.
 */
export async function mailVerificationLink({ store, config }: LinkDeps, user: Pick<UserRecord, 'id' | 'email'>, client: ClientContext, now: number): Promise<void> {
  const { token, record } = newLinkToken(config.refreshTokenSecret, 'email_verification', user, now, config.emailVerificationTtlMs);
  const event = securityEvent({ type: 'email_verification_sent', userId: user.id, client }, now);
  if (!(await store.issueOneTimeToken(record, [event]))) return;
  logSecurityEvents([event]);
  await deliverOrRecord({ store, config, userId: user.id, client }, verificationMail(user.email, linkUrl(config.appOrigin, '/verify-email', token), config.emailVerificationTtlMs));
}

/**
 * POST /api/auth/email/verification: a new link for the signed-in user, unless the address is
 * already verified (202 either way, and no mail then). Limited per IP and per address (429).
 */
export async function resendVerification(deps: AuthDeps, caller: Pick<Authenticated, 'user'>, client: ClientContext, now: number): Promise<void> {
  const { store, config, limits } = deps;
  if (caller.user.emailVerifiedAt !== null) return;
  await limits.consumeIp(store, config, client, 'email_verification', now);
  await limits.consumeMailbox(store, caller.user.email, client, 'email_verification', now);
  afterResponse(() => mailVerificationLink(deps, caller.user, client, now));
}

/**
 * Sends a fresh link after a sign-in refused for an unverified address (REQUIRE_EMAIL_VERIFICATION),
 * unless the address had its share of link mails this window: then the refusal goes out alone.
 */
export async function resendAfterRefusedSignIn(deps: AuthDeps, user: Pick<UserRecord, 'id' | 'email'>, client: ClientContext, now: number): Promise<void> {
  try {
    await deps.limits.consumeMailbox(deps.store, user.email, client, 'email_verification', now);
  } catch (error) {
    if (error instanceof AuthError && error.code === 'rate_limited') return;
    throw error;
  }
  afterResponse(() => mailVerificationLink(deps, user, client, now));
}

/** Uses a verification link: the user, now verified; 400 `invalid_token` for anything else. */
export async function verifyEmailWithLink({ store, config }: LinkDeps, token: string, client: ClientContext, now: number): Promise<UserRecord> {
  const id = linkTokenId(config.refreshTokenSecret, 'email_verification', token);
  if (id === null) throw new AuthError('invalid_token');
  // Whose address it is, only the link knows: the store fills in the user.
  const event = unattributed(securityEvent({ type: 'email_verified', client }, now));
  const user = await store.verifyEmail(id, now, [event]);
  if (!user) throw new AuthError('invalid_token');
  logSecurityEvents([{ ...event, userId: user.id }]);
  return user;
}

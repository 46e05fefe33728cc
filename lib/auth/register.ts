/**
 * Registration (POST /api/auth/register): a new account, signed in on its first session, and a
 * mail with a link to verify the address.
 *
 * With REQUIRE_EMAIL_VERIFICATION on, registration does not sign in, and a taken address gets the
 * same 201 as a new one (its owner gets a mail saying someone tried), so the form reveals nothing
 * about which addresses have accounts. With it off, a taken address is 409 `email_taken`, as the
 * contract says: the account is signed in at once, so there is nothing to hide behind.
 */
import 'server-only';
import type { UserRecord } from '@/db/store';
import { registrationAttemptMail } from '@/lib/mail/messages';
import { deliverOrRecord } from '@/lib/mail/outbox';
import { afterResponse } from '@/lib/background';
import type { AuthDeps } from './deps';
import { deviceKey } from './devices';
import { mailVerificationLink } from './email-verification';
import { AuthError } from './errors';
import { logSecurityEvents, securityEvent, type ClientContext } from './events';
import { passwordProblems } from './password-policy';
import { hashPassword } from './passwords';
import { issueTokens, newSession, type IssuedTokens } from './session-tokens';
import type { RegisterInput } from './validation';

export interface SignedIn {
  user: UserRecord;
  tokens: IssuedTokens;
}

export interface Registered {
  user: UserRecord;
  /** Null when registration does not sign in (REQUIRE_EMAIL_VERIFICATION). */
  tokens: IssuedTokens | null;
}

/** Creates an account (signed in unless REQUIRE_EMAIL_VERIFICATION) and mails a verification link. */
export async function registerUser(deps: AuthDeps, input: RegisterInput, client: ClientContext, now: number): Promise<Registered> {
  const { store, config, keys, limits } = deps;
  await limits.consumeIp(store, config, client, 'register', now);
  const problems = passwordProblems(input.password, input.email);
  if (problems.length > 0) throw new AuthError('validation_error', { fields: { password: problems } });
  const passwordHash = await hashPassword(input.password, config.bcryptCost);
  const userId = crypto.randomUUID();
  const session = config.requireEmailVerification ? null : newSession(config, userId, 'password', client, now);
  const event = securityEvent({ type: 'user_registered', userId, sessionId: session?.id ?? null, client }, now);
  // The user, their first session and the event are one write: never an account without its session.
  const user = await store.register({ id: userId, email: input.email, name: input.name, passwordHash }, session, [event], now);
  if (!user) {
    if (!config.requireEmailVerification) throw new AuthError('email_taken', { fields: { email: ['An account with this email already exists.'] } });
    afterResponse(() => warnOwnerOfTakenAddress(deps, input.email, client, now));
    // The same answer as for a new account: an id nobody has, the address and name as given.
    return { user: { id: userId, email: input.email, name: input.name, createdAt: now, emailVerifiedAt: null }, tokens: null };
  }
  logSecurityEvents([event]);
  // The device that registered is the account's first known device (no "new sign-in" mail for it).
  await store.rememberDevice(user.id, deviceKey(client), now);
  afterResponse(() => mailVerificationLink(deps, user, client, now));
  return { user, tokens: session ? await issueTokens(session, 0, config, keys, now) : null };
}

/**
 * Tells the owner of a taken address that someone tried to register it (at most a few mails per
 * window). Runs after the response, so a taken address costs the request no more than a new one.
 */
async function warnOwnerOfTakenAddress({ store, config, limits }: AuthDeps, email: string, client: ClientContext, now: number): Promise<void> {
  try {
    await limits.consumeMailbox(store, email, client, 'register', now);
  } catch (error) {
    if (error instanceof AuthError && error.code === 'rate_limited') return;
    throw error;
  }
  const origin = config.appOrigin;
  await deliverOrRecord({ store, config, userId: null, client }, registrationAttemptMail(email, new URL('/login', origin).toString(), new URL('/forgot-password', origin).toString()));
}

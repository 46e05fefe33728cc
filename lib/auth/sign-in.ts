/**
 * Sign-in with email and password (POST /api/auth/login). Unknown email and wrong password are
 * indistinguishable: same error, same bcrypt work, same throttling (checklist G32–G34).
 */
import 'server-only';
import type { AuthDeps } from './deps';
import { AuthError } from './errors';
import { logSecurityEvents, recordSecurityEvent, securityEvent, type ClientContext } from './events';
import { resendAfterRefusedSignIn } from './email-verification';
import { sessionOfRefreshToken } from './find-session';
import { noticeIfNewDevice } from './notices';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './passwords';
import type { SignedIn } from './register';
import { revokeSession } from './revoke';
import { issueTokens, newSession } from './session-tokens';
import type { LoginInput } from './validation';

/**
 * Checks credentials and starts a session; 401 `invalid_credentials` on any mismatch.
 * `previousRefreshToken` is the refresh cookie this browser still carries, if any: once the
 * password is accepted, the session it names ends (see endPreviousSession).
 */
export async function signIn(deps: AuthDeps, input: LoginInput, client: ClientContext, now: number, previousRefreshToken: string | null = null): Promise<SignedIn> {
  const { store, config, keys, limits } = deps;
  await limits.consumeIp(store, config, client, 'sign_in', now);
  // Keyed by the email as typed, whether or not an account has it (checklist G34).
  await limits.consumeAccount(store, config, input.email, client, 'sign_in', now);
  const found = await store.findCredentials({ email: input.email });
  const ok = found ? await verifyPassword(input.password, found.passwordHash) : await verifyAgainstDummy(input.password, config.bcryptCost);
  if (!found || !ok) {
    await recordSecurityEvent(store, { type: 'sign_in_failed', userId: found?.id ?? null, client, detail: { reason: found ? 'wrong_password' : 'unknown_email' } }, now);
    throw new AuthError('invalid_credentials');
  }
  await limits.resetAccount(input.email);
  const { passwordHash, ...user } = found;
  if (config.requireEmailVerification && user.emailVerifiedAt === null) {
    // Only now, after the right password: the refusal tells nothing to someone without it.
    await recordSecurityEvent(store, { type: 'sign_in_failed', userId: user.id, client, detail: { reason: 'email_not_verified' } }, now);
    await resendAfterRefusedSignIn(deps, user, client, now);
    throw new AuthError('email_not_verified');
  }
  if (needsRehash(passwordHash, config.bcryptCost)) {
    // The cost was raised since this hash was made: upgrade it while we have the password
    // (only if no password change got there first).
    await store.rehashPassword(user.id, passwordHash, await hashPassword(input.password, config.bcryptCost), now);
  }
  if (previousRefreshToken) await endPreviousSession(deps, previousRefreshToken, client, now);
  const session = newSession(config, user.id, client, now);
  const event = securityEvent({ type: 'sign_in_succeeded', userId: user.id, sessionId: session.id, client }, now);
  await store.insertSession(session, [event]);
  logSecurityEvents([event]);
  await noticeIfNewDevice(deps, user, session.id, client, now);
  return { user, tokens: await issueTokens(session, 0, config, keys, now) };
}

/**
 * Ends the session of the refresh cookie a browser carried into a successful sign-in, whichever
 * account it belongs to. The sign-in overwrites that cookie, so the old session could never be
 * used from this browser again; left alive it would linger in the account's session list and keep
 * a working refresh token for anyone who copied the cookie earlier. A session of another account
 * (someone else signed in on this browser before) is orphaned the same way, so it ends too.
 * Only an authentic token counts: a made-up or foreign cookie ends nothing.
 */
async function endPreviousSession({ store, config }: AuthDeps, rawToken: string, client: ClientContext, now: number): Promise<void> {
  const session = await sessionOfRefreshToken(store, config, rawToken);
  if (session && session.revokedAt === null) await revokeSession(store, session, 'signed_in_again', client, now);
}

/**
 * Sign-in with email and password (POST /api/auth/login). Unknown email and wrong password are
 * indistinguishable: same error, same bcrypt work, same throttling (checklist G32–G34).
 */
import 'server-only';
import type { AuthDeps } from './deps';
import { AuthError } from './errors';
import { recordSecurityEvent, type ClientContext } from './events';
import { resendAfterRefusedSignIn } from './email-verification';
import { hashPassword, needsRehash, verifyAgainstDummy, verifyPassword } from './passwords';
import { requireSecondStepOrStart, type FirstStepOutcome } from './second-factor';
import type { LoginInput } from './validation';

/**
 * Checks credentials and starts a session, or, for an account with two-factor on, returns the
 * challenge of the second step instead (lib/auth/second-factor.ts); 401 `invalid_credentials` on any mismatch.
 * `previousRefreshToken` is the refresh cookie this browser still carries, if any: once the
 * password is accepted, the session it names ends (see endPreviousSession).
 */
export async function signIn(deps: AuthDeps, input: LoginInput, client: ClientContext, now: number, previousRefreshToken: string | null = null): Promise<FirstStepOutcome> {
  const { store, config, limits } = deps;
  await limits.consumeIp(store, config, client, 'sign_in', now);
  // Keyed by the email as typed, whether or not an account has it (checklist G34).
  await limits.consumeAccount(store, config, input.email, client, 'sign_in', now);
  const found = await store.findCredentials({ email: input.email });
  // An account without a password (made by a provider sign-in) costs the same bcrypt work as any
  // other refusal, and is refused the same way: the answer tells nobody it exists or how it signs in.
  const hash = found?.passwordHash ?? null;
  const ok = hash !== null ? await verifyPassword(input.password, hash) : await verifyAgainstDummy(input.password, config.bcryptCost);
  if (!found || hash === null || !ok) {
    const reason = !found ? 'unknown_email' : hash === null ? 'no_password' : 'wrong_password';
    await recordSecurityEvent(store, { type: 'sign_in_failed', userId: found?.id ?? null, client, detail: { reason } }, now);
    throw new AuthError('invalid_credentials');
  }
  const { passwordHash: storedHash, ...user } = found;
  if (config.requireEmailVerification && user.emailVerifiedAt === null) {
    // Only now, after the right password: the refusal tells nothing to someone without it.
    await recordSecurityEvent(store, { type: 'sign_in_failed', userId: user.id, client, detail: { reason: 'email_not_verified' } }, now);
    // The password was right and no second step follows: its failures are cleared as on success.
    await limits.resetAccount(input.email);
    await resendAfterRefusedSignIn(deps, user, client, now);
    throw new AuthError('email_not_verified');
  }
  if (storedHash !== null && needsRehash(storedHash, config.bcryptCost)) {
    // The cost was raised since this hash was made: upgrade it while we have the password
    // (only if no password change got there first).
    await store.rehashPassword(user.id, storedHash, await hashPassword(input.password, config.bcryptCost), now);
  }
  // Clears the account's failures only once every factor has passed.
  return requireSecondStepOrStart(deps, user, 'password', client, now, previousRefreshToken);
}

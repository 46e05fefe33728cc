/**
 * Turning two-factor authentication off (contract: it needs the current password or a valid code).
 * Every proof is a guess like a sign-in: it counts against the client IP and the account's backoff
 * before it is checked, so a stolen session cannot try codes or passwords freely. A TOTP code used
 * here is spent like one used to sign in; a recovery code too.
 */
import 'server-only';
import type { Authenticated } from './authenticate';
import { confirmPassword } from './confirm-password';
import type { AuthDeps } from './deps';
import { AuthError } from './errors';
import { logSecurityEvents, securityEvent, type ClientContext } from './events';
import { noticeTwoFactorChanged } from './notices';
import { recoveryCodeHash } from './recovery-codes';
import { verifyTotp } from './totp';
import { openTotpSecret } from './totp-secret';
import type { DisableTwoFactorInput } from './two-factor-validation';

type Caller = Pick<Authenticated, 'user' | 'session'>;

/**
 * Checks the proof and deletes the authenticator and the recovery codes. Throws 401
 * `invalid_credentials` (wrong password) or `invalid_code`, 409 `two_factor_not_enabled`, 429.
 */
export async function disableTwoFactor(deps: AuthDeps, caller: Caller, input: DisableTwoFactorInput, client: ClientContext, now: number): Promise<void> {
  const { store, config, limits } = deps;
  const { user } = caller;
  const current = await store.findTwoFactor(user.id);
  if (current?.enabledAt == null) throw new AuthError('two_factor_not_enabled');

  let proof: 'password' | 'totp' | 'recovery_code';
  if (input.password !== undefined) {
    // Counts in the sign-in buckets and clears the account's failures when right.
    await confirmPassword(deps, caller, input.password, client, 'two_factor_disable', now);
    proof = 'password';
  } else {
    await limits.consumeIp(store, config, client, 'two_factor_disable', now);
    await limits.consumeAccount(store, config, user.email, client, 'two_factor_disable', now);
    let ok = false;
    if (input.code !== undefined) {
      const secret = openTotpSecret(config.refreshTokenSecret, user.id, current.secret);
      const step = secret === null ? null : await verifyTotp(secret, input.code, now, current.lastUsedStep);
      ok = step !== null && (await store.acceptTotpStep(user.id, current.secret, step));
      proof = 'totp';
    } else {
      const hash = recoveryCodeHash(config.refreshTokenSecret, user.id, input.recoveryCode ?? '');
      const used = securityEvent({ type: 'recovery_code_used', userId: user.id, sessionId: caller.session.id, client, detail: { purpose: 'two_factor_disable' } }, now);
      ok = hash !== null && (await store.consumeRecoveryCode(user.id, hash, now, [used]));
      if (ok) logSecurityEvents([used]);
      proof = 'recovery_code';
    }
    if (!ok) throw new AuthError('invalid_code');
    await limits.resetAccount(user.email);
  }

  const event = securityEvent({ type: 'two_factor_disabled', userId: user.id, sessionId: caller.session.id, client, detail: { proof } }, now);
  if (!(await store.disableTwoFactor(user.id, [event]))) throw new AuthError('two_factor_not_enabled');
  logSecurityEvents([event]);
  noticeTwoFactorChanged(deps, user, false, client, now);
}

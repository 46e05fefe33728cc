/**
 * The two-step sign-in (contract "Two-factor authentication"; checklist 64). Every way to sign in
 * ends here once its first factor has passed: `requireSecondStepOrStart` starts the session when
 * the account has no second factor, and otherwise hands out a challenge instead of tokens. The
 * challenge is completed by `completeSecondStep` with a TOTP code or a recovery code.
 *
 * - The challenge is a one-time token (lib/auth/link-tokens.ts: 256 random bits, only a MAC stored)
 *   of kind `two_factor_after_<first factor>`, so its server-side record names the user and the
 *   factor already proven. It lives 5 minutes, is spent by the step that completes it (a Store
 *   compare-and-set), dies with a password change (like every one-time token), and a newer first
 *   step of the same account supersedes it.
 * - It travels only in an HttpOnly, SameSite=Strict cookie (lib/auth/challenge-cookie.ts): the
 *   second step is bound to the browser that passed the first; a request without it gets 401
 *   `invalid_challenge` whatever code it carries.
 * - Guessing is limited three ways: every code tried counts against the client IP and the
 *   account's backoff (RATE_LIMIT_PER_ACCOUNT, the sign-in buckets), and one challenge takes at most
 *   CODE_ATTEMPTS_PER_CHALLENGE codes. A right password does not clear the account's failures while
 *   the second factor is due, so passing the first step again and again buys no fresh guesses.
 * - A TOTP code is accepted once (the Store's step compare-and-set); a recovery code once.
 */
import 'server-only';
import type { OneTimeTokenKind, SignInMethod, UserRecord } from '@/db/store';
import type { AuthDeps } from './deps';
import { AuthError } from './errors';
import { recordSecurityEvent, securityEvent, logSecurityEvents, type ClientContext } from './events';
import { linkTokenId, newLinkToken } from './link-tokens';
import { noticeRecoveryCodeUsed } from './notices';
import { recoveryCodeHash } from './recovery-codes';
import type { SignedIn } from './register';
import { startSession } from './start-session';
import { verifyTotp } from './totp';
import { openTotpSecret } from './totp-secret';

/** How long a second step may take after the first. */
export const CHALLENGE_TTL_MS = 5 * 60_000;

/**
 * The first factors that can precede a second one: a password, an email link, an OpenID Connect
 * provider (`oidc:<id>`). A passkey with user verification is both factors at once and never comes
 * here. Each factor's challenges are one-time tokens of their own kind, `two_factor_after_<factor>`,
 * so the factor a challenge was issued after is part of its MAC: a cookie whose factor prefix was
 * edited names no challenge at all.
 */
export type FirstFactor = 'password' | 'magic_link' | `oidc:${string}`;
type SecondFactor = 'totp' | 'recovery_code';
/** Every first factor combined with every second one must be a SignInMethod the sessions list knows. */
type CombinedMethod = `${FirstFactor}+${SecondFactor}` & SignInMethod;

const OIDC_FACTOR = /^oidc:[a-z0-9_]{1,64}$/;
const isFirstFactor = (value: string): value is FirstFactor => value === 'password' || value === 'magic_link' || OIDC_FACTOR.test(value);
const challengeKind = (factor: FirstFactor): OneTimeTokenKind => `two_factor_after_${factor}`;
/** The factor as the cookie spells it: `oidc-<id>`, since a `:` would be percent-encoded in a cookie value. */
const cookieFactor = (factor: FirstFactor): string => factor.replace(/^oidc:/, 'oidc-');
const factorOfCookie = (spelled: string): string => spelled.replace(/^oidc-/, 'oidc:');

function combined(first: FirstFactor, second: SecondFactor): CombinedMethod {
  const method: `${FirstFactor}+${SecondFactor}` = `${first}+${second}`;
  return method satisfies SignInMethod;
}

export interface Challenge {
  /** The challenge cookie's value: `<first factor>.<token>`; never stored, never logged. */
  cookieValue: string;
  expiresAt: number;
}

export type FirstStepOutcome = { kind: 'signed_in'; signedIn: SignedIn } | { kind: 'two_factor_required'; challenge: Challenge };

/**
 * The end of every first factor: signs the user in when the account has no second factor (the
 * first factor's own method recorded), or returns a challenge for the second step and starts
 * nothing. Callers have already done their own checks (password, REQUIRE_EMAIL_VERIFICATION, …).
 * `previousRefreshToken`: see startSession.
 */
export async function requireSecondStepOrStart(
  deps: AuthDeps,
  user: UserRecord,
  firstFactor: FirstFactor,
  client: ClientContext,
  now: number,
  previousRefreshToken: string | null,
): Promise<FirstStepOutcome> {
  const twoFactor = await deps.store.findTwoFactor(user.id);
  if (twoFactor?.enabledAt == null) {
    await deps.limits.resetAccount(user.email);
    return { kind: 'signed_in', signedIn: await startSession(deps, user, firstFactor, client, now, previousRefreshToken) };
  }
  // No resetAccount here: the account's failures clear only when the second factor passes.
  const { token, record } = newLinkToken(deps.config.refreshTokenSecret, challengeKind(firstFactor), user, now, CHALLENGE_TTL_MS);
  if (!(await deps.store.issueOneTimeToken(record, []))) throw new AuthError('invalid_credentials');
  return { kind: 'two_factor_required', challenge: { cookieValue: `${cookieFactor(firstFactor)}.${token}`, expiresAt: record.expiresAt } };
}

/** What the second step may carry: exactly one of a TOTP code and a recovery code. */
export type SecondStepProof = { code: string } | { recoveryCode: string };

interface LiveChallenge {
  id: string;
  kind: OneTimeTokenKind;
  firstFactor: FirstFactor;
  userId: string;
  email: string;
}

/** The live challenge a cookie value names, or null (absent, malformed, forged, expired, spent or superseded). */
async function liveChallenge({ store, config }: AuthDeps, cookieValue: string | null, now: number): Promise<LiveChallenge | null> {
  if (cookieValue === null) return null;
  const dot = cookieValue.indexOf('.');
  const factor = factorOfCookie(cookieValue.slice(0, dot));
  if (dot === -1 || !isFirstFactor(factor)) return null;
  const kind = challengeKind(factor);
  const id = linkTokenId(config.refreshTokenSecret, kind, cookieValue.slice(dot + 1));
  if (id === null) return null;
  const record = await store.findOneTimeToken(id, kind, now);
  return record ? { id, kind, firstFactor: factor, userId: record.userId, email: record.email } : null;
}

/**
 * Completes a sign-in with its second factor. Throws 401 `invalid_challenge` when the browser has
 * no live challenge, 401 `invalid_code` for a wrong, reused or spent code, 429 `rate_limited`.
 * On success the challenge is spent and the session starts with the combined method.
 */
export async function completeSecondStep(
  deps: AuthDeps,
  cookieValue: string | null,
  proof: SecondStepProof,
  client: ClientContext,
  now: number,
  previousRefreshToken: string | null,
): Promise<SignedIn> {
  const { store, config, limits } = deps;
  await limits.consumeIp(store, config, client, 'two_factor', now);
  const challenge = await liveChallenge(deps, cookieValue, now);
  if (!challenge) throw new AuthError('invalid_challenge');
  // Counted before the code is checked, so parallel guesses cannot all slip through.
  await limits.consumeChallenge(store, challenge.id, client, now);
  await limits.consumeAccount(store, config, challenge.email, client, 'two_factor', now);

  const user = await store.findUserById(challenge.userId);
  const twoFactor = await store.findTwoFactor(challenge.userId);
  // Turned off (or the account deleted) since the first step: this challenge is for nothing now.
  if (!user || twoFactor?.enabledAt == null) throw new AuthError('invalid_challenge');

  let second: SecondFactor | null = null;
  if ('code' in proof) {
    const secret = openTotpSecret(config.refreshTokenSecret, user.id, twoFactor.secret);
    const step = secret === null ? null : await verifyTotp(secret, proof.code, now, twoFactor.lastUsedStep);
    if (step !== null && (await store.acceptTotpStep(user.id, twoFactor.secret, step))) second = 'totp';
  } else {
    const hash = recoveryCodeHash(config.refreshTokenSecret, user.id, proof.recoveryCode);
    const event = securityEvent({ type: 'recovery_code_used', userId: user.id, client, detail: { purpose: 'sign_in' } }, now);
    if (hash !== null && (await store.consumeRecoveryCode(user.id, hash, now, [event]))) {
      logSecurityEvents([event]);
      noticeRecoveryCodeUsed(deps, user, twoFactor.recoveryCodesLeft - 1, client, now);
      second = 'recovery_code';
    }
  }
  if (second === null) {
    await recordSecurityEvent(store, { type: 'sign_in_failed', userId: user.id, client, detail: { reason: 'wrong_code' } }, now);
    throw new AuthError('invalid_code');
  }
  // Spent by exactly one request: of two racing second steps with two good proofs, one signs in.
  if (!(await store.consumeOneTimeToken(challenge.id, challenge.kind, now))) throw new AuthError('invalid_challenge');
  await limits.resetAccount(user.email);
  return startSession(deps, user, combined(challenge.firstFactor, second), client, now, previousRefreshToken);
}

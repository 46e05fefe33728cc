/**
 * Signing in with a passkey (POST /api/auth/passkeys/authentication/options, then
 * POST /api/auth/passkeys/authentication), without an email typed: the options name no
 * credentials, so the browser offers the discoverable ones it holds for this site, and the
 * response names its credential.
 *
 * User verification (PIN, fingerprint, face) is required, so a passkey proves possession of the
 * authenticator and the user's presence and identity on it: both factors at once, never followed
 * by a second step. The signature counter must move forward: one that goes backwards means two
 * copies of the key exist, so the sign-in is refused and recorded (checklist 65).
 */
import 'server-only';
import { generateAuthenticationOptions, verifyAuthenticationResponse, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/server';
import type { AuthDeps } from './deps';
import { resendAfterRefusedSignIn } from './email-verification';
import { AuthError } from './errors';
import { recordSecurityEvent, type ClientContext } from './events';
import { consumeChallenge, issueChallenge, PASSKEY_CHALLENGE_TTL_MS, relyingParty, userHandleOf } from './passkey-ceremony';
import type { PasskeySignInInput } from './passkey-validation';
import type { SignedIn } from './register';
import { startSession } from './start-session';

/**
 * The request options for the browser and the id of the challenge they carry (for the cookie).
 * Not rate limited: they prove nothing and cost one row that dies in 5 minutes, and the sign-in
 * page asks for them on every visit (autofill); the verification that follows is limited.
 */
export async function passkeySignInOptions({ store, config }: AuthDeps, now: number): Promise<{ options: PublicKeyCredentialRequestOptionsJSON; challengeId: string }> {
  const rp = relyingParty(config);
  const options = await generateAuthenticationOptions({ rpID: rp.id, allowCredentials: [], userVerification: 'required', timeout: PASSKEY_CHALLENGE_TTL_MS });
  const challengeId = await issueChallenge(store, 'authentication', options.challenge, null, now);
  return { options, challengeId };
}

/** Why a passkey sign-in was refused, for the security event (the client only ever sees `passkey_rejected`). */
type Refusal = 'unknown_passkey' | 'user_handle_mismatch' | 'passkey_verification_failed' | 'passkey_removed';

/**
 * Verifies an assertion against this browser's challenge (spent first, whatever the outcome) and
 * signs in like POST /api/auth/login. 429 `rate_limited` per IP, 400 `invalid_passkey_challenge`,
 * 401 `passkey_rejected` (unknown or removed passkey, wrong origin or RP id, no user verification,
 * bad signature, counter gone backwards), 403 `email_not_verified` when the account must verify first.
 */
export async function signInWithPasskey(deps: AuthDeps, challengeId: string | null, input: PasskeySignInInput, client: ClientContext, now: number, previousRefreshToken: string | null): Promise<SignedIn> {
  const { store, config, limits } = deps;
  await limits.consumeIp(store, config, client, 'passkey_sign_in', now);
  const challenge = await consumeChallenge(store, challengeId, 'authentication', now);
  const { response } = input;

  const refuse = async (reason: Refusal, userId: string | null): Promise<never> => {
    await recordSecurityEvent(store, { type: 'sign_in_failed', userId, client, detail: { method: 'passkey', reason } }, now);
    throw new AuthError('passkey_rejected');
  };

  const passkey = await store.findPasskeyByCredentialId(response.id);
  if (!passkey) return refuse('unknown_passkey', null);
  // A discoverable credential names its account; it must be the one the passkey was added to.
  if (response.response.userHandle !== undefined && response.response.userHandle !== Buffer.from(userHandleOf(passkey.userId)).toString('base64url')) {
    return refuse('user_handle_mismatch', passkey.userId);
  }

  const rp = relyingParty(config);
  let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      // The counter is compared below, atomically against the stored one (recordPasskeyUse): the
      // library's own check would read a value another request may be changing, and could not
      // tell a regression (which we record) from any other failure.
      credential: { id: passkey.credentialId, publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')), counter: 0, transports: passkey.transports },
      requireUserVerification: true,
    });
  } catch {
    return refuse('passkey_verification_failed', passkey.userId);
  }
  if (!verified.verified || !verified.authenticationInfo.userVerified) return refuse('passkey_verification_failed', passkey.userId);

  const { newCounter, credentialBackedUp } = verified.authenticationInfo;
  const use = await store.recordPasskeyUse(passkey.id, newCounter, credentialBackedUp, now);
  if (use === 'counter_regressed') {
    await recordSecurityEvent(store, { type: 'passkey_counter_regressed', userId: passkey.userId, client, detail: { passkeyId: passkey.id, storedCounter: passkey.counter, presentedCounter: newCounter } }, now);
    throw new AuthError('passkey_rejected');
  }
  // Removed between the lookup and now.
  if (use === 'not_found') return refuse('passkey_removed', passkey.userId);

  const user = await store.findUserById(passkey.userId);
  if (!user) return refuse('passkey_removed', null);
  if (config.requireEmailVerification && user.emailVerifiedAt === null) {
    // As with a password (sign-in.ts): only after the passkey was accepted, so it tells nothing to anyone without it.
    await recordSecurityEvent(store, { type: 'sign_in_failed', userId: user.id, client, detail: { method: 'passkey', reason: 'email_not_verified' } }, now);
    await resendAfterRefusedSignIn(deps, user, client, now);
    throw new AuthError('email_not_verified');
  }
  return startSession(deps, user, 'passkey', client, now, previousRefreshToken);
}

/**
 * Adding a passkey to the signed-in account (POST /api/auth/passkeys/registration/options, then
 * POST /api/auth/passkeys/registration). A discoverable credential (resident key required), so it
 * can later sign in without an email typed; user verification preferred here and required at
 * sign-in; the account's existing credentials excluded, so one authenticator is not added twice.
 */
import 'server-only';
import { randomBytes } from 'node:crypto';
import { generateRegistrationOptions, verifyRegistrationResponse, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/server';
import type { NewPasskey, PasskeyRecord, UserRecord } from '@/db/store';
import { userAgentFamily } from '@/lib/user-agent';
import type { AuthDeps } from './deps';
import { AuthError } from './errors';
import { logSecurityEvents, securityEvent, type ClientContext } from './events';
import { noticePasskeyChanged } from './notices';
import { consumeChallenge, issueChallenge, PASSKEY_CHALLENGE_TTL_MS, relyingParty, userHandleOf } from './passkey-ceremony';
import type { AddPasskeyInput } from './passkey-validation';

/** At most this many passkeys per account: plenty for every device a person owns, and bounded. */
export const MAX_PASSKEYS = 20;

/** The creation options for the browser, and the id of the challenge they carry (for the cookie). */
export async function passkeyRegistrationOptions(deps: AuthDeps, user: UserRecord, now: number): Promise<{ options: PublicKeyCredentialCreationOptionsJSON; challengeId: string }> {
  const { store, config } = deps;
  const existing = await store.listPasskeys(user.id);
  if (existing.length >= MAX_PASSKEYS) throw new AuthError('too_many_passkeys');
  const rp = relyingParty(config);
  const options = await generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userName: user.email,
    userID: userHandleOf(user.id),
    userDisplayName: user.name ?? user.email,
    timeout: PASSKEY_CHALLENGE_TTL_MS,
    // No attestation: we trust no authenticator maker's certificate, and it would identify the device model.
    attestationType: 'none',
    excludeCredentials: existing.map((passkey) => ({ id: passkey.credentialId, transports: passkey.transports })),
    authenticatorSelection: { residentKey: 'required', userVerification: 'preferred' },
  });
  const challengeId = await issueChallenge(store, 'registration', options.challenge, user.id, now);
  return { options, challengeId };
}

/**
 * Verifies the browser's new credential against the challenge of this browser's ceremony (spent
 * first, whatever the outcome) and stores it. 400 `invalid_passkey_challenge` (missing, spent,
 * expired, or another account's ceremony), 400 `passkey_registration_failed` (wrong origin, RP id,
 * challenge or a malformed attestation), 409 `passkey_already_registered`.
 */
export async function addPasskey(deps: AuthDeps, user: UserRecord, challengeId: string | null, input: AddPasskeyInput, client: ClientContext, now: number): Promise<PasskeyRecord> {
  const { store, config } = deps;
  const challenge = await consumeChallenge(store, challengeId, 'registration', now);
  // A ceremony started by another account on this browser adds nothing to this one.
  if (challenge.userId !== user.id) throw new AuthError('invalid_passkey_challenge');
  const rp = relyingParty(config);
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response: input.response,
      expectedChallenge: challenge.challenge,
      expectedOrigin: rp.origin,
      expectedRPID: rp.id,
      // Preferred, not required, when adding (some security keys have no PIN yet); every sign-in
      // with a passkey requires it (passkey-sign-in.ts), so a passkey without it cannot sign in.
      requireUserVerification: false,
    });
  } catch (cause) {
    throw new AuthError('passkey_registration_failed', { cause });
  }
  if (!verified.verified) throw new AuthError('passkey_registration_failed');
  const { credential, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
  if ((await store.listPasskeys(user.id)).length >= MAX_PASSKEYS) throw new AuthError('too_many_passkeys');

  const passkey: NewPasskey = {
    id: randomBytes(16).toString('base64url'),
    userId: user.id,
    credentialId: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: credential.transports ?? input.response.response.transports ?? [],
    deviceType: credentialDeviceType,
    backedUp: credentialBackedUp,
    name: input.name ?? defaultPasskeyName(client.userAgent),
    createdAt: now,
  };
  const event = securityEvent({ type: 'passkey_added', userId: user.id, client, detail: { passkeyId: passkey.id, name: passkey.name } }, now);
  if (!(await store.addPasskey(passkey, [event]))) throw new AuthError('passkey_already_registered');
  logSecurityEvents([event]);
  noticePasskeyChanged(deps, user, 'added', passkey.name, client, now);
  return { ...passkey, lastUsedAt: null };
}

/** "Chrome on macOS": the browser and system the passkey was added from, which is where it usually lives. */
export function defaultPasskeyName(userAgent: string | null): string {
  const family = userAgentFamily(userAgent);
  return family === 'unknown' ? 'Passkey' : family;
}

/**
 * Turning two-factor authentication on from /account (checklist 63): `startTwoFactorSetup` makes a
 * pending authenticator (a new 160-bit secret, sealed at rest) and returns what the page shows once:
 * the QR code, the setup key and the otpauth URI. `enableTwoFactor` turns it on only with a valid
 * first code from that authenticator, and returns 10 recovery codes, shown once and stored only as MACs.
 */
import 'server-only';
import QRCode from 'qrcode';
import type { Store } from '@/db/store';
import type { Authenticated } from './authenticate';
import type { AuthDeps } from './deps';
import { AuthError } from './errors';
import { logSecurityEvents, securityEvent, type ClientContext } from './events';
import { noticeTwoFactorChanged } from './notices';
import { newRecoveryCodes, recoveryCodeHash } from './recovery-codes';
import { newTotpSecret, totpUri, verifyTotp } from './totp';
import { openTotpSecret, sealTotpSecret } from './totp-secret';

type Caller = Pick<Authenticated, 'user' | 'session'>;

export interface TwoFactorSetup {
  /** The Base32 secret, for typing into an app by hand. */
  setupKey: string;
  /** otpauth://totp/… */
  uri: string;
  /** The URI as a QR code, an SVG document rendered here (no script, no external resource). */
  qrSvg: string;
}

/** Whether the account asks for a second factor, and how many recovery codes it has left. */
export interface TwoFactorStatus {
  enabled: boolean;
  recoveryCodesLeft: number;
}

/** The account page's view of a user's two-factor state. */
export async function twoFactorStatus(store: Store, userId: string): Promise<TwoFactorStatus> {
  const found = await store.findTwoFactor(userId);
  return found?.enabledAt == null ? { enabled: false, recoveryCodesLeft: 0 } : { enabled: true, recoveryCodesLeft: found.recoveryCodesLeft };
}

/** Starts (or restarts) a setup. Throws 409 `two_factor_enabled` when two-factor is already on. */
export async function startTwoFactorSetup({ store, config }: AuthDeps, caller: Caller, now: number): Promise<TwoFactorSetup> {
  const setupKey = newTotpSecret();
  if (!(await store.beginTwoFactorSetup(caller.user.id, sealTotpSecret(config.refreshTokenSecret, caller.user.id, setupKey), now))) {
    throw new AuthError('two_factor_enabled');
  }
  const uri = totpUri(new URL(config.appOrigin).host, caller.user.email, setupKey);
  const qrSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return { setupKey, uri, qrSvg };
}

/**
 * Turns the pending authenticator on with its first code; returns the recovery codes (the only
 * time they exist in clear). Throws 401 `invalid_code`, 409 `two_factor_enabled` or
 * `two_factor_setup_missing`, 429. The code's time step is recorded, so it cannot sign in again.
 */
export async function enableTwoFactor(deps: AuthDeps, caller: Caller, code: string, client: ClientContext, now: number): Promise<{ recoveryCodes: string[] }> {
  const { store, config, limits } = deps;
  await limits.consumeIp(store, config, client, 'two_factor_enable', now);
  const pending = await store.findTwoFactor(caller.user.id);
  if (pending?.enabledAt != null) throw new AuthError('two_factor_enabled');
  const secret = pending ? openTotpSecret(config.refreshTokenSecret, caller.user.id, pending.secret) : null;
  if (!pending || secret === null) throw new AuthError('two_factor_setup_missing');
  const step = await verifyTotp(secret, code, now, null);
  if (step === null) throw new AuthError('invalid_code');

  const recoveryCodes = newRecoveryCodes();
  const hashes = recoveryCodes.map((each) => recoveryCodeHash(config.refreshTokenSecret, caller.user.id, each) ?? '');
  const event = securityEvent({ type: 'two_factor_enabled', userId: caller.user.id, sessionId: caller.session.id, client }, now);
  // Only the very setup the code was checked against turns on (another tab may have restarted it).
  if (!(await store.enableTwoFactor(caller.user.id, pending.secret, step, hashes, now, [event]))) throw new AuthError('two_factor_setup_missing');
  logSecurityEvents([event]);
  noticeTwoFactorChanged(deps, caller.user, true, client, now);
  return { recoveryCodes };
}

/**
 * TOTP (RFC 6238) as the second factor (checklist 63): SHA-1, 6 digits, 30-second steps, one step
 * of drift either way, through otplib (no code of our own computes an HMAC or truncates one).
 *
 * - Secrets are 160 bits from the CSPRNG (RFC 4226 4 recommends 160), Base32 for authenticator apps.
 * - Each code works once: `verifyTotp` takes the last accepted time step and accepts only a later
 *   one, and the caller records the new step with the Store's compare-and-set (acceptTotpStep), so two
 *   requests racing with one code cannot both pass.
 */
import 'server-only';
import { generateSecret, generateURI, verify } from 'otplib';

export const TOTP_PERIOD_S = 30;
export const TOTP_DIGITS = 6;
/** One step either way: a code from the previous or next 30 seconds still counts (RFC 6238 5.2). */
export const TOTP_DRIFT_S = TOTP_PERIOD_S;
export const TOTP_SECRET_BYTES = 20;

/** A new authenticator secret: 160 random bits, Base32 (32 characters, no padding). */
export function newTotpSecret(): string {
  return generateSecret({ length: TOTP_SECRET_BYTES });
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function totpUri(issuer: string, accountName: string, secret: string): string {
  return generateURI({ issuer, label: accountName, secret, algorithm: 'sha1', digits: TOTP_DIGITS, period: TOTP_PERIOD_S });
}

/**
 * Checks a 6-digit code against a secret at `now` (ms), allowing one step of drift and refusing
 * every step at or before `afterStep`. Returns the time step the code belongs to, or null.
 */
export async function verifyTotp(secret: string, code: string, now: number, afterStep: number | null): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const result = await verify({
    secret,
    token: code,
    algorithm: 'sha1',
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_S,
    epoch: Math.floor(now / 1000),
    epochTolerance: TOTP_DRIFT_S,
    ...(afterStep === null ? {} : { afterTimeStep: afterStep }),
  });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}

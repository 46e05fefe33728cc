/**
 * TOTP secrets at rest: sealed with AES-256-GCM under a key derived from REFRESH_TOKEN_SECRET
 * (lib/auth/derived-keys.ts), with the user's id as additional data. A copy of the database alone
 * cannot produce codes, and a sealed secret copied onto another account's row does not open there.
 * Format: `v1.<iv>.<ciphertext and tag>`, base64url.
 */
import 'server-only';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { derivedKey } from './derived-keys';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** Seals a Base32 secret for storage. */
export function sealTotpSecret(serverSecret: string, userId: string, secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', derivedKey(serverSecret, 'totp-secret'), iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(userId, 'utf8'));
  const sealed = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final(), cipher.getAuthTag()]);
  return `${VERSION}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
}

/** Opens a sealed secret; null when it was not sealed by this server for this user (or is damaged). */
export function openTotpSecret(serverSecret: string, userId: string, sealed: string): string | null {
  const [version, ivText, bodyText] = sealed.split('.');
  if (version !== VERSION || ivText === undefined || bodyText === undefined) return null;
  const iv = Buffer.from(ivText, 'base64url');
  const body = Buffer.from(bodyText, 'base64url');
  if (iv.length !== IV_BYTES || body.length <= TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', derivedKey(serverSecret, 'totp-secret'), iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(userId, 'utf8'));
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}

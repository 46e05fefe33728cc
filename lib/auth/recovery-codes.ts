/**
 * Recovery codes (checklist 63): 10 per enabling, each 50 random bits written as 10 Base32
 * characters in two groups (`k7m2q-x9d4w`), shown once. Stored only as HMAC-SHA-256 under a server
 * key (lib/auth/derived-keys.ts): a MAC, not a slow hash, because 50 random bits cannot be guessed
 * online (the per-account limit) and the key keeps a database copy from testing guesses offline.
 * Single use is the Store's compare-and-set (consumeRecoveryCode).
 */
import 'server-only';
import { createHmac, randomBytes } from 'node:crypto';
import { derivedKey } from './derived-keys';

export const RECOVERY_CODE_COUNT = 10;
/** RFC 4648 Base32 in lower case, minus nothing: 5 bits a character. */
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const CHARACTERS = 10;

/** One new code, `xxxxx-xxxxx`. */
function newRecoveryCode(): string {
  const bytes = randomBytes(CHARACTERS);
  // 256 is a multiple of 32: each byte mod 32 is uniform.
  const chars = [...bytes].map((byte) => ALPHABET[byte % 32]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** A fresh set of codes for the user to keep. */
export function newRecoveryCodes(): string[] {
  const codes = new Set<string>();
  while (codes.size < RECOVERY_CODE_COUNT) codes.add(newRecoveryCode());
  return [...codes];
}

/** A typed code in its one compared form: case, spaces and hyphens do not matter. Null when it cannot be one of ours. */
export function normaliseRecoveryCode(typed: string): string | null {
  const compact = typed.toLowerCase().replace(/[\s-]/g, '');
  return new RegExp(`^[${ALPHABET}]{${CHARACTERS}}$`).test(compact) ? compact : null;
}

/** The stored form of a code: HMAC-SHA-256(recovery key, user id and the normalised code), base64url. */
export function recoveryCodeHash(serverSecret: string, userId: string, code: string): string | null {
  const normalised = normaliseRecoveryCode(code);
  if (normalised === null) return null;
  return createHmac('sha256', derivedKey(serverSecret, 'recovery-code')).update(`${userId}.${normalised}`, 'utf8').digest('base64url');
}

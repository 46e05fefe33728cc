/**
 * Keys derived from REFRESH_TOKEN_SECRET for a single purpose each (HKDF-SHA-256, a label per
 * purpose, as lib/auth/link-tokens.ts derives the link key): a key for one purpose tells nothing
 * about another, and none of them is in the database, so a copy of it alone can neither open a
 * sealed TOTP secret nor test a recovery-code guess.
 */
import 'server-only';
import { hkdfSync } from 'node:crypto';

export type KeyPurpose = 'totp-secret' | 'recovery-code';

const LABELS: Record<KeyPurpose, string> = {
  'totp-secret': 'next-token-auth totp secret v1',
  'recovery-code': 'next-token-auth recovery code v1',
};

const cache = new Map<string, Buffer>();

/** The 32-byte key of a purpose, derived once per process and secret. */
export function derivedKey(secret: string, purpose: KeyPurpose): Buffer {
  const id = `${purpose}\u0000${secret}`;
  let key = cache.get(id);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), LABELS[purpose], 32));
    if (cache.size > 16) cache.clear();
    cache.set(id, key);
  }
  return key;
}

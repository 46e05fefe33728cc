/**
 * Password hashing: bcrypt (bcryptjs, async API) over a pre-hash.
 *
 * bcrypt reads only the first 72 bytes of its input and bcryptjs truncates silently, so two long
 * passwords sharing a prefix would collide, and 64 emoji (256 bytes) would lose most of their
 * text. We feed bcrypt base64(HMAC-SHA-256(k, NFC(password))): always 44 ASCII bytes, no NUL,
 * the whole password counted. `k` is a fixed domain-separation label, not a pepper: rotating
 * the app's secrets must never make passwords unverifiable.
 *
 * Unicode: passwords are NFC-normalised before hashing (NIST SP 800-63B 5.1.1.2), so the same
 * password typed on systems that compose accents differently still matches. Otherwise the
 * comparison is exact: no trimming, no case folding.
 *
 * The bcrypt work itself runs on worker threads (lib/auth/bcrypt-pool.ts), so a sign-in does
 * not stall every other request on the event loop.
 */
import 'server-only';
import { createHmac } from 'node:crypto';
import bcrypt from 'bcryptjs';
import { bcryptCompare, bcryptHash } from './bcrypt-pool';

const PREHASH_LABEL = 'next-token-auth/password-prehash/v1';

/** The 44-byte string bcrypt actually sees. */
export function prehashPassword(password: string): string {
  return createHmac('sha256', PREHASH_LABEL).update(password.normalize('NFC'), 'utf8').digest('base64');
}

/** Hashes a password at the given bcrypt cost. */
export async function hashPassword(password: string, cost: number): Promise<string> {
  return bcryptHash(prehashPassword(password), cost);
}

/** Checks a password against a stored hash. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  return bcryptCompare(prehashPassword(password), hash);
}

/** Whether a stored hash was made at a lower cost than configured (rehash it on sign-in). */
export function needsRehash(hash: string, cost: number): boolean {
  return bcrypt.getRounds(hash) < cost;
}

const dummyHashes = new Map<number, Promise<string>>();

/**
 * Spends the same bcrypt work as a real check against a hash nobody knows the password of, so
 * an unknown email takes as long as a wrong password (checklist G33). Always resolves false.
 */
export async function verifyAgainstDummy(password: string, cost: number): Promise<false> {
  let dummy = dummyHashes.get(cost);
  if (!dummy) {
    dummy = bcryptHash(crypto.randomUUID(), cost);
    dummyHashes.set(cost, dummy);
  }
  await bcryptCompare(prehashPassword(password), await dummy);
  return false;
}

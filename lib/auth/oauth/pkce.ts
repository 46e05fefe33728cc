/**
 * PKCE (RFC 7636) with S256 only: `plain` would hand the code's protection to anyone who sees the
 * authorization request. The challenge is BASE64URL(SHA-256(verifier)), 43 characters.
 */
import 'server-only';
import { createHash, timingSafeEqual } from 'node:crypto';

/** A S256 code challenge: 32 bytes in unpadded base64url. */
export const CODE_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;
/** A code verifier (RFC 7636 §4.1): 43 to 128 unreserved characters. */
export const CODE_VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;

/** Whether `verifier` hashes to `challenge` (compared in constant time). */
export function verifyCodeChallenge(verifier: string, challenge: string): boolean {
  if (!CODE_VERIFIER.test(verifier) || !CODE_CHALLENGE.test(challenge)) return false;
  const expected = createHash('sha256').update(verifier, 'ascii').digest();
  const given = Buffer.from(challenge, 'base64url');
  return given.length === expected.length && timingSafeEqual(expected, given);
}

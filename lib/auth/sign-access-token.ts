/**
 * Signing access tokens, in Node only: route handlers sign, the edge middleware only verifies.
 *
 * jose signs through Web Crypto, where every HMAC is an async job and a chain of promises; inside
 * Next's server, where AsyncLocalStorage hooks every promise, that cost about 0.25 ms of CPU per
 * token, some 14 % of a refresh (issue 11, docs/BENCHMARKS.md). Here the token is the JWS compact
 * serialisation (RFC 7515 §7.1) of our one fixed header (`ACCESS_TOKEN_HEADER`) and our claims,
 * MACed with node:crypto's HMAC-SHA-256 under a key object made once: no cryptography of our own,
 * and nothing parsed. jose still verifies every token (lib/auth/access-token.ts), and the unit
 * tests check that jose, with the full verification options, accepts exactly what this signs.
 *
 * With asymmetric keys (ACCESS_TOKEN_SIGNING=EdDSA or ES256) the header carries the first key's
 * `kid` and the signature is node:crypto's `sign` under that key's KeyObject: Ed25519 over the
 * signing input itself (RFC 8037 §3.1), ES256 as SHA-256 ECDSA in the JWS r||s form (RFC 7518
 * §3.4, `dsaEncoding: 'ieee-p1363'`). Also synchronous, also checked against jose by the tests.
 */
import 'server-only';
import { createHmac, createSecretKey, randomUUID, sign, type KeyObject } from 'node:crypto';
import { toSeconds } from '../duration';
import type { AccessClaims, AccessTokenKeys, AccessTokenSigner } from './access-token';
import { privateKeyOf } from './signing-keys';

const secretKeys = new WeakMap<AccessTokenSigner, KeyObject>();

function secretKeyOf(signer: AccessTokenSigner & { alg: 'HS256' }): KeyObject {
  let key = secretKeys.get(signer);
  if (!key) {
    key = createSecretKey(signer.secret);
    secretKeys.set(signer, key);
  }
  return key;
}

/** The base64url JWS signature of `signingInput` under the configured signing key. */
function signatureOf(signingInput: string, signer: AccessTokenSigner): string {
  if (signer.alg === 'HS256') return createHmac('sha256', secretKeyOf(signer)).update(signingInput, 'utf8').digest('base64url');
  const data = Buffer.from(signingInput, 'utf8');
  const key = privateKeyOf(signer.jwk);
  const signature = signer.alg === 'EdDSA' ? sign(null, data, key) : sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
  return signature.toString('base64url');
}

/**
 * Signs an access token for a user's session; returns it with its expiry (ms). `notAfter` (ms)
 * caps the expiry, so a token never outlives its session's absolute lifetime. `dpopJkt`, the
 * thumbprint of a DPoP key, binds the token to that key (`cnf.jkt`, RFC 9449 §6.1).
 */
export function signAccessToken(
  subject: { userId: string; sessionId: string; dpopJkt?: string | null },
  keys: AccessTokenKeys,
  now: number,
  notAfter = Number.POSITIVE_INFINITY,
): { token: string; expiresAt: number } {
  const iat = toSeconds(now);
  const exp = Math.min(iat + toSeconds(keys.ttlMs), Math.max(iat + 1, toSeconds(notAfter)));
  // The claims in the order the verifier's canonical-serialisation check expects (it re-serialises
  // what it parsed and compares): exactly what JSON.stringify makes of this object.
  const claims: AccessClaims = { sid: subject.sessionId, sub: subject.userId, iss: keys.issuer, aud: keys.audience, iat, exp, jti: randomUUID() };
  if (subject.dpopJkt) claims.cnf = { jkt: subject.dpopJkt };
  return { token: signAccessClaims(claims, keys), expiresAt: exp * 1000 };
}

/**
 * The compact JWS of the signing key's fixed header (`keys.header`) and `claims` (serialised by
 * JSON.stringify, in the object's key order), signed with the access-token key. Also signs
 * machine clients' tokens (lib/auth/client-token.ts), whose claims differ.
 */
export function signAccessClaims(claims: object, keys: AccessTokenKeys): string {
  const signingInput = `${keys.header}.${Buffer.from(JSON.stringify(claims), 'utf8').toString('base64url')}`;
  return `${signingInput}.${signatureOf(signingInput, keys.signer)}`;
}

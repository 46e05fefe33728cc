/**
 * The asymmetric access-token keys as Node key objects (ACCESS_TOKEN_SIGNING=EdDSA or ES256), for
 * signing (lib/auth/sign-access-token.ts) and for the public JWK Set (lib/auth/jwks.ts).
 *
 * Node only: the edge middleware verifies with the public halves that lib/auth/access-token.ts
 * imports through Web Crypto.
 */
import 'server-only';
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { exportJWK, type JWK } from 'jose';
import { ConfigError, type AccessTokenSigning, type SigningJwk } from '../config';

const privateKeys = new WeakMap<SigningJwk, KeyObject>();

/**
 * The private key object of a configured JWK, made once. Throws ConfigError (naming the kid, never
 * key material) when Node refuses the key, or when its public members are not those of its `d`:
 * such a key would sign tokens that its own published public key does not verify.
 */
export function privateKeyOf(jwk: SigningJwk): KeyObject {
  let key = privateKeys.get(jwk);
  if (key) return key;
  try {
    key = createPrivateKey({ key: { ...jwk }, format: 'jwk' });
  } catch {
    throw new ConfigError(`Invalid configuration: ACCESS_TOKEN_PRIVATE_KEYS key "${jwk.kid}" is not a valid ${jwk.crv} private key`);
  }
  const derived = createPublicKey(key).export({ format: 'jwk' });
  if (derived.x !== jwk.x || (jwk.y !== undefined && derived.y !== jwk.y)) {
    throw new ConfigError(`Invalid configuration: ACCESS_TOKEN_PRIVATE_KEYS key "${jwk.kid}" has public members (x${jwk.y === undefined ? '' : ', y'}) that do not belong to its private member d`);
  }
  privateKeys.set(jwk, key);
  return key;
}

/** One public key of the JWK Set: only public members, plus kid, alg and use. */
export type PublicSigningJwk = JWK & { kid: string; alg: string; use: 'sig' };

/**
 * The public JWKs of every configured key (the signing one first), exported by jose from public
 * key objects, so no private member can slip through; empty with HS256, whose secret is never
 * published.
 */
export async function publicSigningJwks(signing: AccessTokenSigning): Promise<PublicSigningJwk[]> {
  if (signing.alg === 'HS256') return [];
  const keys: PublicSigningJwk[] = [];
  for (const jwk of signing.keys) {
    const { kty, crv, x, y } = await exportJWK(createPublicKey(privateKeyOf(jwk)));
    keys.push({ kty, crv, x, ...(y === undefined ? {} : { y }), kid: jwk.kid, alg: signing.alg, use: 'sig' });
  }
  return keys;
}

/** Checks every configured key at start (lib/boot.ts), so a broken key stops the server before it signs anything. */
export function checkSigningKeys(signing: AccessTokenSigning): void {
  if (signing.alg !== 'HS256') for (const jwk of signing.keys) privateKeyOf(jwk);
}

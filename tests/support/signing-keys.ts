/** Asymmetric access-token keys for tests, made by jose as scripts/generate-signing-key.mjs makes them. */
import { exportJWK, generateKeyPair } from 'jose';

export type SigningAlgorithm = 'EdDSA' | 'ES256';

/** A private JWK (kty, crv, x, [y], d) with `kid`, `alg` and `use`, as ACCESS_TOKEN_PRIVATE_KEYS lists them. */
export async function newSigningJwk(alg: SigningAlgorithm, kid: string): Promise<Record<string, string>> {
  const { privateKey } = await generateKeyPair(alg === 'EdDSA' ? 'Ed25519' : 'ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...(jwk as Record<string, string>), kid, alg, use: 'sig' };
}

/** The environment for asymmetric signing with these keys (the first signs). */
export function signingEnv(alg: SigningAlgorithm, keys: object[]): Record<string, string> {
  return { ACCESS_TOKEN_SIGNING: alg, ACCESS_TOKEN_PRIVATE_KEYS: JSON.stringify(keys) };
}

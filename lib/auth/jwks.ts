/**
 * The public JWK Set at /.well-known/jwks.json: the public halves of the access-token keys, so
 * another service can verify our access tokens without any secret (RFC 7517 §5).
 *
 * With HS256 (the default) the set is empty: the HMAC secret is never published, and a verifier
 * that fetches it finds no key and so accepts nothing. With EdDSA or ES256 it lists every configured
 * key, the signing one first, so tokens signed by a key that is being rotated out still verify
 * while it stays listed.
 */
import 'server-only';
import type { Config } from '../config';
import { publicSigningJwks, type PublicSigningJwk } from './signing-keys';

/**
 * How long verifiers and caches may keep the set (seconds). Short enough that a key added to the
 * list (second place, verify-only) reaches every verifier well before it starts signing; see the
 * README's key rotation steps.
 */
export const JWKS_MAX_AGE_S = 300;

let cached: { signing: Config['accessTokenSigning']; body: string } | undefined;

/** The JSON text of the JWK Set for the configuration (computed once per configuration). */
export async function jwksDocument(config: Pick<Config, 'accessTokenSigning'>): Promise<string> {
  if (cached?.signing !== config.accessTokenSigning) {
    const keys: PublicSigningJwk[] = await publicSigningJwks(config.accessTokenSigning);
    cached = { signing: config.accessTokenSigning, body: JSON.stringify({ keys }) };
  }
  return cached.body;
}

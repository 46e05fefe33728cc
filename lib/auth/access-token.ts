/**
 * Access tokens: short-lived JWTs (RFC 9068 `at+jwt`) carrying only ids and times, signed with
 * HS256 (the default: ACCESS_TOKEN_SECRET) or with asymmetric keys (ACCESS_TOKEN_SIGNING=EdDSA or
 * ES256; the first of ACCESS_TOKEN_PRIVATE_KEYS signs, all of them verify, for key rotation).
 *
 * Edge-safe: the middleware imports this module, so it uses only jose, zod and Web Crypto, and no
 * I/O: the verification keys come from the configuration, never from a URL or a token.
 * Every function takes `now` (ms) so tests can freeze the clock.
 */
import { base64url, errors, importJWK, jwtVerify } from 'jose';
import { z } from 'zod';
import { getConfig, type AccessTokenAlgorithm, type Config, type SigningJwk } from '../config';
import { toSeconds } from '../duration';

/** The default algorithm (HMAC with ACCESS_TOKEN_SECRET). */
export const ACCESS_TOKEN_ALG = 'HS256';
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** Leeway for clock skew between servers; RFC 8725 and our checklist allow at most 30 s. */
export const CLOCK_TOLERANCE_S = 5;
/** A cookie holds at most ~4 KB; anything longer was not issued by us. */
const MAX_TOKEN_LENGTH = 4096;
/** How many verified token strings the verifier remembers (each entry is ~0.5 KB). */
const VERIFIED_CACHE_SIZE = 10_000;
/**
 * base64url length of each algorithm's signature: HMAC-SHA-256 is 32 bytes; Ed25519 (RFC 8037)
 * and ES256's r||s (RFC 7518 §3.4) are 64.
 */
const SIGNATURE_LENGTH: Record<AccessTokenAlgorithm, number> = { HS256: 43, EdDSA: 86, ES256: 86 };

/**
 * The base64url protected header of every token signed by one key: `{"alg","typ"}` for HS256,
 * `{"alg","typ","kid"}` for an asymmetric key, serialised in that order.
 */
export function accessTokenHeader(alg: AccessTokenAlgorithm, kid: string | null): string {
  return base64url.encode(JSON.stringify(kid === null ? { alg, typ: ACCESS_TOKEN_TYP } : { alg, typ: ACCESS_TOKEN_TYP, kid }));
}

/**
 * The HS256 header, the only one we issue with the default configuration. Comparing a token's
 * first segment to the configured headers byte for byte rejects `alg:none`, other algorithms,
 * `jwk`/`jku`/`x5u`/`x5c`, unknown `kid`s and `crit` before any cryptography runs (checklist
 * A1–A3): nothing is trusted from a header, and the key is the one configured for that exact header.
 */
export const ACCESS_TOKEN_HEADER = accessTokenHeader(ACCESS_TOKEN_ALG, null);

/** What signs, in Node only (lib/auth/sign-access-token.ts): the HMAC secret, or the first private key. */
export type AccessTokenSigner = { alg: 'HS256'; secret: Uint8Array } | { alg: 'EdDSA' | 'ES256'; jwk: SigningJwk };

export interface AccessTokenKeys {
  /** The one algorithm tokens are signed and verified with. */
  alg: AccessTokenAlgorithm;
  /** The header of the tokens we sign now (the first key's). */
  header: string;
  /**
   * Verification keys (Web Crypto: the HMAC key, or public keys only) by the exact header of the
   * tokens each one verifies: one entry per configured key.
   */
  verifiers: ReadonlyMap<string, CryptoKey>;
  /** The verification key of `header` (kept for benchmarks and tests). */
  key: CryptoKey;
  signer: AccessTokenSigner;
  issuer: string;
  audience: string;
  ttlMs: number;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

export const accessClaimsSchema = z
  .object({
    sid: z.string().regex(/^[A-Za-z0-9_-]{22}$/),
    sub: z.string().min(1).max(64),
    iss: z.string(),
    aud: z.string(),
    iat: z.number().int().nonnegative(),
    exp: z.number().int().positive(),
    jti: z.string().min(1).max(64),
    /**
     * DPoP (RFC 9449 §6.1): the SHA-256 thumbprint (RFC 7638) of the key the token is bound to.
     * A bound token is accepted only with `Authorization: DPoP` and a fresh proof by that key
     * (lib/auth/authenticate.ts); never from a cookie or as a Bearer token.
     */
    cnf: z.strictObject({ jkt: z.string().regex(/^[A-Za-z0-9_-]{43}$/) }).optional(),
  })
  .strict();

export type AccessClaims = z.infer<typeof accessClaimsSchema>;

export type AccessTokenFailure = 'malformed' | 'invalid' | 'expired';
export type AccessTokenResult = { ok: true; claims: AccessClaims } | { ok: false; reason: AccessTokenFailure };

/** Imports an HMAC key once; jose verifies ~1.7x faster with a CryptoKey than with raw bytes. */
export async function importAccessKey(secret: string): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', new TextEncoder().encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
}

/** Imports the public half of a signing key for verification: `d` never reaches Web Crypto here. */
async function importPublicKey(jwk: SigningJwk, alg: 'EdDSA' | 'ES256'): Promise<CryptoKey> {
  const { kty, crv, x, y } = jwk;
  const key = await importJWK(y === undefined ? { kty, crv, x } : { kty, crv, x, y }, alg);
  if (key instanceof Uint8Array) throw new TypeError('a public JWK imported as raw bytes');
  return key;
}

/** Keys, issuer, audience and lifetime for the given configuration (HS256 unless it says otherwise). */
export async function accessTokenKeys(
  config: Pick<Config, 'accessTokenSecret' | 'appOrigin' | 'accessTokenTtlMs'> & Partial<Pick<Config, 'accessTokenSigning'>>,
): Promise<AccessTokenKeys> {
  const signing = config.accessTokenSigning ?? { alg: 'HS256' };
  const common = { issuer: config.appOrigin, audience: config.appOrigin, ttlMs: config.accessTokenTtlMs };
  if (signing.alg === 'HS256') {
    const key = await importAccessKey(config.accessTokenSecret);
    return {
      alg: 'HS256',
      header: ACCESS_TOKEN_HEADER,
      verifiers: new Map([[ACCESS_TOKEN_HEADER, key]]),
      key,
      signer: { alg: 'HS256', secret: new TextEncoder().encode(config.accessTokenSecret) },
      ...common,
    };
  }
  const [first] = signing.keys;
  if (!first) throw new TypeError('asymmetric signing without keys');
  const verifiers = new Map<string, CryptoKey>();
  for (const jwk of signing.keys) verifiers.set(accessTokenHeader(signing.alg, jwk.kid), await importPublicKey(jwk, signing.alg));
  const header = accessTokenHeader(signing.alg, first.kid);
  const key = verifiers.get(header);
  if (!key) throw new TypeError('the signing key has no verifier');
  return { alg: signing.alg, header, verifiers, key, signer: { alg: signing.alg, jwk: first }, ...common };
}

/**
 * The configured verification key for a token's exact header, or null. The header is looked up
 * as a whole string, never parsed: a `kid` only selects a key when the entire header is one we
 * issue, so no header member (kid, alg, jku, jwk, crit, …) is ever trusted on its own.
 */
export function verificationKeyFor(token: string, keys: AccessTokenKeys): CryptoKey | null {
  const dot = token.indexOf('.');
  return dot === -1 ? null : (keys.verifiers.get(token.slice(0, dot)) ?? null);
}

let defaultKeys: Promise<AccessTokenKeys> | undefined;

/** The keys for the running app's configuration, imported once per process (or edge isolate). */
export function getAccessTokenKeys(): Promise<AccessTokenKeys> {
  defaultKeys ??= accessTokenKeys(getConfig());
  return defaultKeys;
}

/** Decodes a base64url segment, or null unless it is the canonical encoding of its bytes (checklist A7). */
function decodeCanonical(segment: string): Uint8Array | null {
  try {
    const bytes = base64url.decode(segment);
    return base64url.encode(bytes) === segment ? bytes : null;
  } catch {
    return null;
  }
}

/**
 * Cheap structural checks before any cryptography: three canonical base64url segments, one of our
 * exact headers, and a payload that is a JSON object serialised exactly as we serialise it (which
 * rejects duplicate keys, arrays and padding tricks). Returns the key for that header, or null.
 */
function wellFormedKey(token: string, keys: AccessTokenKeys): CryptoKey | null {
  if (token.length > MAX_TOKEN_LENGTH) return null;
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [, payload, signature] = parts as [string, string, string];
  const key = verificationKeyFor(token, keys);
  if (key === null) return null;
  if (!SEGMENT.test(payload) || !SEGMENT.test(signature) || signature.length !== SIGNATURE_LENGTH[keys.alg]) return null;
  const payloadBytes = decodeCanonical(payload);
  if (payloadBytes === null || decodeCanonical(signature) === null) return null;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes);
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && JSON.stringify(parsed) === text ? key : null;
  } catch {
    return null;
  }
}

interface CachedClaims {
  claims: AccessClaims;
  /**
   * The first instant (ms) at which the token is no longer acceptable: exp (or iat + lifetime), plus
   * leeway. Exclusive, like jose's `exp <= now - tolerance` on whole seconds.
   */
  validUntil: number;
  /** The first instant (ms) at which it is acceptable: iat minus leeway. */
  validFrom: number;
}

/**
 * Verifies an access token fully (signature, algorithm, typ, iss, aud, exp, iat age, claim shape).
 * Results are cached by the exact token string for the verifier's lifetime; a cached token is
 * still checked against the clock on every use, so expiry is never extended by the cache.
 */
export function createAccessTokenVerifier(keys: AccessTokenKeys) {
  const verified = new Map<string, CachedClaims>();
  const leewayMs = CLOCK_TOLERANCE_S * 1000;

  return async function verifyAccessToken(token: string, now: number): Promise<AccessTokenResult> {
    const hit = verified.get(token);
    if (hit) {
      if (now >= hit.validFrom && now < hit.validUntil) return { ok: true, claims: hit.claims };
      if (now >= hit.validUntil) {
        verified.delete(token);
        return { ok: false, reason: 'expired' };
      }
    }
    const key = wellFormedKey(token, keys);
    if (key === null) return { ok: false, reason: 'malformed' };
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, key, {
        algorithms: [keys.alg],
        typ: ACCESS_TOKEN_TYP,
        issuer: keys.issuer,
        audience: keys.audience,
        requiredClaims: ['sub', 'sid', 'jti', 'iat', 'exp'],
        maxTokenAge: `${toSeconds(keys.ttlMs)}s`,
        clockTolerance: CLOCK_TOLERANCE_S,
        currentDate: new Date(now),
      }));
    } catch (error) {
      return { ok: false, reason: error instanceof errors.JWTExpired ? 'expired' : 'invalid' };
    }
    const parsed = accessClaimsSchema.safeParse(payload);
    // jose accepts an `aud` array containing our audience; we only ever issue a string.
    if (!parsed.success || parsed.data.aud !== keys.audience || parsed.data.iss !== keys.issuer) {
      return { ok: false, reason: 'invalid' };
    }
    const claims = parsed.data;
    if (verified.size >= VERIFIED_CACHE_SIZE) {
      // Maps iterate in insertion order: drop the oldest entry.
      const oldest = verified.keys().next();
      if (!oldest.done) verified.delete(oldest.value);
    }
    verified.set(token, {
      claims,
      validFrom: claims.iat * 1000 - leewayMs,
      validUntil: Math.min(claims.exp * 1000, claims.iat * 1000 + keys.ttlMs) + leewayMs,
    });
    return { ok: true, claims };
  };
}

export type AccessTokenVerifier = ReturnType<typeof createAccessTokenVerifier>;

let defaultVerifier: Promise<AccessTokenVerifier> | undefined;

/** Verifies with the running app's keys (one verifier, and so one cache, per process or isolate). */
export async function verifyAccessToken(token: string, now: number = Date.now()): Promise<AccessTokenResult> {
  defaultVerifier ??= getAccessTokenKeys().then(createAccessTokenVerifier);
  return (await defaultVerifier)(token, now);
}

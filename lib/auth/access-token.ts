/**
 * Access tokens: short-lived HS256 JWTs (RFC 9068 `at+jwt`) carrying only ids and times.
 *
 * Edge-safe: the middleware imports this module, so it uses only jose, zod and Web Crypto.
 * Every function takes `now` (ms) so tests can freeze the clock.
 */
import { base64url, errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { getConfig, type Config } from '../config';
import { toSeconds } from '../duration';

export const ACCESS_TOKEN_ALG = 'HS256';
export const ACCESS_TOKEN_TYP = 'at+jwt';
/** Leeway for clock skew between servers; RFC 8725 and our checklist allow at most 30 s. */
export const CLOCK_TOLERANCE_S = 5;
/** A cookie holds at most ~4 KB; anything longer was not issued by us. */
const MAX_TOKEN_LENGTH = 4096;
/** How many verified token strings the verifier remembers (each entry is ~0.5 KB). */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * The only protected header we ever issue, base64url-encoded. Comparing the first segment to it
 * byte for byte rejects `alg:none`, other algorithms, `jwk`/`jku`/`x5u`/`x5c`, `kid` and `crit`
 * before any cryptography runs (checklist A1–A3): nothing is trusted from a header.
 */
export const ACCESS_TOKEN_HEADER = base64url.encode(JSON.stringify({ alg: ACCESS_TOKEN_ALG, typ: ACCESS_TOKEN_TYP }));

const SEGMENT = /^[A-Za-z0-9_-]+$/;

export interface AccessTokenKeys {
  /** For jose's verification (Web Crypto, edge-safe). */
  key: CryptoKey;
  /** The secret's bytes, for signing in Node (lib/auth/sign-access-token.ts). */
  secret: Uint8Array;
  issuer: string;
  audience: string;
  ttlMs: number;
}

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

/** Key, issuer, audience and lifetime for the given configuration. */
export async function accessTokenKeys(config: Pick<Config, 'accessTokenSecret' | 'appOrigin' | 'accessTokenTtlMs'>): Promise<AccessTokenKeys> {
  return {
    key: await importAccessKey(config.accessTokenSecret),
    secret: new TextEncoder().encode(config.accessTokenSecret),
    issuer: config.appOrigin,
    audience: config.appOrigin,
    ttlMs: config.accessTokenTtlMs,
  };
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
 * Cheap structural checks before any cryptography: three canonical base64url segments, our exact
 * header, and a payload that is a JSON object serialised exactly as we serialise it (which rejects
 * duplicate keys, arrays and padding tricks).
 */
function isWellFormed(token: string): boolean {
  if (token.length > MAX_TOKEN_LENGTH) return false;
  const parts = token.split('.');
  if (parts.length !== 3) return false;
  const [header, payload, signature] = parts as [string, string, string];
  if (header !== ACCESS_TOKEN_HEADER) return false;
  if (!SEGMENT.test(payload) || !SEGMENT.test(signature) || signature.length !== 43) return false;
  const payloadBytes = decodeCanonical(payload);
  if (payloadBytes === null || decodeCanonical(signature) === null) return false;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(payloadBytes);
    const parsed: unknown = JSON.parse(text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && JSON.stringify(parsed) === text;
  } catch {
    return false;
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
    if (!isWellFormed(token)) return { ok: false, reason: 'malformed' };
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(token, keys.key, {
        algorithms: [ACCESS_TOKEN_ALG],
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

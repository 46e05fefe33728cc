/**
 * DPoP (RFC 9449): proof-of-possession of a client's key, checked on every request that presents
 * a DPoP-bound token (API calls with `Authorization: DPoP <token>`) or asks for one (the token
 * endpoint). A proof is a JWT the client signs with its private key, naming the request's method
 * and URL; jose verifies it against the public key it carries in its header (`EmbeddedJWK`).
 *
 * The checks of RFC 9449 §4.3, in order: exactly one `DPoP` header, a compact JWS no longer than
 * MAX_DPOP_PROOF_LENGTH; `typ` `dpop+jwt`; an asymmetric algorithm of ours (never `none` or an
 * HMAC); a public key, never private parts; a valid signature; `htm` = the request method; `htu` =
 * the request URL without query and fragment; `iat` within ±DPOP_PROOF_WINDOW_S of our clock;
 * `ath` = the hash of the access token on resource requests. The key's RFC 7638 thumbprint (`jkt`)
 * is what tokens are bound to.
 *
 * `htu` is compared with APP_ORIGIN and the request's path, never with the Host header or
 * `request.url`'s origin: behind a proxy those name the internal address, and a client controls
 * the Host header. A proof is single use: `spendDpopProof` records its `jti` in the Store (one
 * atomic insert-if-absent) for as long as its `iat` keeps it acceptable. Callers spend a proof only
 * after everything else about the request has checked out, so a stranger's proofs (anyone can make
 * a key) never write to the database.
 *
 * Server-provided nonces (RFC 9449 §8) are not used: the `iat` window and the `jti` cache bound a
 * proof's life, and a nonce would cost every client an extra round trip.
 */
import 'server-only';
import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, decodeProtectedHeader, EmbeddedJWK, errors, jwtVerify } from 'jose';
import { z } from 'zod';
import type { Store } from '@/db/store';

/**
 * The proof algorithms we accept: asymmetric only (RFC 9449 §4.3 step 5). RSA keys below 2048
 * bits are refused by jose itself.
 */
export const DPOP_ALGORITHMS = ['ES256', 'EdDSA', 'Ed25519', 'PS256', 'RS256'] as const;
/** How far a proof's `iat` may lie from our clock, either way (RFC 9449 §11.1). */
export const DPOP_PROOF_WINDOW_S = 60;
/** A proof with an RSA-4096 key is about 2.2 KB; anything much longer is not a proof. */
export const MAX_DPOP_PROOF_LENGTH = 4096;

/** Why a proof was refused (for tests and logs; a client only ever sees `invalid_dpop_proof`). */
export type DpopFailure =
  | 'missing'
  | 'multiple'
  | 'malformed'
  | 'wrong_typ'
  | 'unsupported_alg'
  | 'private_key'
  | 'bad_signature'
  | 'htm_mismatch'
  | 'htu_mismatch'
  | 'iat_out_of_window'
  | 'ath_mismatch'
  | 'replayed';

/** A proof whose signature and claims checked out. */
export interface DpopProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's public key, base64url. */
  jkt: string;
  jti: string;
  /** Seconds since the epoch, as the client stated. */
  iat: number;
}

export type DpopCheck = { ok: true; proof: DpopProof } | { ok: false; reason: DpopFailure };

/** What the proof must name: the request's method and URL, and on a resource request the access token it accompanies. */
export interface DpopExpectation {
  method: string;
  /** The request URL as the client addressed it (APP_ORIGIN + path; see `dpopRequestUrl`). */
  url: string;
  /** The access token sent with the proof (resource requests): the proof's `ath` must be its hash. */
  accessToken?: string;
}

const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** JWK members that only a private or symmetric key has (RFC 7517 §9.1, RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

const proofClaimsSchema = z.object({
  // RFC 9449 §4.2 asks for at least 96 random bits; a bound on its length keeps the cache small.
  jti: z.string().min(1).max(256),
  htm: z.string().min(1).max(32),
  htu: z.string().min(1).max(2048),
  iat: z.number().finite(),
  ath: z.string().max(128).optional(),
});

/** The members of a public JWK that its RFC 7638 thumbprint covers (EC, OKP, RSA). */
const thumbprintMembersSchema = z.object({
  kty: z.string(),
  crv: z.string().optional(),
  x: z.string().optional(),
  y: z.string().optional(),
  n: z.string().optional(),
  e: z.string().optional(),
});

/**
 * The URL a proof on this request must name: APP_ORIGIN and the request's path. The path is
 * taken as received; only the origin, which a proxy or the Host header could change, is ours.
 */
export function dpopRequestUrl(appOrigin: string, request: Request): string {
  // Concatenated, not resolved: a path such as `//host/x` must stay a path.
  return `${new URL(appOrigin).origin}${new URL(request.url).pathname}`;
}

/**
 * The request's one DPoP header: null when absent, `multiple` when sent more than once (Headers
 * joins repeated fields with a comma, which no compact JWS contains), `malformed` when too long
 * or not a compact JWS.
 */
export function dpopHeader(headers: Headers): string | null | 'multiple' | 'malformed' {
  const value = headers.get('dpop');
  if (value === null) return null;
  if (value.includes(',')) return 'multiple';
  if (value.length > MAX_DPOP_PROOF_LENGTH || !COMPACT_JWS.test(value)) return 'malformed';
  return value;
}

/** base64url(SHA-256(ASCII of the access token)): a proof's `ath` (RFC 9449 §4.2). */
export function accessTokenHash(accessToken: string): string {
  return createHash('sha256').update(accessToken, 'ascii').digest('base64url');
}

/** Whether `htu` names the same resource as `expected`, ignoring query and fragment (RFC 9449 §4.3 step 9). */
function sameHtu(htu: string, expected: string): boolean {
  let given: URL;
  try {
    given = new URL(htu);
  } catch {
    return false;
  }
  if (given.protocol !== 'https:' && given.protocol !== 'http:') return false;
  if (given.username !== '' || given.password !== '') return false;
  const wanted = new URL(expected);
  // URL parsing normalises scheme and host case, default ports and dot segments (RFC 3986 §6.2).
  return given.origin === wanted.origin && given.pathname === wanted.pathname;
}

/**
 * Verifies a DPoP proof (the header's value, see `dpopHeader`) for a request at `now` (ms). Pure:
 * it records nothing, so the caller decides whether the request deserves a write (`spendDpopProof`).
 */
export async function checkDpopProof(header: ReturnType<typeof dpopHeader>, expected: DpopExpectation, now: number): Promise<DpopCheck> {
  if (header === null) return { ok: false, reason: 'missing' };
  if (header === 'multiple' || header === 'malformed') return { ok: false, reason: header };
  let protectedHeader: ReturnType<typeof decodeProtectedHeader>;
  try {
    protectedHeader = decodeProtectedHeader(header);
  } catch {
    return { ok: false, reason: 'malformed' };
  }
  if (protectedHeader.typ !== 'dpop+jwt') return { ok: false, reason: 'wrong_typ' };
  const alg = protectedHeader.alg;
  if (typeof alg !== 'string' || !(DPOP_ALGORITHMS as readonly string[]).includes(alg)) return { ok: false, reason: 'unsupported_alg' };
  const jwk: unknown = protectedHeader.jwk;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) return { ok: false, reason: 'malformed' };
  if (PRIVATE_MEMBERS.some((member) => Object.hasOwn(jwk, member))) return { ok: false, reason: 'private_key' };

  let payload: unknown;
  try {
    // EmbeddedJWK imports the header's key and refuses anything but a public one; jose checks
    // `typ` and the algorithm again, the signature, and `exp`/`nbf` should a client add them.
    ({ payload } = await jwtVerify(header, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [...DPOP_ALGORITHMS], currentDate: new Date(now) }));
  } catch (error) {
    // A claim jose validates (`iat`, `exp`, `nbf`) of the wrong type or out of range; or a JWS that does not verify.
    if (error instanceof errors.JWTClaimValidationFailed || error instanceof errors.JWTInvalid) return { ok: false, reason: 'malformed' };
    if (error instanceof errors.JOSEError) return { ok: false, reason: 'bad_signature' };
    throw error;
  }
  const claims = proofClaimsSchema.safeParse(payload);
  if (!claims.success) return { ok: false, reason: 'malformed' };
  const { jti, htm, htu, iat, ath } = claims.data;
  if (htm !== expected.method) return { ok: false, reason: 'htm_mismatch' };
  if (!sameHtu(htu, expected.url)) return { ok: false, reason: 'htu_mismatch' };
  if (Math.abs(now - iat * 1000) > DPOP_PROOF_WINDOW_S * 1000) return { ok: false, reason: 'iat_out_of_window' };
  if (expected.accessToken !== undefined && ath !== accessTokenHash(expected.accessToken)) return { ok: false, reason: 'ath_mismatch' };
  // The thumbprint of the key jose verified with, from the members RFC 7638 hashes.
  const publicKey = thumbprintMembersSchema.safeParse(jwk);
  if (!publicKey.success) return { ok: false, reason: 'malformed' };
  const jkt = await calculateJwkThumbprint(publicKey.data, 'sha256');
  return { ok: true, proof: { jkt, jti, iat } };
}

/** The replay-cache key of a proof: fixed length, and one key's `jti` never collides with another's. */
function proofRecordId(proof: DpopProof): string {
  return createHash('sha256').update(`${proof.jkt}.${proof.jti}`, 'utf8').digest('base64url');
}

/**
 * Marks a checked proof used (RFC 9449 §11.1): true the first time, false for a replay. The record
 * lives while the proof's `iat` is inside the window, plus a second for sub-second `iat` values.
 */
export async function spendDpopProof(store: Pick<Store, 'useDpopProof'>, proof: DpopProof, now: number): Promise<boolean> {
  const expiresAt = Math.ceil(proof.iat * 1000) + DPOP_PROOF_WINDOW_S * 1000 + 1000;
  return store.useDpopProof(proofRecordId(proof), expiresAt, now);
}

/** The `WWW-Authenticate` challenge for a refused DPoP request (RFC 9449 §7.1). */
export function dpopChallenge(error: 'invalid_token' | 'invalid_dpop_proof'): string {
  return `DPoP error="${error}", algs="${DPOP_ALGORITHMS.join(' ')}"`;
}

/**
 * Access tokens for machine clients (grant_type=client_credentials over mTLS), bound to the
 * client's certificate (RFC 8705 §3: `cnf` with `x5t#S256`, the base64url SHA-256 of its DER).
 *
 * Same header and key (HS256 or the first asymmetric key), issuer, audience and lifetime as a user's access token, but other claims:
 * `sub` and `client_id` are the configured clientId, `cnf` binds the certificate, and there is no
 * `sid`. The session verifier (lib/auth/access-token.ts, also the edge middleware's) validates
 * claims with a strict schema that requires `sid` and allows nothing else, so a client token is
 * never taken for a user's: pages (the middleware cannot see certificates) and every session-only
 * API refuse it. Only routes that opt in to machine clients verify it here, and only together with
 * the same certificate, forwarded by the trusted proxy on that very request.
 */
import 'server-only';
import { randomUUID } from 'node:crypto';
import { errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { toSeconds } from '../duration';
import { ACCESS_TOKEN_TYP, CLOCK_TOLERANCE_S, verificationKeyFor, type AccessTokenKeys } from './access-token';
import { signAccessClaims } from './sign-access-token';

export const clientClaimsSchema = z.strictObject({
  sub: z.string().min(1).max(64),
  client_id: z.string().min(1).max(64),
  cnf: z.strictObject({ 'x5t#S256': z.string().regex(/^[A-Za-z0-9_-]{43}$/) }),
  iss: z.string(),
  aud: z.string(),
  iat: z.number().int().nonnegative(),
  exp: z.number().int().positive(),
  jti: z.string().min(1).max(64),
});

export type ClientClaims = z.infer<typeof clientClaimsSchema>;

/** A token for `clientId` bound to the certificate with thumbprint `x5tS256`; with its expiry (ms) and lifetime (s, `exp - iat`). */
export function signClientToken(clientId: string, x5tS256: string, keys: AccessTokenKeys, now: number): { token: string; expiresAt: number; expiresIn: number } {
  const iat = toSeconds(now);
  const exp = iat + toSeconds(keys.ttlMs);
  const claims: ClientClaims = { sub: clientId, client_id: clientId, cnf: { 'x5t#S256': x5tS256 }, iss: keys.issuer, aud: keys.audience, iat, exp, jti: randomUUID() };
  return { token: signAccessClaims(claims, keys), expiresAt: exp * 1000, expiresIn: exp - iat };
}

/** The claims of a valid client token (signature, header, typ, iss, aud, exp, shape); null otherwise. Binding is the caller's check. */
export async function verifyClientToken(token: string, keys: AccessTokenKeys, now: number): Promise<ClientClaims | null> {
  // The key for the token's exact header (one of ours), as for users' tokens: nothing else is trusted from it.
  const key = token.length > 4096 ? null : verificationKeyFor(token, keys);
  if (key === null) return null;
  let payload: unknown;
  try {
    ({ payload } = await jwtVerify(token, key, {
      algorithms: [keys.alg],
      typ: ACCESS_TOKEN_TYP,
      issuer: keys.issuer,
      audience: keys.audience,
      requiredClaims: ['sub', 'client_id', 'cnf', 'jti', 'iat', 'exp'],
      maxTokenAge: `${toSeconds(keys.ttlMs)}s`,
      clockTolerance: CLOCK_TOLERANCE_S,
      currentDate: new Date(now),
    }));
  } catch (error) {
    if (error instanceof errors.JOSEError) return null;
    throw error;
  }
  const parsed = clientClaimsSchema.safeParse(payload);
  if (!parsed.success || parsed.data.aud !== keys.audience || parsed.data.sub !== parsed.data.client_id) return null;
  return parsed.data;
}

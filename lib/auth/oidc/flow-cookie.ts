/**
 * The cookie that binds an OpenID Connect flow to the browser that started it (checklist K66;
 * RFC 9700 2.1, 4.7): the PKCE verifier, `state`, `nonce`, where to go afterwards and, for
 * `Connect` on /account, which account and session asked.
 *
 * - Sealed with jose (JWE `dir` + A256GCM) under a key derived from REFRESH_TOKEN_SECRET (HKDF,
 *   its own label): nobody can read the verifier out of it or forge one, and it expires with the
 *   flow (10 minutes; the cookie's Max-Age says the same).
 * - HttpOnly, SameSite=Lax: the callback is a top-level cross-site navigation from the provider,
 *   which Lax cookies accompany and Strict ones would not; no cross-site subrequest carries it.
 * - `__Host-` prefixed with COOKIE_SECURE, like the auth cookies.
 * - One flow at a time per browser: starting another replaces it; every callback clears it.
 */
import 'server-only';
import { hkdfSync } from 'node:crypto';
import { EncryptJWT, jwtDecrypt } from 'jose';
import { z } from 'zod';
import { toSeconds } from '@/lib/duration';

export const FLOW_TTL_MS = 10 * 60_000;
const FLOW_KEY_LABEL = 'next-token-auth oidc flow cookie v1';

export function flowCookieName(secure: boolean): string {
  return secure ? '__Host-oauth_flow' : 'oauth_flow';
}

export function flowCookieAttributes(secure: boolean, maxAgeMs: number) {
  return { httpOnly: true, secure, sameSite: 'lax', path: '/', maxAge: toSeconds(maxAgeMs) } as const;
}

const flowSchema = z.object({
  /** The provider id the flow was started for. */
  provider: z.string(),
  state: z.string().min(1),
  nonce: z.string().min(1),
  verifier: z.string().min(43),
  /** A same-site path (checked when the flow started). */
  next: z.string(),
  /** Set when a signed-in user asked to connect the provider: that account and its session. */
  connect: z.object({ userId: z.string(), sessionId: z.string() }).nullable(),
});

export type OidcFlow = z.output<typeof flowSchema>;

let derived: { secret: string; key: Uint8Array } | undefined;

function flowKey(secret: string): Uint8Array {
  if (derived?.secret !== secret) derived = { secret, key: new Uint8Array(hkdfSync('sha256', secret, Buffer.alloc(0), FLOW_KEY_LABEL, 32)) };
  return derived.key;
}

/** The sealed cookie value of a flow started at `now`. */
export async function sealFlow(secret: string, flow: OidcFlow, now: number): Promise<string> {
  const issuedAt = Math.floor(now / 1000);
  return new EncryptJWT({ flow })
    .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + FLOW_TTL_MS / 1000)
    .encrypt(flowKey(secret));
}

/** The flow in a cookie value, or null when it is missing, forged, tampered with or expired. */
export async function openFlow(secret: string, value: string | null, now: number): Promise<OidcFlow | null> {
  if (!value || value.length > 4096) return null;
  try {
    const { payload } = await jwtDecrypt(value, flowKey(secret), { currentDate: new Date(now), keyManagementAlgorithms: ['dir'], contentEncryptionAlgorithms: ['A256GCM'] });
    const parsed = z.object({ flow: flowSchema }).safeParse(payload);
    return parsed.success ? parsed.data.flow : null;
  } catch {
    return null;
  }
}

/** The flow cookie's value in a Cookie header; null when absent or sent more than once (ambiguous). */
export function flowCookieValue(cookieHeader: string | null, secure: boolean): string | null {
  const name = flowCookieName(secure);
  const values = (cookieHeader ?? '')
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${name}=`))
    .map((part) => part.slice(name.length + 1));
  return values.length === 1 ? (values[0] ?? null) : null;
}

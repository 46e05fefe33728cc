/**
 * Cookie names and attributes (contract "Cookies"; checklist E25). Edge-safe.
 * With COOKIE_SECURE the names carry the `__Host-` prefix, which browsers only accept with
 * Secure, Path=/ and no Domain: the cookie cannot be planted or widened by a sibling subdomain.
 */
import type { ResponseCookies } from 'next/dist/compiled/@edge-runtime/cookies';
import { toSeconds } from '../duration';

export interface CookieNames {
  access: string;
  refresh: string;
}

/** The two cookie names for a secure or insecure deployment. */
export function cookieNames(secure: boolean): CookieNames {
  return secure
    ? { access: '__Host-access_token', refresh: '__Host-refresh_token' }
    : { access: 'access_token', refresh: 'refresh_token' };
}

interface CookieJar {
  set: ResponseCookies['set'];
}

function attributes(secure: boolean, maxAgeS: number) {
  return { httpOnly: true, secure, sameSite: 'lax', path: '/', maxAge: maxAgeS } as const;
}

/**
 * Sets both auth cookies. The access cookie lives exactly as long as the JWT; the refresh cookie
 * as long as the session's idle expiry, which is never past its absolute expiry (checklist C16).
 */
export function setAuthCookies(
  jar: CookieJar,
  tokens: { accessToken: string; accessExpiresAt: number; refreshToken: string; refreshExpiresAt: number },
  secure: boolean,
  now: number,
): void {
  const names = cookieNames(secure);
  jar.set(names.access, tokens.accessToken, attributes(secure, toSeconds(tokens.accessExpiresAt - now)));
  jar.set(names.refresh, tokens.refreshToken, attributes(secure, toSeconds(tokens.refreshExpiresAt - now)));
}

/** Which of the two auth cookies a request carried (sent at least once, whatever the value). */
export interface CarriedCookies {
  access: boolean;
  refresh: boolean;
}

/** What a request's Cookie header holds of the two auth cookies. */
export interface RequestAuthCookies {
  /** The access cookie's value; null when it is absent or ambiguous (sent more than once). */
  access: string | null;
  /** The refresh cookie's value; null when it is absent or ambiguous (sent more than once). */
  refresh: string | null;
  /** What the request carried: the only cookies a response to it may clear (contract "Cookies"). */
  carried: CarriedCookies;
}

/**
 * The one reader of auth cookies: the middleware, route handlers and server components all use it,
 * so they can never see two identities in one request. It parses the raw Cookie header itself
 * (values as sent, no percent-decoding) instead of Next's `request.cookies` / `cookies()`.
 *
 * A name that appears more than once is treated as absent. A browser sends two cookies of one name
 * when a second one was planted with another Path or Domain (a sibling subdomain, a script on an
 * old path), and which of them it lists first depends on path length and creation time, not on
 * who set it. Picking the first or the last would let whoever planted the other one choose the
 * identity the server sees, and different readers (Next takes the last, a naive loop the first)
 * would disagree within one request. Ambiguity is never resolved in an attacker's favour: it means
 * "not signed in". The name still counts as carried, so a signed-out answer may clear it.
 */
export function readAuthCookies(cookieHeader: string | null, secure: boolean): RequestAuthCookies {
  const names = cookieNames(secure);
  const seen = { access: 0, refresh: 0 };
  const values: { access: string | null; refresh: string | null } = { access: null, refresh: null };
  for (const part of (cookieHeader ?? '').split(';')) {
    const index = part.indexOf('=');
    // A pair without '=' is a nameless cookie (RFC 6265bis 5.6), never one of ours.
    if (index === -1) continue;
    const name = part.slice(0, index).trim();
    const key = name === names.access ? 'access' : name === names.refresh ? 'refresh' : null;
    if (key === null) continue;
    seen[key] += 1;
    values[key] = part.slice(index + 1).trim();
  }
  return {
    access: seen.access === 1 ? values.access : null,
    refresh: seen.refresh === 1 ? values.refresh : null,
    carried: { access: seen.access > 0, refresh: seen.refresh > 0 },
  };
}

/** The auth cookies of a request (its Cookie header read by `readAuthCookies`). */
export function requestAuthCookies(request: Pick<Request, 'headers'>, secure: boolean): RequestAuthCookies {
  return readAuthCookies(request.headers.get('cookie'), secure);
}

/**
 * Clears the auth cookies the request carried, and only those, with the same name, path and
 * prefix they were set with (Max-Age=0). A request that came without an auth cookie gets no
 * clearing Set-Cookie at all: if it was sent before a sign-in and answered after it, clearing
 * would sign the browser's new session out (contract "Cookies"). Returns whether it cleared any.
 */
export function clearAuthCookies(jar: CookieJar, secure: boolean, carried: CarriedCookies): boolean {
  const names = cookieNames(secure);
  if (carried.access) jar.set(names.access, '', attributes(secure, 0));
  if (carried.refresh) jar.set(names.refresh, '', attributes(secure, 0));
  return carried.access || carried.refresh;
}

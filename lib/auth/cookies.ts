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

/** Clears both cookies with the same name, path and prefix they were set with (Max-Age=0). */
export function clearAuthCookies(jar: CookieJar, secure: boolean): void {
  const names = cookieNames(secure);
  jar.set(names.access, '', attributes(secure, 0));
  jar.set(names.refresh, '', attributes(secure, 0));
}

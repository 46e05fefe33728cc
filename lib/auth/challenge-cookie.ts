/**
 * The second-step challenge cookie (checklist 64): what binds a sign-in's second step to the
 * browser that passed its first. HttpOnly, SameSite=Strict (a cross-site page can never complete
 * someone's sign-in), Path=/, Max-Age 300, and with COOKIE_SECURE the `__Host-` prefix and Secure,
 * like the auth cookies. Its value is random (lib/auth/second-factor.ts); the server keeps only a MAC.
 */
import type { ResponseCookies } from 'next/dist/compiled/@edge-runtime/cookies';

interface CookieJar {
  set: ResponseCookies['set'];
}

/** The challenge cookie's name for a secure or insecure deployment. */
export function challengeCookieName(secure: boolean): string {
  return secure ? '__Host-two_factor_challenge' : 'two_factor_challenge';
}

function attributes(secure: boolean, maxAgeS: number) {
  return { httpOnly: true, secure, sameSite: 'strict', path: '/', maxAge: maxAgeS } as const;
}

/** Hands the browser a challenge for `maxAgeS` seconds. */
export function setChallengeCookie(jar: CookieJar, value: string, secure: boolean, maxAgeS: number): void {
  jar.set(challengeCookieName(secure), value, attributes(secure, maxAgeS));
}

/** Clears the challenge cookie (same name, path and prefix, Max-Age=0). */
export function clearChallengeCookie(jar: CookieJar, secure: boolean): void {
  jar.set(challengeCookieName(secure), '', attributes(secure, 0));
}

/**
 * The challenge a request carries: its value, null when absent or sent more than once (as with the
 * auth cookies, a second cookie of one name may have been planted, so ambiguity means "none"), and
 * whether it was carried at all (only then may a response clear it).
 */
export function readChallengeCookie(cookieHeader: string | null, secure: boolean): { value: string | null; carried: boolean } {
  const name = challengeCookieName(secure);
  const values: string[] = [];
  for (const part of (cookieHeader ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index === -1) continue;
    if (part.slice(0, index).trim() === name) values.push(part.slice(index + 1).trim());
  }
  return { value: values.length === 1 ? (values[0] ?? null) : null, carried: values.length > 0 };
}

/**
 * What both WebAuthn ceremonies (adding a passkey, signing in with one) share: the relying party
 * taken from APP_ORIGIN, and the server-side challenge bound to one browser (checklist 65).
 *
 * A challenge lives in the database (passkey_challenges) for 5 minutes and is consumed by one
 * atomic DELETE … RETURNING, so it verifies at most one response. The browser holds only its id, in
 * an HttpOnly, SameSite=Strict cookie (`__Host-` prefixed when COOKIE_SECURE): a page on another
 * site can neither read it nor make the browser send it, and a response signed over a challenge
 * handed to another browser finds no challenge here.
 */
import 'server-only';
import { randomBytes } from 'node:crypto';
import type { PasskeyCeremony, PasskeyChallenge, Store } from '@/db/store';
import type { Config } from '@/lib/config';
import { toSeconds } from '@/lib/duration';
import { AuthError } from './errors';

/** How long a ceremony may take, from the options to the verification (contract: 5 minutes). */
export const PASSKEY_CHALLENGE_TTL_MS = 5 * 60_000;

/** The name authenticators show next to the account. */
export const RELYING_PARTY_NAME = 'Token Auth';

export interface RelyingParty {
  /** APP_ORIGIN's host name: a credential is scoped to it and works nowhere else. */
  id: string;
  /** APP_ORIGIN itself: the only origin whose responses are accepted. */
  origin: string;
  name: string;
}

/** The relying party of this deployment, from APP_ORIGIN. */
export function relyingParty(config: Pick<Config, 'appOrigin'>): RelyingParty {
  const url = new URL(config.appOrigin);
  return { id: url.hostname, origin: url.origin, name: RELYING_PARTY_NAME };
}

/** The challenge cookie's name: `__Host-` prefixed on secure deployments, like the auth cookies. */
export function challengeCookieName(secure: boolean): string {
  return secure ? '__Host-passkey_challenge' : 'passkey_challenge';
}

interface CookieSetter {
  set(name: string, value: string, options: { httpOnly: boolean; secure: boolean; sameSite: 'strict'; path: string; maxAge: number }): unknown;
}

/** Hands the browser the challenge id, for as long as the challenge lives. */
export function setChallengeCookie(jar: CookieSetter, challengeId: string, secure: boolean): void {
  jar.set(challengeCookieName(secure), challengeId, { httpOnly: true, secure, sameSite: 'strict', path: '/', maxAge: toSeconds(PASSKEY_CHALLENGE_TTL_MS) });
}

/** Drops the challenge cookie after a verification (the challenge is spent either way). */
export function clearChallengeCookie(jar: CookieSetter, secure: boolean): void {
  jar.set(challengeCookieName(secure), '', { httpOnly: true, secure, sameSite: 'strict', path: '/', maxAge: 0 });
}

/** Challenge ids are 256 random bits in base64url; anything else cannot exist. */
const CHALLENGE_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * The challenge id the request's cookie holds, or null when it is absent, malformed or sent more
 * than once (as with the auth cookies, a planted second cookie never gets to choose).
 */
export function challengeIdOf(request: Pick<Request, 'headers'>, secure: boolean): string | null {
  const name = challengeCookieName(secure);
  const values: string[] = [];
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const index = part.indexOf('=');
    if (index !== -1 && part.slice(0, index).trim() === name) values.push(part.slice(index + 1).trim());
  }
  const [value] = values;
  return values.length === 1 && value !== undefined && CHALLENGE_ID.test(value) ? value : null;
}

/** Stores a new challenge for a ceremony; returns its id (for the cookie). */
export async function issueChallenge(store: Store, ceremony: PasskeyCeremony, challenge: string, userId: string | null, now: number): Promise<string> {
  const id = randomBytes(32).toString('base64url');
  await store.storePasskeyChallenge({ id, challenge, ceremony, userId, createdAt: now, expiresAt: now + PASSKEY_CHALLENGE_TTL_MS });
  return id;
}

/**
 * Spends the browser's challenge for `ceremony`: 400 `invalid_passkey_challenge` when the cookie
 * is missing, or the challenge is unknown, of the other ceremony, already used or expired.
 */
export async function consumeChallenge(store: Store, challengeId: string | null, ceremony: PasskeyCeremony, now: number): Promise<PasskeyChallenge> {
  const challenge = challengeId === null ? null : await store.consumePasskeyChallenge(challengeId, ceremony, now);
  if (!challenge) throw new AuthError('invalid_passkey_challenge');
  return challenge;
}

/** The WebAuthn user handle of an account: its id's UTF-8 bytes (a random UUID, nothing personal). */
export function userHandleOf(userId: string): Uint8Array<ArrayBuffer> {
  return new Uint8Array(Buffer.from(userId, 'utf8'));
}

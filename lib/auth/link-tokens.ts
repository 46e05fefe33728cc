/**
 * One-time link tokens: the one module every mailed link (password reset, email verification,
 * sign-in by email link) uses (contract "Email"; checklist O59).
 *
 * - A token is 256 bits from the CSPRNG, base64url (43 characters), and appears only in the mail.
 * - The database keeps only HMAC-SHA-256(link key, "<kind>.<token>") as the row's id, where the
 *   link key is derived from REFRESH_TOKEN_SECRET (HKDF, its own label). A copy of the database
 *   can neither use a link nor tell which mail one came from; the kind in the MAC means a token of
 *   one kind can never be looked up as another.
 * - Single use, expiry, "a newer link of a kind supersedes the older" and "a password change kills
 *   every link" are kept by the Store in one atomic step each (db/store.ts, one-time links).
 * - Looking a token up by its MAC (a primary-key lookup) leaks nothing useful through timing: an
 *   attacker would have to guess 256 bits, and the MAC of a guess says nothing about a real token.
 */
import 'server-only';
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { NewOneTimeToken, OneTimeTokenKind } from '@/db/store';

export const LINK_TOKEN_BYTES = 32;
const LINK_TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;
const LINK_KEY_LABEL = 'next-token-auth one-time link v1';

let derived: { secret: string; key: Buffer } | undefined;

/** The MAC key of link tokens: HKDF-SHA-256 of the refresh secret with a label of its own. */
function linkKey(secret: string): Buffer {
  if (derived?.secret !== secret) derived = { secret, key: Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), LINK_KEY_LABEL, 32)) };
  return derived.key;
}

function mac(secret: string, kind: OneTimeTokenKind, token: string): string {
  return createHmac('sha256', linkKey(secret)).update(`${kind}.${token}`, 'utf8').digest('base64url');
}

export interface IssuedLink {
  /** The token for the mail; never stored, never logged (except in the development mail log line). */
  token: string;
  /** The row to store: the MAC as its id, never the token. */
  record: NewOneTimeToken;
}

/** A new link token of a kind for a user's address, live for `ttlMs` from `now`. */
export function newLinkToken(secret: string, kind: OneTimeTokenKind, user: { id: string; email: string }, now: number, ttlMs: number): IssuedLink {
  const token = randomBytes(LINK_TOKEN_BYTES).toString('base64url');
  return { token, record: { id: mac(secret, kind, token), userId: user.id, kind, email: user.email, createdAt: now, expiresAt: now + ttlMs } };
}

/** The stored id of a presented token, or null when it is not shaped like one of ours (canonical base64url of 32 bytes). */
export function linkTokenId(secret: string, kind: OneTimeTokenKind, token: string): string | null {
  if (!LINK_TOKEN_FORMAT.test(token) || Buffer.from(token, 'base64url').toString('base64url') !== token) return null;
  return mac(secret, kind, token);
}

/** The absolute link on APP_ORIGIN that carries a token, e.g. `https://example.com/reset-password?token=…`. */
export function linkUrl(appOrigin: string, pathname: '/reset-password' | '/verify-email' | '/magic-link', token: string): string {
  const url = new URL(pathname, appOrigin);
  url.searchParams.set('token', token);
  return url.toString();
}

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

const derived = new Map<string, { secret: string; key: Buffer }>();

/**
 * A MAC key of its own for one purpose: HKDF-SHA-256 of a server secret with the purpose's label,
 * derived once per label. Each kind of stored secret (link tokens, API keys) gets its own label, so
 * a MAC made for one can never be taken for another's.
 */
export function derivedMacKey(secret: string, label: string): Buffer {
  let entry = derived.get(label);
  if (entry?.secret !== secret) {
    entry = { secret, key: Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), label, 32)) };
    derived.set(label, entry);
  }
  return entry.key;
}

/** HMAC-SHA-256 of a UTF-8 message under a derived key (see derivedMacKey). */
export function derivedMac(secret: string, label: string, message: string): Buffer {
  return createHmac('sha256', derivedMacKey(secret, label)).update(message, 'utf8').digest();
}

/** Whether a string is the canonical base64url encoding of its bytes (no stray bits in the last character). */
export function isCanonicalBase64url(value: string): boolean {
  return Buffer.from(value, 'base64url').toString('base64url') === value;
}

function mac(secret: string, kind: OneTimeTokenKind, token: string): string {
  return derivedMac(secret, LINK_KEY_LABEL, `${kind}.${token}`).toString('base64url');
}

export interface IssuedLink {
  /** The token for the mail; never stored, never logged (except in the development mail log line). */
  token: string;
  /** The row to store: the MAC as its id, never the token. */
  record: NewOneTimeToken;
}

/**
 * A new link token of a kind for a user's address, live for `ttlMs` from `now`; `next` (sign-in
 * links) is stored with it, already checked by the caller.
 */
export function newLinkToken(secret: string, kind: OneTimeTokenKind, user: { id: string; email: string }, now: number, ttlMs: number, next: string | null = null): IssuedLink {
  const token = randomBytes(LINK_TOKEN_BYTES).toString('base64url');
  return { token, record: { id: mac(secret, kind, token), userId: user.id, kind, email: user.email, next, createdAt: now, expiresAt: now + ttlMs } };
}

/** The stored id of a presented token, or null when it is not shaped like one of ours (canonical base64url of 32 bytes). */
export function linkTokenId(secret: string, kind: OneTimeTokenKind, token: string): string | null {
  if (!LINK_TOKEN_FORMAT.test(token) || !isCanonicalBase64url(token)) return null;
  return mac(secret, kind, token);
}

/** The absolute link on APP_ORIGIN that carries a token, e.g. `https://example.com/reset-password?token=…`. */
export function linkUrl(appOrigin: string, pathname: '/reset-password' | '/verify-email' | '/magic-link', token: string): string {
  const url = new URL(pathname, appOrigin);
  url.searchParams.set('token', token);
  return url.toString();
}

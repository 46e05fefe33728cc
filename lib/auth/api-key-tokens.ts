/**
 * API keys: their format, their MAC, and the constant-time check (checklist 70).
 *
 * - A key is `ntak_<id>_<secret>`: a fixed prefix that secret scanners (GitHub push protection,
 *   trufflehog, gitleaks custom rules) can match with `ntak_[A-Za-z0-9_-]{16}_[A-Za-z0-9_-]{43}`;
 *   `id` is 96 random bits (16 base64url characters), public, the row's primary key; `secret` is
 *   256 random bits (43 base64url characters) and appears only once, in the creation response.
 * - The database keeps only HMAC-SHA-256(api-key key, "<id>.<secret>"), the key derived by HKDF
 *   from REFRESH_TOKEN_SECRET with a label of its own (lib/auth/link-tokens.ts): a copy of the
 *   database can neither use a key nor recognise one.
 * - Checking a presented key does the same work whatever is wrong with it: one HMAC of the
 *   presented id and secret, and one `timingSafeEqual` of two 32-byte values, against the stored
 *   MAC or, for an unknown id, against a fixed dummy. Neither how much of the secret is right nor
 *   whether the id exists changes what runs (tests/integration/api-keys.test.ts counts it).
 */
import 'server-only';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { NewApiKey } from '@/db/store';
import { derivedMac, isCanonicalBase64url } from './link-tokens';

export const API_KEY_PREFIX = 'ntak_';
const API_KEY_ID_BYTES = 12;
const API_KEY_SECRET_BYTES = 32;
const API_KEY_MAC_LABEL = 'next-token-auth api key v1';
/** Fixed lengths, so the `_` inside base64url never makes the split ambiguous. */
const API_KEY_FORMAT = /^ntak_([A-Za-z0-9_-]{16})_([A-Za-z0-9_-]{43})$/;
export const API_KEY_ID_FORMAT = /^[A-Za-z0-9_-]{16}$/;
/** What an unknown id is compared against: a MAC no key can have (HMAC output is never all zeros in practice). */
const DUMMY_MAC = Buffer.alloc(32);

export interface PresentedApiKey {
  id: string;
  secret: string;
}

/** Whether a bearer credential is meant as an API key (the prefix decides; the rest is checked later). */
export function looksLikeApiKey(credential: string): boolean {
  return credential.startsWith(API_KEY_PREFIX);
}

/** Splits a presented key into id and secret, or null when it is not shaped like one of ours. */
export function parseApiKey(credential: string): PresentedApiKey | null {
  const match = API_KEY_FORMAT.exec(credential);
  if (!match) return null;
  const [, id = '', secret = ''] = match;
  return isCanonicalBase64url(secret) ? { id, secret } : null;
}

function macOf(serverSecret: string, key: PresentedApiKey): Buffer {
  return derivedMac(serverSecret, API_KEY_MAC_LABEL, `${key.id}.${key.secret}`);
}

/** A new key for a user: the full key (shown once, never stored) and the row to store. */
export function newApiKey(serverSecret: string, owner: { userId: string; name: string }, now: number, expiresAt: number | null): { key: string; record: NewApiKey } {
  const presented = { id: randomBytes(API_KEY_ID_BYTES).toString('base64url'), secret: randomBytes(API_KEY_SECRET_BYTES).toString('base64url') };
  return {
    key: `${API_KEY_PREFIX}${presented.id}_${presented.secret}`,
    record: { id: presented.id, userId: owner.userId, name: owner.name, secretMac: macOf(serverSecret, presented).toString('base64url'), createdAt: now, expiresAt },
  };
}

/**
 * Whether the presented key's secret is the one whose MAC is stored (`storedMac`, base64url), in
 * constant time; `storedMac` null (unknown id) does the same work and answers false.
 */
export function apiKeySecretMatches(serverSecret: string, presented: PresentedApiKey, storedMac: string | null): boolean {
  const computed = macOf(serverSecret, presented);
  const stored = storedMac === null ? null : Buffer.from(storedMac, 'base64url');
  const against = stored !== null && stored.length === computed.length ? stored : DUMMY_MAC;
  return timingSafeEqual(computed, against) && against !== DUMMY_MAC;
}

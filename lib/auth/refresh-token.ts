/**
 * Refresh tokens (the token itself; lib/auth/refresh.ts does the I/O): `<session id>.<generation>.<MAC>` with
 * MAC = HMAC-SHA-256(REFRESH_TOKEN_SECRET, "<session id>.<nonce>.<generation>").
 *
 * Invariants (contract "Tokens"; checklist C12–C18):
 * - The database holds the session id, a random nonce and the generation, never a usable token:
 *   without the server secret a copy of the database can neither mint nor recognise one.
 * - A token is valid only for its session's current generation, or for the previous one within
 *   REFRESH_REUSE_INTERVAL of the rotation. The successor is recomputed, never stored, so every
 *   parallel refresh with the same token gets the same successor and the session never forks.
 * - Rotation is one `UPDATE … WHERE generation = ?`: of two racing refreshes (even in two
 *   processes) exactly one bumps the counter; the other sees the grace-window case.
 * - A genuine (correctly MACed) token of an older generation, or the previous one after the
 *   interval, means a copy is in someone else's hands: the whole session is revoked.
 * - A token with a wrong MAC is just refused: knowing a session id must not let anyone revoke it.
 */
import 'server-only';
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { REFRESH_TOKEN_FORMAT } from './refresh-format';


export interface ParsedRefreshToken {
  sessionId: string;
  generation: number;
  mac: Buffer;
}

/** A new random session id (128 bits) and nonce (256 bits). */
export function newSessionSecrets(): { sessionId: string; nonce: string } {
  return { sessionId: randomBytes(16).toString('base64url'), nonce: randomBytes(32).toString('base64url') };
}

function mac(secret: string, sessionId: string, nonce: string, generation: number): Buffer {
  return createHmac('sha256', secret).update(`${sessionId}.${nonce}.${generation}`, 'utf8').digest();
}

/** The refresh token of a session at a generation. */
export function mintRefreshToken(secret: string, session: { id: string; nonce: string }, generation: number): string {
  return `${session.id}.${generation}.${mac(secret, session.id, session.nonce, generation).toString('base64url')}`;
}

/** Splits a refresh token into its parts, or null when it is not shaped like one of ours. */
export function parseRefreshToken(token: string): ParsedRefreshToken | null {
  const match = REFRESH_TOKEN_FORMAT.exec(token);
  if (!match) return null;
  const macBytes = Buffer.from(match[3] as string, 'base64url');
  // Reject non-canonical encodings: the token must be exactly what we minted.
  if (macBytes.length !== 32 || macBytes.toString('base64url') !== match[3]) return null;
  return { sessionId: match[1] as string, generation: Number(match[2]), mac: macBytes };
}

/** Whether the token's MAC is the one we would mint for its session and generation (constant time). */
export function isAuthentic(secret: string, token: ParsedRefreshToken, nonce: string): boolean {
  return timingSafeEqual(mac(secret, token.sessionId, nonce, token.generation), token.mac);
}

export type RefreshVerdict =
  | { kind: 'rotate' }
  | { kind: 'grace' }
  | { kind: 'reused' }
  | { kind: 'invalid'; reason: 'forged' | 'revoked' | 'expired' };

/**
 * Decides what to do with an authentic-looking token for a session row, given the clock.
 * Pure: the caller does the I/O.
 */
export function judgeRefreshToken(
  secret: string,
  token: ParsedRefreshToken,
  session: { nonce: string; generation: number; rotatedAt: number; expiresAt: number; absoluteExpiresAt: number; revokedAt: number | null },
  reuseIntervalMs: number,
  now: number,
): RefreshVerdict {
  if (token.generation > session.generation || !isAuthentic(secret, token, session.nonce)) return { kind: 'invalid', reason: 'forged' };
  if (session.revokedAt !== null) return { kind: 'invalid', reason: 'revoked' };
  if (token.generation === session.generation) {
    return now < session.expiresAt && now < session.absoluteExpiresAt ? { kind: 'rotate' } : { kind: 'invalid', reason: 'expired' };
  }
  const inGrace = token.generation === session.generation - 1 && now - session.rotatedAt <= reuseIntervalMs;
  if (!inGrace) return { kind: 'reused' };
  return now < session.expiresAt && now < session.absoluteExpiresAt ? { kind: 'grace' } : { kind: 'invalid', reason: 'expired' };
}

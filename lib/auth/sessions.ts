/**
 * Session lifecycle: start on sign-in, rotate on refresh, revoke on logout or theft.
 * Every function takes the database, configuration, keys and `now`, so tests drive the clock.
 */
import 'server-only';
import type { Db } from '@/db/client';
import { bumpGeneration, findSession, insertSession, revokeSessionRow } from '@/db/sessions';
import type { Session } from '@/db/schema';
import type { Config } from '@/lib/config';
import { recordSecurityEvent, type ClientContext } from './events';
import { isAuthentic, judgeRefreshToken, mintRefreshToken, newSessionSecrets, parseRefreshToken } from './refresh';
import { signAccessToken, type AccessTokenKeys } from './tokens';

export type SessionConfig = Pick<Config, 'refreshTokenSecret' | 'refreshTokenTtlMs' | 'sessionMaxAgeMs' | 'refreshReuseIntervalMs'>;

export interface IssuedTokens {
  sessionId: string;
  accessToken: string;
  accessExpiresAt: number;
  refreshToken: string;
  /** When the refresh cookie must expire: the session's idle expiry, never past its absolute one. */
  refreshExpiresAt: number;
}

type IssuableSession = Pick<Session, 'id' | 'userId' | 'nonce' | 'expiresAt' | 'absoluteExpiresAt'>;

/** Mints the pair for a session at a generation. The access token never outlives the session. */
export async function issueTokens(session: IssuableSession, generation: number, config: SessionConfig, keys: AccessTokenKeys, now: number): Promise<IssuedTokens> {
  const access = await signAccessToken({ userId: session.userId, sessionId: session.id }, keys, now, session.absoluteExpiresAt);
  return {
    sessionId: session.id,
    accessToken: access.token,
    accessExpiresAt: access.expiresAt,
    refreshToken: mintRefreshToken(config.refreshTokenSecret, session, generation),
    refreshExpiresAt: session.expiresAt,
  };
}

/**
 * Inserts a new session row for a user (fresh id and nonce on every sign-in: no fixation).
 * Synchronous, so callers can put it in one transaction with other writes.
 */
export function openSession(db: Db, config: SessionConfig, userId: string, client: ClientContext, now: number): IssuableSession {
  const { sessionId, nonce } = newSessionSecrets();
  const absoluteExpiresAt = now + config.sessionMaxAgeMs;
  const row = {
    id: sessionId,
    userId,
    nonce,
    generation: 0,
    rotatedAt: now,
    createdAt: now,
    lastUsedAt: now,
    expiresAt: Math.min(now + config.refreshTokenTtlMs, absoluteExpiresAt),
    absoluteExpiresAt,
    userAgent: client.userAgent,
    ip: client.ip,
  };
  insertSession(db, row);
  return row;
}

/** Starts a new session for a user and returns its first tokens. */
export async function startSession(db: Db, config: SessionConfig, keys: AccessTokenKeys, userId: string, client: ClientContext, now: number): Promise<IssuedTokens> {
  return issueTokens(openSession(db, config, userId, client, now), 0, config, keys, now);
}

/**
 * Exchanges a refresh token for a new pair. Returns null for anything that must get 401
 * `invalid_refresh_token`; revokes the session (and records the event) on reuse.
 */
export async function refreshSession(db: Db, config: SessionConfig, keys: AccessTokenKeys, rawToken: string, client: ClientContext, now: number): Promise<IssuedTokens | null> {
  const token = parseRefreshToken(rawToken);
  if (!token) return null;
  // Two passes at most: a lost rotation race re-reads the row and lands in the grace case.
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const session = findSession(db, token.sessionId);
    if (!session) return null;
    const verdict = judgeRefreshToken(config.refreshTokenSecret, token, session, config.refreshReuseIntervalMs, now);
    switch (verdict.kind) {
      case 'invalid':
        return null;
      case 'reused':
        revokeSession(db, session, 'refresh_token_reused', client, now, { generation: token.generation, currentGeneration: session.generation });
        return null;
      case 'grace':
        return issueTokens(session, session.generation, config, keys, now);
      case 'rotate': {
        const expiresAt = Math.min(now + config.refreshTokenTtlMs, session.absoluteExpiresAt);
        if (bumpGeneration(db, session.id, session.generation, now, expiresAt, client.ip)) {
          return issueTokens({ ...session, expiresAt }, session.generation + 1, config, keys, now);
        }
      }
    }
  }
  return null;
}

export type RevokeReason = 'logout' | 'logout_all' | 'logout_others' | 'revoked_by_user' | 'password_changed' | 'refresh_token_reused' | 'signed_in_again';

/** Revokes a session and records the event (or `refresh_token_reused`, which implies the revocation). */
export function revokeSession(
  db: Db,
  session: Pick<Session, 'id' | 'userId'>,
  reason: RevokeReason,
  client: ClientContext,
  now: number,
  detail: Record<string, string | number> = {},
): boolean {
  const revoked = revokeSessionRow(db, session.id, reason, now);
  if (revoked || reason === 'refresh_token_reused') {
    recordSecurityEvent(
      db,
      { type: reason === 'refresh_token_reused' ? 'refresh_token_reused' : 'session_revoked', userId: session.userId, sessionId: session.id, client, detail: { reason, ...detail } },
      now,
    );
  }
  return revoked;
}

/** The session if it is live: not revoked, not idle-expired, not past its absolute expiry. */
export function findLiveSession(db: Db, sessionId: string, now: number): Session | null {
  const session = findSession(db, sessionId);
  if (!session || session.revokedAt !== null || now >= session.expiresAt || now >= session.absoluteExpiresAt) return null;
  return session;
}

/**
 * The session a refresh cookie names, if its token is authentic (for logout). Any generation we
 * issued counts, so a logout with a slightly stale token still ends the session.
 */
export function sessionOfRefreshToken(db: Db, config: SessionConfig, rawToken: string): Session | null {
  const token = parseRefreshToken(rawToken);
  const session = token ? findSession(db, token.sessionId) : null;
  if (!token || !session || token.generation > session.generation) return null;
  return isAuthentic(config.refreshTokenSecret, token, session.nonce) ? session : null;
}

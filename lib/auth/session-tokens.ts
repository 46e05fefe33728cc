/**
 * A new session and the tokens of a session: what sign-in, registration and refresh share.
 */
import 'server-only';
import type { NewSession, SessionRecord, SignInMethod } from '@/db/store';
import type { Config } from '@/lib/config';
import type { AccessTokenKeys } from './access-token';
import type { ClientContext } from './events';
import { signAccessToken } from './sign-access-token';
import { mintRefreshToken, newSessionSecrets } from './refresh-token';

export type SessionConfig = Pick<Config, 'refreshTokenSecret' | 'refreshTokenTtlMs' | 'sessionMaxAgeMs' | 'refreshReuseIntervalMs'>;

export interface IssuedTokens {
  sessionId: string;
  accessToken: string;
  accessExpiresAt: number;
  refreshToken: string;
  /** When the refresh cookie must expire: the session's idle expiry, never past its absolute one. */
  refreshExpiresAt: number;
  /** The DPoP key thumbprint the access token is bound to (`cnf.jkt`), or null for a Bearer token. */
  dpopJkt: string | null;
}

/** `dpopJkt`: a DPoP-bound session's key thumbprint; its access tokens are bound to that key. */
type IssuableSession = Pick<SessionRecord, 'id' | 'userId' | 'nonce' | 'expiresAt' | 'absoluteExpiresAt'> & { dpopJkt?: string | null };

/** Mints the pair for a session at a generation. The access token never outlives the session. */
export async function issueTokens(session: IssuableSession, generation: number, config: SessionConfig, keys: AccessTokenKeys, now: number): Promise<IssuedTokens> {
  const access = signAccessToken({ userId: session.userId, sessionId: session.id, dpopJkt: session.dpopJkt }, keys, now, session.absoluteExpiresAt);
  return {
    sessionId: session.id,
    accessToken: access.token,
    accessExpiresAt: access.expiresAt,
    refreshToken: mintRefreshToken(config.refreshTokenSecret, session, generation),
    refreshExpiresAt: session.expiresAt,
    dpopJkt: session.dpopJkt ?? null,
  };
}

/** The row of a new session for a user: a fresh id and nonce on every sign-in (no fixation). */
export function newSession(config: SessionConfig, userId: string, method: SignInMethod, client: ClientContext, now: number): NewSession {
  const { sessionId, nonce } = newSessionSecrets();
  const absoluteExpiresAt = now + config.sessionMaxAgeMs;
  return {
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
    method,
  };
}

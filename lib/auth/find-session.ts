/** Finding the session a token names: live for access tokens, authentic for refresh tokens. */
import 'server-only';
import type { SessionRecord, Store } from '@/db/store';
import type { SessionConfig } from './session-tokens';
import { isAuthentic, parseRefreshToken } from './refresh-token';

/** Whether a session is live at `now`: not revoked, not idle-expired, not past its absolute expiry. */
export function isLive(session: SessionRecord, now: number): boolean {
  return session.revokedAt === null && now < session.expiresAt && now < session.absoluteExpiresAt;
}

/** The session if it is live. */
export async function findLiveSession(store: Store, sessionId: string, now: number): Promise<SessionRecord | null> {
  const session = await store.findSession(sessionId);
  return session && isLive(session, now) ? session : null;
}

/**
 * The session a refresh cookie names, if its token is authentic (for logout and a sign-in that
 * replaces it). Any generation we issued counts, so a logout with a slightly stale token still
 * ends the session.
 */
export async function sessionOfRefreshToken(store: Store, config: Pick<SessionConfig, 'refreshTokenSecret'>, rawToken: string): Promise<SessionRecord | null> {
  const token = parseRefreshToken(rawToken);
  const session = token ? await store.findSession(token.sessionId) : null;
  if (!token || !session || token.generation > session.generation) return null;
  return isAuthentic(config.refreshTokenSecret, token, session.nonce) ? session : null;
}

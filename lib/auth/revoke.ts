/** Ending sessions, with their security events: one session, or every session of a user. */
import 'server-only';
import type { SessionRecord, Store } from '@/db/store';
import { logSecurityEvents, revocationEvent, revokedEvents, securityEvent, type ClientContext } from './events';

export type RevokeReason = 'logout' | 'logout_all' | 'logout_others' | 'revoked_by_user' | 'password_changed' | 'refresh_token_reused' | 'signed_in_again' | 'revoked_by_client';

/**
 * Revokes a session and records `session_revoked` (or `refresh_token_reused`, which implies the
 * revocation and is recorded even when the session had already ended). Returns whether it was live.
 */
export async function revokeSession(
  store: Store,
  session: Pick<SessionRecord, 'id' | 'userId'>,
  reason: RevokeReason,
  client: ClientContext,
  now: number,
  detail: Record<string, string | number> = {},
): Promise<boolean> {
  const reused = reason === 'refresh_token_reused';
  const event = securityEvent({ type: reused ? 'refresh_token_reused' : 'session_revoked', userId: session.userId, sessionId: session.id, client, detail: { reason, ...detail } }, now);
  const revoked = await store.revokeSession(session.id, reason, now, reused ? [] : [event]);
  if (reused) await store.addSecurityEvents([event]);
  if (revoked || reused) logSecurityEvents([event]);
  return revoked;
}

/** Revokes every session of a user except `keepSessionId`, one event each; returns how many ended. */
export async function revokeUserSessions(store: Store, userId: string, reason: RevokeReason, client: ClientContext, now: number, keepSessionId: string | null = null): Promise<number> {
  const event = revocationEvent(userId, reason, client, now);
  const revoked = await store.revokeUserSessions(userId, reason, now, keepSessionId, event);
  logSecurityEvents(revokedEvents(event, revoked));
  return revoked.length;
}

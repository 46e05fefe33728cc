/**
 * Security events: stored through the Store (in the same atomic write as what they record, where
 * there is one) and written as one structured JSON log line once stored. Details are small objects
 * of our own making; callers never pass passwords, tokens or secrets.
 */
import 'server-only';
import type { NewSecurityEvent, RevocationEvent, Store } from '@/db/store';

export type SecurityEventType =
  | 'user_registered'
  | 'sign_in_succeeded'
  | 'sign_in_failed'
  | 'refresh_token_reused'
  | 'session_revoked'
  | 'password_changed'
  | 'account_deleted'
  | 'rate_limited'
  | 'password_reset_requested'
  | 'password_reset'
  | 'email_verification_sent'
  | 'email_verified'
  | 'new_device_notified'
  | 'mail_failed'
  | 'two_factor_enabled'
  | 'two_factor_disabled'
  | 'recovery_code_used'
  | 'passkey_added'
  | 'passkey_removed'
  | 'passkey_counter_regressed'
  | 'api_key_created'
  | 'api_key_used_from_new_ip'
  | 'api_key_revoked'
  | 'client_token_issued'
  | 'authorization_code_issued'
  | 'authorization_code_replayed'
  | 'magic_link_requested'
  | 'oauth_linked'
  | 'oauth_unlinked'
  | 'oauth_refused';

export interface ClientContext {
  ip: string | null;
  userAgent: string | null;
}

export interface SecurityEventInput {
  type: SecurityEventType;
  userId?: string | null;
  sessionId?: string | null;
  client: ClientContext;
  detail?: Record<string, string | number | boolean | null>;
}

/** The stored form of an event. */
export function securityEvent(event: SecurityEventInput, now: number): NewSecurityEvent {
  return {
    type: event.type,
    userId: event.userId ?? null,
    sessionId: event.sessionId ?? null,
    ip: event.client.ip,
    userAgent: event.client.userAgent,
    at: now,
    detail: event.detail ? JSON.stringify(event.detail) : null,
  };
}

/** An event without its user, for a Store method that fills the user in from a link it uses. */
export function unattributed<E extends { userId: string | null }>(event: E): Omit<E, 'userId'> {
  const copy: Partial<E> = { ...event };
  delete copy.userId;
  return copy as Omit<E, 'userId'>;
}

/** The `session_revoked` event a bulk revocation writes for each session it ends. */
export function revocationEvent(userId: string, reason: string, client: ClientContext, now: number): RevocationEvent {
  const { type, ip, userAgent, at, detail } = securityEvent({ type: 'session_revoked', userId, client, detail: { reason } }, now);
  return { type, userId, ip, userAgent, at, detail };
}

/** Writes stored events to the log, one JSON line each. */
export function logSecurityEvents(events: readonly NewSecurityEvent[]): void {
  for (const event of events) {
    console.info(
      JSON.stringify({
        level: 'info',
        event: `security.${event.type}`,
        at: new Date(event.at).toISOString(),
        userId: event.userId,
        sessionId: event.sessionId,
        ip: event.ip,
        userAgent: event.userAgent,
        ...(event.detail ? { detail: JSON.parse(event.detail) as unknown } : {}),
      }),
    );
  }
}

/** The events a bulk revocation wrote, one per revoked session, for the log. */
export function revokedEvents(event: RevocationEvent, sessionIds: readonly string[]): NewSecurityEvent[] {
  return sessionIds.map((sessionId) => ({ ...event, sessionId }));
}

/** Records one event on its own (nothing else to write atomically with it). */
export async function recordSecurityEvent(store: Store, event: SecurityEventInput, now: number): Promise<void> {
  const row = securityEvent(event, now);
  await store.addSecurityEvents([row]);
  logSecurityEvents([row]);
}

/**
 * Security events: stored in `security_events` and written as one structured JSON log line.
 * Details are small objects of our own making; callers never pass passwords, tokens or secrets.
 */
import 'server-only';
import { securityEvents } from '@/db/schema';
import type { Db } from '@/db/client';

export type SecurityEventType =
  | 'user_registered'
  | 'sign_in_succeeded'
  | 'sign_in_failed'
  | 'refresh_token_reused'
  | 'session_revoked'
  | 'password_changed'
  | 'account_deleted'
  | 'rate_limited';

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

/** Records a security event in the database and the log. */
export function recordSecurityEvent(db: Db, event: SecurityEventInput, now: number): void {
  const row = {
    type: event.type,
    userId: event.userId ?? null,
    sessionId: event.sessionId ?? null,
    ip: event.client.ip,
    userAgent: event.client.userAgent,
    at: now,
    detail: event.detail ? JSON.stringify(event.detail) : null,
  };
  db.insert(securityEvents).values(row).run();
  console.info(
    JSON.stringify({
      level: 'info',
      event: `security.${row.type}`,
      at: new Date(now).toISOString(),
      userId: row.userId,
      sessionId: row.sessionId,
      ip: row.ip,
      userAgent: row.userAgent,
      ...(event.detail ? { detail: event.detail } : {}),
    }),
  );
}

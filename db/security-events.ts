/** Queries on `security_events`. */
import 'server-only';
import { and, desc, eq, inArray } from 'drizzle-orm';
import type { Db } from './client';
import { securityEvents } from './schema';

/** The columns a user may see about their own account's events. */
const activityColumns = {
  id: securityEvents.id,
  type: securityEvents.type,
  sessionId: securityEvents.sessionId,
  ip: securityEvents.ip,
  userAgent: securityEvents.userAgent,
  at: securityEvents.at,
  detail: securityEvents.detail,
} as const;

export type SecurityEventRow = { id: number; type: string; sessionId: string | null; ip: string | null; userAgent: string | null; at: number; detail: string | null };

/** A user's most recent security events of the given types, newest first. */
export function listRecentSecurityEvents(db: Db, userId: string, types: readonly string[], limit: number): SecurityEventRow[] {
  return db
    .select(activityColumns)
    .from(securityEvents)
    .where(and(eq(securityEvents.userId, userId), inArray(securityEvents.type, [...types])))
    .orderBy(desc(securityEvents.at), desc(securityEvents.id))
    .limit(limit)
    .all();
}

/**
 * Strips a user's events of everything that points at a person: the user and session ids, the
 * IP and the user agent. Type, time and detail (small objects of our own making: reasons and
 * counts, never an email or a name) stay, so the security record keeps its shape. Returns how
 * many rows were changed.
 */
export function anonymizeUserSecurityEvents(db: Db, userId: string): number {
  return db
    .update(securityEvents)
    .set({ userId: null, sessionId: null, ip: null, userAgent: null })
    .where(eq(securityEvents.userId, userId))
    .run().changes;
}

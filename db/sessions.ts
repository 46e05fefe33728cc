/** Queries on `sessions`. */
import 'server-only';
import { and, desc, eq, gt, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from './client';
import { sessions, type NewSession, type Session } from './schema';

/**
 * The hot queries (every refresh, every signed-in request that checks its session), prepared once
 * per connection: building a query with drizzle costs several times running it (npm run bench:
 * ~250 µs to build this SELECT against ~40 µs to run it prepared, on its 2-core machine).
 */
function prepareStatements(db: Db) {
  return {
    findSession: db.select().from(sessions).where(eq(sessions.id, sql.placeholder('id'))).prepare(),
    bumpGeneration: db
      .update(sessions)
      .set({
        generation: sql`${sql.placeholder('next')}`,
        rotatedAt: sql`${sql.placeholder('now')}`,
        lastUsedAt: sql`${sql.placeholder('now')}`,
        expiresAt: sql`${sql.placeholder('expiresAt')}`,
        // The address the session was last used from; an unknown one keeps the last known.
        ip: sql`coalesce(${sql.placeholder('ip')}, ${sessions.ip})`,
      })
      .where(and(eq(sessions.id, sql.placeholder('id')), eq(sessions.generation, sql.placeholder('generation')), isNull(sessions.revokedAt)))
      .prepare(),
  };
}

const prepared = new WeakMap<Db, ReturnType<typeof prepareStatements>>();

function statements(db: Db): ReturnType<typeof prepareStatements> {
  let found = prepared.get(db);
  if (!found) {
    found = prepareStatements(db);
    prepared.set(db, found);
  }
  return found;
}

export function insertSession(db: Db, session: NewSession): void {
  db.insert(sessions).values(session).run();
}

export function findSession(db: Db, id: string): Session | null {
  return statements(db).findSession.get({ id }) ?? null;
}

/**
 * Moves a session from `generation` to `generation + 1`. Returns false when another request got
 * there first (or the session was revoked meanwhile): the WHERE clause makes it atomic.
 */
export function bumpGeneration(db: Db, id: string, generation: number, now: number, expiresAt: number, ip: string | null): boolean {
  const result = statements(db).bumpGeneration.run({ id, generation, next: generation + 1, now, expiresAt, ip });
  return result.changes === 1;
}

/** Revokes one session; returns whether it was live. */
export function revokeSessionRow(db: Db, id: string, reason: string, now: number): boolean {
  const result = db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(eq(sessions.id, id), isNull(sessions.revokedAt)))
    .run();
  return result.changes === 1;
}

/** Revokes every live session of a user, except `keep` when given; returns the revoked ids. */
export function revokeUserSessions(db: Db, userId: string, reason: string, now: number, keep?: string): string[] {
  const conditions = [eq(sessions.userId, userId), isNull(sessions.revokedAt)];
  if (keep !== undefined) conditions.push(ne(sessions.id, keep));
  return db
    .update(sessions)
    .set({ revokedAt: now, revokedReason: reason })
    .where(and(...conditions))
    .returning({ id: sessions.id })
    .all()
    .map((row) => row.id);
}

/** A user's live sessions, newest first. */
export function listLiveSessions(db: Db, userId: string, now: number): Session[] {
  return db
    .select()
    .from(sessions)
    .where(and(eq(sessions.userId, userId), isNull(sessions.revokedAt), gt(sessions.expiresAt, now), gt(sessions.absoluteExpiresAt, now)))
    .orderBy(desc(sessions.createdAt), desc(sessions.id))
    .all();
}

/**
 * Deletes every session of a user, live or ended (they hold the user's IPs and devices); returns
 * how many. The foreign key would cascade too; deleting them by name does not depend on it.
 */
export function deleteUserSessions(db: Db, userId: string): number {
  return db.delete(sessions).where(eq(sessions.userId, userId)).run().changes;
}

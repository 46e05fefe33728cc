/** Queries on `users`. The password hash leaves this module only through findCredentials. */
import 'server-only';
import { eq, sql } from 'drizzle-orm';
import type { Db } from './client';
import { users } from './schema';

/** The columns safe to hand to the rest of the app. */
const publicColumns = { id: users.id, email: users.email, name: users.name, createdAt: users.createdAt } as const;

export type PublicUser = { id: string; email: string; name: string | null; createdAt: number };

/** Inserts a user; returns null when the email is taken. */
export function insertUser(db: Db, user: { id: string; email: string; name: string | null; passwordHash: string }, now: number): PublicUser | null {
  const rows = db
    .insert(users)
    .values({ ...user, createdAt: now, updatedAt: now })
    .onConflictDoNothing({ target: users.email })
    .returning(publicColumns)
    .all();
  return rows[0] ?? null;
}

// Prepared once per connection: it runs on every signed-in request that checks its session, and
// building the query costs more than running it (see db/sessions.ts).
const byId = new WeakMap<Db, ReturnType<typeof prepareFindUserById>>();

function prepareFindUserById(db: Db) {
  return db.select(publicColumns).from(users).where(eq(users.id, sql.placeholder('id'))).prepare();
}

export function findUserById(db: Db, id: string): PublicUser | null {
  let statement = byId.get(db);
  if (!statement) {
    statement = prepareFindUserById(db);
    byId.set(db, statement);
  }
  return statement.get({ id }) ?? null;
}

/** The user and password hash for a sign-in or password check. */
export function findCredentials(db: Db, where: { email: string } | { id: string }): (PublicUser & { passwordHash: string }) | null {
  const condition = 'email' in where ? eq(users.email, where.email) : eq(users.id, where.id);
  return db
    .select({ ...publicColumns, passwordHash: users.passwordHash })
    .from(users)
    .where(condition)
    .get() ?? null;
}

export function updatePasswordHash(db: Db, id: string, passwordHash: string, now: number): void {
  db.update(users).set({ passwordHash, updatedAt: now }).where(eq(users.id, id)).run();
}

/** Deletes a user row; returns whether it existed. Sessions cascade; security events are kept (see lib/auth/delete-account.ts). */
export function deleteUser(db: Db, id: string): boolean {
  return db.delete(users).where(eq(users.id, id)).run().changes === 1;
}

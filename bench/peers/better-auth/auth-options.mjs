// The peer's Better Auth options (issue 11), shared by the app (lib/auth.ts) and the seed step
// (seed.mjs): Better Auth's documented setup with email + password on SQLite through
// better-sqlite3, nothing tuned.
//
// Environment (read once, at start):
//   BETTER_AUTH_SECRET, BETTER_AUTH_URL   Better Auth's own variables (it reads them itself)
//   PEER_DATABASE_FILE                    the SQLite file (default ./peer.db)
//   BETTER_AUTH_COOKIE_CACHE=1            session.cookieCache on (maxAge 5 minutes, its default)
import Database from 'better-sqlite3';

export const cookieCache = process.env.BETTER_AUTH_COOKIE_CACHE === '1';

/** @param {import('better-sqlite3').Database} [database] */
export function authOptions(database = new Database(process.env.PEER_DATABASE_FILE ?? 'peer.db')) {
  return {
    database,
    emailAndPassword: { enabled: true },
    ...(cookieCache ? { session: { cookieCache: { enabled: true, maxAge: 5 * 60 } } } : {}),
  };
}

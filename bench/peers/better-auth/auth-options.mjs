// The peer's Better Auth options (issue 11), shared by the app (lib/auth.ts) and the seed step
// (seed.mjs): Better Auth's documented setup with email + password, nothing tuned, on one of the
// two databases its docs show: SQLite through better-sqlite3 (`database: new Database(file)`), or
// PostgreSQL through pg (`database: new Pool({ connectionString })`, pg's default pool).
//
// Environment (read once, at start):
//   BETTER_AUTH_SECRET, BETTER_AUTH_URL   Better Auth's own variables (it reads them itself)
//   PEER_DATABASE_URL                     postgres://… : PostgreSQL through a pg Pool
//   PEER_DATABASE_FILE                    otherwise: the SQLite file (default ./peer.db)
//   BETTER_AUTH_COOKIE_CACHE=1            session.cookieCache on (maxAge 5 minutes, its default)
import Database from 'better-sqlite3';
import pg from 'pg';

export const cookieCache = process.env.BETTER_AUTH_COOKIE_CACHE === '1';

const databaseUrl = process.env.PEER_DATABASE_URL;
if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new Error('PEER_DATABASE_URL must be a postgres:// URL');

/** The database these options use: `postgres` with PEER_DATABASE_URL, else `sqlite`. */
export const databaseKind = databaseUrl ? 'postgres' : 'sqlite';

/** The database handle Better Auth's docs pass as `database`. */
export function openDatabase() {
  return databaseUrl ? new pg.Pool({ connectionString: databaseUrl }) : new Database(process.env.PEER_DATABASE_FILE ?? 'peer.db');
}

/** @param {import('better-sqlite3').Database | import('pg').Pool} [database] */
export function authOptions(database = openDatabase()) {
  return {
    database,
    emailAndPassword: { enabled: true },
    ...(cookieCache ? { session: { cookieCache: { enabled: true, maxAge: 5 * 60 } } } : {}),
  };
}

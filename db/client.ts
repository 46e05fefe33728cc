/**
 * The SQLite connection: opened once per process, migrated on open, WAL mode with a busy
 * timeout so several processes (dev server, `npm run db:migrate`, a second instance) can share it.
 */
import 'server-only';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { getConfig } from '@/lib/config';
import * as schema from './schema';

export type Db = BetterSQLite3Database<typeof schema> & { $client: Database.Database };

export const MIGRATIONS_FOLDER = path.join(process.cwd(), 'db', 'migrations');

/** Opens (creating if needed) and migrates the SQLite database at `file`. */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  const db = drizzle(sqlite, { schema, casing: 'snake_case' });
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return db;
}

// Kept on globalThis so dev-mode hot reloads reuse one connection instead of leaking them.
const holder = globalThis as typeof globalThis & { __authDb?: Db };

/** The app's database, opened on first use. */
export function getDb(): Db {
  holder.__authDb ??= openDatabase(getConfig().databasePath);
  return holder.__authDb;
}

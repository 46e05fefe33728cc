import { defineConfig } from 'drizzle-kit';

// The PostgreSQL schema and migrations (the SQLite ones are in drizzle.config.ts).
// `npx drizzle-kit generate --config drizzle.postgres.config.ts` needs no database;
// `npx drizzle-kit migrate --config drizzle.postgres.config.ts` applies them to DATABASE_URL and
// keeps the same bookkeeping (drizzle.__drizzle_migrations) as db/postgres/migrate.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: './db/postgres/schema.ts',
  out: './db/postgres/migrations',
  dbCredentials: { url: process.env.DATABASE_URL ?? 'postgres://localhost:5432/postgres' },
  casing: 'snake_case',
  strict: true,
  verbose: true,
});

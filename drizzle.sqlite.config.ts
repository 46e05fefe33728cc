import { defineConfig } from 'drizzle-kit';

// drizzle-kit runs outside Next.js, so it reads DATABASE_URL itself; the app reads it through lib/config.ts.
const url = (process.env.DATABASE_URL ?? 'file:./data/app.db').replace(/^file:/, '');

export default defineConfig({
  dialect: 'sqlite',
  schema: './db/sqlite/schema.ts',
  out: './db/sqlite/migrations',
  dbCredentials: { url },
  casing: 'snake_case',
  strict: true,
  verbose: true,
});

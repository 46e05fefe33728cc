// `npm run db:migrate`: applies the committed migrations to DATABASE_URL (default
// file:./data/app.db), SQLite or PostgreSQL, with the same code the server runs on start (on
// PostgreSQL under a transaction-scoped advisory lock, so it is safe next to running servers).
// For deploy pipelines and inspection; prints where, never the URL itself (it holds a password).
import { getStore } from '@/db/index';
import { StoreUnavailableError } from '@/db/store';
import { parseDatabaseUrl } from '@/lib/config';

async function main(): Promise<void> {
  const database = parseDatabaseUrl(process.env.DATABASE_URL);
  const store = await getStore(database);
  try {
    await store.ready();
  } finally {
    await store.close();
  }
  const where = database.dialect === 'sqlite' ? database.path : `PostgreSQL database ${new URL(database.url).pathname.slice(1)} on ${new URL(database.url).hostname}`;
  console.log(`Migrations applied to ${where}.`);
}

main().catch((error: unknown) => {
  console.error(StoreUnavailableError.is(error) ? `Cannot migrate: the database is ${error.kind}.` : `Cannot migrate: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});

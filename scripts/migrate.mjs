// `npm run db:migrate`: applies the committed migrations to DATABASE_URL (default ./data/app.db).
// The server also does this on start; this script is for deploy pipelines and inspection.
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';

const url = process.env.DATABASE_URL || 'file:./data/app.db';
if (/^postgres(ql)?:/.test(url)) {
  console.error('DATABASE_URL: postgres is not supported yet; use file:<path>');
  process.exit(1);
}
const file = url.replace(/^file:/, '');
mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
const sqlite = new Database(file);
sqlite.pragma('journal_mode = WAL');
sqlite.pragma('busy_timeout = 5000');
migrate(drizzle(sqlite), { migrationsFolder: path.join(process.cwd(), 'db', 'migrations') });
const applied = sqlite.prepare('select count(*) as n from __drizzle_migrations').get();
console.log(`Migrations applied to ${file} (${applied.n} in total).`);
sqlite.close();

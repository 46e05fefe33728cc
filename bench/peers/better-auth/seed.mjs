// The peer's seed step (issue 11), run by bench/run.mjs after the build, against a fresh SQLite
// file (PEER_DATABASE_FILE) or a fresh PostgreSQL database (PEER_DATABASE_URL): creates Better
// Auth's tables (getMigrations, programmatically), one user through Better Auth's own API
// (signUpEmail), signs in (signInEmail, asResponse) and prints JSON on stdout: { email, password,
// userId, cookie, database } where `cookie` is a Cookie header carrying the session cookie(s)
// Better Auth set (with BETTER_AUTH_COOKIE_CACHE=1 also the cache cookie) and `database` is
// `sqlite` or `postgres`.
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import Database from 'better-sqlite3';
import { authOptions, databaseKind, openDatabase } from './auth-options.mjs';

const database = openDatabase();
const options = authOptions(database);
const { runMigrations } = await getMigrations(options);
await runMigrations();
const auth = betterAuth(options);

const email = process.env.PEER_EMAIL ?? 'peer@example.com';
const password = process.env.PEER_PASSWORD ?? 'correct horse battery staple';
const signedUp = await auth.api.signUpEmail({ body: { name: 'Peer', email, password } });
const response = await auth.api.signInEmail({ body: { email, password }, asResponse: true });
if (!response.ok) throw new Error(`signInEmail answered ${response.status}: ${await response.text()}`);
const cookie = response.headers
  .getSetCookie()
  .map((line) => line.split(';', 1)[0])
  .join('; ');
if (!cookie.includes('session_token=')) throw new Error(`signInEmail set no session cookie: ${cookie}`);
process.stdout.write(`${JSON.stringify({ email, password, userId: signedUp.user.id, cookie, database: databaseKind })}\n`);
// Close the database, so the process exits now (a pg Pool keeps idle connections for 10 s).
if (database instanceof Database) database.close();
else await database.end();

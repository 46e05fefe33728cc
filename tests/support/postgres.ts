/**
 * Fresh PostgreSQL databases for tests, on the server at TEST_POSTGRES_URL: the developer's or CI's
 * server, or the embedded one that tests/support/postgres-global-setup.ts starts for the
 * `postgres` and `store` projects.
 *
 * Every database is new and empty, with a name no other test file, worker or run uses, so test
 * files never see each other's rows. Nothing here imports Vitest: Playwright's own-server helper
 * uses `createDatabaseOn` too.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Set by the global setup for one run (so its teardown can drop what the run created). */
export const DATABASE_PREFIX_ENV = 'TEST_POSTGRES_DB_PREFIX';

/** `postgres://` or `postgresql://`, else a clear error naming `variable`. */
function parseServerUrl(value: string, variable: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    // Never echo the value: it carries a password.
    throw new Error(`${variable} is not a URL`);
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') throw new Error(`${variable} must be a postgres:// URL, not ${url.protocol}//…`);
  return url;
}

/** Runs `run` on a short-lived connection to `url`, then closes it whatever happened. */
export async function withClient<T>(url: string, run: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await run(client);
  } finally {
    await client.end();
  }
}

/** The database named in a postgres:// URL (its path), decoded. */
export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (name === '') throw new Error(`no database name in ${redact(url)}`);
  return name;
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<not a URL>';
  }
}

/**
 * Creates a new, empty database on the server of `serverUrl` (whose role may CREATE DATABASE) and
 * returns `serverUrl` with the new database in its path. The database is UTF-8 with the C
 * collation, whatever the cluster's defaults (a cluster created without a locale is SQL_ASCII).
 */
export async function createDatabaseOn(serverUrl: string, variable = 'TEST_POSTGRES_URL', prefix = 'test_'): Promise<string> {
  const url = parseServerUrl(serverUrl, variable);
  if (!/^[a-z0-9_]{1,40}$/.test(prefix)) throw new Error(`database name prefix must be [a-z0-9_], up to 40 characters: ${prefix}`);
  // At most 63 bytes (NAMEDATALEN - 1); lower-case, so it never needs quoting elsewhere.
  const name = `${prefix}${process.pid}_${randomBytes(6).toString('hex')}`;
  try {
    await withClient(url.toString(), (client) =>
      client.query(`CREATE DATABASE ${client.escapeIdentifier(name)} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`),
    );
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`could not create a test database on ${redact(url.toString())} (${variable}): ${reason}`, { cause: error });
  }
  url.pathname = `/${name}`;
  return url.toString();
}

/**
 * Drops the database of `databaseUrl`, closing any connections still open to it, through a
 * connection to `serverUrl` (by default the server's `postgres` database: a database cannot be
 * dropped from inside itself).
 */
export async function dropDatabaseAt(databaseUrl: string, serverUrl?: string): Promise<void> {
  const name = databaseName(databaseUrl);
  let maintenance = serverUrl;
  if (maintenance === undefined || databaseName(maintenance) === name) {
    const url = new URL(databaseUrl);
    url.pathname = '/postgres';
    maintenance = url.toString();
  }
  for (let attempt = 1; ; attempt += 1) {
    try {
      await withClient(maintenance, (client) => client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`));
      return;
    } catch (error) {
      // FORCE also ends an autovacuum worker that is in the database at that moment, which a role
      // without pg_signal_backend may not do (42501). The worker is done within moments: try again.
      if ((error as { code?: unknown }).code !== '42501' || attempt >= 10) throw error;
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  }
}

/** TEST_POSTGRES_URL, or a clear error saying where it normally comes from. */
export function testPostgresUrl(): string {
  const value = process.env.TEST_POSTGRES_URL;
  if (value === undefined || value === '') {
    throw new Error(
      'TEST_POSTGRES_URL is not set: run this test in the `postgres` or `store` Vitest project (their global setup starts an embedded PostgreSQL), or set TEST_POSTGRES_URL to a server where you may CREATE DATABASE',
    );
  }
  return value;
}

/** A fresh, empty database with a unique name on the server at TEST_POSTGRES_URL; returns its URL. */
export async function createTestDatabase(): Promise<string> {
  return createDatabaseOn(testPostgresUrl(), 'TEST_POSTGRES_URL', process.env[DATABASE_PREFIX_ENV] || 'test_');
}

/** Drops a database that createTestDatabase returned (the global setup's teardown drops any left). */
export async function dropTestDatabase(url: string): Promise<void> {
  await dropDatabaseAt(url, testPostgresUrl());
}

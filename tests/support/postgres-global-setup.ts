/**
 * Vitest global setup of the `postgres` and `store` projects: where their PostgreSQL comes from.
 *
 * - TEST_POSTGRES_URL set (a server where that role may CREATE DATABASE, e.g. CI's): use it,
 *   after checking that it answers. Teardown drops the databases this run created on it.
 * - Otherwise: start an embedded PostgreSQL (tests/support/postgres-server.ts) and set
 *   TEST_POSTGRES_URL to it. Teardown stops it and deletes its directory.
 *
 * Handing the URL to the tests: Vitest runs global setups in its main process before it forks any
 * test worker, and forks every worker (pool: 'forks') with `{ ...process.env, ...test.env }` as
 * of that moment, so a variable set here reaches every test file (and whatever a test spawns).
 * tests/store/postgres-server.test.ts checks it.
 *
 * Both projects list this file, and Vitest runs it once per project that has tests queued: the
 * first call starts (or checks) the server, later ones share it, and the last teardown stops it,
 * so one run starts at most one server. The shared state lives on globalThis because each
 * project loads this module separately, in the same process.
 */
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { startEmbeddedPostgres } from './postgres-server';
import { DATABASE_PREFIX_ENV, redact } from './postgres';

interface Shared {
  users: number;
  ready: Promise<{ release(): Promise<void> }>;
}

const KEY = Symbol.for('next-token-auth.tests.postgres-server');
const store = globalThis as typeof globalThis & { [KEY]?: Shared };

/** Checks that TEST_POSTGRES_URL answers; at teardown, drops the databases named with `prefix`. */
async function checkGivenServer(url: string, prefix: string): Promise<{ release(): Promise<void> }> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`TEST_POSTGRES_URL (${redact(url)}) does not answer: ${reason}`, { cause: error });
  } finally {
    await client.end().catch(() => undefined);
  }
  return {
    async release() {
      const cleaner = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
      await cleaner.connect();
      try {
        const { rows } = await cleaner.query<{ datname: string }>('select datname from pg_database where left(datname, length($1)) = $1', [prefix]);
        for (const { datname } of rows) await cleaner.query(`DROP DATABASE IF EXISTS ${cleaner.escapeIdentifier(datname)} WITH (FORCE)`);
      } finally {
        await cleaner.end();
      }
    },
  };
}

async function acquire(): Promise<{ release(): Promise<void> }> {
  // One prefix per run: every database the run creates starts with it.
  const prefix = `test_${randomBytes(3).toString('hex')}_`;
  process.env[DATABASE_PREFIX_ENV] = prefix;
  const given = process.env.TEST_POSTGRES_URL;
  if (given !== undefined && given !== '') return checkGivenServer(given, prefix);

  const server = await startEmbeddedPostgres();
  process.stdout.write(`[postgres] embedded ${server.version.split(' ').slice(0, 2).join(' ')} on ${new URL(server.url).host}, started in ${server.startupMs} ms\n`);
  process.env.TEST_POSTGRES_URL = server.url;
  return {
    async release() {
      delete process.env.TEST_POSTGRES_URL;
      await server.stop();
    },
  };
}

export async function setup(): Promise<void> {
  let shared = store[KEY];
  if (!shared) {
    shared = { users: 0, ready: acquire() };
    store[KEY] = shared;
    // A failed start is reported by every project that waits for it; the next run starts afresh.
    shared.ready.catch(() => {
      if (store[KEY] === shared) delete store[KEY];
    });
  }
  shared.users += 1;
  await shared.ready;
}

export async function teardown(): Promise<void> {
  const shared = store[KEY];
  if (!shared) return;
  shared.users -= 1;
  if (shared.users > 0) return;
  delete store[KEY];
  const { release } = await shared.ready;
  delete process.env[DATABASE_PREFIX_ENV];
  await release();
}

/**
 * One node-postgres pool per DATABASE_URL per process, kept on globalThis so dev-mode hot reloads
 * reuse it instead of leaking connections. Nothing connects until the first query.
 *
 * - The URL is handed to pg as `connectionString`, so its query options (`sslmode=require`,
 *   `uselibpqcompat=true`, `sslrootcert=…`, `application_name=…`) apply as pg documents them; no
 *   option set here overrides them.
 * - int8 columns (our epoch-millisecond times, counts) are parsed as JS numbers for this pool only,
 *   through the pool's `types`, never by changing pg's global parsers.
 * - No startup parameters (statement_timeout, search_path): a transaction-mode pooler (PgBouncer,
 *   Neon's, Supabase's) refuses or ignores them.
 * - On Vercel, the pool is registered with `attachDatabasePool` (@vercel/functions), which keeps a
 *   Fluid compute instance alive until idle clients are closed, so a suspended instance does not
 *   wake up with sockets the server or pooler has dropped.
 */
import { attachDatabasePool } from '@vercel/functions';
import pg from 'pg';

/** Fail fast when the server is unreachable (and when every pooled client stays busy that long). */
const CONNECT_TIMEOUT_MS = 5_000;

const INT8_OID = 20;
const parseInt8 = (value: string): number => Number(value);

const types: pg.CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID && format !== 'binary' ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

export interface PoolEntry {
  readonly pool: pg.Pool;
  /** Stores using this pool; the last close() ends it. */
  refs: number;
  /** Memoised migration run (db/postgres/store.ts); reset when it fails so the next call retries. */
  migrated: Promise<void> | null;
}

const holder = globalThis as typeof globalThis & { __authPgPools?: Map<string, PoolEntry> };

function pools(): Map<string, PoolEntry> {
  holder.__authPgPools ??= new Map();
  return holder.__authPgPools;
}

/** Creates a pool for `url` (no connection yet). Also used by tests and scripts that need their own. */
export function createPool(url: string, options: { max?: number } = {}): pg.Pool {
  const onVercel = Boolean(process.env.VERCEL);
  const pool = new pg.Pool({
    connectionString: url,
    types,
    max: options.max ?? 10,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // Short on Vercel (its advice for Fluid compute), so idle sockets close before a suspension.
    idleTimeoutMillis: onVercel ? 5_000 : 10_000,
    keepAlive: true,
    // A script or test whose last query is done may exit without calling close().
    allowExitOnIdle: true,
  });
  // An idle client losing its connection (server restart, pooler timeout) emits 'error' on the
  // pool; without a listener that would crash the process. The pool drops that client itself and
  // the next query opens a new one, so there is nothing to do but not crash.
  pool.on('error', () => {});
  // A client that loses its connection while checked out (between the statements of a
  // transaction, or just before it is released) emits 'error' on itself, where the pool's listener
  // is not attached: the same crash. The query in flight is rejected anyway (and translated to
  // StoreUnavailableError by the store), and the broken client is discarded on release.
  pool.on('connect', (client) => {
    client.on('error', () => {});
  });
  if (onVercel) attachDatabasePool(pool);
  return pool;
}

/** The shared pool for `url`, created on first use; each caller must `releasePool` it once. */
export function acquirePool(url: string): PoolEntry {
  let entry = pools().get(url);
  if (!entry) {
    entry = { pool: createPool(url), refs: 0, migrated: null };
    pools().set(url, entry);
  }
  entry.refs += 1;
  return entry;
}

/** Gives back one reference; the last one ends the pool (and forgets it, so a new store starts afresh). */
export async function releasePool(url: string, entry: PoolEntry): Promise<void> {
  entry.refs -= 1;
  if (entry.refs > 0) return;
  if (pools().get(url) === entry) pools().delete(url);
  await entry.pool.end();
}

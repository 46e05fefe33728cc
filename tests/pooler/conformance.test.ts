/**
 * The Store conformance suite on the PostgreSQL adapter through a real PgBouncer in transaction
 * mode (what a Neon or Supabase pooled URL is): each fresh database is created directly on the
 * server at TEST_POSTGRES_URL, and the store connects to it through PgBouncer, so the migrations,
 * every method and the races (one store, and several stores with pools of their own) run on server
 * connections that PgBouncer hands from client to client between transactions.
 *
 * First, facts about the pooler, each checked against the server directly as a control, so they
 * can fail: it is PgBouncer in transaction mode; a session-level SET made through it does not stick
 * to the client's next transaction (another client's transaction sees it instead); a named
 * prepared statement breaks through it; many client connections share at most default_pool_size
 * server connections. Last, that every conformance database was really reached through PgBouncer.
 *
 * Run by .ci/run: `TEST_POOLER=1 npx vitest run --project pooler`. Fails (never skips) without
 * PgBouncer or TEST_POSTGRES_URL.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createPostgresStore } from '@/db/postgres/store';
import { type RateLimitRecord, type SecurityEventRecord, type Store } from '@/db/store';
import { describeStoreConformance, eventRow, T0 } from '../store/conformance';
import { createTestDatabase, databaseName, dropTestDatabase, withClient } from '../support/postgres';
import { DEFAULT_POOL_SIZE, findPgBouncer, startPgBouncer, type PgBouncer } from './pgbouncer';

if (!process.env.TEST_POSTGRES_URL) throw new Error('TEST_POSTGRES_URL is not set: run this file through the `pooler` Vitest project (TEST_POOLER=1), whose global setup provides PostgreSQL');

// Likewise without PgBouncer: one clear error for the file, not a failed hook and skipped tests.
await findPgBouncer();

let bouncer: PgBouncer | null = null;
/** Every database created (directly on the server) so far, dropped at the end. */
const created: string[] = [];
/** The database the conformance suite's last `open()` created: its direct URL, and the names of all. */
let current = '';
const conformanceDatabases: string[] = [];
let extraStores = 0;

function pooler(): PgBouncer {
  if (!bouncer) throw new Error('PgBouncer has not started');
  return bouncer;
}

beforeAll(async () => {
  bouncer = await startPgBouncer(process.env.TEST_POSTGRES_URL ?? '');
}, 60_000);

afterAll(async () => {
  // PgBouncer first (its server connections go with it), then the databases, directly.
  await bouncer?.stop();
  // A few at a time: one database per test, and each drop takes a connection slot of the server.
  for (let i = 0; i < created.length; i += 8) await Promise.all(created.slice(i, i + 8).map((url) => dropTestDatabase(url)));
}, 300_000);

/** A fresh database on the server: its direct URL. */
async function freshDatabase(): Promise<string> {
  const url = await createTestDatabase();
  created.push(url);
  return url;
}

/** `url` with another application_name: the adapter keeps one pool per URL, so this is another pool. */
function withApplicationName(url: string, name: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('application_name', name);
  return parsed.toString();
}

const pidAndMarker = z.object({ pid: z.number().int(), marker: z.string().nullable() });
type PidAndMarker = z.infer<typeof pidAndMarker>;

async function pidAndMarkerOf(client: pg.Client, sql: string): Promise<PidAndMarker> {
  const { rows } = await client.query(sql);
  return pidAndMarker.parse(rows[0]);
}

/**
 * Two client connections to `url`, A and B, one after the other:
 * 1. A sets a session-level setting (`set_config(…, false)`, what `SET` does) in one transaction;
 * 2. B opens a transaction and reads its backend and that setting, and keeps the transaction open;
 * 3. A, in its next transaction, reads its backend and the setting.
 * On a plain server, A keeps its backend and its setting and B sees neither. Behind a
 * transaction-mode pooler whose pool has one idle server connection, B gets A's backend (and A's
 * setting) and A's next transaction runs on another backend, without the setting.
 */
async function sessionStateProbe(url: string): Promise<{ aFirst: PidAndMarker; b: PidAndMarker; aNext: PidAndMarker }> {
  return withClient(url, async (a) => {
    const aFirst = await pidAndMarkerOf(a, "SELECT pg_backend_pid() AS pid, set_config('pooler_probe.marker', 'set-by-a', false) AS marker");
    return withClient(url, async (b) => {
      await b.query('BEGIN');
      try {
        const seenByB = await pidAndMarkerOf(b, "SELECT pg_backend_pid() AS pid, current_setting('pooler_probe.marker', true) AS marker");
        const aNext = await pidAndMarkerOf(a, "SELECT pg_backend_pid() AS pid, current_setting('pooler_probe.marker', true) AS marker");
        return { aFirst, b: seenByB, aNext };
      } finally {
        await b.query('COMMIT');
      }
    });
  });
}

/** Client A, then client B, each runs the named prepared statement `probe`; what B's attempt did. */
async function namedStatementProbe(url: string): Promise<string> {
  return withClient(url, async (a) => {
    await a.query({ name: 'probe', text: 'SELECT 1 AS one' });
    return withClient(url, async (b) => {
      try {
        await b.query({ name: 'probe', text: 'SELECT 1 AS one' });
        return 'ok';
      } catch (error) {
        return error instanceof Error ? error.message : String(error);
      }
    });
  });
}

const configRow = z.object({ key: z.string(), value: z.string().nullable() }).loose();
const poolRow = z.object({ database: z.string(), user: z.string(), pool_mode: z.string() }).loose();
const connectionRow = z.object({ database: z.string(), user: z.string() }).loose();
const statsRow = z.object({ database: z.string(), total_xact_count: z.coerce.number() }).loose();

describe('PgBouncer: the pooler the suite runs through', () => {
  it('is PgBouncer in transaction mode with a small pool (its admin console)', async () => {
    const version = z.array(z.object({ version: z.string() })).parse(await pooler().admin('SHOW VERSION'));
    expect(version[0]?.version).toMatch(/^PgBouncer \d+\.\d+/);
    const config = new Map(z.array(configRow).parse(await pooler().admin('SHOW CONFIG')).map((row) => [row.key, row.value]));
    expect(config.get('pool_mode')).toBe('transaction');
    expect(config.get('default_pool_size')).toBe(String(DEFAULT_POOL_SIZE));
    // Before 1.21 PgBouncer has no prepared-statement support at all; from 1.21 it must stay off.
    const maxPrepared = config.get('max_prepared_statements');
    if (maxPrepared !== undefined) expect(maxPrepared).toBe('0');
  });

  it('a session-level SET does not stick to the client across transactions (another client sees it); directly on the server it does', async () => {
    const direct = await freshDatabase();
    const pooled = await sessionStateProbe(pooler().through(direct));
    expect(pooled.aFirst.marker).toBe('set-by-a');
    // B's transaction ran on A's backend, with A's setting...
    expect(pooled.b).toStrictEqual({ pid: pooled.aFirst.pid, marker: 'set-by-a' });
    // ...and A's next transaction ran on another backend, without it.
    expect(pooled.aNext.pid).not.toBe(pooled.aFirst.pid);
    expect(pooled.aNext.marker).toBeNull();

    // The control: on a plain connection the probe sees session state stick.
    const plain = await sessionStateProbe(direct);
    expect(plain.b.pid).not.toBe(plain.aFirst.pid);
    expect(plain.b.marker).toBeNull();
    expect(plain.aNext).toStrictEqual({ pid: plain.aFirst.pid, marker: 'set-by-a' });
  });

  it('a named prepared statement breaks through it (so the suite would catch one in the adapter); directly on the server it works', async () => {
    const direct = await freshDatabase();
    expect(await namedStatementProbe(pooler().through(direct))).toMatch(/prepared statement "probe" already exists/);
    expect(await namedStatementProbe(direct)).toBe('ok');
  });

  it('many client connections share at most default_pool_size server connections, and the counts stay exact', async () => {
    const direct = await freshDatabase();
    const name = databaseName(direct);
    const stores: Store[] = Array.from({ length: 4 }, (_, i) => createPostgresStore(withApplicationName(pooler().through(direct), `pooler_share_${i}`)));
    try {
      const key = 'ip:share';
      const calls = 96;
      await Promise.all(
        Array.from({ length: calls }, (_, i) =>
          stores[i % stores.length]!.consumeRateLimit(key, (row: RateLimitRecord | null) => ({
            save: { key, count: (row?.count ?? 0) + 1, windowStart: T0, lastAt: T0 + i, limitedAt: null },
            result: null,
          })),
        ),
      );
      const final = await stores[0]!.consumeRateLimit(key, (row: RateLimitRecord | null) => ({ save: null, result: row }));
      expect(final?.count).toBe(calls);

      // The stores' pools keep their client connections open (idle) for a while: all through PgBouncer.
      const clients = z.array(connectionRow).parse(await pooler().admin('SHOW CLIENTS')).filter((row) => row.database === name);
      const servers = z.array(connectionRow).parse(await pooler().admin('SHOW SERVERS')).filter((row) => row.database === name);
      expect(clients.length).toBeGreaterThan(DEFAULT_POOL_SIZE);
      expect(servers.length).toBeGreaterThan(0);
      expect(servers.length).toBeLessThanOrEqual(DEFAULT_POOL_SIZE);
      const pools = z.array(poolRow).parse(await pooler().admin('SHOW POOLS')).filter((row) => row.database === name);
      expect(pools.map((row) => row.pool_mode)).toStrictEqual(['transaction']);
      // And the server agrees: no more backends on that database than PgBouncer's pool.
      const backends = await withClient(process.env.TEST_POSTGRES_URL ?? '', (client) =>
        client.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [name]),
      );
      expect(z.object({ n: z.number().int() }).parse(backends.rows[0]).n).toBeLessThanOrEqual(DEFAULT_POOL_SIZE);
    } finally {
      await Promise.all(stores.map((store) => store.close()));
    }
  });
});

/** Reads security_events around the adapter and around PgBouncer: directly on the server. */
async function rawSecurityEvents(): Promise<SecurityEventRecord[]> {
  return withClient(current, async (client) => {
    const { rows } = await client.query('SELECT id::float8 AS "id", type, user_id AS "userId", session_id AS "sessionId", ip, user_agent AS "userAgent", at::float8 AS "at", detail FROM security_events ORDER BY id');
    return z.array(eventRow).parse(rows);
  });
}

describeStoreConformance(
  'postgres through PgBouncer (transaction mode)',
  async () => {
    current = await freshDatabase();
    conformanceDatabases.push(databaseName(current));
    return createPostgresStore(pooler().through(current));
  },
  {
    // Each extra store is another pool (another application_name), also through PgBouncer: three
    // pools of up to 10 clients each, on PgBouncer's DEFAULT_POOL_SIZE server connections.
    connect: async () => createPostgresStore(withApplicationName(pooler().through(current), `pooler_conformance_${++extraStores}`)),
    connections: 3,
    rawSecurityEvents,
  },
);

const journal = z.object({ entries: z.array(z.object({ tag: z.string(), when: z.number() })).min(1) });

describe('PgBouncer: migrations', () => {
  it('two stores through PgBouncer on one fresh database, started at the same moment, migrate once', async () => {
    const expected = journal.parse(JSON.parse(readFileSync(path.join(process.cwd(), 'db', 'postgres', 'migrations', 'meta', '_journal.json'), 'utf8'))).entries;
    for (let round = 0; round < 3; round++) {
      const direct = await freshDatabase();
      const stores = [0, 1].map((i) => createPostgresStore(withApplicationName(pooler().through(direct), `pooler_migrate_${round}_${i}`)));
      try {
        await Promise.all(stores.map((store) => store.ready()));
        // Both work on the migrated schema.
        expect(await Promise.all(stores.map((store) => store.findUserById('user-nobody')))).toStrictEqual([null, null]);
      } finally {
        await Promise.all(stores.map((store) => store.close()));
      }
      const applied = await withClient(direct, (client) => client.query('SELECT hash, created_at::float8 AS "createdAt" FROM drizzle.__drizzle_migrations ORDER BY id'));
      const rows = z.array(z.object({ hash: z.string(), createdAt: z.number() })).parse(applied.rows);
      expect(rows.map((row) => row.createdAt)).toStrictEqual(expected.map((entry) => entry.when));
    }
  });
});

describe('PgBouncer: the suite went through it', () => {
  it('every conformance database shows transactions in PgBouncer\'s stats', async () => {
    expect(conformanceDatabases.length).toBeGreaterThan(40);
    const stats = new Map(z.array(statsRow).parse(await pooler().admin('SHOW STATS')).map((row) => [row.database, row.total_xact_count]));
    const missing = conformanceDatabases.filter((name) => !((stats.get(name) ?? 0) > 0));
    expect(missing).toStrictEqual([]);
  });
});
